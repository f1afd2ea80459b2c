"""Migration 0019 on both databases: rows stored before it are version 1 and still open; it goes
back to 0018 while no key was replaced, and refuses once one was."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from alembic import command

from common.clock import FakeClock
from common.reports import submission
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.config import KdfCost, Settings
from upstander.services import Services, build_services
from upstander.store import schema

FAST = KdfCost(opslimit=1, memlimit_kib=8)


@pytest.fixture
def own_database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A database of its own, so it can be taken back to an older revision."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'versions.db'}"
        return
    url: str = request.getfixturevalue("postgres_url")
    name = f"{url.rsplit('/', 1)[1]}_versions"
    admin = os.environ.get("UPSTANDER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield f"{url.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def columns(url: str, table: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return {column["name"] for column in sa.inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def with_services(url: str, data_dir: Path, clock: FakeClock) -> Services:
    return build_services(
        Settings(data_dir=data_dir, database_url=url, password_cost=FAST, receipt_cost=FAST), clock=clock
    )


def test_the_key_versions_go_back_to_0018_and_come_again_with_every_item_still_open(
    own_database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    schema.upgrade(own_database_url)
    services = with_services(own_database_url, data_dir, clock)
    try:
        staff = Staff(services, clock)
        handler = staff.handler()
        report = services.reports.submit(submission("Stored before the round trip."))
        services.handling.reply(staff.principal(handler), report.report_id, "A reply, version 1.")
        services.handling.add_note(staff.principal(handler), report.report_id, "A note, version 1.")
    finally:
        services.database.dispose()

    command.downgrade(schema.alembic_config(own_database_url), "0018")
    assert "key_version" not in columns(own_database_url, "report_messages")
    assert "key_version" not in columns(own_database_url, "reports")
    schema.upgrade(own_database_url)
    schema.check(own_database_url)

    services = with_services(own_database_url, data_dir, clock)
    try:
        staff.services = services
        view = services.handling.open_report(staff.principal(handler), report.report_id)
        assert [m.text for m in view.messages] == ["A reply, version 1."]
        assert [n.text for n in view.notes] == ["A note, version 1."]

        admin = staff.user("admin", [Role.ADMIN])
        staff.handler("second")
        services.lifecycle.set_roles(staff.principal(admin), handler.user_id, [Role.ANALYST], "Moved on.")
    finally:
        services.database.dispose()
    with pytest.raises(RuntimeError, match="report keys were replaced"):
        command.downgrade(schema.alembic_config(own_database_url), "0018")
