"""An account's life: disabled and enabled, roles changed, password changed, reset with the
recovery key, the recovery key replaced; each step audited, and each refusal losing nothing."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from common import staff as staff_helpers
from common.clock import FakeClock
from common.pages import csrf, sign_in
from common.staff import PASSWORD, Staff
from upstander.accounts.models import Role, User
from upstander.audit import service as audit_service
from upstander.audit.models import AuditEntry
from upstander.audit.service import Actor
from upstander.errors import Conflict
from upstander.services import Services

NEW_PASSWORD = "a much longer new passphrase"


def token_for(
    client: TestClient, clock: FakeClock, user: staff_helpers.TestUser, password: str = PASSWORD
) -> str:
    clock.advance(seconds=30)
    response = client.post(
        "/api/v1/auth/token",
        json={"username": user.username, "password": password, "totp_code": user.code(clock)},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def sign_in_fails(client: TestClient, clock: FakeClock, user: staff_helpers.TestUser, password: str) -> bool:
    clock.advance(seconds=30)
    response = client.post(
        "/api/v1/auth/token",
        json={"username": user.username, "password": password, "totp_code": user.code(clock)},
    )
    return response.status_code == 401


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def actions_about(services: Services, user: staff_helpers.TestUser) -> list[str]:
    with services.database.transaction() as session:
        return list(
            session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.subject_type == "user", AuditEntry.subject_id == str(user.user_id))
                .order_by(AuditEntry.seq)
            )
        )


def recovery_key_of(staff: Staff, user: staff_helpers.TestUser) -> str:
    """The recovery key printed when the account was made: made again here for a fresh account."""
    created = staff.services.accounts.create_user(
        username=f"{user.username}-2",
        display_name="Second",
        password=PASSWORD,
        roles=[Role.HANDLER],
        actor=Actor.system("test"),
    )
    return created.recovery_key


@pytest.fixture
def admin(staff: Staff) -> staff_helpers.TestUser:
    return staff.user("admin", [Role.ADMIN])


def test_a_disabled_account_s_token_answers_401_at_once_and_it_leaves_the_pickers(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock, admin: staff_helpers.TestUser
) -> None:
    handler = staff.handler()
    tokens = [token_for(client, clock, handler) for _ in range(2)]
    assert client.get("/api/v1/me", headers=bearer(tokens[0])).status_code == 200
    assert handler.user_id in services.accounts.public_keys_of_roles([Role.HANDLER])

    disabled = client.post(
        f"/api/v1/users/{handler.user_id}/disable",
        headers=staff.api_headers(client, admin),
        json={"reason": "Left the force."},
    )
    assert disabled.status_code == 200, disabled.text
    assert disabled.json() == {"sessions_ended": 2}
    for token in tokens:
        assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert sign_in_fails(client, clock, handler, PASSWORD)
    # Gone from every picker (new reports are sealed to these keys; handlers are assigned from them).
    assert handler.user_id not in services.accounts.public_keys_of_roles([Role.HANDLER])
    listed = client.get("/api/v1/users", headers=staff.api_headers(client, admin)).json()["users"]
    assert {row["username"]: row["active"] for row in listed}["handler"] is False

    enabled = client.post(
        f"/api/v1/users/{handler.user_id}/enable",
        headers=staff.api_headers(client, admin),
        json={"reason": "Returned from secondment."},
    )
    assert enabled.status_code == 204, enabled.text
    # The old tokens stay ended; a new sign-in works.
    assert client.get("/api/v1/me", headers=bearer(tokens[0])).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(token_for(client, clock, handler))).status_code == 200
    steps = [action for action in actions_about(services, handler) if action.startswith("user.")]
    assert steps == ["user.created", "user.disabled", "user.enabled"]
    with services.database.transaction() as session:
        reasons = session.scalars(
            select(AuditEntry.details).where(AuditEntry.action.in_(["user.disabled", "user.enabled"]))
        ).all()
    assert [details["reason"] for details in reasons] == ["Left the force.", "Returned from secondment."]


def test_lifecycle_refusals_change_nothing(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock, admin: staff_helpers.TestUser
) -> None:
    handler = staff.handler()
    admin_headers = staff.api_headers(client, admin)
    handler_headers = staff.api_headers(client, handler)
    refusals = {
        "not an administrator": client.post(
            f"/api/v1/users/{admin.user_id}/disable", headers=handler_headers, json={"reason": "Mine now."}
        ),
        "oneself": client.post(
            f"/api/v1/users/{admin.user_id}/disable", headers=admin_headers, json={"reason": "Oops."}
        ),
        "no reason": client.post(
            f"/api/v1/users/{handler.user_id}/disable", headers=admin_headers, json={"reason": "   "}
        ),
        "already active": client.post(
            f"/api/v1/users/{handler.user_id}/enable", headers=admin_headers, json={"reason": "Again."}
        ),
        "own roles": client.post(
            f"/api/v1/users/{admin.user_id}/roles",
            headers=admin_headers,
            json={"roles": ["admin", "overseer"], "reason": "To read the reports."},
        ),
        "no such account": client.post(
            "/api/v1/users/00000000-0000-4000-8000-000000000000/disable",
            headers=admin_headers,
            json={"reason": "Gone."},
        ),
        "the same roles": client.post(
            f"/api/v1/users/{handler.user_id}/roles",
            headers=admin_headers,
            json={"roles": ["handler"], "reason": "No change."},
        ),
    }
    assert {name: answer.status_code for name, answer in refusals.items()} == {
        "not an administrator": 403,
        "oneself": 422,
        "no reason": 422,
        "already active": 409,
        "own roles": 422,
        "no such account": 404,
        "the same roles": 422,
    }
    assert "another administrator" in refusals["oneself"].json()["detail"]
    with services.database.transaction() as session:
        users = {user.username: (user.active, sorted(user.roles)) for user in session.scalars(select(User))}
    assert users == {"admin": (True, [Role.ADMIN]), "handler": (True, [Role.HANDLER])}
    assert not any(action.startswith("user.") for action in actions_about(services, handler)[1:])


def test_roles_change_reaches_the_access_checks_at_once(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock, admin: staff_helpers.TestUser
) -> None:
    analyst = staff.user("analyst", [Role.ANALYST])
    token = token_for(client, clock, analyst)
    assert client.get("/api/v1/inbox", headers=bearer(token)).status_code == 403
    changed = client.post(
        f"/api/v1/users/{analyst.user_id}/roles",
        headers=staff.api_headers(client, admin),
        json={"roles": ["handler"], "reason": "Joined the professional standards team."},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"granted": ["handler"], "removed": ["analyst"]}
    assert client.get("/api/v1/inbox", headers=bearer(token)).status_code == 200
    assert client.get("/api/v1/statistics/stages", headers=bearer(token)).status_code == 403
    assert analyst.user_id in services.accounts.public_keys_of_roles([Role.HANDLER])
    assert actions_about(services, analyst)[-1] == "user.roles_changed"


def test_changing_one_s_password_rewraps_the_key_and_signs_out_the_other_sessions(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    handler = staff.handler()
    this, other = token_for(client, clock, handler), token_for(client, clock, handler)
    wrong = client.post(
        "/api/v1/me/password",
        headers=bearer(this),
        json={"current_password": "not the password at all", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 422, wrong.text
    short = client.post(
        "/api/v1/me/password",
        headers=bearer(this),
        json={"current_password": PASSWORD, "new_password": "short"},
    )
    assert short.status_code == 422
    # The refusals lost nothing: both sessions live, the old password still signs in.
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 200

    changed = client.post(
        "/api/v1/me/password",
        headers=bearer(this),
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"sessions_ended": 1}
    assert client.get("/api/v1/me", headers=bearer(this)).status_code == 200
    assert client.get("/api/v1/me", headers=bearer(other)).status_code == 401
    assert sign_in_fails(client, clock, handler, PASSWORD)
    # Signing in unlocks the private key: it is the same key, locked again under the new password.
    token_for(client, clock, handler, NEW_PASSWORD)
    with services.database.transaction() as session:
        public_key = session.get(User, handler.user_id).public_key  # type: ignore[union-attr]
    assert services.accounts.public_keys_of_roles([Role.HANDLER])[handler.user_id] == public_key
    assert "user.password_changed" in actions_about(services, handler)


def test_a_forgotten_password_is_reset_with_the_recovery_key_and_a_wrong_key_loses_nothing(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    created = services.accounts.create_user(
        username="forgetful",
        display_name="Forgetful",
        password=PASSWORD,
        roles=[Role.HANDLER],
        actor=Actor.system("test"),
    )
    user = staff_helpers.TestUser(
        created.user_id, "forgetful", created.totp_secret, frozenset({Role.HANDLER})
    )
    live = token_for(client, clock, user)
    wrong_key = recovery_key_of(staff, user)
    for body, status in (
        ({"username": "forgetful", "recovery_key": wrong_key, "new_password": NEW_PASSWORD}, 401),
        ({"username": "forgetful", "recovery_key": "not a key", "new_password": NEW_PASSWORD}, 401),
        ({"username": "nobody", "recovery_key": created.recovery_key, "new_password": NEW_PASSWORD}, 401),
        ({"username": "forgetful", "recovery_key": created.recovery_key, "new_password": "short"}, 422),
    ):
        refused = client.post("/api/v1/auth/recovery", json=body)
        assert refused.status_code == status, refused.text
    assert refused.status_code == 422
    # Nothing was lost: the session lives, the old password signs in.
    assert client.get("/api/v1/me", headers=bearer(live)).status_code == 200
    token_for(client, clock, user)

    reset = client.post(
        "/api/v1/auth/recovery",
        # Typed as a person might: lower case, without the dashes.
        json={
            "username": "Forgetful",
            "recovery_key": created.recovery_key.replace("-", "").lower(),
            "new_password": NEW_PASSWORD,
        },
    )
    assert reset.status_code == 200, reset.text
    new_key = reset.json()["recovery_key"]
    assert new_key != created.recovery_key
    assert client.get("/api/v1/me", headers=bearer(live)).status_code == 401
    assert sign_in_fails(client, clock, user, PASSWORD)
    token_for(client, clock, user, NEW_PASSWORD)
    # The key used is spent; the new one works.
    again = client.post(
        "/api/v1/auth/recovery",
        json={"username": "forgetful", "recovery_key": created.recovery_key, "new_password": PASSWORD + "!"},
    )
    assert again.status_code == 401
    assert (
        client.post(
            "/api/v1/auth/recovery",
            json={"username": "forgetful", "recovery_key": new_key, "new_password": PASSWORD + "!"},
        ).status_code
        == 200
    )
    actions = actions_about(services, user)
    assert actions.count("user.password_reset.failed") == 3
    assert actions.count("user.password_reset") == 2


def test_recovery_attempts_are_budgeted_per_username(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    handler = staff.handler()
    clock.advance(seconds=3600 - clock().minute * 60 - clock().second + 60)  # a minute into an hour
    body = {
        "username": handler.username,
        "recovery_key": recovery_key_of(staff, handler),
        "new_password": NEW_PASSWORD,
    }
    answers = [client.post("/api/v1/auth/recovery", json=body).status_code for _ in range(6)]
    assert answers == [401] * 5 + [429]
    assert client.post("/api/v1/auth/recovery", json={**body, "username": "someone-else"}).status_code == 401


def test_regenerating_the_recovery_key_retires_the_old_one(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    created = services.accounts.create_user(
        username="careful",
        display_name="Careful",
        password=PASSWORD,
        roles=[Role.STAFF],
        actor=Actor.system("t"),
    )
    user = staff_helpers.TestUser(created.user_id, "careful", created.totp_secret, frozenset({Role.STAFF}))
    token = token_for(client, clock, user)
    refused = client.post(
        "/api/v1/me/recovery-key", headers=bearer(token), json={"password": "wrong password!"}
    )
    assert refused.status_code == 422
    made = client.post("/api/v1/me/recovery-key", headers=bearer(token), json={"password": PASSWORD})
    assert made.status_code == 200, made.text
    new_key = made.json()["recovery_key"]
    old = client.post(
        "/api/v1/auth/recovery",
        json={"username": "careful", "recovery_key": created.recovery_key, "new_password": NEW_PASSWORD},
    )
    assert old.status_code == 401
    assert (
        client.post(
            "/api/v1/auth/recovery",
            json={"username": "careful", "recovery_key": new_key, "new_password": NEW_PASSWORD},
        ).status_code
        == 200
    )
    assert actions_about(services, user).count("user.recovery_key_regenerated") == 1


def test_two_administrators_disabling_at_once_one_wins_and_the_other_hears_409(
    staff: Staff, services: Services
) -> None:
    first, second = staff.user("admin-one", [Role.ADMIN]), staff.user("admin-two", [Role.ADMIN])
    target = staff.handler()
    admins = [staff.principal(first), staff.principal(second)]
    for _ in range(5):
        meet = threading.Barrier(2)

        def disable(index: int, meet: threading.Barrier = meet) -> str:
            meet.wait()
            try:
                services.lifecycle.disable(admins[index], target.user_id, "Compromised device.")
            except Conflict:
                return "conflict"
            return "ok"

        with ThreadPoolExecutor(2) as pool:
            answers = sorted(pool.map(disable, range(2)))
        assert answers == ["conflict", "ok"]
        services.lifecycle.enable(admins[0], target.user_id, "Device replaced.")
    assert audit_service.verify(services.database, services.audit.public_key).ok


def test_the_administrator_s_pages_disable_and_change_roles(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock, admin: staff_helpers.TestUser
) -> None:
    handler = staff.handler()
    token = sign_in(client, clock, admin, "/staff/users")
    # The administrator's home shows their work: the accounts and the enrolments waiting.
    assert client.get("/staff", follow_redirects=False).headers["location"] == "/staff/admin"
    page = client.get("/staff/users")
    assert page.status_code == 200
    assert 'id="user-handler"' in page.text
    assert "your own account" in page.text
    missing = client.post(f"/staff/users/{handler.user_id}/disable", data={"csrf_token": token, "reason": ""})
    assert missing.status_code == 422
    assert "Give a reason" in missing.text
    done = client.post(
        f"/staff/users/{handler.user_id}/disable",
        data={"csrf_token": token, "reason": "Left the force."},
        follow_redirects=True,
    )
    assert done.status_code == 200
    assert "Disabled" in done.text
    roles = client.post(
        f"/staff/users/{handler.user_id}/roles",
        data={"csrf_token": csrf(done.text), "roles": ["handler", "investigator"], "reason": "Both."},
        follow_redirects=True,
    )
    assert "Roles changed" in roles.text
    with services.database.transaction() as session:
        user = session.get(User, handler.user_id)
        assert user is not None
        assert (user.active, sorted(user.roles)) == (False, [Role.HANDLER, Role.INVESTIGATOR])


def test_one_s_own_account_page_changes_the_password_and_shows_a_new_recovery_key_once(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    handler = staff.handler()
    token = sign_in(client, clock, handler, "/staff/account")
    mismatch = client.post(
        "/staff/account/password",
        data={"csrf_token": token, "current_password": PASSWORD, "new_password": NEW_PASSWORD,
              "confirm_password": NEW_PASSWORD + "x"},
    )  # fmt: skip
    assert mismatch.status_code == 422
    assert "not the same" in mismatch.text
    changed = client.post(
        "/staff/account/password",
        data={"csrf_token": token, "current_password": PASSWORD, "new_password": NEW_PASSWORD,
              "confirm_password": NEW_PASSWORD},
        follow_redirects=True,
    )  # fmt: skip
    assert "Password changed" in changed.text
    shown = client.post(
        "/staff/account/recovery-key", data={"csrf_token": csrf(changed.text), "password": NEW_PASSWORD}
    )
    assert shown.status_code == 200
    assert 'id="recovery-key"' in shown.text
    assert client.get("/staff/account").text.count('id="recovery-key"') == 0


def test_the_forgotten_password_page_resets_with_the_recovery_key(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    created = services.accounts.create_user(
        username="forgetful", display_name="F", password=PASSWORD, roles=[Role.STAFF], actor=Actor.system("t")
    )
    user = staff_helpers.TestUser(created.user_id, "forgetful", created.totp_secret, frozenset({Role.STAFF}))
    assert "/staff/recover" in client.get("/staff/sign-in").text

    def send(key: str, confirm: str = NEW_PASSWORD) -> tuple[int, str]:
        form = {
            "csrf_token": csrf(client.get("/staff/recover").text),
            "username": "forgetful",
            "recovery_key": key,
            "new_password": NEW_PASSWORD,
            "confirm_password": confirm,
        }
        answer = client.post("/staff/recover", data=form)
        return answer.status_code, answer.text

    status, text = send(recovery_key_of(staff, user))
    assert status == 401
    assert "The username or recovery key is not right." in text
    status, text = send(created.recovery_key, confirm="something else entirely")
    assert status == 422
    assert "not the same" in text
    token_for(client, clock, user)  # nothing was lost
    status, text = send(created.recovery_key)
    assert status == 200
    assert 'id="recovered"' in text
    assert created.recovery_key not in text
    token_for(client, clock, user, NEW_PASSWORD)
