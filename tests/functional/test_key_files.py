"""A database is only ever run with the keys it was made with: a restore without its key files, or
with others, is refused at start naming the file, instead of silently making new keys."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from typer.testing import CliRunner

from common.staff import PASSWORD
from upstander.accounts.models import Role
from upstander.app import create_app
from upstander.audit.service import Actor
from upstander.cli import app as cli
from upstander.config import Settings
from upstander.db import Database
from upstander.services import build_services
from upstander.store.key_fingerprints import KeyFingerprint, KeysDoNotMatchDatabase

# Commands that open the database; `serve` is checked before uvicorn starts, like `init`.
COMMANDS = [["init"], ["audit", "verify"], ["audit", "checkpoint"], ["restrictions", "due"]]


Invoke = Callable[..., tuple[int, str]]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str, database: Database) -> Invoke:
    """Run a command on the test's database and data directory: (exit code, output on one line)."""
    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("UPSTANDER_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "250")

    def invoke(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, list(args))
        return result.exit_code, " ".join(result.output.split())

    return invoke


def fingerprints(database: Database) -> int:
    with database.transaction() as session:
        return session.scalar(select(func.count()).select_from(KeyFingerprint)) or 0


def test_a_fresh_database_gets_new_key_files_and_records_their_fingerprints(
    run: Invoke, settings: Settings, database: Database
) -> None:
    key_files = [settings.server_secret_file, settings.resolved_audit_signing_key_file]
    code, output = run("init")
    assert code == 0, output
    assert all(path.exists() for path in key_files)
    assert fingerprints(database) == 2
    secret = [path.read_text() for path in key_files]
    with database.transaction() as session:
        stored = " ".join(session.scalars(select(KeyFingerprint.fingerprint)))
    for key in secret:
        assert key.strip() not in stored, "a fingerprint, never the key"
    code, output = run("init")
    assert code == 0, "the same keys again are accepted"


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_database_restored_without_its_key_files_is_refused_naming_each_file(
    run: Invoke, settings: Settings, command: list[str]
) -> None:
    assert run("init")[0] == 0
    for path in (settings.server_secret_file, settings.resolved_audit_signing_key_file):
        kept = path.read_text()
        path.unlink()
        code, output = run(*command)
        assert code == 2, output
        assert f"Key file {path} is missing, but this database was made with one." in output
        assert "Restore it from the backup that goes with this database." in output
        assert not path.exists(), "no new key is made for a database that had one"
        path.write_text(kept)
    assert run(*command)[0] in {0, 1}, "with the key files back, the command runs"


def test_a_database_with_another_key_file_is_refused(run: Invoke, settings: Settings) -> None:
    assert run("init")[0] == 0
    settings.resolved_audit_signing_key_file.write_text("ab" * 32)
    code, output = run("audit", "verify")
    assert code == 2, output
    assert f"Key file {settings.resolved_audit_signing_key_file} does not match this database" in output
    assert "BROKEN" not in output, "refused before the log is read with the wrong key"


def test_the_app_refuses_to_start_without_its_key_file(run: Invoke, settings: Settings) -> None:
    assert run("init")[0] == 0
    settings.server_secret_file.unlink()
    with pytest.raises(KeysDoNotMatchDatabase, match=r"server.*is missing"):
        create_app(settings)


def test_a_database_from_before_the_fingerprints_is_refused_without_its_key_and_recorded_with_it(
    run: Invoke, settings: Settings, database: Database
) -> None:
    services = build_services(settings, database)
    services.accounts.create_user(
        username="admin",
        display_name="Admin",
        password=PASSWORD,
        roles=[Role.ADMIN],
        actor=Actor.system("test"),
    )
    with database.transaction() as session:  # as a database upgraded from before 0012 has it
        session.execute(delete(KeyFingerprint))
    kept = settings.resolved_audit_signing_key_file.read_text()
    settings.resolved_audit_signing_key_file.unlink()
    code, output = run("audit", "verify")
    assert code == 2, output
    assert f"Key file {settings.resolved_audit_signing_key_file} is missing" in output
    settings.resolved_audit_signing_key_file.write_text(kept)
    code, output = run("audit", "verify")
    assert code == 0, output
    assert fingerprints(database) == 2, "the keys it runs with now are recorded"


def test_another_secret_key_in_the_environment_is_refused_naming_the_variable(
    run: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UPSTANDER_SECRET_KEY", "a" * 40)
    assert run("init")[0] == 0
    monkeypatch.setenv("UPSTANDER_SECRET_KEY", "b" * 40)
    code, output = run("init")
    assert code == 2, output
    assert "UPSTANDER_SECRET_KEY does not match this database" in output
