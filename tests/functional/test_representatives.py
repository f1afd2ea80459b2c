"""Staff-association representatives: consent, only disclosed material, every view audited."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from common.cases import CaseWalk
from common.clock import FakeClock
from common.staff import Staff
from upstander.accounts.models import Role, User
from upstander.audit.models import AuditEntry
from upstander.cases.models import DisclosedCopy
from upstander.cases.representation.disclosure import DISCLOSED
from upstander.org.models import Person
from upstander.reports.models import CaseKeyGrant
from upstander.services import Services

REPORT_SUMMARY = "The allegation is supported by two witnesses."
EVIDENCE = "Statement of the shift sergeant, naming the complainant."


def reads(services: Services) -> int:
    with services.database.transaction() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "case.representative_read")
            )
            or 0
        )


def consent(walk: CaseWalk, rep_id: str, subject: str = "NS04242", by: object = None) -> dict[str, object]:
    response = walk.client.post(
        f"/api/v1/cases/{walk.case_id}/representatives",
        headers=walk.headers(by or walk.handler),  # type: ignore[arg-type]
        json={"subject": subject, "representative_id": rep_id},
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_a_representative_sees_an_unconsented_case_as_not_existing(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    rep = staff.user("rep", [Role.REPRESENTATIVE])
    headers = walk.headers(rep)
    assert client.get(f"/api/v1/represented/{walk.case_id}", headers=headers).status_code == 404
    assert client.get("/api/v1/represented", headers=headers).json() == []
    step = client.post(
        f"/api/v1/represented/{walk.case_id}/steps/lodge_appeal", headers=headers, json={"grounds": "Unfair."}
    )
    assert step.status_code == 404
    # The full case and its reports are closed to the role.
    assert client.get(f"/api/v1/cases/{walk.case_id}", headers=headers).status_code == 403
    assert client.get(f"/api/v1/reports/{walk.report_id}", headers=headers).status_code in {403, 404}
    assert reads(services) == 0


def test_only_handlers_and_decision_makers_record_consent_and_only_for_a_subject(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    rep = staff.user("rep", [Role.REPRESENTATIVE])
    url = f"/api/v1/cases/{walk.case_id}/representatives"
    body = {"subject": "NS04242", "representative_id": str(rep.user_id)}
    assert client.post(url, headers=walk.headers(walk.investigator), json=body).status_code == 403
    assert client.post(url, headers=walk.headers(rep), json=body).status_code == 403
    with services.database.transaction() as session:
        session.add(Person(staff_number="NS07777", given_name="Not", family_name="Involved", rank="PC"))
    not_subject = client.post(url, headers=walk.headers(walk.handler), json={**body, "subject": "NS07777"})
    assert not_subject.status_code == 422
    assert "is not a subject of case" in not_subject.json()["detail"]
    not_rep = client.post(
        url, headers=walk.headers(walk.handler), json={**body, "representative_id": str(walk.dm.user_id)}
    )
    assert not_rep.status_code == 422
    consent(walk, str(rep.user_id))
    again = client.post(url, headers=walk.headers(walk.handler), json=body)
    assert again.status_code == 409


def test_a_consented_representative_sees_only_disclosed_material_and_every_view_is_audited(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    rep = staff.user("rep", [Role.REPRESENTATIVE])
    walk.investigated("gross_misconduct")  # the Regulation 17 notice is served before consent
    consent(walk, str(rep.user_id))
    headers = walk.headers(rep)

    first = client.get(f"/api/v1/represented/{walk.case_id}", headers=headers)
    assert first.status_code == 200
    assert [item["title"] for item in first.json()["items"]] == ["Regulation 17 notice served on the officer"]

    walk.step(walk.investigator, "log_evidence", description=EVIDENCE)
    walk.step(walk.investigator, "submit_investigation_report", summary=REPORT_SUMMARY)
    walk.step(walk.dm, "decide_case_to_answer", finding="gross_misconduct", reasons="A panel could find it.")
    walk.step(walk.dm, "refer_to_proceedings", forum="hearing", reasons="Gross misconduct.")
    before_notice = client.get(f"/api/v1/represented/{walk.case_id}", headers=headers).json()
    assert REPORT_SUMMARY not in json.dumps(before_notice), "the report reaches the officer with the notice"
    walk.step(walk.handler, "serve_referral_notice", served_on=walk.today())

    view = client.get(f"/api/v1/represented/{walk.case_id}", headers=headers).json()
    text = json.dumps(view)
    assert REPORT_SUMMARY in text
    assert EVIDENCE not in text, "the evidence log is not disclosed"
    assert "touched me" not in text, "nothing the reporter wrote"
    assert "A panel could find it." not in text, "no internal reasons"
    assert [item["title"] for item in view["items"]] == [
        "Regulation 17 notice served on the officer",
        "Investigation report submitted",
        "Case to answer decided",
        "Referred to misconduct proceedings",
        "Notice of the proceedings served on the officer",
    ]
    with services.database.transaction() as session:
        assert session.get(CaseKeyGrant, (uuid.UUID(walk.case_id), rep.user_id)) is None, "never the case key"
        seqs = session.scalars(
            select(DisclosedCopy.seq).where(DisclosedCopy.representative_id == rep.user_id)
        )
        assert len(list(seqs)) == 5
    assert {s["kind"] for s in view["steps"]} == {"record_subject_response"}

    # The representative records the officer's response, which they then see.
    response = client.post(
        f"/api/v1/represented/{walk.case_id}/steps/record_subject_response",
        headers=headers,
        json={"received_on": walk.today(), "accepts": False},
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "awaiting_proceedings"
    wrong_step = client.post(
        f"/api/v1/represented/{walk.case_id}/steps/log_evidence", headers=headers, json={"description": "x"}
    )
    assert wrong_step.status_code == 422
    assert "response or lodge an appeal" in wrong_step.json()["detail"]
    after = client.get(f"/api/v1/represented/{walk.case_id}", headers=headers).json()
    assert after["items"][-1]["title"] == "The officer's response recorded"
    assert after["items"][-1]["details"] == {"received_on": walk.today(), "accepts": False}
    assert all(item["title"] for item in after["items"])
    assert reads(services) == 4
    # The handler sees the response in the full timeline, by the representative.
    timeline = walk.view()["workflow"]["timeline"]
    assert timeline[-1]["kind"] == "subject_response_recorded"
    assert timeline[-1]["actor_name"] == "Rep"
    assert set(DISCLOSED) >= {"subject_response_recorded"}


def test_withdrawn_consent_ends_access_at_once(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    rep = staff.user("rep", [Role.REPRESENTATIVE])
    other = staff.user("other-rep", [Role.REPRESENTATIVE])
    walk.investigated("misconduct")
    given = consent(walk, str(rep.user_id))
    headers = walk.headers(rep)
    assert client.get(f"/api/v1/represented/{walk.case_id}", headers=headers).status_code == 200
    assert [c["reference"] for c in client.get("/api/v1/represented", headers=headers).json()] != []
    # Another representative, or anyone unrelated, cannot withdraw it.
    url = f"/api/v1/cases/{walk.case_id}/representatives/{given['id']}/withdraw"
    assert client.post(url, headers=walk.headers(other)).status_code == 404
    outsider = staff.handler("outsider")  # a handler who holds no key to this case
    assert client.post(url, headers=walk.headers(outsider)).status_code == 404
    assert (
        client.get(
            f"/api/v1/cases/{walk.case_id}/representatives", headers=walk.headers(outsider)
        ).status_code
        == 404  # a case the outsider holds no key to does not exist for them
    )
    assert client.post(url, headers=walk.headers(walk.handler)).status_code == 204
    assert client.post(url, headers=walk.headers(walk.handler)).status_code == 409

    assert client.get(f"/api/v1/represented/{walk.case_id}", headers=headers).status_code == 404
    assert client.get("/api/v1/represented", headers=headers).json() == []
    with services.database.transaction() as session:
        left = session.scalar(
            select(func.count())
            .select_from(DisclosedCopy)
            .where(DisclosedCopy.representative_id == rep.user_id)
        )
        assert left == 0, "the copies sealed to the representative are gone"
    listed = client.get(
        f"/api/v1/cases/{walk.case_id}/representatives", headers=walk.headers(walk.handler)
    ).json()
    assert listed[0]["withdrawn_at"] is not None


def test_a_representative_may_step_down_themselves(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    rep = staff.user("rep", [Role.REPRESENTATIVE])
    given = consent(walk, str(rep.user_id))
    url = f"/api/v1/cases/{walk.case_id}/representatives/{given['id']}/withdraw"
    assert client.post(url, headers=walk.headers(rep)).status_code == 204
    assert client.get(f"/api/v1/represented/{walk.case_id}", headers=walk.headers(rep)).status_code == 404


def test_the_representative_lodges_the_officers_appeal_and_sees_the_outcome_and_its_reasons(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    rep = staff.user("rep", [Role.REPRESENTATIVE])
    consent(walk, str(rep.user_id))
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
        panel="Chair",
    )
    clock.advance(days=4)
    walk.step(
        walk.dm, "record_finding", allegation_id="A1", finding="misconduct", reasons="Proven on the evidence."
    )
    walk.step(walk.dm, "record_outcome", sanction="final_written_warning", reasons="Serious and repeated.")

    headers = walk.headers(rep)
    view = client.get(f"/api/v1/represented/{walk.case_id}", headers=headers).json()
    assert {s["kind"] for s in view["steps"]} == {"lodge_appeal"}
    outcome = next(item for item in view["items"] if item["title"] == "Outcome decided")
    assert outcome["details"] == {"sanction": "final_written_warning"}
    assert outcome["texts"] == {"reasons": "Serious and repeated."}
    missing = client.post(f"/api/v1/represented/{walk.case_id}/steps/lodge_appeal", headers=headers, json={})
    assert missing.status_code == 422
    lodged = client.post(
        f"/api/v1/represented/{walk.case_id}/steps/lodge_appeal",
        headers=headers,
        json={"grounds": "The sanction is out of proportion to the finding."},
    )
    assert lodged.status_code == 200, lodged.text
    assert lodged.json()["status"] == "appeal"
    after = client.get(f"/api/v1/represented/{walk.case_id}", headers=headers).json()
    assert after["items"][-1]["texts"] == {"grounds": "The sanction is out of proportion to the finding."}
    # The case key holders read the grounds too: they were sealed to the case key as well.
    timeline = walk.view()["workflow"]["timeline"]
    assert timeline[-1]["texts"] == {"Grounds": "The sanction is out of proportion to the finding."}


def test_the_subject_may_withdraw_consent_from_their_own_account(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    rep = staff.user("rep", [Role.REPRESENTATIVE])
    officer = staff.user("officer", [Role.OPERATOR])
    someone = staff.user("someone", [Role.OPERATOR])
    with services.database.transaction() as session:
        person = session.scalars(select(Person).where(Person.staff_number == "NS04242")).one()
        session.get_one(User, officer.user_id).person_id = person.id
    given = consent(walk, str(rep.user_id))
    url = f"/api/v1/cases/{walk.case_id}/representatives/{given['id']}/withdraw"
    assert client.post(url, headers=walk.headers(someone)).status_code == 404
    assert client.post(url, headers=walk.headers(officer)).status_code == 204
    assert client.get(f"/api/v1/represented/{walk.case_id}", headers=walk.headers(rep)).status_code == 404
