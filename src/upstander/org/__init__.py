"""The organisation: units as a tree, people (staff records) and their postings."""
