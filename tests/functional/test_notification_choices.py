"""Each member of staff chooses where notifications go and whether at once or in a daily digest."""

from __future__ import annotations

from fastapi.testclient import TestClient

from common.clock import FakeClock
from common.pages import csrf, sign_in
from common.staff import Staff
from upstander.audit.models import AuditEntry
from upstander.services import Services


def test_the_page_saves_an_address_and_a_daily_digest_and_shows_them_again(
    client: TestClient, staff: Staff, clock: FakeClock, services: Services
) -> None:
    handler = staff.handler()
    sign_in(client, clock, handler)
    page = client.get("/staff/account/notifications")
    assert page.status_code == 200
    assert "never a name" in page.text

    saved = client.post(
        "/staff/account/notifications",
        data={"csrf_token": csrf(page.text), "address": "kim@force.example.org", "mode": "daily"},
        follow_redirects=True,
    )
    assert saved.status_code == 200
    assert 'value="kim@force.example.org"' in saved.text
    assert 'value="daily" checked' in saved.text
    with services.database.transaction() as session:
        assert session.query(AuditEntry).filter_by(action="notifications.chosen").count() == 1


def test_a_wrong_address_comes_back_with_what_was_typed_and_saves_nothing(
    client: TestClient, staff: Staff, clock: FakeClock, services: Services
) -> None:
    handler = staff.handler()
    sign_in(client, clock, handler)
    page = client.get("/staff/account/notifications")

    refused = client.post(
        "/staff/account/notifications",
        data={"csrf_token": csrf(page.text), "address": "kim at the station", "mode": "immediate"},
    )
    assert refused.status_code == 422
    assert 'value="kim at the station"' in refused.text
    assert "an e-mail address such as name@example.org" in refused.text
    assert services.notify.choice(staff.principal(handler)).address is None


def test_the_api_reads_and_sets_ones_own_choice(client: TestClient, staff: Staff) -> None:
    headers = staff.api_headers(client, staff.handler())
    assert client.get("/api/v1/me/notifications", headers=headers).json() == {
        "address": None,
        "mode": "immediate",
    }

    put = client.put(
        "/api/v1/me/notifications",
        headers=headers,
        json={"address": "kim@force.example.org", "mode": "daily"},
    )
    assert put.status_code == 200
    assert client.get("/api/v1/me/notifications", headers=headers).json() == {
        "address": "kim@force.example.org",
        "mode": "daily",
    }
    wrong = client.put("/api/v1/me/notifications", headers=headers, json={"address": "x", "mode": "weekly"})
    assert wrong.status_code == 422
