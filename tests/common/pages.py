"""Signing a member of staff in to the pages, and the CSRF token the pages' forms carry."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from common.clock import FakeClock
from common.staff import PASSWORD, TestUser


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has a CSRF token"
    return match.group(1)


def sign_in(client: TestClient, clock: FakeClock, user: TestUser, path: str = "/staff") -> str:
    """Sign ``user`` in to the pages (replacing whoever was signed in) and return the CSRF token of
    the page they land on at ``path``; callers check that page themselves."""
    client.cookies.clear()
    clock.advance(seconds=30)
    response = client.post(
        "/staff/sign-in",
        data={
            "csrf_token": csrf(client.get("/staff/sign-in").text),
            "username": user.username,
            "password": PASSWORD,
            "totp_code": user.code(clock),
            "next": path,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf(client.get("/staff").text)
