"""The overseer's view of every case, and its directions, which the workflow honours."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient

from common.cases import CaseWalk
from common.clock import FakeClock
from common.pages import sign_in
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.services import Services

DIRECTION = "The investigation did not interview the two witnesses named in the report."


def close_no_further_action(walk: CaseWalk) -> None:
    walk.step(
        walk.dm,
        "propose_closure",
        closure="no_further_action",
        reasons="Not enough evidence.",
        reporter_summary="We found no evidence to act on.",
    )
    walk.step(walk.dm2, "confirm_closure")


def test_the_overseer_directs_a_closed_case_back_into_investigation(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    walk.investigated("misconduct")
    walk.step(walk.investigator, "submit_investigation_report", summary="No witness supports it.")
    close_no_further_action(walk)
    assert walk.view()["workflow"]["status"] == "closed"

    # Only the overseer directs, and only with reasons.
    assert walk.refused(walk.dm, "direct_reinvestigation", status=403, reasons=DIRECTION).startswith("Only")
    missing = walk.attempt(walk.overseer, "direct_reinvestigation", reasons="")
    assert missing.status_code == 422
    assert walk.step(walk.overseer, "direct_reinvestigation", reasons=DIRECTION) == "investigation"

    view = walk.view(walk.overseer)
    assert view["workflow"]["timeline"][-1]["title"] == "The overseer directed a re-investigation"
    assert view["workflow"]["timeline"][-1]["texts"] == {"Reasons": DIRECTION}
    # The case cannot be closed again before the new report.
    refused = walk.refused(
        walk.dm, "propose_closure", closure="no_further_action", reasons="Again.", reporter_summary="Again."
    )
    assert refused == (
        "The Independent Office for Police Conduct has directed a re-investigation: the case closes only "
        "after the new investigation report."
    )
    # The same investigator carries on and reports again; then the case can move on.
    walk.step(walk.investigator, "log_evidence", description="Statements of the two witnesses.")
    assert walk.step(
        walk.investigator, "submit_investigation_report", summary="Both witnesses support it."
    ) == ("investigation_reported")
    assert walk.step(walk.dm, "decide_case_to_answer", finding="misconduct", reasons="Supported.") == (
        "case_to_answer_decided"
    )


def test_a_case_never_investigated_cannot_be_re_investigated(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    walk.assessed("no_case_to_answer")
    walk.step(
        walk.dm,
        "propose_closure",
        closure="no_case_to_answer",
        reasons="No case.",
        reporter_summary="No case.",
    )
    walk.step(walk.dm2, "confirm_closure")
    detail = walk.refused(walk.overseer, "direct_reinvestigation", reasons=DIRECTION)
    assert (
        detail
        == "This case was never investigated, so it cannot be re-investigated: direct a review instead."
    )


def test_a_direction_to_review_is_due_from_the_handler_and_holds_closure_until_answered(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    walk.investigated("misconduct")
    assert walk.step(walk.overseer, "direct_review", reasons=DIRECTION) == "investigation"
    again = walk.refused(walk.overseer, "direct_review", reasons=DIRECTION)
    assert again == "The earlier direction to review this case has not been answered yet."

    deadlines = walk.view()["workflow"]["deadlines"]
    due = next(d for d in deadlines if d["label"] == "Answer the overseer's direction to review the case")
    assert due["duty"] is True
    assert due["whose"] == "the case handler or a decision maker"
    refused = walk.refused(
        walk.dm, "propose_closure", closure="no_further_action", reasons="Close.", reporter_summary="Closed."
    )
    assert "has directed a review of this case: answer the direction before closing it." in refused

    # Overdue the day after its 20 working days: the handler's dashboard and the overseer's view show it.
    clock.move_to(date.fromisoformat(due["due_on"]) + timedelta(days=1))
    board = client.get("/api/v1/dashboard", headers=walk.headers(walk.handler)).json()
    assert board["overdue"] == [walk.view()["reference"]]
    [line] = board["buckets"]["overdue"]["items"]
    assert line["due_label"] == "Answer the overseer's direction to review the case"
    oversight = client.get("/api/v1/oversight", headers=walk.headers(walk.overseer))
    assert oversight.status_code == 200
    body = oversight.json()
    reference = body["cases"][0]["reference"]
    assert body["overdue"] == [reference]
    assert body["directions"] == {reference: "review"}

    assert walk.refused(walk.investigator, "answer_direction", status=403, reasons="Done.").startswith("Only")
    walk.step(walk.handler, "answer_direction", reasons="The witnesses are being interviewed this week.")
    assert all(d["label"] != due["label"] for d in walk.view()["workflow"]["deadlines"])
    assert walk.refused(walk.handler, "answer_direction", reasons="Again.") == (
        "There is no direction to review this case waiting for an answer."
    )
    body = client.get("/api/v1/oversight", headers=walk.headers(walk.overseer)).json()
    assert body["directions"] == {}


def test_the_oversight_view_is_the_overseers_alone_and_lists_overrides(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    for user in (walk.handler, walk.dm, walk.investigator):
        assert client.get("/api/v1/oversight", headers=walk.headers(user)).status_code == 403
    body = client.get("/api/v1/oversight", headers=walk.headers(walk.overseer)).json()
    assert body["assignment_overrides"] == []
    assert body["posting_overrides"] == []
    assert len(body["cases"]) == 1
    # The overseer reads the case, and is offered only its own steps.
    steps = {s["kind"] for s in walk.view(walk.overseer)["workflow"]["steps"]}
    assert steps == {"direct_review"}


def test_an_overseer_appointed_later_reads_old_cases_once_another_shares_the_keys(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    late = staff.user("overseer-two", [Role.OVERSEER])
    assert client.get(f"/api/v1/cases/{walk.case_id}", headers=walk.headers(late)).status_code == 404
    assert client.get(f"/api/v1/reports/{walk.report_id}", headers=walk.headers(late)).status_code == 404
    body = client.get("/api/v1/oversight", headers=walk.headers(walk.overseer)).json()
    assert body["cases_other_overseers_cannot_read"] == 1
    # Nobody but an overseer shares, and the late overseer has nothing to share yet.
    assert client.post("/api/v1/oversight/share-keys", headers=walk.headers(walk.dm)).status_code == 403
    assert client.post("/api/v1/oversight/share-keys", headers=walk.headers(late)).json() == {
        "overseers": 1,
        "cases": 0,
        "reports": 0,
        "detriment_watch_key": 0,
        "older_report_keys": 0,
    }
    shared = client.post("/api/v1/oversight/share-keys", headers=walk.headers(walk.overseer))
    assert shared.json() == {
        "overseers": 1,
        "cases": 1,
        "reports": 1,
        "detriment_watch_key": 0,
        "older_report_keys": 0,
    }
    assert client.get(f"/api/v1/cases/{walk.case_id}", headers=walk.headers(late)).status_code == 200
    report = client.get(f"/api/v1/reports/{walk.report_id}", headers=walk.headers(late))
    assert report.status_code == 200, report.text
    assert "sergeant" in report.text  # the content opens with the shared key
    again = client.post("/api/v1/oversight/share-keys", headers=walk.headers(walk.overseer)).json()
    assert (again["cases"], again["reports"]) == (0, 0)
    body = client.get("/api/v1/oversight", headers=walk.headers(walk.overseer)).json()
    assert body["cases_other_overseers_cannot_read"] == 0


def test_the_oversight_page_offers_to_share_keys_when_another_overseer_lacks_them(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    staff.user("overseer-two", [Role.OVERSEER])
    token = sign_in(client, clock, walk.overseer, "/staff/oversight")
    page = client.get("/staff/oversight").text
    assert "1 case you hold opened before another overseer was appointed" in page
    shared = client.post("/staff/oversight/share-keys", data={"csrf_token": token}, follow_redirects=False)
    assert (shared.status_code, shared.headers["location"]) == (303, "/staff/oversight?shared=1")
    after = client.get(shared.headers["location"]).text
    assert "Shared: 1 case key sealed to the other overseers who lacked them." in after
    assert "Cases another overseer cannot read yet" not in after
