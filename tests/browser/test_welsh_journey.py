"""A reporter who reads Welsh, JavaScript off: switch by the link, report, keep the receipt, come back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from browser.conftest import screenshot
from common.clock import FakeClock
from common.staff import Staff
from upstander.i18n import WELSH, speaking
from upstander.services import Services
from upstander.web.formatting import Formats

pytestmark = pytest.mark.browser
LONDON = Formats("Europe/London")


@pytest.fixture
def welsh_browser_page(browser: Browser) -> Iterator[Page]:
    """A browser set to Welsh (its Accept-Language asks for cy-GB first), JavaScript off."""
    context = browser.new_context(
        java_script_enabled=False, locale="cy-GB", viewport={"width": 1200, "height": 900}
    )
    page = context.new_page()
    yield page
    context.close()


def test_a_reporter_switches_to_welsh_by_the_link_and_reports_in_welsh(
    no_js_page: Page, live_server: str, staff: Staff, services: Services, clock: FakeClock
) -> None:
    page = no_js_page
    handler = staff.principal(staff.handler())
    page.goto(live_server)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Cymraeg").click()

    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.get_by_role("heading", name="Rhoi gwybod am gamymddwyn gan gydweithiwr")).to_be_visible()
    page.get_by_role("button", name="Dechrau adroddiad").click()

    # The choice is kept: the next page is in Welsh without asking again.
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.get_by_role("heading", name="Gwneud adroddiad")).to_be_visible()
    page.get_by_label("Bwlio").check()
    page.get_by_label("y person y digwyddodd iddo").check()
    page.get_by_label("Beth ddigwyddodd?").fill("Mae fy rhingyll yn fy mychanu ym mhob sesiwn friffio.")
    page.get_by_label("Pryd ddigwyddodd e?").fill("Ers mis Ionawr")
    page.locator("#subject-0-name").fill("Rhingyll Enghraifft")
    screenshot(page, "welsh-report")
    page.get_by_role("button", name="Anfon adroddiad").click()

    expect(page.get_by_role("heading", name="Mae eich adroddiad wedi dod i law")).to_be_visible()
    receipt_key = page.locator("#receipt-key").inner_text().strip()
    screenshot(page, "welsh-receipt")

    [item] = services.handling.inbox(handler).items
    services.handling.acknowledge(handler, item.report_id)
    page.goto(f"{live_server}/follow-up")
    page.get_by_label("Allwedd derbynneb").fill(receipt_key)
    page.get_by_role("button", name="Agor fy adroddiad").click()

    expect(page.get_by_role("heading", name=f"Eich adroddiad {item.reference}")).to_be_visible()
    expect(page.locator("#status")).to_have_text(
        "Wedi'i gydnabod. Mae'r tîm safonau proffesiynol wedi darllen eich adroddiad."
    )
    # The day and time in Welsh, in the pack's zone, from wherever the test clock started.
    with speaking(WELSH):
        day, moment = LONDON.date(clock.now), LONDON.datetime(clock.now)
    expect(page.get_by_text(f"Cydnabuwyd ar {day}")).to_be_visible()
    expect(page.get_by_text(f"anfonwyd {moment}")).to_be_visible()
    screenshot(page, "welsh-follow-up")

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name=f"Your report {item.reference}")).to_be_visible()


def test_a_browser_set_to_welsh_is_answered_in_welsh_until_english_is_chosen(
    welsh_browser_page: Page, live_server: str
) -> None:
    page = welsh_browser_page
    page.goto(f"{live_server}/privacy")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.get_by_role("heading", name="Ni fyddwn byth yn cadw")).to_be_visible()
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", name="We never keep", exact=True)).to_be_visible()
    page.goto(f"{live_server}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
