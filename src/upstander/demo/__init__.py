"""Demonstration data for `make run`: an organisation, staff, reports and cases to look at."""
