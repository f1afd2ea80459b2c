"""The administrator creates an account; its holder enrols with the one-time link (a QR code),
signs in and changes the password; the administrator disables it; the overseer finds each step,
and who took it, in the audit trail."""

from __future__ import annotations

import re
import uuid

import pyotp
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


def test_an_account_s_life_from_enrolment_to_disabling_is_found_in_the_audit_trail(
    no_js_page: Page, live_server: str, staff: Staff, clock: FakeClock
) -> None:
    page = no_js_page
    admin = staff.user("admin", [Role.ADMIN])
    overseer = staff.overseer()

    # The administrator creates the account: no password, a one-time enrolment link instead.
    sign_in(page, live_server, clock, admin)
    expect(page.get_by_role("heading", name="Administration")).to_be_visible()
    expect(page.locator("#count-accounts")).to_have_text("2")
    page.get_by_role("navigation").get_by_role("link", name="Accounts").click()
    page.locator("#create-user summary").click()
    creating = page.locator("#create-user")
    creating.get_by_label("Username").fill("sergeant")
    creating.get_by_label("Name shown to colleagues").fill("Sergeant Okafor")
    creating.get_by_label("staff").check()
    creating.get_by_role("button", name="Create the account").click()
    expect(page.locator("#enrolment-issued")).to_contain_text("Account sergeant created")
    expect(page.locator("#user-sergeant .status")).to_have_text("awaiting enrolment")
    link = page.locator("#enrolment-link").inner_text()
    assert link.startswith(f"{live_server}/staff/enrol?code=")
    screenshot(page, "59-account-created")

    # The new member of staff opens the link, scans the QR code, chooses a password.
    page.context.clear_cookies()
    page.goto(link)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#enrol-qr svg")).to_be_visible()
    expect(page.locator("#enrol-who")).to_contain_text("Sergeant Okafor")
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Password (at least 12 characters)").fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).at(clock()))
    screenshot(page, "59-enrolment")
    page.get_by_role("button", name="Finish enrolling").click()
    expect(page.locator("#enrolled")).to_contain_text("is ready")
    expect(page.locator("#recovery-key")).to_have_text(re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){6}$"))
    sergeant = staff_helpers.TestUser(
        staff.services.lifecycle.find_by_username("sergeant") or uuid.uuid4(),
        "sergeant",
        secret,
        frozenset({Role.STAFF}),
    )

    # They sign in and change the password.
    sign_in(page, live_server, clock, sergeant)
    expect(page.get_by_role("heading", name="Welcome, Sergeant Okafor")).to_be_visible()
    page.get_by_role("navigation").get_by_role("link", name="Your account").click()
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password (at least 12 characters)").fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change the password").click()
    expect(page.locator("#account-done")).to_contain_text("Password changed")

    sign_in(page, live_server, clock, admin)
    expect(page.locator("#count-awaiting")).to_have_text("0")
    expect(page.locator("#recent-steps")).to_contain_text("user.enrolled")
    page.get_by_role("navigation").get_by_role("link", name="Accounts").click()
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
    page.get_by_role("button", name="Show").click()
    entries = page.locator("#audit-entries tbody tr")
    expect(entries).to_have_count(6)
    # Newest first: each step, who took it, and why where a reason is asked.
    expected = [
        ("user.disabled", "admin"),
        ("user.password_changed", "sergeant"),
        ("sign_in", "sergeant"),
        ("user.enrolled", "sergeant"),
        ("user.enrolment_opened", "sergeant"),
        ("user.created", "admin"),
    ]
    for index, (action, actor) in enumerate(expected):
        expect(entries.nth(index)).to_contain_text(action)
        expect(entries.nth(index)).to_contain_text(actor)
        expect(entries.nth(index)).to_contain_text("verifies")
    expect(entries.nth(0)).to_contain_text("Reported a lost warrant card.")
    screenshot(page, "61-audit-trail")
