"""Alembic environment: the URL comes from the caller (upstander.store.schema) or from settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from upstander.config import load_settings
from upstander.db import make_engine
from upstander.store.tables import metadata

config = context.config


def _ours(name: str | None, type_: str, parent_names: object) -> bool:
    # procrastinate's queue lives beside our tables on PostgreSQL; its schema is its own (0015).
    return not (type_ == "table" and name is not None and name.startswith("procrastinate_"))


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=_ours,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_with(connection)
        return
    url = config.attributes.get("url") or load_settings().resolved_database_url
    engine = make_engine(url)
    try:
        with engine.connect() as new_connection:
            run_with(new_connection)
    finally:
        engine.dispose()


run_migrations_online()
