"""The retention job, with and without a legal hold: what is due goes, audited by kind and
reference only, and the audit chain still verifies; a hold keeps everything until it is lifted."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from common.cases import CaseWalk
from common.clock import FakeClock
from common.pages import csrf, sign_in
from common.query_count import counting
from common.retention import SEVEN_YEARS, SIX_YEARS_AND_A_DAY, STATEMENT, closed_case
from common.staff import Staff
from upstander.audit.models import AuditEntry
from upstander.cases.models import Allegation, Case, CaseEvent
from upstander.cli import app as cli
from upstander.reports.models import Attachment, CaseKeyGrant, Message, Report, ReportKeyGrant
from upstander.retention import cli as retention_cli
from upstander.retention.models import RetentionErasure
from upstander.safeguarding.models import Restriction, SeparationOrder
from upstander.services import Services


def command(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str, *args: str
) -> tuple[int, str]:
    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("UPSTANDER_DATABASE_URL", database_url)
    # The command's console was made at import, before any COLUMNS set here: widen it itself.
    monkeypatch.setattr(retention_cli.console, "_width", 200)
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, " ".join(result.output.split())


def counts(services: Services, walk: CaseWalk) -> dict[str, int]:
    report_id, case_id = uuid.UUID(walk.report_id), uuid.UUID(walk.case_id)
    with services.database.transaction() as session:

        def count(table: type, column: object, value: uuid.UUID) -> int:
            return int(session.scalar(select(func.count()).select_from(table).where(column == value)) or 0)

        return {
            "messages": count(Message, Message.report_id, report_id),
            "attachments": count(Attachment, Attachment.report_id, report_id),
            "report grants": count(ReportKeyGrant, ReportKeyGrant.report_id, report_id),
            "case grants": count(CaseKeyGrant, CaseKeyGrant.case_id, case_id),
            "orders": count(SeparationOrder, SeparationOrder.case_id, case_id),
            "restrictions": count(Restriction, Restriction.case_id, case_id),
        }


def test_the_job_erases_what_is_due_audits_it_by_kind_and_the_chain_still_verifies(
    client: TestClient,
    staff: Staff,
    services: Services,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    data_dir: Path,
    database_url: str,
) -> None:
    walk = closed_case(client, staff, services, clock)
    reference = walk.view(walk.dm)["reference"]
    before = counts(services, walk)
    assert all(before.values()), before
    assert services.retention.due() == [], "nothing is due the day the case closes"

    clock.advance(days=SIX_YEARS_AND_A_DAY)
    code, listed = command(monkeypatch, data_dir, database_url, "retention", "run", "--dry-run")
    assert code == 0, listed
    assert "Would go now: 4 records" in listed
    assert reference in listed
    assert "report statements, identities, messages and files" in listed
    assert counts(services, walk) == before, "a dry run changes nothing"

    code, output = command(monkeypatch, data_dir, database_url, "retention", "run")
    assert code == 0, output
    assert "4 erased in 1 batch." in output
    after = counts(services, walk)
    assert after == dict.fromkeys(before, 0), after

    with services.database.transaction() as session:
        report = session.get(Report, uuid.UUID(walk.report_id))
        assert report is not None
        assert (report.sealed_content, report.sealed_identity, report.case_sealed_private_key) == (
            b"",
            None,
            None,
        )
        assert str(report.category) == "bullying", "what the statistics need stays"
        sealed_left = [e.seq for e in session.scalars(select(CaseEvent)) if "_sealed" in e.data]
        assert sealed_left == []
        assert session.scalar(select(func.count()).select_from(Allegation)) == 1, (
            "allegations are kept for ever"
        )
        erased = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "retention.erased").order_by(AuditEntry.seq)
        ).all()
        kinds = {row.kind for row in session.scalars(select(RetentionErasure))}
    assert kinds == {"report_content", "case_content", "separation_orders", "restrictions"}
    assert {entry.details["kind"] for entry in erased} == kinds
    for entry in erased:
        assert set(entry.details) == {"kind", "reference", "closed_on"}
        assert entry.details["reference"] == reference
        assert entry.actor == "system:retention"
    assert STATEMENT not in str([entry.details for entry in erased])

    # The receipt opens nothing any more, and the case's content is out of everyone's reach.
    assert client.post("/api/v1/reporter/session", json={"receipt_key": walk.receipt_key}).status_code in (
        401,
        404,
    )
    assert client.get(f"/api/v1/cases/{walk.case_id}", headers=walk.headers(walk.dm)).status_code in (
        403,
        404,
    )

    code, verified = command(monkeypatch, data_dir, database_url, "audit", "verify")
    assert code == 0, verified
    assert services.retention.due() == []
    assert services.retention.run().erased == [], "nothing is erased twice"


def test_a_legal_hold_keeps_the_case_until_a_decision_maker_lifts_it(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = closed_case(client, staff, services, clock)
    hold_url = f"/api/v1/cases/{walk.case_id}/legal-hold"
    reason = "A claim at the employment tribunal names this case (ET/1234/2026)."
    assert (
        client.post(hold_url, headers=walk.headers(walk.handler), json={"reason": reason}).status_code == 403
    )
    empty = client.post(hold_url, headers=walk.headers(walk.dm), json={"reason": "  "})
    assert empty.status_code == 422, empty.text
    held = client.post(hold_url, headers=walk.headers(walk.dm), json={"reason": reason})
    assert held.status_code == 201, held.text
    assert held.json()["standing"]
    assert held.json()["set_by"] == walk.dm.username.title()
    # The second decision maker saw no hold when they opened the page: one wins, the other is told who.
    second = client.post(hold_url, headers=walk.headers(walk.dm2), json={"reason": "The inquiry asked."})
    assert second.status_code == 409, second.text
    assert f"already under a legal hold, set by {walk.dm.username.title()}" in second.json()["detail"]

    clock.advance(days=SIX_YEARS_AND_A_DAY)
    before = counts(services, walk)
    assert services.retention.due() == []
    assert services.retention.run().erased == []
    assert counts(services, walk) == before

    lift_url = f"{hold_url}/lift"
    lifted = client.post(
        lift_url, headers=walk.headers(walk.dm2), json={"reason": "The claim was withdrawn."}
    )
    assert lifted.status_code == 200, lifted.text
    again = client.post(lift_url, headers=walk.headers(walk.dm), json={"reason": "Withdrawn."})
    assert again.status_code == 409
    assert f"already lifted by {walk.dm2.username.title()}" in again.json()["detail"]
    holds = client.get(f"/api/v1/cases/{walk.case_id}/legal-holds", headers=walk.headers(walk.handler))
    assert holds.status_code == 200
    assert [(h["reason"], h["lift_reason"]) for h in holds.json()] == [(reason, "The claim was withdrawn.")]
    with services.database.transaction() as session:
        actions = session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("legal_hold.%")).order_by(AuditEntry.seq)
        ).all()
        details = session.scalars(
            select(AuditEntry.details).where(AuditEntry.action.like("legal_hold.%"))
        ).all()
    assert actions == ["legal_hold.set", "legal_hold.lifted"]
    assert reason not in str(details), "the reasons stay sealed in the hold"

    assert {due.kind for due in services.retention.due()} == {
        "report_content", "case_content", "separation_orders", "restrictions",
    }  # fmt: skip
    assert len(services.retention.run().erased) == 4


def test_a_hold_set_while_the_job_runs_wins(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    walk = closed_case(client, staff, services, clock)
    clock.advance(days=SIX_YEARS_AND_A_DAY)
    chosen = services.retention.due()
    assert chosen
    services.holds.set_hold(staff.principal(walk.dm), uuid.UUID(walk.case_id), "Asked for by the inquiry.")
    # The job chose the case just before the hold was set; under the case's lock it sees the hold.
    monkeypatch.setattr(services.retention, "due", lambda now=None: chosen)
    before = counts(services, walk)
    result = services.retention.run()
    assert result.erased == []
    assert result.held_meanwhile == [walk.view(walk.dm)["reference"]]
    assert counts(services, walk) == before


def test_a_decision_maker_sets_and_lifts_a_hold_from_the_case_page(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = closed_case(client, staff, services, clock)
    page = f"/staff/cases/{walk.case_id}"
    token = sign_in(client, clock, walk.dm, page)
    shown = client.get(page)
    assert "No legal hold" in shown.text
    assert f'action="{page}/legal-hold"' in shown.text
    refused = client.post(f"{page}/legal-hold", data={"csrf_token": token, "reason": ""})
    assert refused.status_code == 422
    assert "Give the reason in words" in refused.text
    done = client.post(
        f"{page}/legal-hold",
        data={"csrf_token": token, "reason": "Kept for the inquiry."},
        follow_redirects=False,
    )
    assert done.status_code == 303
    held = client.get(page).text
    assert 'id="hold-flag"' in held
    assert "Kept for the inquiry." in held
    token = csrf(held)
    lifted = client.post(
        f"{page}/legal-hold/lift",
        data={"csrf_token": token, "reason": "The inquiry closed."},
        follow_redirects=False,
    )
    assert lifted.status_code == 303
    assert "No legal hold" in client.get(page).text
    # A handler reads the case and its holds but has no form to set one.
    sign_in(client, clock, walk.handler, page)
    assert 'legal-hold"' not in client.get(page).text.split('id="legal-hold"')[1].split("</section>")[0]


def test_the_commands_set_and_lift_a_hold_as_the_named_decision_maker(
    client: TestClient,
    staff: Staff,
    services: Services,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    data_dir: Path,
    database_url: str,
) -> None:
    walk = closed_case(client, staff, services, clock)
    reference = walk.view(walk.dm)["reference"]
    args = ("retention", "hold", reference, "--reason", "Kept for the inquiry.")
    code, output = command(monkeypatch, data_dir, database_url, *args, "--by", walk.handler.username)
    assert code == 1
    assert "Only a decision maker can set or lift a legal hold" in output
    code, output = command(monkeypatch, data_dir, database_url, *args, "--by", walk.dm.username)
    assert code == 0, output
    assert f"The legal hold on case {reference} is set." in output
    code, output = command(monkeypatch, data_dir, database_url, *args, "--by", walk.dm2.username)
    assert code == 1
    assert "already under a legal hold" in output
    clock.advance(days=SIX_YEARS_AND_A_DAY)
    code, output = command(monkeypatch, data_dir, database_url, "retention", "run", "--dry-run")
    assert "Nothing is due." in output
    code, output = command(
        monkeypatch,
        data_dir,
        database_url,
        "retention",
        "lift",
        reference,
        "--reason",
        "Closed.",
        "--by",
        walk.dm.username,
    )
    assert code == 0, output
    code, output = command(monkeypatch, data_dir, database_url, "retention", "run", "--dry-run")
    assert reference in output


def test_the_dry_run_asks_the_same_few_queries_however_many_cases_closed(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = closed_case(client, staff, services, clock)
    clock.advance(days=SIX_YEARS_AND_A_DAY)

    def close_more(how_many: int) -> None:
        with services.database.transaction() as session:
            for number in range(how_many):
                case = Case(
                    reference=f"C-OLD-{number:04d}", opened_at=clock(), opened_by_id=walk.handler.user_id,
                    stage="closed", policy_pack="england-wales", policy_version="2025.1", public_key=bytes(32),
                )  # fmt: skip
                session.add(case)
                session.flush()
                session.add(CaseEvent(case_id=case.id, seq=1, at=clock(), kind="closure_confirmed", data={}))

    with counting(services.database.engine) as one:
        assert len({due.case_id for due in services.retention.due(clock() + SEVEN_YEARS)}) == 1
    close_more(5)
    with counting(services.database.engine) as six:
        assert len({due.case_id for due in services.retention.due(clock() + SEVEN_YEARS)}) == 6
    assert six.count == one.count <= 6
