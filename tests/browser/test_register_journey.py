"""A decision maker records a suspension on the register's page; HR records a decision about someone who
reported; the overseer, and only the overseer, sees the detriment alert.

JavaScript is off, as everywhere in these tests.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from browser.conftest import screenshot
from browser.test_safeguarding_journey import sign_in
from common.clock import FakeClock
from common.reports import report_json
from common.safeguarding import build_force
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.services import Services

pytestmark = pytest.mark.browser

REASONS = "Alleged abuse of position for a sexual purpose towards a domestic abuse victim."
CONSIDERED = "Restricted duties considered: any role with police systems access would let him find her."


def test_a_suspension_needs_the_redeployment_considered_and_the_overseer_sees_a_detriment_alert(
    no_js_page: Page, live_server: str, staff: Staff, services: Services, clock: FakeClock
) -> None:
    build_force(services)
    staff.overseer()
    staff.user("custodian", [Role.CUSTODIAN])
    page = no_js_page
    page.request.post(
        f"{live_server}/api/v1/reports",
        data=report_json(identity={"name": "Cara Lind", "staff_number": "NS00003"}),
    )

    sign_in(page, live_server, "/staff/restrictions", staff, clock, "decision", Role.DECISION_MAKER)
    expect(page.get_by_role("heading", name="Suspensions and restricted duties")).to_be_visible()
    # The record form, not the search above the register (which has a measure and a staff number too).
    record = page.locator("form").filter(has=page.get_by_role("button", name="Record", exact=True))
    record.get_by_label("Staff number", exact=True).fill("NS00001")
    record.get_by_label("Measure").select_option("suspended")
    record.get_by_label("Category of the matter").select_option("abuse_of_position")
    record.get_by_label("Reasons", exact=True).fill(REASONS)
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Write why redeployment or restricted duties are not enough"
    )
    # (the label's text now includes what is in its textarea, so find the field by name)
    expect(page.locator("form textarea[name=reasons]").first).to_have_value(REASONS)
    page.get_by_label("For a suspension: why redeployment or restricted duties are not enough").fill(
        CONSIDERED
    )
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("recorded")
    row = page.locator("#register tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Anna Holt (NS00001)")
    expect(row).to_contain_text("suspended")
    expect(row).to_contain_text(CONSIDERED)
    screenshot(page, "50-register-suspension")

    page.context.clear_cookies()
    sign_in(page, live_server, "/staff/hr/events", staff, clock, "hr", Role.HR)
    expect(page.get_by_role("link", name="Detriment alerts")).to_have_count(0)
    page.get_by_label("Staff number", exact=True).fill("NS00003")
    page.get_by_label("Decision").select_option("promotion_refused")
    page.get_by_label("What was decided").fill("Not shortlisted for sergeant.")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_role("status")).to_contain_text("Recorded for NS00003.")

    page.context.clear_cookies()
    sign_in(page, live_server, "/staff/detriment-alerts", staff, clock, "overseer", Role.OVERSEER)
    alert = page.locator("#alerts tbody tr")
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text("Cara Lind (NS00003)")
    expect(alert).to_contain_text("promotion refused")
    expect(alert).to_contain_text("Hr")
    screenshot(page, "51-detriment-alert")
