"""Two officers report the same sergeant in escrow; the first sees it opened, the handler reads both.

JavaScript is off, as everywhere in these tests.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from browser.conftest import screenshot
from common.clock import FakeClock
from common.staff import PASSWORD, Staff
from upstander.accounts.models import Role
from upstander.services import Services

pytestmark = pytest.mark.browser


def sign_in(page: Page, base: str, staff: Staff, clock: FakeClock, username: str, role: Role) -> None:
    user = staff.user(username, [role])
    page.context.clear_cookies()
    page.goto(f"{base}/staff/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    clock.advance(seconds=30)
    page.get_by_label("Code from your authenticator app").fill(user.code(clock))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/staff/sign-in" not in url)


def file_report(page: Page, base: str, name: str, unit: str, text: str) -> None:
    page.goto(f"{base}/staff/escrow")
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Unit, team or station").fill(unit)
    page.get_by_label("What kind of misconduct").select_option("sexual_harassment")
    page.get_by_label("What happened").fill(text)
    page.get_by_role("button", name="Put my report in escrow").click()


def test_an_escrow_report_opens_when_a_second_officer_names_the_same_person(
    no_js_page: Page, live_server: str, staff: Staff, services: Services, clock: FakeClock
) -> None:
    page = no_js_page
    staff.handler()
    sign_in(page, live_server, staff, clock, "officer-one", Role.STAFF)
    expect(page).to_have_url(f"{live_server}/staff")
    page.get_by_role("link", name="Report in escrow").click()
    expect(page.get_by_role("heading", name="Report in escrow", exact=True)).to_be_visible()
    expect(page.locator("#weaker-protection")).to_contain_text(
        "In this mode the server holding the database can test names, so the protection is weaker"
    )
    page.get_by_label("Name", exact=True).fill("Sgt Mark Doyle")  # no unit: a name alone cannot match
    page.get_by_label("What happened").fill("He sends me messages about my body.")
    page.get_by_role("button", name="Put my report in escrow").click()
    expect(page.get_by_role("alert")).to_contain_text("the person needs a staff number, or a name and a unit")
    expect(page.get_by_label("What happened")).to_have_value("He sends me messages about my body.")
    file_report(page, live_server, "Sgt Mark Doyle", "Team B", "He sends me messages about my body.")
    expect(page.get_by_role("status")).to_have_text("Your report is in escrow.")
    expect(page.locator(".escrow-status")).to_have_text(
        "In escrow: it opens when 2 different people have named this person."
    )
    screenshot(page, "escrow-filed")

    sign_in(page, live_server, staff, clock, "officer-two", Role.STAFF)
    file_report(page, live_server, "sgt mark DOYLE", "team b", "He touched me in the lift.")
    expect(page.get_by_role("status")).to_contain_text("Your report and theirs are now open")

    sign_in(page, live_server, staff, clock, "officer-one", Role.STAFF)
    page.goto(f"{live_server}/staff/escrow")
    expect(page.locator(".escrow-status")).to_contain_text(
        "Matched and opened to the professional standards department on"
    )
    screenshot(page, "escrow-opened")

    sign_in(page, live_server, staff, clock, "handler", Role.HANDLER)
    page.goto(f"{live_server}/staff/inbox")
    expect(page.get_by_text("opened from escrow")).to_have_count(2)
