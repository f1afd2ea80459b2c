"""Notifications that carry no content, and the background jobs that send them (see jobs.py)."""
