"""Migrations agree with the models on both databases; the CLI's commands run and explain themselves."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from upstander import schema
from upstander.cli import app as cli


def test_models_and_migrations_agree(database_url: str) -> None:
    schema.check(database_url)  # raises if `alembic check` would find a difference


def test_upgrade_is_idempotent(database_url: str) -> None:
    schema.upgrade(database_url)
    schema.check(database_url)


@pytest.mark.parametrize(
    "command", [[], ["init"], ["demo"], ["serve"], ["audit"], ["audit", "verify"], ["demo-code"]]
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
