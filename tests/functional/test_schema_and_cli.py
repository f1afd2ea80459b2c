"""Migrations agree with the models on both databases; the CLI's commands run and explain themselves."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy import BindParameter, Uuid, bindparam
from typer.testing import CliRunner

from common.clock import FakeClock
from common.reports import submission
from common.staff import Staff
from upstander.cli import app as cli
from upstander.db import Database, UTCDateTime, utcnow
from upstander.store import schema


def test_models_and_migrations_agree(database_url: str) -> None:
    schema.check(database_url)  # raises if `alembic check` would find a difference


def test_upgrade_is_idempotent(database_url: str) -> None:
    schema.upgrade(database_url)
    schema.check(database_url)


@pytest.mark.parametrize(
    "command",
    [[], ["init"], ["demo"], ["serve"], ["audit"], ["audit", "verify"], ["demo-code"], ["users", "create"]],
)
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_init_creates_database_and_key_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(tmp_path / "fresh"))
    monkeypatch.delenv("UPSTANDER_DATABASE_URL", raising=False)
    result = CliRunner().invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "fresh" / "upstander.db").exists()
    key = tmp_path / "fresh" / "audit-signing.key"
    assert key.exists()
    assert key.stat().st_mode & 0o077 == 0, "key files are readable by their owner only"
    again = CliRunner().invoke(cli, ["init"])
    assert again.exit_code == 0
    verify = CliRunner().invoke(cli, ["audit", "verify"])
    assert verify.exit_code == 0
    assert verify.output.startswith("OK: 0 entries")


def test_users_create_makes_an_account_that_enrols_and_signs_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str, database: Database
) -> None:
    import re
    import time

    import pyotp

    from upstander.accounts.service import AccountService
    from upstander.config import KdfCost, Settings
    from upstander.services import build_services

    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("UPSTANDER_DATABASE_URL", database_url)
    monkeypatch.setenv("UPSTANDER_PASSWORD_COST", '{"opslimit": 1, "memlimit_kib": 8}')
    result = CliRunner().invoke(
        cli,
        ["users", "create", "ruth", "--name", "Ruth Adair", "--role", "handler", "--role", "decision_maker"],
    )
    assert result.exit_code == 0, result.output
    code = re.search(r"Enrolment code .*\n\s*([0-9A-Z-]{34})\n", result.output)
    assert code, result.output
    services = build_services(Settings())
    try:
        secret = services.enrolment.open(code.group(1)).totp_secret
        enrolled = services.enrolment.finish(
            code.group(1), "a long enough password", pyotp.TOTP(secret).now()
        )
        assert enrolled.recovery_key
        accounts: AccountService = services.accounts
        # The code that finished enrolling is spent: sign in with the next one (the app allows one step).
        next_code = pyotp.TOTP(secret).at(int(time.time()), counter_offset=1)
        signed_in = accounts.sign_in("ruth", "a long enough password", next_code)
        principal = accounts.authenticate(signed_in.bearer)
        assert {role.value for role in principal.roles} == {"handler", "decision_maker"}
        assert KdfCost(opslimit=1, memlimit_kib=8) == services.settings.password_cost
    finally:
        services.database.dispose()
    duplicate = CliRunner().invoke(cli, ["users", "create", "ruth", "--name", "Again", "--role", "handler"])
    assert duplicate.exit_code == 1
    assert "already taken" in duplicate.output


def test_demo_seeds_a_fictional_force_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str, database: Database, clock: FakeClock
) -> None:
    from sqlalchemy import func, select

    from upstander.accounts.models import User
    from upstander.cases.models import Allegation, Case, RepresentativeConsent
    from upstander.equality.service import StatisticsFilters, StatisticsService
    from upstander.org.models import Person
    from upstander.reports.models import Report
    from upstander.safeguarding.models import DetrimentAlert, Restriction

    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("UPSTANDER_DATABASE_URL", database_url)
    monkeypatch.setenv("UPSTANDER_PASSWORD_COST", '{"opslimit": 1, "memlimit_kib": 8}')
    result = CliRunner().invoke(cli, ["demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "demo-password-2026" in result.output
    receipts = (tmp_path / "demo-receipts.txt").read_text().splitlines()
    assert sum(line.startswith("R-") for line in receipts) == 5
    with database.transaction() as session:

        def count(model: type) -> int:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

        demo_people = select(Person).where(Person.staff_number.not_like("SY%")).subquery()
        # beside the demo force, a small synthetic one: 4 more reports, each opened as a case
        assert (count(User), count(demo_people), count(Report), count(Case)) == (14, 301, 9, 6)
        assert (count(Restriction), count(DetrimentAlert)) == (2, 1)
        assert count(RepresentativeConsent) == 1  # the demo representative has one member's case
        assert {"assessed", "investigation"} < set(session.scalars(select(Case.stage)))
        assert count(Allegation) > 1_000
    # the synthetic force is dated in the past, so the public statistics of the latest year are not empty
    # the command ran on the test clock (the clock fixture), so the period is the one it saw
    statistics = StatisticsService(database, clock=clock)
    start, end = statistics.transparency_period(None)
    reported = statistics.published_stage_table(StatisticsFilters(start=start, end=end)).line(
        "White", "reported"
    )
    assert (reported.count.value or 0) > 0
    again = CliRunner().invoke(cli, ["demo", "--if-empty"])
    assert again.exit_code == 0
    assert "already has users" in again.output
    verify = CliRunner().invoke(cli, ["audit", "verify"])
    assert verify.exit_code == 0, verify.output


@pytest.fixture
def old_database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A database of its own, so it can be taken back to an older revision."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    url: str = request.getfixturevalue("postgres_url")
    name = f"{url.rsplit('/', 1)[1]}_old"
    admin = os.environ.get("UPSTANDER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield f"{url.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


USERS_AT_0010: dict[str, sa.types.TypeEngine[object]] = {
    "id": sa.Uuid(),
    "username": sa.String(),
    "display_name": sa.String(),
    "active": sa.Boolean(),
    "created_at": UTCDateTime(),
    "password_hash": sa.String(),
    "totp_secret_encrypted": sa.LargeBinary(),
    "failed_sign_ins": sa.Integer(),
    "public_key": sa.LargeBinary(),
    "key_salt": sa.LargeBinary(),
    "locked_private_key": sa.LargeBinary(),
    "recovery_key_salt": sa.LargeBinary(),
    "recovery_locked_private_key": sa.LargeBinary(),
    "is_demo": sa.Boolean(),
}


def uuid_params(**values: uuid.UUID) -> list[BindParameter[uuid.UUID]]:
    return [bindparam(name, value, type_=Uuid()) for name, value in values.items()]


def test_the_upgrade_seals_the_free_text_already_in_the_database(
    old_database_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic import command
    from sqlalchemy import select, text

    from upstander.config import KdfCost, Settings
    from upstander.org.models import Person
    from upstander.safeguarding.models import HrEvent, SeparationOrder
    from upstander.services import build_services

    command.upgrade(schema.alembic_config(old_database_url), "0010")
    fast = KdfCost(opslimit=1, memlimit_kib=8)
    settings = Settings(
        data_dir=data_dir, database_url=old_database_url, password_cost=fast, receipt_cost=fast
    )
    services = build_services(settings)
    try:
        with services.database.transaction() as session:
            # The users table as revision 0010 has it (the model has gained columns since).
            user_id = uuid.uuid4()
            users_then = sa.table("users", *(sa.column(name, kind) for name, kind in USERS_AT_0010.items()))
            session.execute(
                sa.insert(users_then).values(
                    id=user_id, username="welfare", display_name="W", active=True, created_at=utcnow(),
                    password_hash="", totp_secret_encrypted=b"", failed_sign_ins=0, public_key=b"",
                    key_salt=b"", locked_private_key=b"", recovery_key_salt=b"",
                    recovery_locked_private_key=b"", is_demo=False,
                )
            )  # fmt: skip
        with services.database.transaction() as session:
            people = [
                Person(staff_number=f"NS0900{n}", given_name="A", family_name="B", rank="PC") for n in (1, 2)
            ]
            session.add_all(people)
            session.flush()
            first, second = sorted(p.id for p in people)
            ids = {"person": first, "other": second, "user": user_id}
            session.execute(
                text(
                    "INSERT INTO separation_orders (id, person_a_id, person_b_id, separate_teams, separate_shifts,"
                    " made_by_id, made_at, reasons, end_condition) VALUES (:id, :person, :other, true, false,"
                    " :user, CURRENT_TIMESTAMP, 'Alleged harassment of a probationer on night shifts',"
                    " 'until the case closes')"
                ).bindparams(*uuid_params(id=uuid.uuid4(), **ids))
            )
            session.execute(
                text(
                    "INSERT INTO hr_events (id, person_id, kind, occurred_on, details, recorded_by_id, recorded_at)"
                    " VALUES (:id, :person, 'posting_change', CURRENT_DATE, 'moved to nights after she reported',"
                    " :user, CURRENT_TIMESTAMP)"
                ).bindparams(*uuid_params(id=uuid.uuid4(), person=first, user=user_id))
            )
    finally:
        services.database.dispose()

    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(data_dir))
    schema.upgrade(old_database_url)
    schema.check(old_database_url)
    services = build_services(settings)
    try:
        with services.database.transaction() as session:
            stored = session.execute(text("SELECT reasons, end_condition FROM separation_orders")).one()
            assert all(value.startswith("sealed:") for value in stored), stored
            assert "night shifts" not in " ".join(stored)
            assert session.execute(text("SELECT details FROM hr_events")).scalar_one().startswith("sealed:")
            order = session.scalars(select(SeparationOrder)).one()
            assert order.reasons == "Alleged harassment of a probationer on night shifts"
            assert order.end_condition == "until the case closes"
            assert session.scalars(select(HrEvent.details)).one() == "moved to nights after she reported"
    finally:
        services.database.dispose()
    if old_database_url.startswith("sqlite"):  # nor left behind in the file's free space
        path = Path(old_database_url.split("///", 1)[1])
        raw = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
        assert b"night shifts" not in raw
        assert b"after she reported" not in raw


def test_reports_stored_before_keyed_receipts_keep_argon2id_and_still_open(
    old_database_url: str, data_dir: Path
) -> None:
    """Migration 0014 marks every report already stored as Argon2id; their receipts still open."""
    from alembic import command
    from sqlalchemy import select

    from common.reports import submission
    from upstander import crypto
    from upstander.accounts.models import Role
    from upstander.audit.service import Actor
    from upstander.config import KdfCost, Settings
    from upstander.reports.models import Report
    from upstander.services import build_services

    fast = KdfCost(opslimit=1, memlimit_kib=8)
    settings = Settings(
        data_dir=data_dir, database_url=old_database_url, password_cost=fast, receipt_cost=fast
    )
    schema.upgrade(old_database_url)
    services = build_services(settings)
    try:
        services.accounts.create_user(
            username="handler", display_name="H", password="a long enough password",
            roles=[Role.HANDLER], actor=Actor.system("test"),
        )  # fmt: skip
        receipt_key = services.reports.submit(submission("Received under Argon2id")).receipt_key
        older = services.reports.derive_argon2id_receipt(receipt_key)
        keyed = services.reports.derive_receipt(receipt_key)
        with services.database.transaction() as session:
            # What the code before 0014 stored for this report.
            report = session.scalars(select(Report)).one()
            content = crypto.unseal(keyed.key_pair.private, report.sealed_content_for_reporter)
            report.receipt_hash = older.lookup_hash
            report.reporter_public_key = older.key_pair.public
            report.sealed_content_for_reporter = crypto.seal(older.key_pair.public, content)
            report.receipt_scheme = crypto.RECEIPT_ARGON2ID
    finally:
        services.database.dispose()
    command.downgrade(schema.alembic_config(old_database_url), "0013")
    schema.upgrade(old_database_url)
    services = build_services(settings)
    try:
        with services.database.transaction() as session:
            assert session.scalars(select(Report.receipt_scheme)).one() == crypto.RECEIPT_ARGON2ID
        follow_up = services.reports.follow_up
        reporter = follow_up.reporter_session(follow_up.reporter_sign_in(receipt_key).bearer)
        assert follow_up.reporter_view(reporter).content["what_happened"] == "Received under Argon2id"
        newer = services.reports.submit(submission("Received after")).receipt_key
        with services.database.transaction() as session:
            schemes = sorted(session.scalars(select(Report.receipt_scheme)))
        assert schemes == [crypto.RECEIPT_ARGON2ID, crypto.RECEIPT_KEYED]
        reporter = follow_up.reporter_session(follow_up.reporter_sign_in(newer).bearer)
        assert follow_up.reporter_view(reporter).content["what_happened"] == "Received after"
    finally:
        services.database.dispose()
    with pytest.raises(RuntimeError, match="cannot open them"):
        command.downgrade(schema.alembic_config(old_database_url), "0013")


def test_init_after_an_upgrade_across_the_owed_columns_works_out_what_each_case_waits_for(
    old_database_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    """A case stored before its row said what it waits for is not left reading "nothing due"."""
    if old_database_url.startswith("sqlite"):
        pytest.skip(
            "SQLite rebuilds the cases table to take the columns away, which its foreign keys refuse; "
            "the replay itself is tested on both databases in test_case_owed.py"
        )
    from alembic import command
    from sqlalchemy import select

    from upstander.accounts.models import Role
    from upstander.cases.models import Case
    from upstander.cases.workflow import OWED_COLUMNS_REVISION
    from upstander.config import KdfCost, Settings
    from upstander.services import build_services

    fast = KdfCost(opslimit=1, memlimit_kib=8)
    settings = Settings(
        data_dir=data_dir, database_url=old_database_url, password_cost=fast, receipt_cost=fast
    )
    schema.upgrade(old_database_url)
    services = build_services(settings)
    try:
        staff = Staff(services, clock)
        handler = staff.handler()
        staff.user("decider", [Role.DECISION_MAKER])
        report = services.reports.submit(submission("Something happened."))
        services.handling.acknowledge(staff.principal(handler), report.report_id, "Thank you.")
        services.cases.open_case(staff.principal(handler), [report.report_id])
    finally:
        services.database.dispose()
    command.downgrade(schema.alembic_config(old_database_url), f"{OWED_COLUMNS_REVISION}-1")

    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("UPSTANDER_DATABASE_URL", old_database_url)
    monkeypatch.setenv("UPSTANDER_PASSWORD_COST", '{"opslimit": 1, "memlimit_kib": 8}')
    result = CliRunner().invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    assert "worked out again from its timeline (cases changed: 1)" in result.output
    services = build_services(settings)
    try:
        with services.database.transaction() as session:
            case = session.scalars(select(Case)).one()
            assert case.owed_by == ",decision_maker,"
            assert case.next_due_label is not None
    finally:
        services.database.dispose()
    again = CliRunner().invoke(cli, ["init"])
    assert again.exit_code == 0, again.output
    assert "worked out again" not in again.output
