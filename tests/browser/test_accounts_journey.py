"""A member of staff changes their password; the administrator disables the account; the overseer
finds both steps, and who did them, in the audit trail."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from browser.conftest import screenshot
from common import staff as staff_helpers
from common.clock import FakeClock
from common.staff import PASSWORD, Staff
from upstander.accounts.models import Role

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a longer passphrase for spring"


def sign_in(
    page: Page, live_server: str, clock: FakeClock, user: staff_helpers.TestUser, password: str = PASSWORD
) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server}/staff/sign-in")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    clock.advance(seconds=30)
    page.get_by_label("Code from your authenticator app").fill(user.code(clock))
    page.get_by_role("button", name="Sign in").click()


def test_a_password_change_and_a_disabling_are_found_in_the_audit_trail(
    no_js_page: Page, live_server: str, staff: Staff, clock: FakeClock
) -> None:
    page = no_js_page
    sergeant = staff.user("sergeant", [Role.STAFF])
    admin = staff.user("admin", [Role.ADMIN])
    overseer = staff.overseer()

    sign_in(page, live_server, clock, sergeant)
    page.get_by_role("navigation").get_by_role("link", name="Your account").click()
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password (at least 12 characters)").fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change the password").click()
    expect(page.locator("#account-done")).to_contain_text("Password changed")

    sign_in(page, live_server, clock, admin)
    expect(page.get_by_role("heading", name="Accounts")).to_be_visible()
    row = page.locator("#user-sergeant")
    row.get_by_text("Change").click()
    row.locator("form[action$='/disable']").get_by_label("Reason").fill("Reported a lost warrant card.")
    row.get_by_role("button", name="Disable sergeant").click()
    expect(page.locator("#users-done")).to_contain_text("Disabled")
    expect(page.locator("#user-sergeant .status")).to_have_text("disabled")
    screenshot(page, "60-accounts")

    sign_in(page, live_server, clock, overseer)
    page.get_by_role("link", name="Audit trail").click()
    expect(page.locator("#chain-verdict")).to_contain_text("The chain verifies.")
    page.get_by_label("About the account (username)").fill("sergeant")
    page.get_by_label("Action (or its start, such as user.)").fill("user.")
    page.get_by_role("button", name="Show").click()
    entries = page.locator("#audit-entries tbody tr")
    expect(entries).to_have_count(3)
    expect(entries.nth(0)).to_contain_text("user.disabled")
    expect(entries.nth(0)).to_contain_text("admin")
    expect(entries.nth(0)).to_contain_text("Reported a lost warrant card.")
    expect(entries.nth(1)).to_contain_text("user.password_changed")
    expect(entries.nth(1)).to_contain_text("sergeant")
    expect(entries.nth(2)).to_contain_text("user.created")
    expect(entries.nth(0)).to_contain_text("verifies")
    screenshot(page, "61-audit-trail")
