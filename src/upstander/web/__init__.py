"""Shared web layer: templates, static files, security headers, CSRF and error pages."""
