"""Safeguarding: separation orders between people and the posting service that enforces them."""
