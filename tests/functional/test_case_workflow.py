"""The misconduct process end to end over the API, one test per path through the regulations."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from common.cases import CaseWalk
from common.clock import FakeClock
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.audit.models import AuditEntry
from upstander.cli import app as cli
from upstander.org.lists_models import BarredListEntry
from upstander.org.models import EmploymentStatus, Person
from upstander.services import Services


def test_a_case_records_its_pack_and_shows_what_is_due(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    view = walk.view()
    workflow = view["workflow"]
    assert workflow["status"] == "received"
    assert "england-wales 2025.1" in workflow["policy_title"]
    assert next(d["label"] for d in workflow["deadlines"]).startswith("Acknowledge")
    assert {s["kind"] for s in workflow["steps"]} >= {"acknowledge", "add_allegation"}
    assert workflow["timeline"][0]["kind"] == "case_opened"


def test_a_subject_who_resigns_mid_investigation_is_found_would_have_been_dismissed_and_barred(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    walk.investigated("gross_misconduct")
    status = walk.step(
        walk.handler, "record_employment_change", employment="resigned", effective_on=walk.today()
    )
    assert status == "investigation", "resignation neither closes nor pauses the case"
    with services.database.transaction() as session:
        person = session.scalars(select(Person).where(Person.staff_number == "NS04242")).one()
        assert person.employment_status is EmploymentStatus.RESIGNED
    assert walk.view()["workflow"]["advisory"] is True

    walk.step(walk.investigator, "submit_investigation_report", summary="The allegation is supported.")
    walk.step(
        walk.dm, "decide_case_to_answer", finding="gross_misconduct", reasons="A panel could find it proven."
    )
    walk.step(
        walk.dm, "refer_to_proceedings", forum="hearing", reasons="Gross misconduct by a former officer."
    )
    walk.step(walk.handler, "serve_referral_notice", served_on=walk.today())
    walk.step(walk.handler, "record_subject_response", received_on=walk.today(), accepts=False)
    held_on = (clock() + timedelta(days=5)).date().isoformat()
    walk.step(
        walk.handler, "schedule_proceedings", held_on=held_on, panel="Chair Adams, Member Bell, Member Cole"
    )
    clock.advance(days=6)
    walk.step(walk.dm, "record_finding", allegation_id="A1", finding="gross_misconduct", reasons="Proven.")
    refusal = walk.refused(walk.dm, "record_outcome", sanction="dismissal_without_notice", reasons="x")
    assert refusal.startswith(
        "Dismissal without notice cannot follow a finding of gross misconduct for a former"
    )
    assert (
        walk.step(
            walk.dm,
            "record_outcome",
            sanction="would_have_been_dismissed",
            reasons="Would have been dismissed.",
        )
        == "outcome"
    )
    view = walk.view()
    assert view["workflow"]["barred"] is True
    kinds = [event["kind"] for event in view["workflow"]["timeline"]]
    assert kinds[-2:] == ["outcome_recorded", "barred_list_entry_required"]

    with services.database.transaction() as session:
        entry = session.scalars(select(BarredListEntry)).one()
        assert entry.staff_number == "NS04242"
        assert entry.case_reference == view["reference"]
    # Another force vets the same person for a job: the barred list answers.
    vetting_officer = walk.staff.user("vetting", [Role.VETTING])
    check = client.post(
        "/api/v1/vetting/checks",
        headers=walk.headers(vetting_officer),
        json={
            "given_name": "Garath",
            "family_name": "Exampel",
            "date_of_birth": "1985-04-12",
            "purpose": "hiring",
        },
    )
    assert check.status_code == 200, check.text
    assert check.json()["verdict"] == "barred"
    assert check.json()["summary"].startswith("BARRED")


def test_a_no_case_to_answer_closure_needs_a_second_decision_maker_and_tells_the_reporter(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    walk.assessed("no_case_to_answer")
    missing = walk.refused(
        walk.dm,
        "propose_closure",
        status=422,
        closure="no_case_to_answer",
        reporter_summary="We looked at it.",
    )
    assert missing == "Please give the reasons to propose closing the case."
    walk.step(
        walk.dm,
        "propose_closure",
        closure="no_case_to_answer",
        reasons="The account does not show misconduct.",
        reporter_summary="The remark, as you describe it, is not misconduct under the standards.",
    )
    refused = walk.refused(walk.dm, "confirm_closure")
    assert refused == "You proposed this closure. A different decision maker must confirm it."
    assert walk.view(walk.dm)["workflow"]["status"] == "closure_proposed", "the refusal changed nothing"
    assert walk.step(walk.dm2, "confirm_closure", note="Agreed.") == "closed"

    reporter = walk.reporter_headers()
    seen = client.get("/api/v1/reporter/report", headers=reporter).json()
    assert seen["status"].startswith("Closed")
    told = seen["messages"][-1]["text"]
    assert "no case to answer" in told
    assert "is not misconduct under the standards" in told
    assert "review" in told

    asked = client.post(
        "/api/v1/reporter/steps/request_review",
        headers=reporter,
        json={"text": "Nobody spoke to the witnesses."},
    )
    assert asked.status_code == 204, asked.text
    again = client.post("/api/v1/reporter/steps/request_review", headers=reporter, json={"text": "Again."})
    assert again.status_code == 409
    assert walk.step(walk.overseer, "reopen_case", reasons="Witnesses were not interviewed.") == "assessed"
    with services.database.transaction() as session:
        actions = set(session.scalars(select(AuditEntry.action)))
    assert {
        "case.closure_proposed",
        "case.closure_confirmed",
        "case.reporter_told",
        "case.review_requested",
        "case.case_reopened",
    } <= actions


def test_an_investigation_passing_twelve_months_owes_a_progress_report(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    walk.investigated("misconduct")
    early = walk.refused(walk.handler, "send_progress_report", summary="Nothing yet.")
    assert early.startswith("No progress report is owed yet; the next is due on")
    clock.advance(days=372)
    received, today = walk.received_on(), clock.today()
    months = (today.year - received.year) * 12 + today.month - received.month
    due = [d for d in walk.view()["workflow"]["deadlines"] if "progress" in d["label"].lower()]
    assert due
    assert due[0]["overdue"] is True
    [step] = [s for s in walk.view()["workflow"]["steps"] if s["kind"] == "send_progress_report"]
    draft = next(f["default"] for f in step["fields"] if f["name"] == "summary")
    assert draft.startswith(f"Progress report on case {walk.view()['reference']}")
    assert "Investigator: Investigator." in draft
    assert (
        f"Received on {received:%-d %B %Y}; {months} months ago." in draft
    )  # 372 days after it was received
    walk.step(
        walk.handler, "send_progress_report", summary="Witnesses interviewed; report expected in March."
    )
    after = [d for d in walk.view()["workflow"]["deadlines"] if "progress" in d["label"].lower()]
    assert after
    assert after[0]["overdue"] is False
    texts = [e["texts"] for e in walk.view()["workflow"]["timeline"] if e["kind"] == "progress_report_sent"]
    assert texts == [{"Summary": "Witnesses interviewed; report expected in March."}]


def test_a_mandatory_referral_holds_the_case_until_the_overseer_decides(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock, category="sexual_misconduct")
    walk.assessed("gross_misconduct", facts=["serious_sexual_offence"])
    held = walk.refused(walk.handler, "assign_investigator", investigator_id=str(walk.investigator.user_id))
    assert "Independent Office for Police Conduct" in held
    walk.step(walk.handler, "refer_to_overseer", reasons="A serious sexual offence is alleged.")
    steps = {s["kind"] for s in walk.view(walk.overseer)["workflow"]["steps"]}
    assert "decide_investigation_mode" in steps
    walk.step(walk.overseer, "decide_investigation_mode", mode="directed", reasons="We will direct it.")
    assert walk.step(walk.handler, "assign_investigator", investigator_id=str(walk.investigator.user_id)) == (
        "investigation"
    )


def test_a_meeting_cannot_dismiss(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    walk.investigated("misconduct")
    walk.step(walk.investigator, "submit_investigation_report", summary="Supported.")
    walk.step(walk.dm, "decide_case_to_answer", finding="misconduct", reasons="Case to answer.")
    walk.step(walk.dm, "refer_to_proceedings", forum="meeting", reasons="Misconduct.")
    walk.step(walk.handler, "serve_referral_notice", served_on=walk.today())
    walk.step(walk.handler, "record_subject_response", received_on=walk.today(), accepts=True)
    walk.step(
        walk.handler,
        "schedule_proceedings",
        held_on=(clock() + timedelta(days=3)).date().isoformat(),
        panel="Chair Adams",
    )
    clock.advance(days=4)
    walk.step(walk.dm, "record_finding", allegation_id="A1", finding="misconduct", reasons="Proven.")
    refusal = walk.refused(walk.dm, "record_outcome", sanction="dismissal_without_notice", reasons="Serious.")
    assert "meeting" in refusal
    assert (
        walk.step(walk.dm, "record_outcome", sanction="final_written_warning", reasons="Serious.")
        == "outcome"
    )


def test_the_wrong_role_is_told_who_may_take_the_step(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    walk.step(walk.handler, "acknowledge")
    walk.step(walk.handler, "add_allegation", standard="discreditable_conduct", summary="x")
    refusal = walk.refused(walk.handler, "assess_severity", status=403, severity="misconduct", reasons="x")
    assert refusal == "Only a decision maker can record the severity assessment."
    unknown = walk.refused(walk.handler, "fly_to_the_moon", status=422)
    assert unknown == "There is no such step."


def test_the_dashboard_shows_overdue_and_due_this_week_per_handler_and_stage(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    board = client.get("/api/v1/dashboard", headers=walk.headers(walk.handler)).json()
    assert board["due_this_week"] == [walk.view()["reference"]], "the acknowledgement is due within 7 days"
    assert board["overdue"] == []
    clock.advance(days=9)
    board = client.get("/api/v1/dashboard", headers=walk.headers(walk.handler)).json()
    assert board["overdue"] == [walk.view()["reference"]]
    assert board["per_handler"] == {"Handler": {"open": 1, "overdue": 1, "due_this_week": 0}}
    assert board["per_stage"] == {"received": 1}
    page = client.get("/staff/dashboard")
    assert page.status_code in (200, 303)


def test_the_overseer_sees_referrals_waiting_for_its_decision(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock, category="sexual_misconduct")
    walk.assessed("gross_misconduct", facts=["serious_sexual_offence"])
    walk.step(walk.handler, "refer_to_overseer", reasons="A serious sexual offence is alleged.")
    board = client.get("/api/v1/dashboard", headers=walk.headers(walk.overseer)).json()
    assert board["referrals"] == [walk.view()["reference"]]
    handler_board = client.get("/api/v1/dashboard", headers=walk.headers(walk.handler)).json()
    assert handler_board["referrals"] == []


def test_an_officer_who_left_comes_off_the_advisory_list_when_the_case_ends_without_barring(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    from upstander.org.lists_models import AdvisoryListEntry

    walk = CaseWalk(client, staff, services, clock)
    walk.investigated("misconduct")
    walk.step(walk.handler, "record_employment_change", employment="retired", effective_on=walk.today())
    walk.step(walk.investigator, "submit_investigation_report", summary="Not supported by the evidence.")
    walk.step(
        walk.dm,
        "propose_closure",
        closure="no_further_action",
        reasons="The evidence does not support it.",
        reporter_summary="We could not find evidence that supports what was reported.",
    )
    walk.step(walk.dm2, "confirm_closure", note="Agreed.")
    with services.database.transaction() as session:
        entry = session.scalars(select(AdvisoryListEntry)).one()
        assert entry.removed_on is not None
        assert entry.removal_reason == "the case concluded without a barred-list outcome"


def test_the_daily_reminder_lists_overdue_duties_and_fails_so_cron_alerts(
    client: TestClient,
    staff: Staff,
    services: Services,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    data_dir: Path,
    database_url: str,
) -> None:
    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("UPSTANDER_DATABASE_URL", database_url)
    nothing = CliRunner().invoke(cli, ["cases", "due"])
    assert nothing.exit_code == 0, nothing.output
    assert "0 case(s) overdue, 0 due this week." in nothing.output
    # The command runs on the same clock: the day after the acknowledgement was due, it is late.
    walk = CaseWalk(client, staff, services, clock)
    [due] = [d for d in walk.view()["workflow"]["deadlines"] if d["label"].startswith("Acknowledge")]
    clock.move_to(date.fromisoformat(due["due_on"]) + timedelta(days=1))
    late = CliRunner().invoke(cli, ["cases", "due"])
    assert late.exit_code == 1, late.output
    assert "1 case(s) overdue, 0 due this week." in late.output
    assert walk.view()["reference"] in " ".join(late.output.split())
