"""Without JavaScript a handler narrows the case list to overdue first duties, sorts it by the next
duty, and a decision maker finds a new case owed its severity assessment on the dashboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from common import staff as staffing
from common.clock import FakeClock
from common.reports import submission
from common.staff import PASSWORD, Staff
from upstander.accounts.models import Role
from upstander.services import Services

pytestmark = [pytest.mark.browser, pytest.mark.clock]


def sign_in(page: Page, live_server: str, user: staffing.TestUser, clock: FakeClock, where: str) -> None:
    page.goto(f"{live_server}{where}")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    clock.advance(seconds=30)
    page.get_by_label("Code from your authenticator app").fill(user.code(clock))
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}{where}")


def test_the_case_list_filters_overdue_duties_and_the_dashboard_shows_what_is_owed_without_javascript(
    no_js_page: Page, live_server: str, staff: Staff, services: Services, clock: FakeClock
) -> None:
    handler = staff.handler()
    decider = staff.user("decider", [Role.DECISION_MAKER])
    late = services.cases.open_case(
        staff.principal(handler), [services.reports.submit(submission("Long ago.")).report_id]
    ).reference
    clock.advance(days=10)
    report = services.reports.submit(submission("Just now."))
    services.handling.acknowledge(staff.principal(handler), report.report_id, "Thank you.")
    owed = services.cases.open_case(staff.principal(handler), [report.report_id]).reference

    page = no_js_page
    sign_in(page, live_server, handler, clock, "/staff/cases")
    expect(page.get_by_text("2 cases you hold")).to_be_visible()
    page.get_by_label("Next duty").select_option("overdue")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 matching case you hold")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=late)).to_have_count(1)
    expect(page.get_by_role("row").filter(has_text=owed)).to_have_count(0)

    page.goto(f"{live_server}/staff/cases")
    page.get_by_role("link", name="Next duty").click()
    expect(page.get_by_role("columnheader", name="Next duty")).to_have_attribute("aria-sort", "ascending")
    expect(page.get_by_role("row").nth(1)).to_contain_text(late)

    page.context.clear_cookies()
    sign_in(page, live_server, decider, clock, "/staff/dashboard")
    for_you = page.locator("#for-you")
    expect(for_you.get_by_role("row").filter(has_text=owed)).to_have_count(1)
    expect(for_you.get_by_role("row").filter(has_text=late)).to_have_count(0)
    for_you.get_by_role("link", name=owed).click()
    expect(page.locator("#owed-next")).to_contain_text("Record the severity assessment: a decision maker")
