"""A decision maker holds a closed case from the retention job and lifts the hold, on the case page;
the subject downloads their own record from their account page, with no reporter in it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect
from sqlalchemy import select

from browser.conftest import screenshot
from browser.test_accounts_journey import sign_in
from common.clock import FakeClock
from common.reports import report_json
from common.retention import SEVEN_YEARS, STATEMENT, closed_case
from common.staff import Staff
from upstander.accounts.models import Role, User
from upstander.org.models import Person
from upstander.services import Services

pytestmark = pytest.mark.browser


def test_a_hold_is_set_and_lifted_on_the_case_page_and_the_subject_downloads_their_record(
    no_js_page: Page, live_server: str, client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    page = no_js_page
    walk = closed_case(client, staff, services, clock)
    sign_in(page, live_server, clock, walk.dm)
    page.goto(f"{live_server}/staff/cases/{walk.case_id}")
    hold = page.locator("#legal-hold")
    expect(hold).to_contain_text("No legal hold")
    hold.get_by_label("Why the case must be kept (the claim, inquiry or request)").fill(
        "A claim at the employment tribunal names this case."
    )
    hold.get_by_role("button", name="Set a legal hold").click()
    expect(page.get_by_role("status")).to_contain_text("set a legal hold")
    expect(page.locator("#hold-flag")).to_be_visible()
    expect(hold).to_contain_text("A claim at the employment tribunal names this case.")
    screenshot(page, "70-legal-hold")
    assert services.retention.due(clock() + SEVEN_YEARS) == []
    hold.get_by_label("Why the hold can be lifted").fill("The claim was withdrawn.")
    hold.get_by_role("button", name="Lift the legal hold").click()
    expect(page.locator("#legal-hold")).to_contain_text("No legal hold")
    expect(page.locator("#legal-hold")).to_contain_text("The claim was withdrawn.")

    subject = staff.user("gareth", [Role.STAFF])
    with services.database.transaction() as session:
        user = session.get(User, subject.user_id)
        assert user is not None
        user.person_id = session.scalars(select(Person.id).where(Person.staff_number == "NS04242")).one()
    sign_in(page, live_server, clock, subject)
    page.get_by_role("navigation").get_by_role("link", name="Your account").click()
    with page.expect_download() as downloaded:
        page.get_by_role("link", name="Download your record (JSON)").click()
    data = Path(downloaded.value.path()).read_bytes()
    record = json.loads(data)
    assert record["account"]["username"] == "gareth"
    assert [case["stage"] for case in record["cases_as_subject"]] == ["closed"]
    for secret in (
        STATEMENT,
        report_json()["what_happened"],
        walk.receipt_key,
        str(uuid.UUID(walk.report_id)),
    ):
        assert secret.encode() not in data
