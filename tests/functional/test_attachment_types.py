"""Hostile content types and names: refused at intake, and never able to break a download.

What each bad input gets:
- a declared type with CR/LF, a non-ASCII letter or no type/subtype form → 422 naming the field
  (API) or a plain message on the page, nothing stored;
- a stored attachment from before the check, whose type or name is hostile → still downloads,
  typed from its bytes, with a safe Content-Disposition;
- anything that could render (HTML, SVG, XHTML, any case) → application/octet-stream, attachment;
- every cleaning slot busy → 503 with Retry-After (API) or the form again with the text kept.
"""

from __future__ import annotations

import base64
import io
import uuid

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from common.clock import FakeClock
from common.pages import csrf
from common.reports import report_json
from common.staff import Staff
from upstander.reports import sealing
from upstander.reports.models import Attachment, MessageAuthor, Report
from upstander.reports.rules import FileInput
from upstander.services import Services


def count(services: Services, model: type[Report] | type[Attachment]) -> int:
    with services.database.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def text_file(content_type: str, data: bytes = b"dates and times") -> dict[str, str]:
    return {
        "filename": "notes.txt",
        "content_type": content_type,
        "content_base64": base64.b64encode(data).decode(),
    }


def reporter_headers(client: TestClient, receipt_key: str) -> dict[str, str]:
    token = client.post("/api/v1/reporter/session", json={"receipt_key": receipt_key}).json()["token"]
    return {"authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("declared", "says"),
    [
        ("text/plain\r\nSet-Cookie: x=1", "line break"),
        ("text/plain\nX-Injected: 1", "line break"),
        ("text/pläin", "ASCII"),
        ("text/plain; name=\u8bc1\u636e", "ASCII"),
        ("plain", "type/subtype"),
        ("text/plain; charset", "type/subtype"),
        ("", "type/subtype"),
    ],
    ids=[
        "crlf-header-injection",
        "lf",
        "latin-1-letter",
        "chinese-parameter",
        "no-subtype",
        "bare-parameter",
        "empty",
    ],
)
def test_an_api_attachment_with_a_bad_content_type_gets_422_naming_the_field(
    client: TestClient, staff: Staff, services: Services, declared: str, says: str
) -> None:
    staff.handler()
    response = client.post(
        "/api/v1/reports", json=report_json(attachments=[text_file("text/plain"), text_file(declared)])
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "attachments.1.content_type"
    assert says in error["detail"]
    assert count(services, Report) == 0


def test_a_good_content_type_with_parameters_is_accepted(client: TestClient, staff: Staff) -> None:
    staff.handler()
    response = client.post(
        "/api/v1/reports", json=report_json(attachments=[text_file('text/plain; charset="utf-8"; x=y')])
    )
    assert response.status_code == 201, response.text


def test_a_bad_content_type_on_the_report_page_gets_a_plain_message_and_keeps_the_text(
    client: TestClient, staff: Staff, services: Services
) -> None:
    staff.handler()
    token = csrf(client.get("/report").text)
    response = client.post(
        "/report",
        data={
            "csrf_token": token,
            "category": "bullying",
            "relation": "witness",
            "what_happened": "The sergeant mocked her in every briefing.",
        },
        files={"files": ("notes.txt", b"dates", "text/pl\u00e4in")},
    )
    assert response.status_code == 422
    assert "content type that is not valid" in response.text
    assert "only contain ASCII characters" in response.text
    assert "The sergeant mocked her in every briefing." in response.text
    assert count(services, Report) == 0


def store_directly(services: Services, report_reference: str, file: FileInput) -> uuid.UUID:
    """An attachment as the code before the checks could have stored it, typed by its uploader."""
    with services.database.transaction() as session:
        report = session.scalars(select(Report).where(Report.reference == report_reference)).one()
        row = sealing.attachment_row(
            report, sealing.encrypt_file(file), MessageAuthor.REPORTER, report.received_at
        )
        session.add(row)
        session.flush()
        return row.id


@pytest.mark.parametrize(
    ("stored_type", "filename", "data", "served"),
    [
        ("text/plain\r\nSet-Cookie: x=1", "notes.txt", b"dates and times", "text/plain; charset=utf-8"),
        ("image/p\u00f1g", "photo.png", None, "image/png"),
        ("text/\u8bc1\u636e", "\u8bc1\u636e.txt", b"dates", "text/plain; charset=utf-8"),
        (
            "text/html",
            "page.html",
            b"<html><body><script>alert(1)</script></body></html>",
            "application/octet-stream",
        ),
        (
            "TEXT/HTML",
            "PAGE.HTM",
            b"<HTML><BODY><SCRIPT>alert(1)</SCRIPT></BODY></HTML>",
            "application/octet-stream",
        ),
        (
            "image/svg+xml",
            "d.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "application/octet-stream",
        ),
        (
            "application/xhtml+xml",
            "p.xhtml",
            b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><script>alert(1)</script></body></html>',
            "application/octet-stream",
        ),
        ("image/png", "fake.png", b"<html><script>alert(1)</script></html>", "application/octet-stream"),
        ("text/plain", "line\r\nbreak\u00e9.txt", b"dates", "text/plain; charset=utf-8"),
    ],
    ids=[
        "crlf-type",
        "latin-1-type",
        "non-latin-1-type-and-name",
        "html",
        "html-upper-case",
        "svg",
        "xhtml",
        "html-stored-as-png",
        "crlf-and-accent-in-name",
    ],
)
def test_a_stored_attachment_with_a_hostile_type_or_name_still_downloads_safely(
    client: TestClient,
    staff: Staff,
    services: Services,
    stored_type: str,
    filename: str,
    data: bytes | None,
    served: str,
) -> None:
    staff.handler()
    receipt = client.post("/api/v1/reports", json=report_json()).json()
    if data is None:
        out = io.BytesIO()
        Image.new("RGB", (4, 4)).save(out, format="PNG")
        data = out.getvalue()
    attachment_id = store_directly(services, receipt["reference"], FileInput(filename, stored_type, data))

    download = client.get(
        f"/api/v1/reporter/attachments/{attachment_id}",
        headers=reporter_headers(client, receipt["receipt_key"]),
    )

    assert download.status_code == 200
    assert download.content == data
    assert download.headers["content-type"] == served
    assert "set-cookie" not in download.headers
    assert download.headers["x-content-type-options"] == "nosniff"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    assert disposition.isascii()
    assert "\r" not in disposition
    assert "\n" not in disposition
    assert "filename*=UTF-8''" in disposition


def test_the_disposition_keeps_a_non_latin_name_readable(
    client: TestClient, staff: Staff, services: Services
) -> None:
    staff.handler()
    receipt = client.post("/api/v1/reports", json=report_json()).json()
    attachment_id = store_directly(
        services, receipt["reference"], FileInput("Zoë 证据.txt", "text/plain", b"x")
    )
    download = client.get(
        f"/api/v1/reporter/attachments/{attachment_id}",
        headers=reporter_headers(client, receipt["receipt_key"]),
    )
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"Zoe .txt\"; filename*=UTF-8''Zo%C3%AB%20%E8%AF%81%E6%8D%AE.txt"
    )


def test_a_handler_downloads_a_hostile_stored_attachment_on_the_staff_page(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    from common.pages import sign_in

    handler = staff.handler()
    receipt = client.post("/api/v1/reports", json=report_json()).json()
    attachment_id = store_directly(
        services,
        receipt["reference"],
        FileInput("a\r\nb.html", "text/html\r\nSet-Cookie: x=1", b"<html><script>1</script></html>"),
    )
    with services.database.transaction() as session:
        report_id = session.scalars(select(Report.id).where(Report.reference == receipt["reference"])).one()
    sign_in(client, clock, handler)
    download = client.get(f"/staff/reports/{report_id}/files/{attachment_id}")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"].startswith("attachment;")


def test_when_every_cleaning_slot_is_busy_the_api_answers_503_with_retry_after(
    client: TestClient, staff: Staff, services: Services
) -> None:
    staff.handler()
    gate = services.reports.files.gate
    gate.wait_seconds = 0
    with gate.slot(), gate.slot():
        response = client.post("/api/v1/reports", json=report_json(attachments=[pdf_attachment()]))
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["code"] == "file_cleaning_busy"
    assert count(services, Report) == 0
    # Free again: the same report goes through.
    assert client.post("/api/v1/reports", json=report_json(attachments=[pdf_attachment()])).status_code == 201


def test_when_every_cleaning_slot_is_busy_the_page_keeps_what_was_written(
    client: TestClient, staff: Staff, services: Services
) -> None:
    staff.handler()
    gate = services.reports.files.gate
    gate.wait_seconds = 0
    token = csrf(client.get("/report").text)
    with gate.slot(), gate.slot():
        response = client.post(
            "/report",
            data={
                "csrf_token": token,
                "category": "bullying",
                "relation": "witness",
                "what_happened": "It was the third time this month.",
            },
            files={"files": ("photo.png", png(), "image/png")},
        )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert "Too many files are being cleaned right now" in response.text
    assert "It was the third time this month." in response.text
    assert count(services, Report) == 0


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (1, 2, 3)).save(out, format="PNG")
    return out.getvalue()


def pdf_attachment() -> dict[str, str]:
    from common.documents import pdf_with_author

    return {
        "filename": "s.pdf",
        "content_type": "application/pdf",
        "content_base64": base64.b64encode(pdf_with_author()).decode(),
    }


def test_a_picture_too_large_gets_a_plain_message_on_the_page(
    client: TestClient, staff: Staff, services: Services
) -> None:
    staff.handler()
    out = io.BytesIO()
    Image.new("1", (7740, 7740)).save(out, format="PNG")
    token = csrf(client.get("/report").text)
    response = client.post(
        "/report",
        data={
            "csrf_token": token,
            "category": "bullying",
            "relation": "witness",
            "what_happened": "See the photo.",
        },
        files={"files": ("big.png", out.getvalue(), "image/png")},
    )
    assert response.status_code == 422
    assert "is 7740×7740 pixels, more than the 52 million" in response.text
    assert "See the photo." in response.text
    assert count(services, Report) == 0
