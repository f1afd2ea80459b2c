"""A handler signs in with a TOTP code, finds the new report in the inbox, reads and acknowledges it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from browser.conftest import screenshot
from common.clock import FakeClock
from common.reports import submission
from common.staff import PASSWORD, Staff
from upstander.reports import rules as report_rules
from upstander.services import Services

pytestmark = pytest.mark.browser


def test_handler_signs_in_with_totp_and_acknowledges(
    no_js_page: Page, live_server: str, staff: Staff, services: Services, clock: FakeClock
) -> None:
    handler = staff.handler()
    staff.handler("colleague")
    received_at = clock.now
    result = services.reports.submit(
        submission("The custody sergeant left a detainee without water all night.")
    )
    page = no_js_page
    page.goto(f"{live_server}/staff/inbox")
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    page.get_by_label("Username").fill("handler")
    page.get_by_label("Password").fill(PASSWORD)
    clock.advance(seconds=30)
    page.get_by_label("Code from your authenticator app").fill(handler.code(clock))
    screenshot(page, "10-sign-in")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Report inbox")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=result.reference)
    # Seven days of 24 hours, counted in London's calendar days: "due in 7 days" on most days, but
    # 6 for a report received after midnight on the night the clocks go back.
    due = report_rules.clock(report_rules.acknowledgement_due(received_at), clock.now)
    assert due.describe(clock.now) in {"due in 7 days", "due in 6 days"}
    expect(row).to_contain_text(due.describe(clock.now))
    screenshot(page, "11-inbox")
    row.get_by_role("link", name=result.reference).click()

    expect(page.locator("#statement")).to_have_text(
        "The custody sergeant left a detainee without water all night."
    )
    page.get_by_role("button", name="Acknowledge report").click()
    expect(page.get_by_role("status")).to_contain_text("Acknowledged")
    expect(page.locator("#ack-clock")).to_have_text("done")

    page.get_by_label("Add a note").fill("Pull the custody record and CCTV.")
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_text("Pull the custody record and CCTV.")).to_be_visible()

    page.get_by_role("button", name="Open a case from this report").click()
    expect(page.get_by_role("heading", name="Case C-")).to_be_visible()
    expect(page.locator("#handler-name")).to_have_text("Handler")
    page.get_by_label("Assign a handler").select_option(label="Colleague")
    page.get_by_role("button", name="Assign").click()
    expect(page.locator("#handler-name")).to_have_text("Colleague")
    screenshot(page, "12-case")


def test_a_wrong_code_is_refused_without_saying_which_part(
    no_js_page: Page, live_server: str, staff: Staff
) -> None:
    staff.handler()
    no_js_page.goto(f"{live_server}/staff/sign-in")
    no_js_page.get_by_label("Username").fill("handler")
    no_js_page.get_by_label("Password").fill(PASSWORD)
    no_js_page.get_by_label("Code from your authenticator app").fill("000000")
    no_js_page.get_by_role("button", name="Sign in").click()
    expect(no_js_page.get_by_role("alert")).to_have_text("The username, password or code is not right.")
