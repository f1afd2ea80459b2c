"""`upstander users list|disable|enable|roles|reset-password`: the lifecycle from the command line,
recorded in the audit trail as the command line's, each refusal one line and exit code 1."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from common.clock import FakeClock
from common.staff import PASSWORD, Staff
from upstander.accounts.models import Role, User
from upstander.audit.models import AuditEntry
from upstander.audit.service import Actor
from upstander.cli import app as cli
from upstander.services import Services

Run = Callable[..., tuple[int, str]]


@pytest.fixture
def users(monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str, services: Services) -> Run:
    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("UPSTANDER_DATABASE_URL", database_url)
    monkeypatch.setenv("UPSTANDER_PASSWORD_COST", '{"opslimit": 1, "memlimit_kib": 8}')
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str, input: str | None = None) -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["users", *args], input=input)
        return result.exit_code, " ".join(result.output.split())

    return run


def test_disable_enable_and_roles_from_the_command_line(
    users,
    client: TestClient,
    staff: Staff,
    services: Services,
    clock: FakeClock,
) -> None:
    handler = staff.handler()
    token = staff.api_token(client, handler)
    assert users("disable", "handler", "--reason", "Left the force.") == (
        0,
        "Disabled handler; 1 session(s) ended.",
    )
    assert client.get("/api/v1/me", headers={"authorization": f"Bearer {token}"}).status_code == 401
    assert users("disable", "handler", "--reason", "Again.") == (1, "This account is already disabled.")
    code, listed = users("list")
    assert code == 0
    assert "handler DISABLED handler 0 session(s)" in listed
    assert users("enable", "handler", "--reason", "Came back.")[0] == 0
    assert users("roles", "handler", "--role", "investigator", "--reason", "Moved.") == (
        0,
        "Roles of handler: granted investigator; removed handler.",
    )
    assert users("disable", "nobody", "--reason", "Gone.") == (1, "There is no account named 'nobody'.")
    with services.database.transaction() as session:
        user = session.scalars(select(User).where(User.username == "handler")).one()
        assert (user.active, sorted(user.roles)) == (True, [Role.INVESTIGATOR])
        steps = session.execute(
            select(AuditEntry.actor, AuditEntry.action)
            .where(AuditEntry.action.in_(["user.disabled", "user.enabled", "user.roles_changed"]))
            .order_by(AuditEntry.seq)
        ).all()
    assert [tuple(step) for step in steps] == [
        ("system:cli", "user.disabled"),
        ("system:cli", "user.enabled"),
        ("system:cli", "user.roles_changed"),
    ]


def test_reset_password_with_the_recovery_key_from_the_command_line(
    users,
    services: Services,
    clock: FakeClock,
) -> None:
    created = services.accounts.create_user(
        username="forgetful", display_name="F", password=PASSWORD, roles=[Role.STAFF], actor=Actor.system("t")
    )
    new = "a brand new passphrase"
    code, output = users("reset-password", "forgetful", input=f"WRONG-KEY\n{new}\n{new}\n")
    assert (code, output.split(": ")[-1]) == (1, "The username or recovery key is not right.")
    code, output = users("reset-password", "forgetful", input=f"{created.recovery_key}\n{new}\n{new}\n")
    assert code == 0, output
    assert "New recovery key" in output
    assert created.recovery_key not in output
