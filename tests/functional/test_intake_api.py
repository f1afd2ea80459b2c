"""Intake and reporter follow-up over the JSON API, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from common.reports import report_json
from common.staff import Staff
from upstander.reports.models import Attachment, Report
from upstander.services import Services


def count_reports(services: Services) -> int:
    with services.database.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(Report)) or 0)


def reporter_headers(client: TestClient, receipt_key: str) -> dict[str, str]:
    response = client.post("/api/v1/reporter/session", json={"receipt_key": receipt_key})
    assert response.status_code == 200, response.text
    return {"authorization": f"Bearer {response.json()['token']}"}


def test_anonymous_report_gives_a_receipt_that_opens_it(client: TestClient, staff: Staff) -> None:
    staff.handler()
    response = client.post(
        "/api/v1/reports", json=report_json(what_happened="He cornered me in the locker room.")
    )
    assert response.status_code == 201
    receipt = response.json()
    assert receipt["reference"].startswith("R-")
    assert len(receipt["receipt_key"].replace("-", "")) == 28

    # Typed carelessly: lower case, spaces instead of dashes.
    typed = receipt["receipt_key"].lower().replace("-", " ")
    view = client.get("/api/v1/reporter/report", headers=reporter_headers(client, typed))
    assert view.status_code == 200
    body = view.json()
    assert body["reference"] == receipt["reference"]
    assert body["content"]["what_happened"] == "He cornered me in the locker room."
    assert body["anonymous"] is True
    assert body["status"].startswith("Received")


def test_reporter_adds_information_and_a_file(client: TestClient, staff: Staff) -> None:
    staff.handler()
    receipt = client.post("/api/v1/reports", json=report_json()).json()
    headers = reporter_headers(client, receipt["receipt_key"])
    added = client.post(
        "/api/v1/reporter/messages",
        headers=headers,
        json={
            "text": "It happened again last night.",
            "attachments": [
                {
                    "filename": "notes.txt",
                    "content_type": "text/plain",
                    "content_base64": base64.b64encode(b"dates and times").decode(),
                }
            ],
        },
    )
    assert added.status_code == 201
    body = client.get("/api/v1/reporter/report", headers=headers).json()
    assert [m["text"] for m in body["messages"]] == ["It happened again last night."]
    assert body["messages"][0]["author_name"] == "You"
    [attachment] = body["attachments"]
    download = client.get(f"/api/v1/reporter/attachments/{attachment['id']}", headers=headers)
    assert download.content == b"dates and times"
    assert download.headers["content-disposition"].startswith("attachment;")


def test_a_retry_with_the_same_idempotency_key_returns_the_first_receipt(
    client: TestClient, staff: Staff, services: Services
) -> None:
    staff.handler()
    headers = {"Idempotency-Key": "3f1c2a9e-retry-test"}
    first = client.post("/api/v1/reports", json=report_json(), headers=headers)
    second = client.post("/api/v1/reports", json=report_json(), headers=headers)
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert count_reports(services) == 1


def test_a_reused_idempotency_key_with_a_different_body_is_refused(
    client: TestClient, staff: Staff, services: Services
) -> None:
    staff.handler()
    headers = {"Idempotency-Key": "3f1c2a9e-reuse-test"}
    assert client.post("/api/v1/reports", json=report_json(), headers=headers).status_code == 201
    refused = client.post(
        "/api/v1/reports", json=report_json(what_happened="Something else"), headers=headers
    )
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "idempotency_key_reused"
    assert count_reports(services) == 1


def test_missing_fields_are_named_in_a_problem_document(client: TestClient, services: Services) -> None:
    response = client.post("/api/v1/reports", json={"category": "bullying"})
    assert response.status_code == 422
    problem = response.json()
    assert problem["status"] == 422
    assert {error["field"] for error in problem["errors"]} == {"what_happened", "relation"}
    assert count_reports(services) == 0


def test_blank_statement_is_refused_with_its_field(
    client: TestClient, staff: Staff, services: Services
) -> None:
    staff.handler()
    response = client.post("/api/v1/reports", json=report_json(what_happened="   "))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "what_happened", "detail": "Please say what happened. A few words are enough to start."}
    ]
    assert count_reports(services) == 0


def test_oversized_text_is_refused_and_says_the_limit(
    client: TestClient, staff: Staff, services: Services
) -> None:
    staff.handler()
    limit = services.settings.max_text_chars
    response = client.post("/api/v1/reports", json=report_json(what_happened="x" * (limit + 1)))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "what_happened"
    assert f"{limit:,}" in error["detail"]
    assert count_reports(services) == 0


def test_oversized_file_is_refused_with_413(client: TestClient, staff: Staff, services: Services) -> None:
    staff.handler()
    too_big = b"\0" * (services.settings.max_attachment_bytes + 1)
    response = client.post(
        "/api/v1/reports",
        json=report_json(
            attachments=[{"filename": "big.bin", "content_base64": base64.b64encode(too_big).decode()}]
        ),
    )
    assert response.status_code == 413
    assert "big.bin" in response.json()["detail"]
    assert count_reports(services) == 0


def test_a_body_over_the_upload_limit_is_refused_before_parsing(
    client: TestClient, services: Services
) -> None:
    huge = b"{" + b" " * (services.settings.max_attachment_bytes * 8) + b"}"
    response = client.post("/api/v1/reports", content=huge, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["status"] == 413


def test_invalid_base64_attachment_is_named(client: TestClient, staff: Staff) -> None:
    staff.handler()
    response = client.post(
        "/api/v1/reports", json=report_json(attachments=[{"filename": "a.txt", "content_base64": "%%%"}])
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "attachments.0.content_base64"


def test_unknown_fields_are_refused_not_silently_dropped(client: TestClient) -> None:
    response = client.post("/api/v1/reports", json=report_json(reporter_ip="10.0.0.1"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reporter_ip"


def test_a_wrong_receipt_key_is_refused_then_rate_limited(
    client: TestClient, staff: Staff, services: Services
) -> None:
    staff.handler()
    client.post("/api/v1/reports", json=report_json())
    wrong = "0000-0000-0000-0000-0000-0000-0000"
    budget = services.settings.receipt_failures_per_minute
    for _ in range(budget):
        response = client.post("/api/v1/reporter/session", json={"receipt_key": wrong})
        assert response.status_code == 401
        assert response.json()["code"] == "wrong_receipt"
    limited = client.post("/api/v1/reporter/session", json={"receipt_key": wrong})
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1


def test_garbage_receipt_of_the_right_length_is_refused_like_a_wrong_one(client: TestClient) -> None:
    response = client.post(
        "/api/v1/reporter/session", json={"receipt_key": "UUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUU"}
    )
    assert response.status_code == 401
    assert response.json()["detail"].startswith("That receipt key does not open a report")


def test_a_receipt_key_of_the_wrong_length_is_told_how_long_a_key_is(client: TestClient) -> None:
    short = client.post("/api/v1/reporter/session", json={"receipt_key": "0000-0000-0000-0000-0000-0000"})
    assert short.status_code == 401
    assert short.json()["code"] == "receipt_wrong_length"
    assert short.json()["detail"].startswith("A receipt key has 28 letters and numbers")
    assert "What you typed has 24." in short.json()["detail"]
    long = client.post("/api/v1/reporter/session", json={"receipt_key": "0000-" * 8})
    assert "What you typed has 32." in long.json()["detail"]


def test_reporter_endpoints_need_a_reporter_token(client: TestClient) -> None:
    response = client.get("/api/v1/reporter/report")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    forged = client.get("/api/v1/reporter/report", headers={"authorization": "Bearer abc.def"})
    assert forged.status_code == 401


def test_reports_are_refused_when_nobody_could_read_them(client: TestClient, services: Services) -> None:
    response = client.post("/api/v1/reports", json=report_json())
    assert response.status_code == 503
    assert "Nothing was stored" in response.json()["detail"]
    assert count_reports(services) == 0


def test_a_staff_number_links_the_subject_to_the_staff_record(
    client: TestClient, staff: Staff, services: Services
) -> None:
    from upstander.org.models import Person

    handler = staff.handler()
    with services.database.transaction() as session:
        session.add(Person(staff_number="NS01234", given_name="Gary", family_name="Example", rank="Sergeant"))
    receipt = client.post(
        "/api/v1/reports", json=report_json(subjects=[{"name": "Gaz", "staff_number": "ns01234"}])
    ).json()
    headers = staff.api_headers(client, handler)
    [item] = client.get("/api/v1/inbox", headers=headers).json()
    report = client.get(f"/api/v1/reports/{item['id']}", headers=headers).json()
    assert report["reference"] == receipt["reference"]
    [subject] = report["subjects"]
    assert subject["name"] == "Gaz"
    assert subject["linked_record"].startswith("Sergeant Gary Example (NS01234")


def test_an_unknown_staff_record_id_is_refused(client: TestClient, staff: Staff, services: Services) -> None:
    staff.handler()
    response = client.post(
        "/api/v1/reports", json=report_json(subjects=[{"person_id": "00000000-0000-0000-0000-000000000001"}])
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "subjects.0.person_id"
    assert count_reports(services) == 0
    with services.database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_optional_equality_answers_are_kept_with_the_complaint_and_never_with_a_name(
    client: TestClient, staff: Staff, services: Services
) -> None:
    from upstander.cases.models import Complainant, Complaint

    staff.handler()
    answered = client.post(
        "/api/v1/reports",
        json=report_json(about_me={"sex": "Female", "ethnicity": "Black British", "age": 29}),
    )
    assert answered.status_code == 201
    silent = client.post("/api/v1/reports", json=report_json())
    assert silent.status_code == 201
    bad_age = client.post("/api/v1/reports", json=report_json(about_me={"age": 7}))
    assert bad_age.status_code == 422
    assert bad_age.json()["errors"] == [
        {"field": "about_me.age", "detail": "Give an age between 16 and 90, or leave it empty."}
    ]
    with services.database.transaction() as session:
        rows = session.execute(select(Complainant, Complaint.source_ref).join(Complaint)).all()
    assert [(c.sex, c.ethnicity, c.age, c.person_id, ref) for c, ref in rows] == [
        ("female", "Black British", 29, None, answered.json()["reference"])
    ]
