"""A welfare officer makes a separation order on its page; the overseer reviews an override.

JavaScript is off, as everywhere in these tests.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from browser.conftest import screenshot
from common.clock import FakeClock
from common.safeguarding import build_force, post
from common.staff import PASSWORD, Staff
from upstander.accounts.models import Role
from upstander.services import Services

pytestmark = pytest.mark.browser

REASONS = "Complainant and subject in a harassment case; the complainant asked not to work with him."
OVERRIDE = "Only trained custody sergeant available while the custody suite is short-staffed."


def sign_in(
    page: Page, base: str, path: str, staff: Staff, clock: FakeClock, username: str, role: Role
) -> None:
    user = staff.user(username, [role])
    page.goto(f"{base}{path}")
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    clock.advance(seconds=30)
    page.get_by_label("Code from your authenticator app").fill(user.code(clock))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}{path}")


def test_a_welfare_officer_makes_an_order_and_sees_who_is_together_today(
    no_js_page: Page, live_server: str, staff: Staff, services: Services, clock: FakeClock
) -> None:
    build_force(services)
    post(services, "NS00001", "RN-A", "A")
    post(services, "NS00002", "RN-A", "B")
    page = no_js_page
    sign_in(page, live_server, "/staff/separation-orders", staff, clock, "welfare", Role.WELFARE)
    expect(page.get_by_role("heading", name="Separation orders")).to_be_visible()
    expect(page.get_by_text("No separation orders are in force.")).to_be_visible()

    page.get_by_label("First person's staff number").fill("NS00001")
    page.get_by_label("Second person's staff number").fill("ns 00001")
    page.get_by_label("Reasons for the order").fill(REASONS)
    page.get_by_label("The order ends").fill("until the case closes")
    page.get_by_role("button", name="Make the order").click()
    expect(page.get_by_role("alert")).to_contain_text("A separation order is between two different people.")
    expect(page.get_by_label("Reasons for the order")).to_have_value(REASONS)

    page.get_by_label("Second person's staff number").fill("NS00002")
    expect(page.get_by_label("Not in the same team")).to_be_checked()
    page.get_by_label("Not on the same shift in the same unit").uncheck()
    screenshot(page, "40-separation-order-form")
    page.get_by_role("button", name="Make the order").click()

    made = page.get_by_role("status")
    expect(made).to_contain_text("Separation order SO-")
    expect(made).to_contain_text(re.compile(r"made between (Anna Holt \(NS00001\)|Ben Ware \(NS00002\)) and"))
    expect(made).to_contain_text("Already together today")
    expect(page.locator("#together-today li")).to_have_count(1)
    together = page.locator("#together-today li")
    for text in ("Anna Holt (NS00001)", "Ben Ware (NS00002)", "are in the same team (Response North Team A)"):
        expect(together).to_contain_text(text)
    row = page.locator("#orders tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("team")
    expect(row).to_contain_text("until the case closes")
    expect(row).to_contain_text("together")
    screenshot(page, "41-separation-order-made")


def test_the_overseer_reviews_an_override_with_its_reasons(
    no_js_page: Page, live_server: str, staff: Staff, services: Services, clock: FakeClock
) -> None:
    build_force(services)
    post(services, "NS00001", "CS-1", "nights")
    post(services, "NS00002", "RN-A", "A")
    welfare = staff.principal(staff.user("welfare", [Role.WELFARE]))
    decision = staff.principal(staff.user("decision", [Role.DECISION_MAKER]))
    order, _ = services.safeguarding.make_order(
        welfare, "NS00001", "NS00002", REASONS, "until the case closes", ["team", "shift"]
    )
    services.safeguarding.change_posting(decision, "NS00002", "CS-1", "nights", override_reasons=OVERRIDE)

    page = no_js_page
    sign_in(page, live_server, "/staff/postings/overrides", staff, clock, "overseer", Role.OVERSEER)
    expect(page.get_by_role("heading", name="Overrides of separation orders")).to_be_visible()
    row = page.locator("#overrides tbody tr")
    expect(row).to_have_count(1)
    for text in (
        "Ben Ware (NS00002)",
        "Response North Team A, shift A",
        "Custody South Team 1, shift nights",
        order.reference,
        "Decision",
        OVERRIDE,
    ):
        expect(row).to_contain_text(text)
    screenshot(page, "42-posting-overrides")


def test_hr_cannot_open_the_review_of_overrides(
    no_js_page: Page, live_server: str, staff: Staff, clock: FakeClock
) -> None:
    sign_in(no_js_page, live_server, "/staff/postings/overrides", staff, clock, "hr", Role.HR)
    expect(
        no_js_page.get_by_text("Only the overseer reviews the overrides of separation orders.")
    ).to_be_visible()
