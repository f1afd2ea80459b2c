"""A keyboard user's first Tab on any page lands on "Skip to main content", shown while it has
focus, and Enter takes focus past the navigation to the page's main content (JavaScript off)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from browser.test_safeguarding_journey import sign_in
from common.clock import FakeClock
from common.staff import Staff
from upstander.accounts.models import Role

pytestmark = pytest.mark.browser


def tab_to_skip_link_and_follow_it(page: Page) -> None:
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).not_to_be_in_viewport()
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    expect(skip).not_to_be_in_viewport()


def test_the_skip_link_is_the_first_stop_on_a_public_page(no_js_page: Page, live_server: str) -> None:
    no_js_page.goto(f"{live_server}/report")
    expect(no_js_page.get_by_role("heading", level=1)).to_be_visible()
    tab_to_skip_link_and_follow_it(no_js_page)


@pytest.mark.clock
def test_the_skip_link_is_the_first_stop_on_a_staff_page(
    no_js_page: Page, live_server: str, staff: Staff, clock: FakeClock
) -> None:
    sign_in(no_js_page, live_server, "/staff/inbox", staff, clock, "handler", Role.HANDLER)
    expect(no_js_page.get_by_role("button", name="Sign out")).to_be_visible()
    tab_to_skip_link_and_follow_it(no_js_page)
