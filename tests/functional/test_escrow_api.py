"""Escrow over HTTP: the JSON API and the staff pages, with every refusal's status and message."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from common import staff as staff_helpers
from common.clock import FakeClock
from common.escrow import FILING, escrow_json, member
from common.staff import PASSWORD, Staff
from upstander.app import create_app
from upstander.config import Settings
from upstander.db import Database
from upstander.patterns.escrow.models import EscrowedReport, EscrowMatchEntry
from upstander.reports.models import Report
from upstander.services import Services, build_services


def rows(services: Services, model: type) -> int:
    with services.database.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_filing_listing_and_a_match_over_the_api(
    client: TestClient, staff: Staff, services: Services
) -> None:
    handler = staff.handler()
    first = staff.api_headers(client, member(staff, "first"))
    filed = client.post("/api/v1/escrow/reports", json=escrow_json(), headers=first)
    assert filed.status_code == 201, filed.text
    assert filed.json()["status"] == "escrowed"
    assert filed.json()["in_process_key_service"] is True
    [mine] = client.get("/api/v1/escrow/reports", headers=first).json()
    assert mine["status"] == "escrowed"
    assert mine["threshold"] == 2

    second = staff.api_headers(client, member(staff, "second"))
    matched = client.post(
        "/api/v1/escrow/reports",
        json=escrow_json(person={"name": "JOSE ALVAREZ NUNEZ", "unit": "northgate response"}),
        headers=second,
    )
    assert matched.status_code == 201
    assert matched.json() | {"id": None} == {
        "id": None,
        "status": "opened",
        "opened_reports": 2,
        "already_named": False,
        "message": "Others had named the same person: the reports are now open to the professional "
        "standards department.",
        "in_process_key_service": True,
    }
    [mine] = client.get("/api/v1/escrow/reports", headers=first).json()
    assert mine["status"] == "opened"
    assert mine["status_text"].startswith("Matched and opened to the professional standards department on")

    inbox = client.get("/api/v1/inbox", headers=staff.api_headers(client, handler)).json()
    assert [item["channel"] for item in inbox] == ["escrow", "escrow"]


def test_naming_the_same_person_twice_is_told_and_counts_once(
    client: TestClient, staff: Staff, services: Services
) -> None:
    staff.handler()
    headers = staff.api_headers(client, member(staff, "twice"))
    client.post("/api/v1/escrow/reports", json=escrow_json(), headers=headers)
    again = client.post("/api/v1/escrow/reports", json=escrow_json(), headers=headers).json()
    assert again["already_named"] is True
    assert again["status"] == "escrowed"
    assert again["message"].startswith("You had already named this person in escrow.")
    assert rows(services, Report) == 0


@pytest.mark.parametrize(
    ("changes", "field", "detail"),
    [
        (
            {"person": {}},
            "person",
            "To be matched with other reports, the person needs a staff number, or a name and a unit.",
        ),
        (
            {"person": {"name": "A Name"}},
            "person",
            "To be matched with other reports, the person needs a staff number, or a name and a unit.",
        ),
        ({"threshold": 1}, "threshold", "Choose between 2 and 5 reports."),
        ({"threshold": 6}, "threshold", "Choose between 2 and 5 reports."),
        ({"what_happened": "x" * 20_001}, "what_happened", "This is too long: at most 20,000 characters."),
        ({"what_happened": "  "}, "what_happened", "Say what happened."),
    ],
)
def test_bad_input_gets_a_clear_422_and_nothing_is_stored(
    client: TestClient,
    staff: Staff,
    services: Services,
    changes: dict[str, object],
    field: str,
    detail: str,
) -> None:
    headers = staff.api_headers(client, member(staff, "careless"))
    response = client.post("/api/v1/escrow/reports", json=escrow_json(**changes), headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert {"field": field, "detail": detail} in response.json()["errors"]
    assert rows(services, EscrowedReport) == 0


def test_signed_out_is_401_and_an_admin_is_403(client: TestClient, staff: Staff) -> None:
    assert client.post("/api/v1/escrow/reports", json=escrow_json()).status_code == 401
    assert client.get("/api/v1/escrow/reports").status_code == 401
    from upstander.accounts.models import Role

    admin = staff.api_headers(client, staff.user("admin", [Role.ADMIN]))
    refused = client.post("/api/v1/escrow/reports", json=escrow_json(), headers=admin)
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("An administrator account cannot file escrow reports")


def test_withdraw_own_204_someone_elses_404_opened_409(client: TestClient, staff: Staff) -> None:
    staff.handler()
    owner = staff.api_headers(client, member(staff, "owner"))
    stranger = staff.api_headers(client, member(staff, "stranger"))
    escrowed_id = client.post("/api/v1/escrow/reports", json=escrow_json(), headers=owner).json()["id"]
    other = client.post(f"/api/v1/escrow/reports/{escrowed_id}/withdraw", headers=stranger)
    assert other.status_code == 404
    assert other.json()["detail"] == "You have no escrow report with that reference."
    assert client.post(f"/api/v1/escrow/reports/{escrowed_id}/withdraw", headers=owner).status_code == 204
    assert client.get("/api/v1/escrow/reports", headers=owner).json()[0]["status"] == "withdrawn"

    opened_id = client.post(
        "/api/v1/escrow/reports", json=escrow_json(person={"staff_number": "Q1"}), headers=owner
    ).json()["id"]
    client.post("/api/v1/escrow/reports", json=escrow_json(person={"staff_number": "q-1"}), headers=stranger)
    late = client.post(f"/api/v1/escrow/reports/{opened_id}/withdraw", headers=owner)
    assert late.status_code == 409
    assert "already been opened" in late.json()["detail"]


def _services_with(settings: Settings, database: Database, clock: FakeClock, **changes: object) -> Services:
    return build_services(settings.model_copy(update=changes), database, clock)


@pytest.fixture
def limited(settings: Settings, database: Database, clock: FakeClock) -> Iterator[tuple[TestClient, Staff]]:
    services = _services_with(settings, database, clock, escrow_token_requests_per_hour=2)
    with TestClient(create_app(services=services), base_url="https://testserver") as client:
        yield client, Staff(services, clock)


def test_token_requests_are_rate_limited_per_account(limited: tuple[TestClient, Staff]) -> None:
    client, staff = limited
    busy = staff.api_headers(client, member(staff, "busy"))
    for number in ("A1", "A2"):
        response = client.post(
            "/api/v1/escrow/reports", json=escrow_json(person={"staff_number": number}), headers=busy
        )
        assert response.status_code == 201
    refused = client.post(
        "/api/v1/escrow/reports", json=escrow_json(person={"staff_number": "A3"}), headers=busy
    )
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["detail"].startswith("You have filed as many escrow reports as allowed in an hour.")
    # The limit is the account's, not everyone's.
    other = staff.api_headers(client, member(staff, "other"))
    assert client.post("/api/v1/escrow/reports", json=escrow_json(), headers=other).status_code == 201


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def unreachable(
    settings: Settings, database: Database, clock: FakeClock
) -> Iterator[tuple[TestClient, Staff, Services]]:
    secret = settings.data_dir / "client.secret"
    secret.write_text("ab" * 32)
    services = _services_with(
        settings,
        database,
        clock,
        escrow_key_service_url=f"http://127.0.0.1:{_closed_port()}",
        escrow_key_service_secret_file=secret,
        escrow_key_service_timeout_seconds=2.0,
    )
    with TestClient(create_app(services=services), base_url="https://testserver") as client:
        yield client, Staff(services, clock), services


def test_an_unreachable_key_service_is_a_503_and_nothing_is_written(
    unreachable: tuple[TestClient, Staff, Services],
) -> None:
    client, staff, services = unreachable
    headers = staff.api_headers(client, member(staff, "patient"))
    response = client.post("/api/v1/escrow/reports", json=escrow_json(), headers=headers)
    assert response.status_code == 503
    assert response.json()["detail"].startswith(
        "The escrow key service cannot be reached right now, so nothing was stored."
    )
    assert rows(services, EscrowedReport) == 0
    assert rows(services, EscrowMatchEntry) == 0
    assert client.get("/api/v1/escrow/reports", headers=headers).json() == []
    # The page keeps what was typed and says the same.
    page = _page_session(client, staff, member(staff, "patient2"))
    form = page.get("/staff/escrow")
    assert "Weaker protection" not in form.text
    filed = page.post(
        "/staff/escrow",
        data={
            "csrf_token": _csrf(form.text),
            "what_happened": "Kept text",
            "staff_number": "Z9",
            "category": "bullying",
        },
    )
    assert filed.status_code == 503
    assert "cannot be reached right now" in filed.text
    assert "Kept text" in filed.text


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _page_session(client: TestClient, staff: Staff, user: staff_helpers.TestUser) -> TestClient:
    staff.clock.advance(seconds=30)
    sign_in = client.get("/staff/sign-in")
    response = client.post(
        "/staff/sign-in",
        data={
            "csrf_token": _csrf(sign_in.text),
            "username": user.username,
            "password": PASSWORD,
            "totp_code": user.code(staff.clock),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def test_the_pages_file_list_and_show_the_match_without_javascript(
    client: TestClient, staff: Staff, services: Services
) -> None:
    staff.handler()
    first, second = member(staff, "first"), member(staff, "second")
    page = _page_session(client, staff, first)
    form = page.get("/staff/escrow")
    assert form.status_code == 200
    assert (
        "In this mode the server holding the database can test names, so the protection is weaker"
        in form.text
    )
    empty = page.post(
        "/staff/escrow", data={"csrf_token": _csrf(form.text), "what_happened": "x", "category": "bullying"}
    )
    assert empty.status_code == 422
    assert "the person needs a staff number, or a name and a unit" in empty.text
    filed = page.post(
        "/staff/escrow",
        data={
            "csrf_token": _csrf(form.text),
            "category": "bullying",
            "relation": "witness",
            "what_happened": "He humiliates the probationers every shift.",
            "name": "Ray Stone",
            "unit": "Eastfield CID",
            "threshold": "2",
        },
        follow_redirects=False,
    )
    assert filed.status_code == 303
    assert filed.headers["location"] == "/staff/escrow?done=filed"
    listing = page.get("/staff/escrow?done=filed").text
    assert "Your report is in escrow." in listing
    assert "Ray Stone, Eastfield CID" in listing
    assert "In escrow: it opens when 2 different people have named this person." in listing

    page.cookies.clear()
    page = _page_session(client, staff, second)
    form = page.get("/staff/escrow")
    opened = page.post(
        "/staff/escrow",
        data={
            "csrf_token": _csrf(form.text),
            "category": "bullying",
            "what_happened": "Ray Stone mocks me in briefings.",
            "name": "ray  stone",
            "unit": "EASTFIELD cid",
        },
    )
    assert "Your report and theirs are now open to the professional standards department." in opened.text
    assert "Matched and opened to the professional standards department on" in opened.text
    assert rows(services, Report) == 2


def test_withdrawing_on_the_page_and_someone_elses_is_not_found(
    client: TestClient, staff: Staff, services: Services
) -> None:
    owner = member(staff, "owner")
    escrowed_id = services.escrow.file(staff.principal(owner), FILING).escrowed_report_id
    page = _page_session(client, staff, member(staff, "stranger"))
    token = _csrf(page.get("/staff/escrow").text)
    refused = page.post(f"/staff/escrow/{escrowed_id}/withdraw", data={"csrf_token": token})
    assert refused.status_code == 404
    assert "You have no escrow report with that reference." in refused.text

    page.cookies.clear()
    page = _page_session(client, staff, owner)
    listing = page.get("/staff/escrow")
    assert "Withdraw this report" in listing.text
    done = page.post(
        f"/staff/escrow/{escrowed_id}/withdraw",
        data={"csrf_token": _csrf(listing.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/staff/escrow?done=withdrawn"
    after = page.get("/staff/escrow?done=withdrawn").text
    assert "Withdrawn. Its content and its part of any match have been deleted." in after
    assert "Withdrawn on " in after
    assert "Withdraw this report" not in after


def test_the_key_services_global_ceiling_is_a_429_and_nothing_is_written(
    settings: Settings, database: Database, clock: FakeClock
) -> None:
    services = _services_with(settings, database, clock, escrow_key_service_requests_per_minute=1)
    with TestClient(create_app(services=services), base_url="https://testserver") as client:
        staff = Staff(services, clock)
        first = staff.api_headers(client, member(staff, "first"))
        second = staff.api_headers(client, member(staff, "second"))
        assert (
            client.post(
                "/api/v1/escrow/reports", json=escrow_json(person={"staff_number": "A1"}), headers=first
            ).status_code
            == 201
        )
        refused = client.post(
            "/api/v1/escrow/reports", json=escrow_json(person={"staff_number": "A1"}), headers=second
        )
    assert refused.status_code == 429
    assert refused.json()["code"] == "escrow_key_service_busy"
    assert (
        refused.json()["detail"]
        == "The escrow key service is busy. Nothing was stored; please try again in a minute."
    )
    assert rows(services, EscrowedReport) == 1
