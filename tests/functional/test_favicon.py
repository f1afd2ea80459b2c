"""Every page names its icon, and the /favicon.ico browsers ask for on their own is answered."""

from __future__ import annotations

from xml.etree import ElementTree

from fastapi.testclient import TestClient


def test_pages_link_the_svg_icon_and_it_is_served_as_svg(client: TestClient) -> None:
    page = client.get("/report")
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page.text
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert ElementTree.fromstring(icon.content).tag == "{http://www.w3.org/2000/svg}svg"  # noqa: S314 - our own file


def test_favicon_ico_answers_with_the_same_icon_not_a_404(client: TestClient) -> None:
    asked = client.get("/favicon.ico", follow_redirects=False)
    assert asked.status_code == 200
    assert asked.headers["content-type"].startswith("image/svg+xml")
    assert asked.content == client.get("/static/favicon.svg").content


def test_the_icon_may_be_kept_by_the_browser_where_pages_may_not(client: TestClient) -> None:
    assert client.get("/favicon.ico").headers["cache-control"] == "public, max-age=86400"
    assert client.get("/report").headers["cache-control"] == "no-store"
