"""An SQLite file held by another program, and the app set to give up on it after one second."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import make_url

from upstander.config import Settings
from upstander.db import Database
from upstander.services import Services, build_services


@contextmanager
def impatient_services(
    settings: Settings, database_url: str, clock: Callable[[], datetime]
) -> Iterator[Services]:
    """Services on the same file and secrets with a one-second busy timeout, so a held lock is felt at once."""
    quick = Settings(
        data_dir=settings.data_dir,
        database_url=database_url,
        password_cost=settings.password_cost,
        receipt_cost=settings.receipt_cost,
        database_busy_timeout_seconds=1,
    )
    database = Database.from_url(database_url, busy_timeout_seconds=1)
    try:
        yield build_services(quick, database, clock)
    finally:
        database.dispose()


@contextmanager
def other_program(database_url: str) -> Iterator[sqlite3.Connection]:
    """Another program's connection to the file: `BEGIN IMMEDIATE` on it takes the write lock."""
    other = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
    try:
        yield other
    finally:
        if other.in_transaction:
            other.execute("ROLLBACK")
        other.close()
