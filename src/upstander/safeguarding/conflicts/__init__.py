"""Conflicts of interest: declared relationships, the screen of a case's appointments, and overrides."""
