"""Shared test builders: staff with their sign-in codes, reports, a controllable clock."""
