"""The operator's commands: make the backup key pair, take a snapshot, restore it; every refusal
is one clear message and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from common.backup import empty_database
from common.staff import Staff
from upstander.cli import app as cli
from upstander.config import Settings
from upstander.db import Database


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": "250", **env})
    return result.exit_code, " ".join(result.output.split())


@pytest.fixture
def live(data_dir: Path, database_url: str, database: Database) -> dict[str, str]:
    return {"UPSTANDER_DATA_DIR": str(data_dir), "UPSTANDER_DATABASE_URL": database_url}


@pytest.fixture
def key_pair(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "offline" / "backup.key"
    code, output = invoke({}, "backup-key", "create", "--private-key-file", str(path))
    assert code == 0, output
    public_key = output.rsplit(" ", 1)[1]
    return public_key, path


def test_the_backup_key_pair_is_made_with_the_private_key_only_where_asked(
    key_pair: tuple[str, Path], tmp_path: Path
) -> None:
    public_key, path = key_pair
    assert public_key.startswith("age1")
    text = path.read_text()
    assert f"# public key: {public_key}" in text
    assert "AGE-SECRET-KEY-1" in text
    assert path.stat().st_mode & 0o077 == 0, "owner-only"
    assert [p.name for p in path.parent.iterdir()] == ["backup.key"]
    code, output = invoke({}, "backup-key", "create", "--private-key-file", str(path))
    assert code == 2
    assert "already exists; it may be the key to older backups" in output
    assert path.read_text() == text, "an existing key is never overwritten"


def test_backup_then_restore_from_the_command_line(
    live: dict[str, str],
    key_pair: tuple[str, Path],
    staff: Staff,
    settings: Settings,
    backend: str,
    tmp_path: Path,
) -> None:
    staff.handler()
    public_key, private_key = key_pair
    snapshot = tmp_path / "nightly.age"
    code, output = invoke(live, "backup", "--output", str(snapshot))
    assert code == 2
    assert "No backup public key: set UPSTANDER_BACKUP_PUBLIC_KEY" in output
    assert not snapshot.exists()

    with_key = {**live, "UPSTANDER_BACKUP_PUBLIC_KEY": public_key}
    code, output = invoke(with_key, "backup", "--output", str(snapshot))
    assert code == 0, output
    assert f"Snapshot of the {backend} database written to {snapshot}" in output
    assert snapshot.stat().st_mode & 0o077 == 0, "the snapshot is owner-only"
    kept = snapshot.read_bytes()
    code, output = invoke(with_key, "backup", "--output", str(snapshot))
    assert code == 2
    assert "already exists; a snapshot is never written over another" in output
    assert snapshot.read_bytes() == kept

    code, output = invoke(live, "restore", str(snapshot), "--private-key-file", str(private_key))
    assert code == 2, "the live database is not an empty target"
    assert "is not empty" in output

    with empty_database(backend, tmp_path) as target_url:
        target = {"UPSTANDER_DATA_DIR": str(tmp_path / "restored"), "UPSTANDER_DATABASE_URL": target_url}
        code, output = invoke(target, "restore", str(snapshot), "--private-key-file", str(private_key))
        assert code == 0, output
        assert "Audit log: OK:" in output
        code, output = invoke(target, "audit", "verify")
        assert code == 0, output


def test_a_backup_of_a_database_run_with_other_keys_is_refused(
    live: dict[str, str], key_pair: tuple[str, Path], staff: Staff, settings: Settings, tmp_path: Path
) -> None:
    staff.handler()
    settings.resolved_audit_signing_key_file.write_text("ab" * 32)
    snapshot = tmp_path / "nightly.age"
    code, output = invoke(
        {**live, "UPSTANDER_BACKUP_PUBLIC_KEY": key_pair[0]}, "backup", "--output", str(snapshot)
    )
    assert code == 2
    assert "does not match this database" in output
    assert not snapshot.exists()
    assert not list(tmp_path.glob("*.partial")), "no half-written snapshot is left"


def test_a_backup_public_key_that_is_not_one_is_refused(live: dict[str, str], tmp_path: Path) -> None:
    code, output = invoke(live, "backup", "--output", str(tmp_path / "x.age"), "--public-key", "age1nonsense")
    assert code == 2
    assert "is not an age public key" in output
