"""Someone else got there first: the answer says what changed and who did it, and keeps what was typed.

The same refusals the stress test provokes with threads (test_two_at_once.py), provoked here one
after the other, on both databases: versions on the API (ETag, If-Match) and on the forms (a
hidden version), a report already in a case, a report already acknowledged.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from common.clock import FakeClock
from common.pages import form_fields, sign_in
from common.reports import submission
from common.staff import Staff
from common.staff import TestUser as StaffUser
from upstander.accounts.models import Role
from upstander.reports.models import Message
from upstander.services import Services

ALLEGATION = {"standard": "discreditable_conduct", "summary": "What was alleged."}


@dataclass
class Pair:
    sam: StaffUser
    priya: StaffUser
    sam_headers: dict[str, str]
    priya_headers: dict[str, str]
    report_id: str


@pytest.fixture
def pair(client: TestClient, staff: Staff, services: Services) -> Pair:
    sam = staff.handler("sam okoye")
    priya = staff.user("priya shah", [Role.HANDLER, Role.DECISION_MAKER])
    report_id = str(services.reports.submit(submission("Two of us saw the same thing.")).report_id)
    return Pair(sam, priya, staff.api_headers(client, sam), staff.api_headers(client, priya), report_id)


def open_case(client: TestClient, pair: Pair) -> str:
    opened = client.post("/api/v1/cases", headers=pair.sam_headers, json={"report_ids": [pair.report_id]})
    assert opened.status_code == 201, opened.text
    case_id: str = opened.json()["id"]
    return case_id


def messages_to_reporter(services: Services, report_id: str) -> int:
    with services.database.transaction() as session:
        return (
            session.scalar(
                select(func.count()).select_from(Message).where(Message.report_id == uuid.UUID(report_id))
            )
            or 0
        )


def test_a_report_already_in_a_case_says_which_case_and_who_opened_it(client: TestClient, pair: Pair) -> None:
    reference = client.get("/api/v1/cases/" + open_case(client, pair), headers=pair.sam_headers).json()[
        "reference"
    ]
    again = client.post("/api/v1/cases", headers=pair.priya_headers, json={"report_ids": [pair.report_id]})
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["code"] == "changed_meanwhile"
    assert f"was put into case {reference} by Sam Okoye a moment ago" in again.json()["detail"]


def test_a_second_acknowledgement_is_refused_naming_who_acknowledged(
    client: TestClient, pair: Pair, services: Services
) -> None:
    path = f"/api/v1/reports/{pair.report_id}/acknowledge"
    assert client.post(path, headers=pair.sam_headers, json={}).status_code == 204
    again = client.post(path, headers=pair.priya_headers, json={})
    assert again.status_code == 409
    assert "already acknowledged by Sam Okoye a moment ago" in again.json()["detail"]
    assert messages_to_reporter(services, pair.report_id) == 1


def test_a_report_carries_its_version_as_an_etag_and_a_stale_if_match_is_412(
    client: TestClient, pair: Pair, services: Services
) -> None:
    read = client.get(f"/api/v1/reports/{pair.report_id}", headers=pair.sam_headers)
    assert read.headers["etag"] == f'"{read.json()["version"]}"'
    seen = {"if-match": read.headers["etag"]}
    replied = client.post(
        f"/api/v1/reports/{pair.report_id}/replies", headers=pair.priya_headers, json={"text": "Thank you."}
    )
    assert replied.status_code == 201

    stale = client.post(
        f"/api/v1/reports/{pair.report_id}/acknowledge", headers={**pair.sam_headers, **seen}, json={}
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert "was changed by Priya Shah a moment ago" in stale.json()["detail"]

    fresh = client.get(f"/api/v1/reports/{pair.report_id}", headers=pair.sam_headers).headers["etag"]
    done = client.post(
        f"/api/v1/reports/{pair.report_id}/acknowledge",
        headers={**pair.sam_headers, "if-match": fresh},
        json={},
    )
    assert done.status_code == 204
    assert done.headers["etag"] != fresh


def test_a_step_on_a_case_changed_since_it_was_read_is_412_saying_what_changed(
    client: TestClient, pair: Pair
) -> None:
    case_id = open_case(client, pair)
    read = client.get(f"/api/v1/cases/{case_id}", headers=pair.sam_headers)
    seen = {"if-match": read.headers["etag"]}
    assert read.headers["etag"] == f'"{read.json()["version"]}"'
    step = f"/api/v1/cases/{case_id}/steps"
    assert (
        client.post(f"{step}/acknowledge", headers={**pair.priya_headers, **seen}, json={}).status_code == 200
    )

    stale = client.post(f"{step}/add_allegation", headers={**pair.sam_headers, **seen}, json=ALLEGATION)
    assert stale.status_code == 412
    detail = stale.json()["detail"]
    assert "was changed by Priya Shah a moment ago (Report acknowledged)" in detail
    reassigned = client.post(
        f"/api/v1/cases/{case_id}/handler",
        headers={**pair.priya_headers, **seen},
        json={"handler_id": str(pair.priya.user_id)},
    )
    assert reassigned.status_code == 412

    # Without If-Match a step works as it always has, on the case as it is now.
    assert client.post(f"{step}/add_allegation", headers=pair.sam_headers, json=ALLEGATION).status_code == 200
    newer = client.get(f"/api/v1/cases/{case_id}", headers=pair.sam_headers).json()["version"]
    assert newer > read.json()["version"]


def test_an_if_match_that_is_not_an_etag_is_refused(client: TestClient, pair: Pair) -> None:
    case_id = open_case(client, pair)
    response = client.post(
        f"/api/v1/cases/{case_id}/steps/acknowledge",
        headers={**pair.sam_headers, "if-match": "yesterday"},
        json={},
    )
    assert response.status_code == 412
    assert "If-Match" in response.json()["detail"]
    anything = {**pair.sam_headers, "if-match": "*"}
    assert (
        client.post(f"/api/v1/cases/{case_id}/steps/acknowledge", headers=anything, json={}).status_code
        == 200
    )


def test_a_case_form_drawn_before_a_colleague_acted_comes_back_with_what_was_typed(
    client: TestClient, pair: Pair, clock: FakeClock
) -> None:
    case_id = open_case(client, pair)
    sign_in(client, clock, pair.sam)
    action = f"/staff/cases/{case_id}/steps/add_allegation"
    fields = dict(form_fields(client.get(f"/staff/cases/{case_id}").text, action))
    assert fields["version"].isdigit()
    acknowledged = client.post(
        f"/api/v1/cases/{case_id}/steps/acknowledge", headers=pair.priya_headers, json={}
    )
    assert acknowledged.status_code == 200

    typed = {**fields, "standard": "discreditable_conduct", "summary": "Sam's careful summary of it."}
    response = client.post(action, data=typed)
    assert response.status_code == 409
    assert "was changed by Priya Shah a moment ago (Report acknowledged)" in response.text
    assert "Sam&#39;s careful summary of it." in response.text
    # The form is drawn again with the case's new version: sending it again works.
    again = dict(form_fields(response.text, action))
    assert again["version"] != fields["version"]
    assert again["summary"] == "Sam's careful summary of it."
    assert client.post(action, data=again, follow_redirects=False).status_code == 303


def test_an_acknowledgement_typed_while_a_colleague_acknowledged_is_kept_for_a_reply(
    client: TestClient, pair: Pair, clock: FakeClock, services: Services
) -> None:
    sign_in(client, clock, pair.sam)
    action = f"/staff/reports/{pair.report_id}/acknowledge"
    fields = dict(form_fields(client.get(f"/staff/reports/{pair.report_id}").text, action))
    assert fields["version"].isdigit()
    assert (
        client.post(
            f"/api/v1/reports/{pair.report_id}/acknowledge", headers=pair.priya_headers, json={}
        ).status_code
        == 204
    )

    response = client.post(action, data={**fields, "message": "Sam here: we are on it."})
    assert response.status_code == 409
    assert "already acknowledged by Priya Shah a moment ago" in response.text
    reply = dict(form_fields(response.text, f"/staff/reports/{pair.report_id}/replies"))
    assert reply["text"] == "Sam here: we are on it."
    assert messages_to_reporter(services, pair.report_id) == 1


def test_opening_a_case_from_a_page_when_a_colleague_just_did_says_so(
    client: TestClient, pair: Pair, clock: FakeClock
) -> None:
    sign_in(client, clock, pair.sam)
    fields = form_fields(client.get(f"/staff/reports/{pair.report_id}").text, "/staff/cases")
    opened = client.post("/api/v1/cases", headers=pair.priya_headers, json={"report_ids": [pair.report_id]})
    assert opened.status_code == 201
    response = client.post("/staff/cases", data=dict(fields), follow_redirects=False)
    assert response.status_code == 409
    assert f"was put into case {opened.json()['reference']} by Priya Shah a moment ago" in response.text
    assert f'href="/staff/cases/{opened.json()["id"]}"' in response.text
