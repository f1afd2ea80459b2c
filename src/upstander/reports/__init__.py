"""Intake, receipts, reporter follow-up, messages, notes and attachments."""
