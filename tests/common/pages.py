"""Signing a member of staff in to the pages, the CSRF token the pages' forms carry, and what a
page's form would send if its button were pressed."""

from __future__ import annotations

import re
from html.parser import HTMLParser

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


class _FormReader(HTMLParser):
    """The fields one form would send, as a browser sends them (checked boxes, chosen options)."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.found = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "form" and attr.get("action") == self.action:
            self.inside = self.found = True
        if not self.inside or ("name" not in attr and tag != "option"):
            return
        if tag == "input":
            kind = attr.get("type", "text")
            if kind == "file" or (kind in {"radio", "checkbox"} and "checked" not in attr):
                return
            self.fields.append((attr["name"], attr.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea":
            self._textarea, self._text = attr["name"], []
        elif tag == "select":
            self._select, self._select_first, self._select_chosen = attr["name"], None, None
        elif tag == "option" and self._select is not None:
            value = attr.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attr:
                self._select_chosen = value

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = self._select_chosen if self._select_chosen is not None else self._select_first
            self.fields.append((self._select, chosen or ""))
            self._select = None
        elif tag == "form":
            self.inside = False


def form_fields(html: str, action: str) -> list[tuple[str, str]]:
    """What pressing the submit button of the form posting to ``action`` would send (no files)."""
    reader = _FormReader(action)
    reader.feed(html)
    assert reader.found, f"the page has a form posting to {action}"
    return reader.fields
