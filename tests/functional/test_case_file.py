"""The case file for a hearing: a PDF with a watermark naming its recipient, the overseer's with
the whole timeline, a panel's or tribunal's with only what is disclosed to the officer, and an
audit entry for every file made."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from common.cases import CaseWalk
from common.clock import FakeClock
from common.pages import sign_in
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.audit.models import AuditEntry
from upstander.services import Services

REPORT_SUMMARY = "The allegation is supported by two witnesses."
EVIDENCE = "Statement of the shift sergeant, naming the complainant."
CASE_TO_ANSWER = "A panel could find the conduct proven."


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def walked_to_a_hearing(client: TestClient, staff: Staff, services: Services, clock: FakeClock) -> CaseWalk:
    walk = CaseWalk(client, staff, services, clock)
    walk.investigated("gross_misconduct")
    walk.step(walk.investigator, "log_evidence", description=EVIDENCE)
    walk.step(walk.investigator, "submit_investigation_report", summary=REPORT_SUMMARY)
    walk.step(walk.dm, "decide_case_to_answer", finding="gross_misconduct", reasons=CASE_TO_ANSWER)
    walk.step(walk.dm, "refer_to_proceedings", forum="hearing", reasons="Gross misconduct.")
    walk.step(walk.handler, "serve_referral_notice", served_on=walk.today())
    return walk


def files_made(services: Services) -> list[AuditEntry]:
    with services.database.transaction() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == "case_file.made")))


def test_the_overseer_file_holds_the_whole_timeline_and_the_panel_file_only_what_is_disclosed(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = walked_to_a_hearing(client, staff, services, clock)
    url = f"/staff/cases/{walk.case_id}/case-file.pdf"

    sign_in(client, clock, walk.overseer)
    whole = client.get(url, params={"for": "overseer"})
    assert whole.status_code == 200, whole.text
    assert whole.headers["content-type"] == "application/pdf"
    assert whole.content.startswith(b"%PDF-")
    text = text_of(whole.content)
    assert "Prepared for the independent overseer by Overseer" in text
    for shown in ("Investigation report submitted", REPORT_SUMMARY, EVIDENCE, CASE_TO_ANSWER):
        assert shown in text

    sign_in(client, clock, walk.dm)
    panel = client.get(url, params={"for": "panel"})
    assert panel.status_code == 200, panel.text
    text = text_of(panel.content)
    assert "Prepared for the misconduct panel by Decision" in text
    assert "Regulation 17 notice served on the officer" in text
    assert REPORT_SUMMARY in text, "the investigator's report reaches the officer with the notice"
    assert EVIDENCE not in text, "the evidence log is not disclosed"
    assert CASE_TO_ANSWER not in text, "no internal reasons"

    made = files_made(services)
    assert [(entry.details["recipient"], entry.actor) for entry in made] == [
        ("overseer", f"user:{walk.overseer.user_id}"),
        ("panel", f"user:{walk.dm.user_id}"),
    ]
    assert all(len(entry.details["sha256"]) == 64 and entry.details["pages"] >= 1 for entry in made)


def test_a_case_file_is_refused_to_other_roles_and_for_an_unknown_recipient(
    client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    url = f"/staff/cases/{walk.case_id}/case-file.pdf"
    sign_in(client, clock, walk.handler)
    assert client.get(url, params={"for": "overseer"}).status_code == 403
    sign_in(client, clock, staff.user("welfare", [Role.WELFARE]))
    assert client.get(url, params={"for": "panel"}).status_code == 403
    sign_in(client, clock, walk.dm)
    unknown = client.get(url, params={"for": "press"})
    assert unknown.status_code == 422
    assert "overseer, panel, tribunal" in unknown.text
    assert files_made(services) == []
