"""The SQL half of keyset paging: order by the sort's columns and start after the cursor's key."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Enum, Select, String, bindparam, func, select, tuple_
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

from upstander.listing import rules

Row = TypeVar("Row")
KeyColumn = ColumnElement[Any] | QueryableAttribute[Any]


def _bound(column: KeyColumn, value: rules.Value) -> ColumnElement[Any]:
    # Enums are stored by value as plain strings: compare to the stored text, not the member.
    kind = String() if isinstance(column.type, Enum) else column.type
    return bindparam(None, value, type_=kind)


def page(
    session: Session,
    query: Select[*tuple[Any, ...]],
    key_columns: Sequence[KeyColumn],
    sort: rules.Sort,
    cursor: str | None,
    limit: int,
    build: Callable[[Any], Row],
) -> rules.Page[Row]:
    """Two statements whatever the size of the list: the filtered total, and one page past the cursor.

    `key_columns` is the sort column then a unique tie-breaker (the id); they are selected as
    `key0`, `key1`, … so the next cursor is read from the last row shown."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    keyed = query.add_columns(*(column.label(f"key{i}") for i, column in enumerate(key_columns)))
    if cursor:
        after = rules.decode_cursor(cursor, sort, len(key_columns))
        row_key = tuple_(*key_columns)
        cursor_key = tuple_(*(_bound(c, v) for c, v in zip(key_columns, after, strict=True)))
        keyed = keyed.where(row_key < cursor_key if sort.descending else row_key > cursor_key)
    ordered = keyed.order_by(*(c.desc() if sort.descending else c.asc() for c in key_columns))
    rows = list(session.execute(ordered.limit(limit + 1)))
    next_cursor = rules.next_cursor(
        rows, limit, sort, lambda row: tuple(_plain(getattr(row, f"key{i}")) for i in range(len(key_columns)))
    )
    return rules.Page(
        items=[build(row) for row in rows[:limit]],
        total=total,
        next_cursor=next_cursor,
        sort=sort,
        limit=limit,
    )


def _plain(value: Any) -> rules.Value:
    # A StrEnum member goes into the cursor as the text it is stored as.
    return value.value if isinstance(value, StrEnum) else value
