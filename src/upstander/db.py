"""Engine, sessions and the one transaction helper every use case runs in.

SQLite is the embedded default and PostgreSQL the production database; both behave the same
here. On SQLite the driver's own transaction handling is switched off and each transaction
starts with BEGIN IMMEDIATE, so concurrent writers queue on the database lock instead of
failing half-way (and savepoints work as documented).

A database that cannot be reached (PostgreSQL stopped or cut off, an SQLite file locked by
another program for longer than the busy timeout) becomes `DatabaseUnavailable` at the
transaction boundary: one plain "try again in a minute", never a 500 with a traceback.
"""

from __future__ import annotations

import base64
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import (
    DateTime,
    Engine,
    MetaData,
    Text,
    TypeDecorator,
    Uuid,
    create_engine,
    event,
    make_url,
    select,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import (
    DeclarativeBase,
    InstrumentedAttribute,
    Mapped,
    Session,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.pool import StaticPool

from upstander.errors import Conflict, DatabaseUnavailable

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every database (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


SEALED_PREFIX = "sealed:"
_FREE_TEXT_KEY = "upstander_free_text_key"


class FreeTextKeyMissing(RuntimeError):
    """Free text was read or written on a database that was given no free-text key."""


class SealedText(TypeDecorator[str]):
    """Free text a person typed, stored sealed (XSalsa20-Poly1305) under the server's free-text key.

    The key belongs to the engine (`Database.seal_free_text_with`), so a copy of the database alone
    shows none of it. Not for columns that are searched or sorted on: the ciphertext is random.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        from upstander import crypto

        return (
            SEALED_PREFIX + base64.b64encode(crypto.encrypt(_free_text_key(dialect), value.encode())).decode()
        )

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not value.startswith(SEALED_PREFIX):
            raise ValueError("a sealed text column holds a value that was never sealed")
        from upstander import crypto

        return crypto.decrypt(_free_text_key(dialect), base64.b64decode(value[len(SEALED_PREFIX) :])).decode()


def _free_text_key(dialect: Dialect) -> bytes:
    key: bytes | None = getattr(dialect, _FREE_TEXT_KEY, None)
    if key is None:
        raise FreeTextKeyMissing("This database was opened without the server's keys (open_server_keys).")
    return key


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid()}  # noqa: RUF012


def uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(primary_key=True, default=uuid.uuid4)


def utcnow() -> datetime:
    return datetime.now(UTC)


def unused_value(session: Session, column: InstrumentedAttribute[str], candidate: Callable[[], str]) -> str:
    """A freshly drawn value (a reference) that no row has in `column` yet."""
    while True:
        value = candidate()
        if session.scalar(select(column).where(column == value)) is None:
            return value


# Long enough for a burst of writers to queue on SQLite's lock or for PostgreSQL's pool to free a
# connection; past it the request answers 503 instead of holding its worker.
DEFAULT_BUSY_TIMEOUT_SECONDS = 30.0
# Without it, a database host that stops answering holds every request needing a new connection
# for psycopg's default of 130 seconds before it fails.
DEFAULT_CONNECT_TIMEOUT_SECONDS = 5

# SQLite's primary result codes for "the file cannot be used right now", as opposed to a bad
# statement or a corrupt file (which stay errors for someone to look at).
_SQLITE_UNAVAILABLE = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
    }
)
# SQLSTATE classes and codes for "the server is not there or not taking work": connection
# exceptions, insufficient resources (too many connections, disk full), and shutting down.
_POSTGRES_UNAVAILABLE_CLASSES = frozenset({"08", "53"})
_POSTGRES_UNAVAILABLE_CODES = frozenset({"57P01", "57P02", "57P03"})


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` means the database could not be reached or could not take the work now,
    so that the same request may well succeed in a minute."""
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection came free in time
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    driver_error = error.orig
    if isinstance(driver_error, sqlite3.OperationalError):
        code = getattr(driver_error, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in _SQLITE_UNAVAILABLE
    if isinstance(driver_error, psycopg.OperationalError):
        state = driver_error.sqlstate
        # No SQLSTATE: the client itself failed to connect, or lost the connection.
        return (
            state is None
            or state[:2] in _POSTGRES_UNAVAILABLE_CLASSES
            or state in _POSTGRES_UNAVAILABLE_CODES
        )
    return False


def unavailable_reason(error: BaseException) -> str:
    """The driver's own first line, for the log. Never `str()` of SQLAlchemy's wrapper: that
    carries the statement's parameters, which may be sealed report content or key hashes."""
    cause = error.orig if isinstance(error, sa_exc.DBAPIError) else error
    lines = str(cause).strip().splitlines()
    first = lines[0].strip() if lines else ""
    return f"{type(cause).__name__}: {first[:200]}" if first else type(cause).__name__


# Deadlock detected, serialization failure: PostgreSQL gave up one of two writers.
_POSTGRES_LOST_RACE_CODES = frozenset({"40P01", "40001"})


class LostRace(Conflict):
    """Another writer changed the same rows at the same moment and the database chose it.

    Use cases lock what they change first, so this is the net under them, not the answer a
    person normally gets (that one names what changed and who did it)."""

    title = "Someone else changed this first"

    def __init__(self) -> None:
        super().__init__(
            "Someone else changed this at the same moment, so nothing you sent was saved. "
            "Look at it again as it is now and try again if it is still needed.",
            code="changed_meanwhile",
        )


@contextmanager
def lost_race_as_domain_error() -> Iterator[None]:
    """A row changed under an UPDATE (the version counter's `WHERE version = ...` found nothing),
    or a deadlock or serialization failure on PostgreSQL, becomes a 409, never a 500."""
    try:
        yield
    except StaleDataError as error:
        raise LostRace() from error
    except sa_exc.DBAPIError as error:
        if isinstance(error.orig, psycopg.Error) and error.orig.sqlstate in _POSTGRES_LOST_RACE_CODES:
            raise LostRace() from error
        raise


@contextmanager
def unavailable_as_domain_error() -> Iterator[None]:
    """Turn "the database is not there" into DatabaseUnavailable; every other error passes unchanged."""
    try:
        yield
    except (sa_exc.DBAPIError, sa_exc.TimeoutError) as error:
        if is_unavailable(error):
            raise DatabaseUnavailable(unavailable_reason(error)) from error
        raise


def _configure_sqlite(engine: Engine, busy_timeout_seconds: float) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_seconds * 1000)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(
    url: str,
    *,
    busy_timeout_seconds: float = DEFAULT_BUSY_TIMEOUT_SECONDS,
    connect_timeout_seconds: int = DEFAULT_CONNECT_TIMEOUT_SECONDS,
) -> Engine:
    if url.startswith("sqlite"):
        if ":memory:" in url or url in {"sqlite://", "sqlite:///"}:
            engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            path = url.split("///", 1)[1] if "///" in url else ""
            if path:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(
                url, connect_args={"check_same_thread": False, "timeout": busy_timeout_seconds}
            )
        _configure_sqlite(engine, busy_timeout_seconds)
        return engine
    # A timeout written in the URL wins over the setting.
    connect_args = (
        {} if "connect_timeout" in make_url(url).query else {"connect_timeout": connect_timeout_seconds}
    )
    return create_engine(
        url,
        # Connections dropped while idle in the pool (a database restart, a failover) are found
        # and replaced at checkout instead of failing the request that draws them.
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        pool_timeout=busy_timeout_seconds,
        connect_args=connect_args,
    )


class Database:
    """One engine and the transaction boundary of every use case."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        busy_timeout_seconds: float = DEFAULT_BUSY_TIMEOUT_SECONDS,
        connect_timeout_seconds: int = DEFAULT_CONNECT_TIMEOUT_SECONDS,
    ) -> Database:
        return cls(
            make_engine(
                url,
                busy_timeout_seconds=busy_timeout_seconds,
                connect_timeout_seconds=connect_timeout_seconds,
            )
        )

    def seal_free_text_with(self, key: bytes) -> None:
        """Seal and open every `SealedText` column through this database with `key`."""
        setattr(self.engine.dialect, _FREE_TEXT_KEY, key)

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commit when the block ends normally; roll everything back on any error.

        A database that cannot be reached raises DatabaseUnavailable (see `is_unavailable`).
        """
        with (
            unavailable_as_domain_error(),
            lost_race_as_domain_error(),
            self._sessions() as session,
            session.begin(),
        ):
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
