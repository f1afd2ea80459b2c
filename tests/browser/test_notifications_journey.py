"""A handler finds the notification settings from their account page and chooses a daily digest,
without JavaScript; a mistyped address comes back with what was typed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from browser.conftest import screenshot
from browser.test_accounts_journey import sign_in
from common.clock import FakeClock
from common.staff import Staff
from upstander.services import Services

pytestmark = pytest.mark.browser


def test_a_handler_chooses_a_daily_digest(
    no_js_page: Page, live_server: str, staff: Staff, clock: FakeClock, services: Services
) -> None:
    page = no_js_page
    handler = staff.handler()
    sign_in(page, live_server, clock, handler)
    page.get_by_role("navigation").get_by_role("link", name="Your account").click()
    page.get_by_role("link", name="Notifications").click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()

    page.get_by_label("E-mail address").fill("kim@force")
    page.get_by_label("One message a day (the morning’s digest)").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#notifications-error")).to_contain_text("Not saved")
    expect(page.get_by_label("E-mail address")).to_have_value("kim@force")

    page.get_by_label("E-mail address").fill("kim@force.example.org")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#notifications-done")).to_contain_text("Saved.")
    expect(page.get_by_label("One message a day (the morning’s digest)")).to_be_checked()
    screenshot(page, "70-notifications")
    choice = services.notify.choice(staff.principal(handler))
    assert (choice.address, choice.mode) == ("kim@force.example.org", "daily")
