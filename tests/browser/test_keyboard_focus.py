"""Pages as a keyboard user meets them (JavaScript off): the first Tab lands on "Skip to main
content", shown while it has focus, and Enter takes focus past the navigation to the page's main
content; a file input reached by Tab shows a clear focus ring."""

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


def test_the_file_input_shows_its_focus_ring_when_reached_by_keyboard(
    no_js_page: Page, live_server: str
) -> None:
    """Pico draws no ring on file inputs; app.css's must win over it in the real browser."""
    no_js_page.goto(f"{live_server}/report")
    files = no_js_page.locator("input#files")
    expect(files).to_have_css("outline-style", "none")
    files.focus()
    no_js_page.keyboard.press("Shift+Tab")
    no_js_page.keyboard.press("Tab")
    expect(files).to_be_focused()
    expect(files).to_have_css("outline-style", "solid")
    expect(files).to_have_css("outline-width", "3px")
    expect(files).to_have_css("outline-color", "rgb(47, 111, 214)")
