"""Getting many rows into a table fast, on either database, without writing a row twice.

The writers decide what to write; this module only moves rows: one INSERT executed for many rows
that skips keys already taken, or PostgreSQL's COPY where nothing can be there yet. On SQLite the
rows go to the driver's ``executemany`` as tuples of stored values, each column's conversion
looked up once per batch: SQLAlchemy's own executemany converts row by row through its compiled
statement, which took more time than SQLite's writing.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any

import psycopg
from psycopg.types.json import Json
from sqlalchemy import JSON, Dialect, Table, TypeDecorator
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
    another run wrote it meanwhile: the statement's row count tells, and stops this run.
    """
    if not rows:
        return 0
    dialect = session.get_bind().dialect
    if dialect.name == "sqlite":
        names, params = _driver_rows(table, rows, dialect)
        statement = f"{_insert_sql(table, names)} ON CONFLICT ({', '.join(_quoted(unique))}) DO NOTHING"
        # sqlite3 sums the rows each execution inserted; a skipped (taken) key adds none.
        inserted = session.connection().exec_driver_sql(statement, params).rowcount
    else:
        inserted = _insert_new_postgresql(session, table, rows, unique)
    if inserted != len(rows):
        raise ImportRefused(
            f"Another run is importing {source} at the same time; this batch was undone. "
            "Run the import again once the other run has finished: it will add only what is missing."
        )
    return inserted


def _insert_new_postgresql(
    session: Session, table: Table, rows: list[dict[str, Any]], unique: tuple[str, ...]
) -> int:
    """COPY into a table of this transaction, then one INSERT … SELECT skipping taken keys: its row
    count is what was inserted (an INSERT per row, and counting by id after, took the most time)."""
    connection = session.connection()
    staging = f"import_{table.name}"
    names, values = _rows_of(table, rows)
    columns = ", ".join(_quoted(names))
    # Names are the table's own columns, never read from a file; the values go through COPY.
    connection.exec_driver_sql(f'CREATE TEMPORARY TABLE "{staging}" (LIKE "{table.name}") ON COMMIT DROP')
    _copy(session, staging, table, names, values)
    inserted = connection.exec_driver_sql(
        f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} FROM "{staging}" '  # noqa: S608
        f"ON CONFLICT ({', '.join(_quoted(unique))}) DO NOTHING"
    )
    return inserted.rowcount


def bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows that cannot be there yet. PostgreSQL takes them with COPY, several times faster
    than one INSERT per row; values are given as the columns store them (enums by value, JSON)."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        names, params = _driver_rows(table, rows, dialect)
        session.connection().exec_driver_sql(_insert_sql(table, names), params)
        return
    names, values = _rows_of(table, rows)
    _copy(session, table.name, table, names, values)


def _copy(session: Session, into: str, table: Table, names: list[str], values: list[tuple[Any, ...]]) -> None:
    """COPY the values of ``table``'s columns ``names`` into the table named ``into``."""
    dialect = session.get_bind().dialect
    json_columns = {column.name for column in table.columns if isinstance(column.type, JSON)}
    # COPY bypasses the column types: a sealed column must be sealed here, or it is stored plain.
    decorated = {
        column.name: column.type for column in table.columns if isinstance(column.type, TypeDecorator)
    }
    converters = [
        (decorated[name], False) if name in decorated else (None, name in json_columns) for name in names
    ]
    raw = session.connection().connection.dbapi_connection
    assert isinstance(raw, psycopg.Connection)
    columns = ", ".join(_quoted(names))
    with raw.cursor() as cursor, cursor.copy(f'COPY "{into}" ({columns}) FROM STDIN') as copy:
        for row in values:
            copy.write_row(
                [
                    decorator.process_bind_param(value, dialect)
                    if decorator is not None
                    else _stored(value, is_json)
                    for (decorator, is_json), value in zip(converters, row, strict=True)
                ]
            )


def _stored(value: object, is_json: bool) -> object:
    """A value as PostgreSQL's COPY takes it."""
    if is_json:
        return Json(value)
    return value.value if isinstance(value, Enum) else value


def _quoted(names: Iterable[str]) -> list[str]:
    return [f'"{name}"' for name in names]


def _insert_sql(table: Table, names: list[str]) -> str:
    marks = ", ".join("?" for _ in names)
    # The names are the table's own columns, never read from a file; the values are parameters.
    return f'INSERT INTO "{table.name}" ({", ".join(_quoted(names))}) VALUES ({marks})'  # noqa: S608


def _complete(table: Table, rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """The column names and each column's values, row by row (a column the rows leave out given
    its default, as an ORM insert would give it). Column by column, so that each column's
    conversion is one ``map`` over its values rather than a test for every cell."""
    given = list(rows[0])
    columns = [[row[name] for row in rows] for name in given]
    names = list(given)
    for column in table.columns:
        default = column.default
        if column.name in rows[0] or default is None:
            continue
        names.append(column.name)
        if default.is_callable:
            columns.append([default.arg(None) for _ in rows])  # type: ignore[attr-defined]
        else:
            columns.append([default.arg] * len(rows))  # type: ignore[attr-defined]
    return names, columns


def _rows_of(table: Table, rows: list[dict[str, Any]]) -> tuple[list[str], list[tuple[Any, ...]]]:
    names, columns = _complete(table, rows)
    return names, list(zip(*columns, strict=True))


def _driver_rows(
    table: Table, rows: list[dict[str, Any]], dialect: Dialect
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The column names and one tuple of stored values per row, as the driver takes them: each
    column's conversion (enums, JSON, UUIDs, sealing) is SQLAlchemy's own, looked up once (its
    conversions take None as None)."""
    names, columns = _complete(table, rows)
    converters = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    stored = [
        values if convert is None else list(map(convert, values))
        for convert, values in zip(converters, columns, strict=True)
    ]
    return names, list(zip(*stored, strict=True))
