"""Conflicts of interest in appointing investigators, handlers and decision makers, over the API."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select

from common.cases import CaseWalk
from common.clock import FakeClock
from common.reports import report_json
from common.safeguarding import build_force, post
from common.staff import Staff
from common.staff import TestUser as StaffUser
from upstander.accounts.models import Role, User
from upstander.audit.models import AuditEntry
from upstander.cases.models import Case
from upstander.org.models import Person
from upstander.reports.models import Report
from upstander.safeguarding.models import AssignmentOverride
from upstander.services import Services

GOOD_REASONS = "The only investigator trained in this kind of inquiry this quarter."


def link(services: Services, user: StaffUser, staff_number: str) -> None:
    """The user's staff record (the force built by build_force)."""
    with services.database.transaction() as session:
        person = session.scalars(select(Person).where(Person.staff_number == staff_number)).one()
        session.get_one(User, user.user_id).person_id = person.id


def conflicted_walk(client: TestClient, staff: Staff, services: Services, clock: FakeClock) -> CaseWalk:
    """A misconduct case whose subject works in Team RN-A, where the investigator (Anna Holt) works."""
    build_force(services)
    walk = CaseWalk(client, staff, services, clock)
    post(services, "NS04242", "RN-A", "day")
    post(services, "NS00001", "RN-A", "day")
    link(services, walk.investigator, "NS00001")
    walk.assessed("misconduct")
    return walk


def test_a_conflicted_investigator_is_not_offered_and_the_screen_says_why(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = conflicted_walk(client, staff, services, clock)
    free = staff.user("free-investigator", [Role.INVESTIGATOR])
    screen = client.get(
        f"/api/v1/cases/{walk.case_id}/candidates",
        params={"role": "investigator"},
        headers=walk.headers(walk.handler),
    ).json()
    assert [c["name"] for c in screen["offered"]] == ["Free-Investigator"]
    (excluded,) = screen["excluded"]
    assert excluded["name"] == "Investigator"
    assert excluded["reasons"] == [
        "Investigator works in Response North Team A with the subject, Gareth Example (NS04242)."
    ]
    # The case page's own step form offers only the free investigator, and lists the excluded one.
    workflow = walk.view()["workflow"]
    step = next(s for s in workflow["steps"] if s["kind"] == "assign_investigator")
    field = next(f for f in step["fields"] if f["name"] == "investigator_id")
    assert [label for _, label in field["choices"]] == ["Free-Investigator"]
    assert workflow["excluded_investigators"] == [["Investigator", list(excluded["reasons"])]]
    assert free.user_id


def test_appointing_a_conflicted_investigator_is_refused_unless_a_decision_maker_overrides(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = conflicted_walk(client, staff, services, clock)
    investigator = str(walk.investigator.user_id)

    detail = walk.refused(walk.handler, "assign_investigator", status=403, investigator_id=investigator)
    assert detail.startswith("Investigator has a conflict of interest with this case. Investigator works in")
    assert "Only a decision maker can appoint them all the same, with written reasons" in detail
    # A handler cannot override, however good the reasons.
    walk.refused(
        walk.handler,
        "assign_investigator",
        status=403,
        investigator_id=investigator,
        override_reasons=GOOD_REASONS,
    )
    short = walk.attempt(
        walk.dm, "assign_investigator", investigator_id=investigator, override_reasons="because"
    )
    assert short.status_code == 422
    assert short.json()["errors"] == [{"field": "override_reasons", "detail": "too short"}]
    assert walk.view()["workflow"]["status"] == "assessed", "nothing was stored"

    status = walk.step(
        walk.dm, "assign_investigator", investigator_id=investigator, override_reasons=GOOD_REASONS
    )
    assert status == "investigation"
    # The appointed investigator can work the case.
    walk.step(walk.investigator, "serve_regulation_17_notice", served_on=walk.today())

    overrides = client.get("/api/v1/assignment-overrides", headers=walk.headers(walk.overseer))
    assert overrides.status_code == 200
    (override,) = overrides.json()
    assert override["person"] == "Investigator"
    assert override["role"] == "investigator"
    assert override["reasons"] == GOOD_REASONS
    assert override["decided_by"] == "Decision"
    assert override["conflicts"][0].startswith("Investigator works in Response North Team A")
    assert client.get("/api/v1/assignment-overrides", headers=walk.headers(walk.handler)).status_code == 403
    with services.database.transaction() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "case.conflict_overridden")
        ).one()
        assert GOOD_REASONS not in str(entry.details), "the log keeps no reasons"
        assert entry.details["kinds"] == ["same_team"]


def test_someone_who_is_not_an_investigator_cannot_be_appointed(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    walk.assessed("misconduct")
    response = walk.attempt(walk.handler, "assign_investigator", investigator_id=str(walk.dm.user_id))
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "investigator_id", "detail": "not an investigator"}]
    response = walk.attempt(walk.handler, "assign_investigator", investigator_id="nobody")
    assert response.status_code == 422


def test_a_declared_relationship_keeps_the_declarer_off_and_withdrawing_it_lets_them_back(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    walk.assessed("misconduct")
    declared = client.post(
        "/api/v1/declarations",
        headers=walk.headers(walk.investigator),
        json={"person": "NS04242", "relationship": "friend", "note": "We trained together."},
    )
    assert declared.status_code == 201, declared.text
    assert declared.json()["relationship"] == "a friend"
    again = client.post(
        "/api/v1/declarations",
        headers=walk.headers(walk.investigator),
        json={"person": "NS04242", "relationship": "family"},
    )
    assert again.status_code == 409
    bad = client.post(
        "/api/v1/declarations",
        headers=walk.headers(walk.investigator),
        json={"person": "NS04242", "relationship": "x"},
    )
    assert bad.status_code == 422
    # An investigator cannot record a relationship for someone else; a handler can.
    for_other = client.post(
        "/api/v1/declarations",
        headers=walk.headers(walk.investigator),
        json={"person": "NS04242", "relationship": "friend", "user_id": str(walk.dm.user_id)},
    )
    assert for_other.status_code == 403

    detail = walk.refused(
        walk.handler, "assign_investigator", status=403, investigator_id=str(walk.investigator.user_id)
    )
    assert "Investigator declared that the subject, Gareth Example (NS04242) is a friend." in detail

    withdrawn = client.post(
        f"/api/v1/declarations/{declared.json()['id']}/withdraw", headers=walk.headers(walk.investigator)
    )
    assert withdrawn.status_code == 204
    assert walk.step(walk.handler, "assign_investigator", investigator_id=str(walk.investigator.user_id)) == (
        "investigation"
    )


def test_the_investigator_of_an_earlier_case_of_the_subject_is_conflicted(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    first = CaseWalk(client, staff, services, clock)
    first.investigated("misconduct")
    with services.database.transaction() as session:
        first_reference = session.get_one(Case, uuid.UUID(first.case_id)).reference
    # A second report about the same officer opens a second case.
    receipt = client.post(
        "/api/v1/reports", json=report_json(subjects=[{"name": "PC Example", "staff_number": "NS04242"}])
    ).json()
    with services.database.transaction() as session:
        report_id = str(
            session.scalars(select(Report.id).where(Report.reference == receipt["reference"])).one()
        )
    opened = client.post(
        "/api/v1/cases", headers=first.headers(first.handler), json={"report_ids": [report_id]}
    )
    assert opened.status_code == 201
    screen = client.get(
        f"/api/v1/cases/{opened.json()['id']}/candidates",
        params={"role": "investigator"},
        headers=first.headers(first.handler),
    ).json()
    (excluded,) = screen["excluded"]
    assert excluded["reasons"] == [
        f"Investigator was the investigator on case {first_reference}, which concerns the subject, "
        "Gareth Example (NS04242)."
    ]
    # Its decision makers are screened too; its handler may keep linked matters together.
    handlers = client.get(
        f"/api/v1/cases/{opened.json()['id']}/candidates",
        params={"role": "handler"},
        headers=first.headers(first.handler),
    ).json()
    assert handlers["excluded"] == []
    deciders = client.get(
        f"/api/v1/cases/{opened.json()['id']}/candidates",
        params={"role": "decision_maker"},
        headers=first.headers(first.handler),
    ).json()
    assert [c["name"] for c in deciders["excluded"]] == ["Decision"]
    assert [c["name"] for c in deciders["offered"]] == ["Decision2"]
    wrong = client.get(
        f"/api/v1/cases/{opened.json()['id']}/candidates",
        params={"role": "cook"},
        headers=first.headers(first.handler),
    )
    assert wrong.status_code == 422


def test_a_conflicted_decision_maker_decides_only_once_another_overrides(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    build_force(services)
    walk = CaseWalk(client, staff, services, clock)
    post(services, "NS04242", "RN-A", "day")
    post(services, "NS00002", "RN", "day")  # the unit above the subject's team
    link(services, walk.dm, "NS00002")
    walk.step(walk.handler, "acknowledge")
    walk.step(walk.handler, "add_allegation", standard="discreditable_conduct", summary="What was alleged.")
    detail = walk.refused(
        walk.dm, "assess_severity", status=403, severity="misconduct", reasons="Assessed on the account."
    )
    assert "Decision is in Response North, in the chain of command above the subject" in detail

    own = client.post(
        f"/api/v1/cases/{walk.case_id}/decision-maker-overrides",
        headers=walk.headers(walk.dm),
        json={"user_id": str(walk.dm.user_id), "reasons": GOOD_REASONS},
    )
    assert own.status_code == 422
    allowed = client.post(
        f"/api/v1/cases/{walk.case_id}/decision-maker-overrides",
        headers=walk.headers(walk.dm2),
        json={"user_id": str(walk.dm.user_id), "reasons": GOOD_REASONS},
    )
    assert allowed.status_code == 201, allowed.text
    assert walk.step(
        walk.dm, "assess_severity", severity="misconduct", reasons="Assessed on the account."
    ) == ("assessed")
    not_conflicted = client.post(
        f"/api/v1/cases/{walk.case_id}/decision-maker-overrides",
        headers=walk.headers(walk.dm),
        json={"user_id": str(walk.dm2.user_id), "reasons": GOOD_REASONS},
    )
    assert not_conflicted.status_code == 409


def test_assigning_a_conflicted_handler_is_refused_unless_a_decision_maker_overrides(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    build_force(services)
    walk = CaseWalk(client, staff, services, clock)
    second = staff.handler("second-handler")
    post(services, "NS04242", "CS-1", "day")
    post(services, "NS00003", "CS-1", "night")
    link(services, second, "NS00003")
    url = f"/api/v1/cases/{walk.case_id}/handler"
    refused = client.post(url, headers=walk.headers(walk.handler), json={"handler_id": str(second.user_id)})
    assert refused.status_code == 403
    assert "Second-Handler works in Custody South Team 1 with the subject" in refused.json()["detail"]
    overridden = client.post(
        url,
        headers=walk.headers(walk.dm),
        json={"handler_id": str(second.user_id), "override_reasons": GOOD_REASONS},
    )
    assert overridden.status_code == 204, overridden.text
    with services.database.transaction() as session:
        row = session.scalars(select(AssignmentOverride)).one()
        assert (row.role, row.user_id) == ("handler", second.user_id)


def test_the_screen_of_a_case_is_for_those_who_hold_its_key(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    outsider = staff.handler("outsider")
    url = f"/api/v1/cases/{walk.case_id}/candidates"
    refused = client.get(url, params={"role": "investigator"}, headers=walk.headers(outsider))
    assert refused.status_code == 404  # to someone with no key to it, the case does not exist
    assert refused.json()["detail"] == "There is no such case, or you have not been given access to it."
    assert (
        client.get(url, params={"role": "investigator"}, headers=walk.headers(walk.investigator)).status_code
        == 403
    )
    missing = client.get(
        f"/api/v1/cases/{uuid.uuid4()}/candidates",
        params={"role": "investigator"},
        headers=walk.headers(walk.handler),
    )
    assert missing.status_code == 404
