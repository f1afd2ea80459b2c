"""Enrolment: an account is created with a one-time code instead of a password; its holder opens
it, enrols an authenticator, chooses a password and gets their key pair and recovery key then. A
second-factor reset ends the old authenticator and re-enrols a new one with a code of the same
kind. Every step audited; every refusal changes nothing."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from common import staff as staff_helpers
from common.clock import FakeClock
from common.pages import csrf, sign_in
from common.query_count import counting
from common.staff import PASSWORD, Staff
from upstander.accounts.models import Enrolment, Role, User
from upstander.audit.models import AuditEntry
from upstander.audit.service import Actor
from upstander.errors import Conflict, NotAllowed
from upstander.services import Services

CHOSEN = "a passphrase only I know"


@pytest.fixture
def admin(staff: Staff) -> staff_helpers.TestUser:
    return staff.user("admin", [Role.ADMIN])


def actions_about(services: Services, user_id: object) -> list[str]:
    with services.database.transaction() as session:
        return list(
            session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.subject_type == "user", AuditEntry.subject_id == str(user_id))
                .order_by(AuditEntry.seq)
            )
        )


def create(client: TestClient, headers: dict[str, str], username: str = "newcomer", **extra: Any) -> Any:
    body = {"username": username, "display_name": "New Comer", "roles": ["handler"], **extra}
    return client.post("/api/v1/users", headers=headers, json=body)


def token(client: TestClient, clock: FakeClock, username: str, password: str, secret: str) -> Any:
    clock.advance(seconds=30)
    return client.post(
        "/api/v1/auth/token",
        json={"username": username, "password": password, "totp_code": pyotp.TOTP(secret).at(clock())},
    )


def test_a_new_account_enrols_with_its_one_time_code_and_gets_its_key_pair_then(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock, admin: staff_helpers.TestUser
) -> None:
    created = create(client, staff.api_headers(client, admin))
    assert created.status_code == 201, created.text
    issued = created.json()
    code, user_id = issued["enrolment_code"], issued["user_id"]
    assert issued["enrolment_path"] == f"/staff/enrol?code={code}"
    assert issued["purpose"] == "account"

    # Awaiting enrolment: inactive, no key pair, in no picker, and no password signs it in.
    with services.database.transaction() as session:
        user = session.scalar(select(User).where(User.username == "newcomer"))
        assert user is not None
        assert (user.active, user.enrolled_at, user.public_key, user.password_hash) == (False, None, b"", "")
        stored = session.scalars(select(Enrolment).where(Enrolment.user_id == user.id)).one()
        # Only a keyed hash of the code is kept.
        assert code not in repr(vars(stored))
        assert len(stored.code_hash) == 64
    assert user.id not in services.accounts.public_keys_of_roles([Role.HANDLER])
    assert user.id not in {choice.user_id for choice in services.cases.handlers()}
    listed = client.get("/api/v1/users", headers=staff.api_headers(client, admin)).json()["users"]
    assert {row["username"]: row["status"] for row in listed}["newcomer"] == "awaiting enrolment"

    opened = client.post("/api/v1/auth/enrolment", json={"code": code.lower().replace("-", " ")})
    assert opened.status_code == 200, opened.text
    step = opened.json()
    assert step["username"] == "newcomer"
    assert step["otpauth_uri"].startswith("otpauth://totp/Upstander:newcomer?secret=")
    # Opened again (a reload), it offers the same secret, so a scan already made still counts.
    assert (
        client.post("/api/v1/auth/enrolment", json={"code": code}).json()["totp_secret"]
        == step["totp_secret"]
    )
    totp = pyotp.TOTP(step["totp_secret"])

    wrong_code = client.post(
        "/api/v1/auth/enrolment/finish", json={"code": code, "password": CHOSEN, "totp_code": "000000"}
    )
    assert wrong_code.status_code == 422
    short = client.post(
        "/api/v1/auth/enrolment/finish",
        json={"code": code, "password": "short", "totp_code": totp.at(clock())},
    )
    assert short.status_code == 422
    assert "12 characters" in short.text

    enrolled_at = clock()
    finished = client.post(
        "/api/v1/auth/enrolment/finish",
        json={"code": code, "password": CHOSEN, "totp_code": totp.at(clock())},
    )
    assert finished.status_code == 200, finished.text
    recovery_key = finished.json()["recovery_key"]
    assert recovery_key

    signed_in = token(client, clock, "newcomer", CHOSEN, step["totp_secret"])
    assert signed_in.status_code == 200, signed_in.text
    me = client.get("/api/v1/me", headers={"authorization": f"Bearer {signed_in.json()['token']}"})
    assert me.status_code == 200
    with services.database.transaction() as session:
        user = session.get(User, user.id)
        assert user is not None
        assert user.active
        assert user.enrolled_at == enrolled_at
        assert len(user.public_key) == 32
    # Its key pair is now one that content can be sealed to, and it is in the pickers.
    assert services.accounts.public_keys_of_roles([Role.HANDLER])[user.id] == user.public_key
    assert user.id in {choice.user_id for choice in services.cases.handlers()}
    # The recovery key shown opens the same private key.
    services.lifecycle.reset_with_recovery_key("newcomer", recovery_key, "another long passphrase")

    # Used once: the code opens nothing again.
    again = client.post("/api/v1/auth/enrolment", json={"code": code})
    assert again.status_code == 422
    assert "not valid" in again.text
    assert actions_about(services, user_id)[:3] == ["user.created", "user.enrolment_opened", "user.enrolled"]


def test_an_enrolment_code_expires_and_a_newer_one_ends_it(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock, admin: staff_helpers.TestUser
) -> None:
    headers = staff.api_headers(client, admin)
    first = create(client, headers).json()
    clock.advance(hours=97)
    expired = client.post("/api/v1/auth/enrolment", json={"code": first["enrolment_code"]})
    assert expired.status_code == 422
    # Not active, not enrolled: enabling it is refused; a new code is how it gets another chance.
    headers = staff.api_headers(client, admin)
    enable = client.post(
        f"/api/v1/users/{first['user_id']}/enable", headers=headers, json={"reason": "Skip enrolment."}
    )
    assert enable.status_code == 409
    second = client.post(
        f"/api/v1/users/{first['user_id']}/second-factor", headers=headers, json={"reason": "Code expired."}
    )
    assert second.status_code == 200, second.text
    assert second.json()["purpose"] == "account"
    third = client.post(
        f"/api/v1/users/{first['user_id']}/second-factor", headers=headers, json={"reason": "Lost the note."}
    ).json()
    assert (
        client.post("/api/v1/auth/enrolment", json={"code": second.json()["enrolment_code"]}).status_code
        == 422
    )
    assert client.post("/api/v1/auth/enrolment", json={"code": third["enrolment_code"]}).status_code == 200
    assert actions_about(services, first["user_id"]) == [
        "user.created",
        "user.enrolment_reissued",
        "user.enrolment_reissued",
        "user.enrolment_opened",
    ]


def test_a_second_factor_reset_ends_the_old_authenticator_and_re_enrols_a_new_one(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock, admin: staff_helpers.TestUser
) -> None:
    handler = staff.handler()
    public_key_before = services.accounts.public_keys_of_roles([Role.HANDLER])[handler.user_id]
    live = token(client, clock, "handler", PASSWORD, handler.totp_secret).json()["token"]
    reset = client.post(
        f"/api/v1/users/{handler.user_id}/second-factor",
        headers=staff.api_headers(client, admin),
        json={"reason": "Phone lost."},
    )
    assert reset.status_code == 200, reset.text
    code = reset.json()["enrolment_code"]
    assert reset.json()["purpose"] == "second_factor"
    # Every session ended; the old authenticator signs in no more.
    assert client.get("/api/v1/me", headers={"authorization": f"Bearer {live}"}).status_code == 401
    assert token(client, clock, "handler", PASSWORD, handler.totp_secret).status_code == 401

    secret = client.post("/api/v1/auth/enrolment", json={"code": code}).json()["totp_secret"]
    clock.advance(seconds=30)
    wrong_password = client.post(
        "/api/v1/auth/enrolment/finish",
        json={"code": code, "password": "not the password", "totp_code": pyotp.TOTP(secret).at(clock())},
    )
    assert wrong_password.status_code == 422
    assert "password is not right" in wrong_password.text
    done = client.post(
        "/api/v1/auth/enrolment/finish",
        json={"code": code, "password": PASSWORD, "totp_code": pyotp.TOTP(secret).at(clock())},
    )
    assert done.status_code == 200, done.text
    assert done.json()["recovery_key"] is None
    assert token(client, clock, "handler", PASSWORD, secret).status_code == 200
    # The same key pair: everything sealed to the account before still opens.
    assert services.accounts.public_keys_of_roles([Role.HANDLER])[handler.user_id] == public_key_before
    assert staff.principal(handler).private_key
    steps = [action for action in actions_about(services, handler.user_id) if action.startswith("user.")]
    assert steps == [
        "user.created",
        "user.second_factor_reset",
        "user.enrolment_opened",
        "user.second_factor_enrolled",
    ]


def test_enrolment_refusals_change_nothing(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock, admin: staff_helpers.TestUser
) -> None:
    handler = staff.handler()
    admin_headers = staff.api_headers(client, admin)
    refusals = {
        "not an administrator": (create(client, staff.api_headers(client, handler), "x1"), 403),
        "taken": (create(client, admin_headers, "handler"), 409),
        "a space": (create(client, admin_headers, "two words"), 422),
        "no role": (create(client, admin_headers, "x2", roles=[]), 422),
        "unknown role": (create(client, admin_headers, "x3", roles=["emperor"]), 422),
        "own second factor": (
            client.post(
                f"/api/v1/users/{admin.user_id}/second-factor",
                headers=admin_headers,
                json={"reason": "Mine."},
            ),
            422,
        ),
        "no reason": (
            client.post(
                f"/api/v1/users/{handler.user_id}/second-factor", headers=admin_headers, json={"reason": " "}
            ),
            422,
        ),
        "a made-up code": (client.post("/api/v1/auth/enrolment", json={"code": "1234-5678"}), 422),
        "finish unopened": (
            client.post(
                "/api/v1/auth/enrolment/finish",
                json={
                    "code": "0000-0000-0000-0000-0000-0000-0000",
                    "password": CHOSEN,
                    "totp_code": "123456",
                },
            ),
            422,
        ),
    }
    for name, (response, status) in refusals.items():
        assert response.status_code == status, (name, response.text)
        assert response.headers["content-type"].startswith("application/problem+json"), name
    services.lifecycle.disable(staff.principal(admin), handler.user_id, "Left.")
    disabled = client.post(
        f"/api/v1/users/{handler.user_id}/second-factor",
        headers=staff.api_headers(client, admin),
        json={"reason": "Phone lost."},
    )
    assert disabled.status_code == 409
    with services.database.transaction() as session:
        assert session.scalars(select(Enrolment)).all() == []
        assert session.scalar(select(User.id).where(User.username.in_(["x1", "x2", "x3"]))) is None


def test_two_finishing_one_code_at_once_one_wins_and_the_other_hears_409(
    staff: Staff, services: Services, clock: FakeClock, admin: staff_helpers.TestUser
) -> None:
    issued = services.enrolment.create_account(
        staff.principal(admin), username="twice", display_name="Twice", roles=[Role.ANALYST]
    )
    totp = pyotp.TOTP(services.enrolment.open(issued.code).totp_secret)
    meet = threading.Barrier(2)

    def finish(index: int) -> str:
        meet.wait()
        try:
            services.enrolment.finish(issued.code, f"{CHOSEN} number {index}", totp.at(clock()))
        except Conflict:
            return "conflict"
        return "ok"

    with ThreadPoolExecutor(2) as pool:
        answers = sorted(pool.map(finish, range(2)))
    assert answers == ["conflict", "ok"]
    assert actions_about(services, issued.user_id).count("user.enrolled") == 1


def test_the_pages_create_an_account_and_its_holder_enrols_with_a_qr_code(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock, admin: staff_helpers.TestUser
) -> None:
    page_token = sign_in(client, clock, admin, "/staff/users")
    refused = client.post(
        "/staff/users", data={"csrf_token": page_token, "username": "pc", "display_name": "PC Shaw"}
    )
    assert refused.status_code == 422
    assert 'value="PC Shaw"' in refused.text  # what was typed is kept
    made = client.post(
        "/staff/users",
        data={"csrf_token": page_token, "username": "pc", "display_name": "PC Shaw", "roles": ["staff"]},
    )
    assert made.status_code == 200, made.text
    link = re.search(r'id="enrolment-link">https://testserver(/staff/enrol\?code=[0-9A-Z-]+)<', made.text)
    assert link, made.text
    assert "awaiting enrolment" in made.text
    client.cookies.clear()

    landing = client.get(link.group(1))
    assert landing.status_code == 200
    code = re.search(r'name="code" value="([^"]+)"', landing.text)
    assert code
    step = client.post("/staff/enrol", data={"csrf_token": csrf(landing.text), "code": code.group(1)})
    assert step.status_code == 200
    assert '<svg width="' in step.text
    assert 'class="segno"' in step.text
    secret = re.search(r'id="totp-secret" class="receipt">(\w+)<', step.text)
    assert secret
    mismatch = client.post(
        "/staff/enrol/finish",
        data={
            "csrf_token": csrf(step.text),
            "code": code.group(1),
            "password": CHOSEN,
            "confirm_password": CHOSEN + "!",
            "totp_code": pyotp.TOTP(secret.group(1)).at(clock()),
        },
    )
    assert mismatch.status_code == 422
    assert "not the same" in mismatch.text
    finished = client.post(
        "/staff/enrol/finish",
        data={
            "csrf_token": csrf(step.text),
            "code": code.group(1),
            "password": CHOSEN,
            "confirm_password": CHOSEN,
            "totp_code": pyotp.TOTP(secret.group(1)).at(clock()),
        },
    )
    assert finished.status_code == 200, finished.text
    assert 'id="recovery-key"' in finished.text
    assert token(client, clock, "pc", CHOSEN, secret.group(1)).status_code == 200


def test_users_create_prints_an_enrolment_code_and_no_password_is_asked(
    staff: Staff, services: Services, clock: FakeClock
) -> None:
    from typer.testing import CliRunner

    from upstander.cli import app as cli

    result = CliRunner().invoke(
        cli,
        ["users", "create", "ruth", "--name", "Ruth Adair", "--role", "handler"],
        env={
            "UPSTANDER_DATA_DIR": str(services.settings.data_dir),
            "UPSTANDER_DATABASE_URL": services.settings.resolved_database_url,
            "UPSTANDER_PASSWORD_COST": '{"opslimit": 1, "memlimit_kib": 8}',
        },
    )
    assert result.exit_code == 0, result.output
    code = re.search(r"Enrolment code .*\n\s*([0-9A-Z-]{34})\n", result.output)
    assert code, result.output
    assert f"/staff/enrol?code={code.group(1)}" in result.output
    assert services.enrolment.open(code.group(1)).username == "ruth"
    assert actions_about(services, services.lifecycle.find_by_username("ruth"))[0] == "user.created"
    with services.database.transaction() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.created")).one()
        assert entry.actor == Actor.system("cli").label


def test_disabled_and_unenrolled_accounts_are_in_no_assignment_picker(
    staff: Staff, services: Services, admin: staff_helpers.TestUser
) -> None:
    from upstander.cases.appointment import users_in_role

    by = staff.principal(admin)
    handler = staff.handler()
    investigator = staff.user("investigator", [Role.INVESTIGATOR, Role.HANDLER])
    pending = services.enrolment.create_account(
        by, username="pending", display_name="Pending", roles=[Role.HANDLER, Role.INVESTIGATOR]
    )
    services.lifecycle.disable(by, investigator.user_id, "Left the force.")

    def pickers() -> dict[str, set[object]]:
        with services.database.transaction() as session:
            investigators = {user.id for user in users_in_role(session, Role.INVESTIGATOR)}
        return {
            "handlers": {choice.user_id for choice in services.cases.handlers()},
            "investigators": investigators,
            "sealed to": set(services.accounts.public_keys_of_roles([Role.HANDLER, Role.INVESTIGATOR])),
        }

    for name, chosen in pickers().items():
        assert investigator.user_id not in chosen, name
        assert pending.user_id not in chosen, name
    assert handler.user_id in pickers()["handlers"]
    services.lifecycle.enable(by, investigator.user_id, "Came back.")
    assert all(investigator.user_id in chosen for chosen in pickers().values())


def test_the_administrator_s_home_counts_accounts_and_lists_enrolments_waiting(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock, admin: staff_helpers.TestUser
) -> None:
    by = staff.principal(admin)
    handler = staff.handler()
    services.lifecycle.disable(by, handler.user_id, "Left.")
    services.enrolment.create_account(by, username="starter", display_name="Starter", roles=[Role.STAFF])
    sign_in(client, clock, admin, "/staff/admin")
    with counting(services.database.engine) as counted:
        home = client.get("/staff/admin")
    assert home.status_code == 200
    for name, value in {"accounts": 3, "active": 1, "disabled": 1, "awaiting": 1}.items():
        assert f'id="count-{name}">{value}<' in home.text, name
    assert "starter" in home.text
    assert "user.disabled" in home.text
    # A handful of queries whatever the number of accounts (none a row).
    assert counted.count <= 12
    overseer = staff.overseer()
    sign_in(client, clock, overseer, "/staff/audit")
    assert client.get("/staff/admin", follow_redirects=False).status_code == 403


def test_a_report_arriving_after_a_role_is_removed_is_sealed_to_a_key_the_old_holder_never_gets(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock, admin: staff_helpers.TestUser
) -> None:
    from common.reports import report_json
    from upstander import crypto
    from upstander.reports import keys as keyring
    from upstander.reports.models import Report, ReportKeyGrant

    leaver = staff.handler("leaver")
    staff.handler("stayer")
    old_copy = staff.principal(leaver).private_key  # what the leaver could have kept
    services.lifecycle.set_roles(staff.principal(admin), leaver.user_id, [Role.STAFF], "Moved to response.")
    receipt = client.post("/api/v1/reports", json=report_json())
    assert receipt.status_code == 201, receipt.text
    with services.database.transaction() as session:
        report = session.scalars(select(Report).where(Report.reference == receipt.json()["reference"])).one()
        grants = session.scalars(select(ReportKeyGrant).where(ReportKeyGrant.report_id == report.id)).all()
        assert grants, "the report is sealed to the handlers still holding the role"
        assert leaver.user_id not in {grant.user_id for grant in grants}
        for grant in grants:
            with pytest.raises(crypto.DecryptionFailed):
                crypto.unseal(old_copy, grant.sealed_private_key)
        with pytest.raises(NotAllowed):
            keyring.report_private_key(session, report, leaver.user_id, old_copy)
