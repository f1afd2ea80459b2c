"""Without JavaScript a handler searches the inbox, sorts it by a column and pages through it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from common.clock import FakeClock
from common.reports import submission
from common.staff import PASSWORD, Staff
from upstander.services import Services

pytestmark = [pytest.mark.browser, pytest.mark.clock]


def test_handler_searches_sorts_and_pages_the_inbox_without_javascript(
    no_js_page: Page, live_server: str, staff: Staff, services: Services, clock: FakeClock
) -> None:
    handler = staff.handler()
    references = []
    for i in range(3):
        references.append(services.reports.submit(submission(f"Report {i}.")).reference)
        clock.advance(hours=1)
    page = no_js_page
    page.goto(f"{live_server}/staff/inbox?limit=2")
    page.get_by_label("Username").fill("handler")
    page.get_by_label("Password").fill(PASSWORD)
    clock.advance(seconds=30)
    page.get_by_label("Code from your authenticator app").fill(handler.code(clock))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Report inbox")).to_be_visible()
    page.goto(f"{live_server}/staff/inbox?limit=2")

    expect(page.get_by_text("3 reports not yet in a case")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=references[2])).to_have_count(0)
    page.get_by_role("link", name="Next 2 reports").click()
    expect(page.get_by_role("row").filter(has_text=references[2])).to_have_count(1)
    expect(page.get_by_role("link", name="Next 2 reports")).to_have_count(0)

    page.get_by_role("link", name="First page").click()
    page.get_by_role("link", name="Received").click()  # ascending, then the other way
    page.get_by_role("link", name="Received").click()
    expect(page.get_by_role("columnheader", name="Received")).to_have_attribute("aria-sort", "descending")
    expect(page.get_by_role("row").nth(1)).to_contain_text(references[2])

    page.get_by_label("Reference or staff number").fill(references[1])
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 matching report not yet in a case")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=references[1])).to_have_count(1)
    expect(page.get_by_role("row").filter(has_text=references[0])).to_have_count(0)
