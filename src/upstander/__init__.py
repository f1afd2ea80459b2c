"""Upstander: secure misconduct reporting and professional-standards case handling."""

__version__ = "0.1.0"
