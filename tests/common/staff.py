"""Staff users for tests, and signing them in (each sign-in moves the clock to a fresh TOTP step)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import pyotp
from fastapi.testclient import TestClient

from common.clock import FakeClock
from upstander.accounts.models import Role
from upstander.accounts.service import StaffPrincipal, unlock_principal
from upstander.audit.service import Actor
from upstander.services import Services

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class TestUser:
    user_id: uuid.UUID
    username: str
    totp_secret: str
    roles: frozenset[Role]

    def code(self, clock: FakeClock) -> str:
        return pyotp.TOTP(self.totp_secret).at(clock())


class Staff:
    def __init__(self, services: Services, clock: FakeClock) -> None:
        self.services = services
        self.clock = clock
        self._users: dict[str, TestUser] = {}

    def user(self, username: str, roles: Iterable[Role]) -> TestUser:
        if username not in self._users:
            created = self.services.accounts.create_user(
                username=username,
                display_name=username.title(),
                password=PASSWORD,
                roles=roles,
                actor=Actor.system("test"),
            )
            self._users[username] = TestUser(created.user_id, username, created.totp_secret, frozenset(roles))
        return self._users[username]

    def handler(self, name: str = "handler") -> TestUser:
        return self.user(name, [Role.HANDLER])

    def overseer(self) -> TestUser:
        return self.user("overseer", [Role.OVERSEER])

    def principal(self, user: TestUser) -> StaffPrincipal:
        return unlock_principal(self.services.database, self.services.settings, user.username, PASSWORD)

    def api_token(self, client: TestClient, user: TestUser) -> str:
        self.clock.advance(seconds=30)
        response = client.post(
            "/api/v1/auth/token",
            json={"username": user.username, "password": PASSWORD, "totp_code": user.code(self.clock)},
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["token"]
        return token

    def api_headers(self, client: TestClient, user: TestUser) -> dict[str, str]:
        return {"authorization": f"Bearer {self.api_token(client, user)}"}
