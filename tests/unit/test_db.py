"""Which database errors mean "not there right now" (503, try again) and which are faults (500)."""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg
import pytest
from psycopg import errors as pg
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import sqlite

from upstander.crypto import DecryptionFailed
from upstander.db import SEALED_PREFIX, FreeTextKeyMissing, SealedText, is_unavailable, unavailable_reason


def sqlite_error(message: str, code: int) -> sqlite3.Error:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code  # type: ignore[attr-defined]  # set by the driver on real errors
    return error


def wrapped(driver_error: Exception, *, invalidated: bool = False) -> sa_exc.DBAPIError:
    return sa_exc.DBAPIError.instance(
        "INSERT INTO reports (sealed_content) VALUES (?)",
        {"sealed_content": "c2VhbGVk-secret"},
        driver_error,
        psycopg.Error if isinstance(driver_error, psycopg.Error) else sqlite3.Error,
        connection_invalidated=invalidated,
    )


@pytest.mark.parametrize(
    ("driver_error", "unavailable"),
    [
        (sqlite_error("database is locked", sqlite3.SQLITE_BUSY), True),
        (sqlite_error("database is locked", sqlite3.SQLITE_BUSY | (2 << 8)), True),  # BUSY_SNAPSHOT
        (sqlite_error("database table is locked", sqlite3.SQLITE_LOCKED), True),
        (sqlite_error("unable to open database file", sqlite3.SQLITE_CANTOPEN), True),
        (sqlite_error("disk I/O error", sqlite3.SQLITE_IOERR | (1 << 8)), True),
        (sqlite_error("database or disk is full", sqlite3.SQLITE_FULL), True),
        (sqlite_error("no such table: reports", sqlite3.SQLITE_ERROR), False),
        (sqlite_error("database disk image is malformed", sqlite3.SQLITE_CORRUPT), False),
        (sqlite3.OperationalError("no code attached"), False),
        (sqlite3.IntegrityError("UNIQUE constraint failed"), False),
        (psycopg.OperationalError("connection failed: Connection refused"), True),
        (pg.ConnectionTimeout("connection timeout expired"), True),
        (pg.AdminShutdown("terminating connection due to administrator command"), True),
        (pg.CannotConnectNow("the database system is starting up"), True),
        (pg.TooManyConnections("sorry, too many clients already"), True),
        (pg.ConnectionFailure("connection failure"), True),
        (pg.QueryCanceled("canceling statement due to statement timeout"), False),
        (pg.SerializationFailure("could not serialize access"), False),
        (pg.UniqueViolation("duplicate key value"), False),
        (pg.UndefinedTable('relation "reports" does not exist'), False),
    ],
)
def test_driver_errors(driver_error: Exception, unavailable: bool) -> None:
    assert is_unavailable(wrapped(driver_error)) is unavailable


def test_a_connection_the_pool_found_dead_is_unavailable_whatever_the_driver_said() -> None:
    assert is_unavailable(wrapped(pg.InterfaceError("the connection is closed"), invalidated=True))


def test_no_pooled_connection_free_in_time_is_unavailable() -> None:
    assert is_unavailable(sa_exc.TimeoutError("QueuePool limit of size 10 overflow 10 reached"))


def test_errors_that_are_not_the_database_are_not_unavailable() -> None:
    assert not is_unavailable(ConnectionRefusedError("the escrow key service"))
    assert not is_unavailable(sa_exc.InvalidRequestError("a bug"))


def test_the_reason_logged_is_the_driver_line_without_the_statement_or_its_parameters() -> None:
    error = wrapped(
        psycopg.OperationalError("consuming input failed: server closed the connection\n\tdetail")
    )
    reason = unavailable_reason(error)
    assert reason == "OperationalError: consuming input failed: server closed the connection"
    assert "secret" not in reason
    assert "INSERT" not in reason


# --- sealed free text ------------------------------------------------------------------------


def dialect_with_key(key: bytes | None) -> Any:
    dialect = sqlite.dialect()
    if key is not None:
        dialect.upstander_free_text_key = key  # as Database.seal_free_text_with does
    return dialect


def test_sealed_text_round_trips_and_stores_no_plain_word() -> None:
    dialect = dialect_with_key(b"k" * 32)
    stored = SealedText().process_bind_param("Alleged harassment on night shifts", dialect)
    assert stored is not None
    assert stored.startswith(SEALED_PREFIX)
    assert "night" not in stored
    assert SealedText().process_bind_param("Alleged harassment on night shifts", dialect) != stored, (
        "random nonce"
    )
    assert SealedText().process_result_value(stored, dialect) == "Alleged harassment on night shifts"
    assert SealedText().process_bind_param(None, dialect) is None


def test_sealed_text_needs_the_key_and_refuses_plain_or_altered_values() -> None:
    with pytest.raises(FreeTextKeyMissing):
        SealedText().process_bind_param("anything", dialect_with_key(None))
    dialect = dialect_with_key(b"k" * 32)
    with pytest.raises(ValueError, match="never sealed"):
        SealedText().process_result_value("plain words", dialect)
    stored = SealedText().process_bind_param("anything", dialect)
    assert stored is not None
    with pytest.raises(DecryptionFailed):
        SealedText().process_result_value(stored, dialect_with_key(b"x" * 32))
