"""The store beside the database module: the schema's migrations, every table, and secrets kept in files."""
