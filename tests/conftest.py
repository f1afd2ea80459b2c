"""The test harness: every functional test runs against real SQLite and real PostgreSQL.

Each xdist worker gets its own SQLite file and its own PostgreSQL database, migrated once with
Alembic; after each test every table is emptied. Set UPSTANDER_TEST_POSTGRES=required (CI does)
to fail instead of skipping when PostgreSQL cannot be reached.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text

from common import machine_dates
from common.apps import app_for
from common.clock import FakeClock
from common.staff import Staff
from upstander import services as services_module
from upstander.config import KdfCost, Settings
from upstander.db import Base, Database
from upstander.services import Services, build_services
from upstander.store import schema

# A shared 2-core machine makes timings noisy: a property test is judged on its examples, not its speed.
hypothesis_settings.register_profile("upstander", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("upstander")

POSTGRES_ADMIN_URL = os.environ.get(
    "UPSTANDER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
POSTGRES_MODE = os.environ.get("UPSTANDER_TEST_POSTGRES", "auto")
# Tests use the cheapest Argon2id the library accepts; the real settings are measured in bench/.
FAST_KDF = KdfCost(opslimit=1, memlimit_kib=8)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_available() -> str | None:
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    problem = _postgres_available()
    if problem is not None:
        if POSTGRES_MODE == "required":
            pytest.fail(
                f"PostgreSQL is required (UPSTANDER_TEST_POSTGRES=required) but unreachable: {problem}"
            )
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {problem}")
    name = f"upstander_test_{_worker()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'upstander.db'}"


@pytest.fixture(scope="session")
def _migrated(request: pytest.FixtureRequest) -> dict[str, str]:
    return {}


def _database_for(backend: str, request: pytest.FixtureRequest, migrated: dict[str, str]) -> str:
    url: str = request.getfixturevalue("postgres_url" if backend == "postgresql" else "sqlite_url")
    if backend not in migrated:
        schema.upgrade(url)
        migrated[backend] = url
    return url


def _empty_all_tables(database: Database) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    with database.engine.begin() as connection:
        if database.is_postgresql:
            names = ", ".join(f'"{table.name}"' for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, _migrated: dict[str, str]) -> Iterator[str]:
    url = _database_for(backend, request, _migrated)
    yield url
    if "database" not in request.fixturenames:
        # A test that ran commands or a server on the URL alone leaves nothing for the next one.
        leftover = Database.from_url(url)
        try:
            _empty_all_tables(leftover)
        finally:
            leftover.dispose()


@pytest.fixture(scope="session")
def _databases() -> Iterator[dict[str, Database]]:
    opened: dict[str, Database] = {}
    yield opened
    for database in opened.values():
        database.dispose()


@pytest.fixture
def database(database_url: str, _databases: dict[str, Database]) -> Iterator[Database]:
    # One engine per database for the whole run: an engine compiles each statement once, and a
    # new engine per test compiled them all again (an eighth of a functional test's CPU).
    database = _databases.get(database_url)
    if database is None:
        database = _databases[database_url] = Database.from_url(database_url)
    try:
        yield database
    finally:
        _empty_all_tables(database)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def settings(data_dir: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        password_cost=FAST_KDF,
        receipt_cost=FAST_KDF,
        audit_checkpoint_every=10,
    )


@pytest.fixture
def machine_date(request: pytest.FixtureRequest) -> datetime | None:
    return machine_dates.machine_date_of(request)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    machine_dates.parametrize_by_date(metafunc)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, machine_date: datetime | None) -> FakeClock:
    # At a real date (tests/at_dates.sh) the test's clock starts there too, not at its named start.
    test_clock = FakeClock(machine_date)
    built_by_commands = services_module.build_services

    def build_on_the_test_clock(
        settings: Settings, database: Database | None = None, clock: Callable[[], datetime] = test_clock
    ) -> Services:
        return built_by_commands(settings, database, clock)

    # A command run inside a test (CliRunner) builds its own services: it runs on the test's clock too.
    monkeypatch.setattr(services_module, "build_services", build_on_the_test_clock)
    return test_clock


@pytest.fixture
def services(settings: Settings, database: Database, clock: FakeClock) -> Services:
    return build_services(settings, database, clock)


@pytest.fixture
def staff(services: Services, clock: FakeClock) -> Staff:
    return Staff(services, clock)


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(app_for(services), base_url="https://testserver") as test_client:
        yield test_client


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that reads or moves the clock: `.ci/run` runs those again at awkward real dates."""
    for item in items:
        if isinstance(item, pytest.Function) and "clock" in item._fixtureinfo.argnames:
            item.add_marker(pytest.mark.clock)
    items[:] = machine_dates.in_date_order(items)
