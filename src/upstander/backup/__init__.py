"""Encrypted snapshots of the database and its key files, and restoring one into an empty place."""
