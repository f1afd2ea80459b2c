"""Counting the SQL statements a request sends, to catch a query per row (N+1)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


class Statements:
    def __init__(self) -> None:
        self.sent: list[str] = []

    @property
    def count(self) -> int:
        return len(self.sent)


@contextmanager
def counting(engine: Engine) -> Iterator[Statements]:
    statements = Statements()

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # The savepoint and transaction bookkeeping of the test harness is not the route's work.
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN")):
            statements.sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
