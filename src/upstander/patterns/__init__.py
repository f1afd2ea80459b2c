"""Patterns across reports: subject linking, early intervention, and escrowed matching."""
