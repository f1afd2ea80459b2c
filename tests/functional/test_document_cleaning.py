"""Documents lose the name of whoever wrote them before they are stored (mat2, in a child process).

Each document is made here with the author's name in its hidden parts, sent with an anonymous
report over the API, and read back decrypted: the name must be nowhere in what was stored.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import pikepdf
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from common.documents import (
    AUTHOR,
    docx_with_author,
    odt_with_author,
    package_parts,
    pdf_with_author,
    xlsx_with_author,
)
from common.reports import report_json
from common.staff import Staff
from upstander.errors import InvalidInput
from upstander.reports.document_cleaning import DocumentCleaner, default_command
from upstander.reports.file_kinds import DOCUMENT_KINDS
from upstander.reports.models import Report
from upstander.services import Services

WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NAME = AUTHOR.encode()


def attachment(filename: str, data: bytes, content_type: str = "application/octet-stream") -> dict[str, str]:
    return {
        "filename": filename,
        "content_type": content_type,
        "content_base64": base64.b64encode(data).decode(),
    }


def submit_and_read_back(client: TestClient, file: dict[str, str]) -> tuple[dict[str, Any], bytes, str]:
    """Send an anonymous report with one file; the stored file's listing, decrypted bytes and served type."""
    receipt = client.post("/api/v1/reports", json=report_json(attachments=[file]))
    assert receipt.status_code == 201, receipt.text
    token = client.post("/api/v1/reporter/session", json={"receipt_key": receipt.json()["receipt_key"]})
    headers = {"authorization": f"Bearer {token.json()['token']}"}
    [listed] = client.get("/api/v1/reporter/report", headers=headers).json()["attachments"]
    download = client.get(f"/api/v1/reporter/attachments/{listed['id']}", headers=headers)
    assert download.status_code == 200
    return listed, download.content, download.headers["content-type"]


def test_the_sample_pdf_really_names_its_author_in_the_information_xmp_and_a_comment() -> None:
    with pikepdf.open(io.BytesIO(pdf_with_author())) as pdf:
        assert str(pdf.docinfo["/Author"]) == AUTHOR
        assert pdf.open_metadata()["dc:creator"] == [AUTHOR]
        assert str(pdf.pages[0].Annots[0].T) == AUTHOR


def test_a_pdf_is_stored_without_its_authors_name_anywhere(client: TestClient, staff: Staff) -> None:
    staff.handler()
    listed, stored, served = submit_and_read_back(client, attachment("statement.pdf", pdf_with_author()))

    assert (listed["content_type"], served) == ("application/pdf", "application/pdf")
    assert NAME not in stored
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        assert "/Author" not in pdf.docinfo
        assert "/Metadata" not in pdf.Root
        xmp = pdf.open_metadata()
        assert "dc:creator" not in xmp
        assert AUTHOR not in str(xmp)
        assert len(pdf.pages) == 1
        assert "/Annots" not in pdf.pages[0]
        # Every stream, decompressed: the name is not hidden inside one either.
        streams = [obj.read_bytes() for obj in pdf.objects if isinstance(obj, pikepdf.Stream)]
        assert streams
        assert not [stream for stream in streams if NAME in stream]


def test_the_sample_docx_really_names_its_author_in_four_places() -> None:
    parts = package_parts(docx_with_author())
    assert sorted(part for part, text in parts.items() if NAME in text) == [
        "docProps/app.xml",
        "docProps/core.xml",
        "docProps/custom.xml",
        "word/comments.xml",
    ]


def test_a_docx_is_stored_without_its_authors_name_and_keeps_its_words(
    client: TestClient, staff: Staff
) -> None:
    staff.handler()
    # Declared as plain text: the kind is decided from the bytes.
    listed, stored, served = submit_and_read_back(
        client, attachment("statement.docx", docx_with_author(), "text/plain")
    )

    assert (listed["content_type"], served) == (WORD, WORD)
    parts = package_parts(stored)
    assert [part for part, text in parts.items() if NAME in text] == []
    assert "word/comments.xml" not in parts
    assert "docProps/custom.xml" not in parts
    assert b"Statement of events." in parts["word/document.xml"]
    assert b"He said it twice." in parts["word/document.xml"]


def test_an_xlsx_is_stored_without_its_authors_name(client: TestClient, staff: Staff) -> None:
    staff.handler()
    listed, stored, _served = submit_and_read_back(client, attachment("log.xlsx", xlsx_with_author()))
    assert listed["content_type"] == EXCEL
    parts = package_parts(stored)
    assert [part for part, text in parts.items() if NAME in text] == []
    assert b"Shift log" in parts["xl/worksheets/sheet1.xml"]


def test_a_docx_with_tracked_changes_is_refused_with_what_to_do(client: TestClient, staff: Staff) -> None:
    staff.handler()
    file = attachment("statement.docx", docx_with_author(tracked_insertion=True))
    response = client.post("/api/v1/reports", json=report_json(attachments=[file]))
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "files", "detail": "tracked changes"}]
    assert "Accept all" in response.json()["detail"]


def test_an_opendocument_file_is_refused_because_its_comments_keep_their_author(
    client: TestClient, staff: Staff
) -> None:
    # mat2 empties meta.xml but keeps each comment's dc:creator in content.xml, so ODF is not cleaned.
    staff.handler()
    response = client.post(
        "/api/v1/reports", json=report_json(attachments=[attachment("a.odt", odt_with_author())])
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "files", "detail": "cannot be cleaned"}]


def test_a_damaged_pdf_is_refused_not_kept(client: TestClient, staff: Staff) -> None:
    staff.handler()
    damaged = b"%PDF-1.7\n1 0 obj << /Author (" + NAME + b") >> endobj\n%%EOF\n"
    response = client.post("/api/v1/reports", json=report_json(attachments=[attachment("s.pdf", damaged)]))
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "files", "detail": "document not cleaned"}]
    assert "could not be cleaned" in response.json()["detail"]


def test_a_document_that_takes_too_long_is_refused() -> None:
    cleaner = DocumentCleaner(default_command(), timeout_seconds=0.01, memory_mib=1024)
    with pytest.raises(InvalidInput) as refused:
        cleaner.clean(pdf_with_author(), DOCUMENT_KINDS["application/pdf"], "statement.pdf")
    assert refused.value.fields == {"files": "document not cleaned"}


def test_without_mat2_documents_get_a_503_and_nothing_is_stored(
    client: TestClient, staff: Staff, services: Services
) -> None:
    staff.handler()
    services.reports.files.documents.command = None
    response = client.post(
        "/api/v1/reports", json=report_json(attachments=[attachment("statement.pdf", pdf_with_author())])
    )
    assert response.status_code == 503
    assert response.json()["code"] == "document_cleaner_missing"
    with services.database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 0
