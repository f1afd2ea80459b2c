"""The handler's work over the API: sign-in, inbox, reading, acknowledging, replying, notes, cases."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from common.clock import FakeClock
from common.reports import report_json
from common.staff import PASSWORD, Staff
from upstander import crypto
from upstander.accounts.models import Role
from upstander.audit.models import AuditEntry
from upstander.reports.models import Note, Report
from upstander.services import Services


def submit(client: TestClient, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/v1/reports", json=report_json(**overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def report_id(services: Services, reference: str) -> str:
    with services.database.transaction() as session:
        return str(session.scalars(select(Report.id).where(Report.reference == reference)).one())


def reporter(client: TestClient, receipt_key: str) -> dict[str, str]:
    token = client.post("/api/v1/reporter/session", json={"receipt_key": receipt_key}).json()["token"]
    return {"authorization": f"Bearer {token}"}


def audit_actions(services: Services) -> list[str]:
    with services.database.transaction() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_handler_reads_acknowledges_and_replies_and_the_reporter_sees_it(
    client: TestClient, staff: Staff, services: Services
) -> None:
    handler = staff.handler()
    receipt = submit(client, what_happened="The inspector shouted racist abuse at me.")
    headers = staff.api_headers(client, handler)

    [item] = client.get("/api/v1/inbox", headers=headers).json()
    assert item["reference"] == receipt["reference"]
    assert item["acknowledgement"]["state"] == "on_time"
    assert item["can_open"] is True

    report = client.get(f"/api/v1/reports/{item['id']}", headers=headers).json()
    assert report["what_happened"] == "The inspector shouted racist abuse at me."
    assert report["anonymous"] is True

    assert (
        client.post(f"/api/v1/reports/{item['id']}/acknowledge", headers=headers, json={}).status_code == 204
    )
    reply = client.post(
        f"/api/v1/reports/{item['id']}/replies", headers=headers, json={"text": "Were there any witnesses?"}
    )
    assert reply.status_code == 201

    seen = client.get("/api/v1/reporter/report", headers=reporter(client, receipt["receipt_key"])).json()
    assert seen["status"].startswith("Acknowledged")
    texts = [m["text"] for m in seen["messages"]]
    assert texts[-1] == "Were there any witnesses?"
    assert texts[0].startswith("Thank you for your report.")
    assert {m["author_name"] for m in seen["messages"]} == {"Professional Standards"}
    assert "report.read" in audit_actions(services)


def test_acknowledging_twice_is_refused_with_the_date(
    client: TestClient, staff: Staff, services: Services
) -> None:
    headers = staff.api_headers(client, staff.handler())
    rid = report_id(services, submit(client)["reference"])
    assert client.post(f"/api/v1/reports/{rid}/acknowledge", headers=headers, json={}).status_code == 204
    again = client.post(f"/api/v1/reports/{rid}/acknowledge", headers=headers, json={})
    assert again.status_code == 409
    assert "already acknowledged" in again.json()["detail"]


def test_an_overdue_acknowledgement_shows_as_overdue(
    client: TestClient, staff: Staff, clock: FakeClock
) -> None:
    headers = staff.api_headers(client, staff.handler())
    submit(client)
    clock.advance(days=8)
    headers = staff.api_headers(client, staff.handler())
    [item] = client.get("/api/v1/inbox", headers=headers).json()
    assert item["acknowledgement"]["state"] == "overdue"


def test_internal_notes_never_reach_the_reporter(
    client: TestClient, staff: Staff, services: Services
) -> None:
    headers = staff.api_headers(client, staff.handler())
    receipt = submit(client)
    rid = report_id(services, receipt["reference"])
    assert (
        client.post(
            f"/api/v1/reports/{rid}/notes", headers=headers, json={"text": "Check the rota."}
        ).status_code
        == 201
    )

    seen = client.get("/api/v1/reporter/report", headers=reporter(client, receipt["receipt_key"])).json()
    assert "Check the rota." not in str(seen)
    assert (
        client.get(f"/api/v1/reports/{rid}", headers=headers).json()["notes"][0]["text"] == "Check the rota."
    )
    # Cryptographically too: the key derived from the receipt cannot open the note.
    receipt_keys = services.reports.derive_receipt(receipt["receipt_key"]).key_pair
    with services.database.transaction() as session:
        sealed = session.scalars(select(Note.sealed)).one()
    try:
        crypto.unseal(receipt_keys.private, sealed)
        opened = True
    except crypto.DecryptionFailed:
        opened = False
    assert opened is False


def test_an_admin_cannot_read_report_content(client: TestClient, staff: Staff, services: Services) -> None:
    staff.handler()
    admin = staff.user("admin", [Role.ADMIN])
    rid = report_id(services, submit(client)["reference"])
    response = client.get(f"/api/v1/reports/{rid}", headers=staff.api_headers(client, admin))
    assert response.status_code == 403
    assert response.json()["detail"] == "Your role does not allow you to read reports."


def test_a_handler_without_a_key_is_refused_even_with_the_role(
    client: TestClient, staff: Staff, services: Services
) -> None:
    staff.handler()
    rid = report_id(services, submit(client)["reference"])
    latecomer = staff.handler("latecomer")  # created after the report was sealed to the intake team
    response = client.get(f"/api/v1/reports/{rid}", headers=staff.api_headers(client, latecomer))
    assert response.status_code == 404  # to someone who could never open it, it does not exist
    assert response.json()["code"] == "not_found:report"
    assert "not been given access" in response.json()["detail"]


def test_opening_a_case_from_two_reports_and_assigning_a_handler(
    client: TestClient, staff: Staff, services: Services
) -> None:
    first, second = staff.handler(), staff.handler("second")
    overseer = staff.overseer()
    ids = [report_id(services, submit(client, what_happened=f"Incident {n}")["reference"]) for n in (1, 2)]
    headers = staff.api_headers(client, first)
    opened = client.post("/api/v1/cases", headers=headers, json={"report_ids": ids})
    assert opened.status_code == 201
    case = opened.json()
    assert case["report_count"] == 2
    assert case["handler_name"] == "Handler"

    assigned = client.post(
        f"/api/v1/cases/{case['id']}/handler",
        headers=headers,
        json={"handler_id": str(staff.user("second", [Role.HANDLER]).user_id)},
    )
    assert assigned.status_code == 204
    view = client.get(f"/api/v1/cases/{case['id']}", headers=staff.api_headers(client, second)).json()
    assert view["handler_name"] == "Second"
    assert [event["kind"] for event in view["workflow"]["timeline"]] == [
        "case_opened",
        "handler_assigned",
        "handler_assigned",
    ]
    # The overseer reads every case, and through it every report in it.
    overseer_headers = staff.api_headers(client, overseer)
    assert client.get(f"/api/v1/cases/{case['id']}", headers=overseer_headers).status_code == 200
    assert (
        client.get(f"/api/v1/reports/{ids[1]}", headers=overseer_headers).json()["what_happened"]
        == "Incident 2"
    )
    again = client.post("/api/v1/cases", headers=headers, json={"report_ids": [ids[0]]})
    assert again.status_code == 409
    assert "was put into case C-" in again.json()["detail"]


def test_an_operator_enters_a_phone_report_for_someone(
    client: TestClient, staff: Staff, services: Services
) -> None:
    handler = staff.handler()
    operator = staff.user("operator", [Role.OPERATOR])
    response = client.post(
        "/api/v1/operator/reports",
        headers=staff.api_headers(client, operator),
        json={**report_json(what_happened="Caller says her manager threatened her."), "channel": "phone"},
    )
    assert response.status_code == 201
    [item] = client.get("/api/v1/inbox", headers=staff.api_headers(client, handler)).json()
    assert item["channel"] == "phone"
    # Only operators may enter reports on someone's behalf.
    refused = client.post(
        "/api/v1/operator/reports", headers=staff.api_headers(client, handler), json=report_json()
    )
    assert refused.status_code == 403


def test_a_named_reporters_identity_is_held_until_the_custodian_discloses_it(
    client: TestClient, staff: Staff, services: Services
) -> None:
    handler = staff.handler()
    custodian_user = staff.user("custodian", [Role.CUSTODIAN])
    rid = report_id(
        services,
        submit(client, identity={"name": "Kim Rowe", "staff_number": "NS00999", "contact": "07700 900123"})[
            "reference"
        ],
    )
    headers = staff.api_headers(client, handler)
    before = client.get(f"/api/v1/reports/{rid}", headers=headers).json()
    assert before["anonymous"] is False
    assert before["identity_held"] is True
    assert before["disclosed_identity"] is None
    assert "Kim Rowe" not in str(before)

    import uuid

    custodian = staff.principal(custodian_user)
    services.identities.disclose(
        custodian, uuid.UUID(rid), "Needed to arrange a welfare meeting and protect her."
    )
    after = client.get(f"/api/v1/reports/{rid}", headers=staff.api_headers(client, handler)).json()
    assert after["disclosed_identity"]["name"] == "Kim Rowe"
    assert "identity.disclosed" in audit_actions(services)


def test_a_wrong_totp_code_or_a_replayed_one_is_refused(
    client: TestClient, staff: Staff, clock: FakeClock
) -> None:
    handler = staff.handler()
    clock.advance(seconds=30)
    good = {"username": "handler", "password": PASSWORD, "totp_code": handler.code(clock)}
    assert client.post("/api/v1/auth/token", json=good).status_code == 200
    replay = client.post("/api/v1/auth/token", json=good)
    assert replay.status_code == 401
    assert replay.json()["detail"] == "The username, password or code is not right."
    wrong = client.post("/api/v1/auth/token", json={**good, "totp_code": "000000"})
    assert wrong.status_code == 401


def test_an_expired_session_is_refused_and_says_so(
    client: TestClient, staff: Staff, clock: FakeClock
) -> None:
    headers = staff.api_headers(client, staff.handler())
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    clock.advance(minutes=31)
    expired = client.get("/api/v1/me", headers=headers)
    assert expired.status_code == 401
    assert expired.json()["code"] == "session_expired"


def test_a_revoked_token_stops_working(client: TestClient, staff: Staff) -> None:
    headers = staff.api_headers(client, staff.handler())
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_unknown_routes_and_methods_answer_with_problem_documents(client: TestClient) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    wrong_method = client.put("/api/v1/reports")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["status"] == 405
