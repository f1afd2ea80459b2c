"""The register of suspensions and restricted duties over the API, the pages and the CLI, on both databases."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from common.clock import FakeClock
from common.pages import sign_in
from common.safeguarding import build_force
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.audit.models import AuditEntry
from upstander.cli import app as cli
from upstander.services import Services

REASONS = "Allegation of sexual misconduct towards a member of the public."
CONSIDERED = (
    "Redeployment to a non-public-facing role was considered: the subject would still meet the complainant."
)
Headers = dict[str, str]


@pytest.fixture
def people(services: Services) -> dict[str, uuid.UUID]:
    return build_force(services)


@pytest.fixture
def heads(client: TestClient, staff: Staff) -> dict[str, Headers]:
    roles = {
        "welfare": Role.WELFARE,
        "handler": Role.HANDLER,
        "decision": Role.DECISION_MAKER,
        "hr": Role.HR,
        "overseer": Role.OVERSEER,
        "analyst": Role.ANALYST,
    }
    return {name: staff.api_headers(client, staff.user(name, [role])) for name, role in roles.items()}


def impose(client: TestClient, headers: Headers, person: str, **body: Any) -> Any:
    return client.post(
        "/api/v1/restrictions",
        headers=headers,
        json={"person": person, "kind": "restricted_duties", "category": "sexual_misconduct",
              "reasons": REASONS, **body},
    )  # fmt: skip


def test_welfare_records_restricted_duties_with_a_review_in_four_weeks(
    client: TestClient,
    heads: dict[str, Headers],
    services: Services,
    people: dict[str, uuid.UUID],
    clock: FakeClock,
) -> None:
    response = impose(client, heads["welfare"], "NS00001")
    assert response.status_code == 201, response.text
    entry = response.json()
    today = clock.today()
    assert entry["kind"] == "restricted_duties"
    assert entry["reference"].startswith("RS-")
    assert entry["person"]["staff_number"] == "NS00001"
    assert entry["starts_on"] == today.isoformat()
    assert entry["review_due"] == (today + timedelta(days=28)).isoformat()
    assert entry["overdue"] is False

    again = impose(client, heads["decision"], "ns00001", kind="suspended", redeployment_considered=CONSIDERED)
    assert again.status_code == 409
    assert "already on restricted duties" in again.json()["detail"]
    with services.database.transaction() as session:
        [audited] = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "restriction.restricted_duties")
        )
        assert REASONS not in str(audited.details), "reasons stay out of the audit log"
        assert audited.details["staff_number"] == "NS00001"


def test_a_suspension_is_refused_unless_redeployment_was_considered(
    client: TestClient, heads: dict[str, Headers], people: dict[str, uuid.UUID]
) -> None:
    refused = impose(client, heads["decision"], "NS00002", kind="suspended")
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        "Write why redeployment or restricted duties are not enough (at least 20 characters)."
    )
    welfare = impose(
        client, heads["welfare"], "NS00002", kind="suspended", redeployment_considered=CONSIDERED
    )
    assert welfare.status_code == 403
    assert (
        welfare.json()["detail"]
        == "Only a decision maker can suspend someone, or review or lift a suspension."
    )

    made = impose(client, heads["decision"], "NS00002", kind="suspended", redeployment_considered=CONSIDERED)
    assert made.status_code == 201, made.text
    assert made.json()["redeployment_considered"] == CONSIDERED


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "parking"}, "category"),
        ({"reasons": "too short"}, "reasons"),
        ({"starts_on": "2099-01-01"}, "starts_on"),
        ({"review_due": "2000-01-01"}, "review_due"),
    ],
)
def test_bad_input_gets_a_clear_422(
    client: TestClient,
    heads: dict[str, Headers],
    people: dict[str, uuid.UUID],
    body: dict[str, str],
    field: str,
) -> None:
    response = impose(client, heads["decision"], "NS00003", **body)
    assert response.status_code == 422, response.text
    assert field in response.text


def test_unknown_person_and_case_are_404(
    client: TestClient, heads: dict[str, Headers], people: dict[str, uuid.UUID]
) -> None:
    assert impose(client, heads["decision"], "NS99999").status_code == 404
    assert impose(client, heads["decision"], "NS00003", case_reference="NOPE1").status_code == 404


def test_reviews_keep_and_lift_and_who_may_read_the_register(
    client: TestClient,
    staff: Staff,
    heads: dict[str, Headers],
    people: dict[str, uuid.UUID],
    clock: FakeClock,
) -> None:
    duties = impose(client, heads["welfare"], "NS00001").json()
    suspension = impose(
        client, heads["decision"], "NS00002", kind="suspended", redeployment_considered=CONSIDERED
    ).json()
    clock.advance(days=20)
    heads = {name: staff.api_headers(client, staff.user(name, [])) for name in heads}  # sessions expired
    kept = client.post(
        f"/api/v1/restrictions/{duties['id']}/reviews",
        headers=heads["welfare"],
        json={"outcome": "kept", "reasons": "The investigation is still gathering statements."},
    )
    assert kept.status_code == 200, kept.text
    assert kept.json()["review_due"] == (clock.today() + timedelta(days=28)).isoformat()
    assert [r["outcome"] for r in kept.json()["reviews"]] == ["kept"]

    welfare_lifts = client.post(
        f"/api/v1/restrictions/{suspension['id']}/reviews",
        headers=heads["welfare"],
        json={"outcome": "lifted", "reasons": "Welfare thinks the suspension is no longer needed."},
    )
    assert welfare_lifts.status_code == 403
    lifted = client.post(
        f"/api/v1/restrictions/{suspension['id']}/reviews",
        headers=heads["decision"],
        json={"outcome": "lifted", "reasons": "The complainant has left the force; no risk remains."},
    )
    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["ended_on"] == clock.today().isoformat()
    again = client.post(
        f"/api/v1/restrictions/{suspension['id']}/reviews",
        headers=heads["decision"],
        json={"outcome": "kept", "reasons": "Reviewing an entry that was already lifted."},
    )
    assert again.status_code == 409

    for reader in ("welfare", "handler", "decision", "overseer"):
        listed = client.get("/api/v1/restrictions", headers=heads[reader])
        assert listed.status_code == 200
        assert [e["reference"] for e in listed.json()] == [duties["reference"]]
    for outsider in ("hr", "analyst"):
        refused = client.get("/api/v1/restrictions", headers=heads[outsider])
        assert refused.status_code == 403
        assert "NS00001" not in refused.text


def test_a_review_may_ease_a_suspension_or_make_restricted_duties_a_suspension(
    client: TestClient, heads: dict[str, Headers], people: dict[str, uuid.UUID]
) -> None:
    duties = impose(client, heads["welfare"], "NS00001").json()
    path = f"/api/v1/restrictions/{duties['id']}/reviews"
    body = {
        "outcome": "changed",
        "reasons": "The complainant now works in the same building.",
        "kind": "suspended",
    }
    welfare = client.post(
        path, headers=heads["welfare"], json={**body, "redeployment_considered": CONSIDERED}
    )
    assert welfare.status_code == 403
    unexplained = client.post(path, headers=heads["decision"], json=body)
    assert unexplained.status_code == 422
    assert "redeployment" in unexplained.json()["detail"]
    suspended = client.post(
        path, headers=heads["decision"], json={**body, "redeployment_considered": CONSIDERED}
    )
    assert suspended.status_code == 200, suspended.text
    assert (suspended.json()["kind"], suspended.json()["redeployment_considered"]) == (
        "suspended",
        CONSIDERED,
    )
    eased = client.post(
        path,
        headers=heads["decision"],
        json={
            "outcome": "changed",
            "reasons": "The complainant has moved to another command.",
            "kind": "restricted_duties",
        },
    )
    assert eased.status_code == 200, eased.text
    assert eased.json()["kind"] == "restricted_duties"
    assert [r["outcome"] for r in eased.json()["reviews"]] == ["changed", "changed"]


def test_overdue_reviews_are_listed_and_the_daily_job_fails(
    client: TestClient,
    heads: dict[str, Headers],
    people: dict[str, uuid.UUID],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    data_dir: Path,
    database_url: str,
) -> None:
    today = clock.today()
    late = impose(
        client,
        heads["welfare"],
        "NS00003",
        starts_on=(today - timedelta(days=40)).isoformat(),
        review_due=(today - timedelta(days=12)).isoformat(),
    ).json()
    soon = impose(
        client, heads["welfare"], "NS00004", review_due=(today + timedelta(days=3)).isoformat()
    ).json()
    impose(client, heads["welfare"], "NS00005")
    due = client.get("/api/v1/restrictions/due", headers=heads["overseer"]).json()
    assert [(e["reference"], e["overdue"]) for e in due] == [
        (late["reference"], True),
        (soon["reference"], False),
    ]
    register = client.get("/api/v1/restrictions", headers=heads["overseer"]).json()
    assert register[0]["reference"] == late["reference"], "overdue first"

    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("UPSTANDER_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "250")
    result = CliRunner().invoke(cli, ["restrictions", "due"])
    output = " ".join(result.output.split())
    assert result.exit_code == 1, output
    assert late["reference"] in output
    assert "1 review(s) overdue, 1 due this week." in output
    assert REASONS not in output


def test_the_oversight_page_shows_a_review_four_weeks_overdue(
    client: TestClient,
    staff: Staff,
    heads: dict[str, Headers],
    people: dict[str, uuid.UUID],
    clock: FakeClock,
) -> None:
    """Every force reaches this four weeks after its first restriction: the page once answered 500."""
    imposed = impose(client, heads["welfare"], "NS00005").json()
    due = date.fromisoformat(imposed["review_due"])
    # The day after the review was due, in London: 29 × 24 hours from just after midnight on the
    # night the clocks go back ends on the due day itself, not yet overdue.
    clock.move_to(due + timedelta(days=1))
    sign_in(client, clock, staff.user("overseer-page", [Role.OVERSEER]), "/staff/oversight")
    page = client.get("/staff/oversight")
    assert page.status_code == 200, page.text
    assert f"{imposed['reference']} — review was due {due.day} {due:%B %Y}" in page.text
    assert page.text.count('id="restrictions-overdue"') == 1
    assert "<title>Oversight" in page.text


def test_the_register_page_records_and_refuses_with_the_reason(
    client: TestClient, staff: Staff, people: dict[str, uuid.UUID], clock: FakeClock
) -> None:
    welfare = staff.user("welfare-page", [Role.WELFARE])
    token = sign_in(client, clock, welfare, "/staff/restrictions")
    record_form = (
        client.get("/staff/restrictions").text.split('action="/staff/restrictions"')[1].split("</form>")[0]
    )
    assert 'value="suspended"' not in record_form, "welfare is not offered suspension"
    made = client.post(
        "/staff/restrictions",
        data={"csrf_token": token, "person": "NS00001", "kind": "restricted_duties",
              "category": "sexual_misconduct", "reasons": REASONS},
        follow_redirects=True,
    )  # fmt: skip
    assert made.status_code == 200
    assert "Anna Holt" in made.text
    refused = client.post(
        "/staff/restrictions",
        data={"csrf_token": token, "person": "NS00002", "kind": "suspended",
              "category": "sexual_misconduct", "reasons": REASONS, "redeployment_considered": CONSIDERED},
    )  # fmt: skip
    assert refused.status_code == 403
    assert "Only a decision maker can suspend someone" in refused.text
    assert "Anna Holt" in refused.text, "the register is still shown"

    decision = staff.user("decision-page", [Role.DECISION_MAKER])
    token = sign_in(client, clock, decision, "/staff/restrictions")
    page = client.get("/staff/restrictions").text
    assert 'value="suspended"' in page, "a decision maker is offered suspension"
    reference = re.search(r"RS-[0-9A-F]{8}", page)
    assert reference
    lifted = client.post(
        f"/staff/restrictions/{reference.group(0)}/reviews",
        data={
            "csrf_token": token,
            "outcome": "lifted",
            "reasons": "The allegation was withdrawn by the complainant.",
        },
        follow_redirects=True,
    )
    assert lifted.status_code == 200
    assert "Nobody is suspended or on restricted duties." in lifted.text
    unknown = client.post(
        "/staff/restrictions/RS-00000000/reviews",
        data={"csrf_token": token, "outcome": "kept", "reasons": "Reviewing an entry that does not exist."},
    )
    assert unknown.status_code == 422
    assert "RS-00000000 is not in force" in unknown.text

    hr = staff.user("hr-page", [Role.HR])
    sign_in(client, clock, hr, "/staff/hr/events")
    assert client.get("/staff/restrictions").status_code == 403
