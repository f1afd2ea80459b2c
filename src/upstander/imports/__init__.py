"""Importing historical complaint records from public datasets.

A source is described by a mapping (a TOML file: which CSV file feeds which table, which columns
feed which fields, and how each value is read), so a new source is a mapping, not code. The
mappings shipped with the package are in ``imports/mappings/``.
"""
