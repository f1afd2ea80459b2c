"""Getting many rows into a table fast, on either database, without writing a row twice.

The writers decide what to write; this module only moves rows: one multi-row INSERT that skips
keys already taken, or PostgreSQL's COPY where nothing can be there yet.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import psycopg
from psycopg.types.json import Json
from sqlalchemy import JSON, Table, TypeDecorator, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from upstander.errors import InvalidInput


class ImportRefused(InvalidInput):
    """The import cannot start (or go on): a file, a column or the database is not as the mapping says."""


def insert_new(
    session: Session,
    table: Table,
    rows: list[dict[str, Any]],
    unique: tuple[str, ...],
    *,
    source: str,
) -> int:
    """Insert ``rows`` unless their ``unique`` columns are taken; how many were inserted.

    The caller has looked the keys up in the same transaction, so a row is only left out when
    another run wrote it meanwhile: counting by id tells, and stops this run (RETURNING would
    tell too, but makes the database answer row by row, several times slower).
    """
    if not rows:
        return 0
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(table).on_conflict_do_nothing(index_elements=unique), rows)
    ids = [row["id"] for row in rows]
    inserted = session.scalar(select(func.count()).select_from(table).where(table.c.id.in_(ids))) or 0
    if inserted != len(rows):
        raise ImportRefused(
            f"Another run is importing {source} at the same time; this batch was undone. "
            "Run the import again once the other run has finished: it will add only what is missing."
        )
    return inserted


def bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows that cannot be there yet. PostgreSQL takes them with COPY, several times faster
    than one INSERT per row; values are given as the columns store them (enums by value, JSON)."""
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        session.execute(table.insert(), rows)
        return
    columns = list(rows[0])
    json_columns = {column.name for column in table.columns if isinstance(column.type, JSON)}
    # COPY bypasses the column types: a sealed column must be sealed here, or it is stored plain.
    decorated = {
        column.name: column.type for column in table.columns if isinstance(column.type, TypeDecorator)
    }
    names = ", ".join(f'"{name}"' for name in columns)
    raw = session.connection().connection.dbapi_connection
    assert isinstance(raw, psycopg.Connection)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(
                [
                    decorated[name].process_bind_param(row[name], dialect)
                    if name in decorated
                    else _stored(row[name], name in json_columns)
                    for name in columns
                ]
            )


def _stored(value: object, is_json: bool) -> object:
    """A value as PostgreSQL's COPY takes it."""
    if is_json:
        return Json(value)
    return value.value if isinstance(value, Enum) else value
