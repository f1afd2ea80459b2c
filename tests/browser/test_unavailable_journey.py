"""The database is held by another program while a form is sent: the person is told calmly to try
again in a minute, nothing they typed is lost, and sending it again in a real browser (JavaScript
off) stores exactly what they typed, once."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from browser.conftest import screenshot
from browser.test_safeguarding_journey import sign_in
from common.clock import FakeClock
from common.live_server import serving
from common.sqlite_lock import impatient_services, other_program
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.app import create_app
from upstander.config import Settings
from upstander.org.models import Person
from upstander.reports.models import Report
from upstander.safeguarding.models import RelationshipDeclaration
from upstander.services import Services

pytestmark = pytest.mark.browser

STATEMENT = "He cornered me in the locker room after the briefing.\nI said no twice & he laughed."


@pytest.fixture
def impatient_server(settings: Settings, database_url: str, clock: FakeClock) -> Iterator[str]:
    with (
        impatient_services(settings, database_url, clock) as services,
        serving(create_app(services=services)) as url,
    ):
        yield url


@pytest.fixture
def held_lock(database_url: str) -> Iterator[sqlite3.Connection]:
    with other_program(database_url) as other:
        yield other


def test_a_report_sent_while_the_database_is_held_is_kept_and_goes_in_once(
    no_js_page: Page, impatient_server: str, staff: Staff, services: Services, held_lock: sqlite3.Connection
) -> None:
    staff.handler()
    page = no_js_page
    page.goto(f"{impatient_server}/report")
    page.get_by_label("Bullying").check()
    page.get_by_label("the person it happened to").check()
    page.get_by_label("What happened?").fill(STATEMENT)
    page.locator("#subject-0-name").fill("Sgt Example")
    held_lock.execute("BEGIN IMMEDIATE")
    page.get_by_role("button", name="Send report").click()

    expect(page.get_by_role("status")).to_contain_text("Please try again in a minute.")
    expect(page.get_by_label("What happened?")).to_have_value(STATEMENT)
    expect(page.get_by_label("Bullying")).to_be_checked()
    expect(page.locator("#subject-0-name")).to_have_value("Sgt Example")
    screenshot(page, "unavailable-report-form")
    held_lock.execute("ROLLBACK")
    page.get_by_role("button", name="Send report").click()

    expect(page.get_by_role("heading", name="Your report has been received")).to_be_visible()
    with services.database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 1


def test_a_staff_form_sent_while_the_database_is_held_is_sent_again_as_typed(
    no_js_page: Page,
    impatient_server: str,
    staff: Staff,
    services: Services,
    clock: FakeClock,
    held_lock: sqlite3.Connection,
) -> None:
    with services.database.transaction() as session:
        session.add(Person(staff_number="NS04242", given_name="Gareth", family_name="Example", rank="PC"))
    note = "We trained together.\nI was best man at his wedding."
    page = no_js_page
    sign_in(page, impatient_server, "/staff/declarations", staff, clock, "handler", Role.HANDLER)
    page.get_by_label("Their staff number").fill("NS04242")
    page.get_by_label("How you are related").select_option("friend")
    page.get_by_label("Note").fill(note)
    held_lock.execute("BEGIN IMMEDIATE")
    page.get_by_role("button", name="Declare").click()

    expect(page.get_by_role("heading", name="Not available right now")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Please try again in a minute.")
    expect(page.get_by_role("status")).to_contain_text("Nothing you typed is lost")
    expect(page.locator("dd")).to_have_text(["NS04242", "friend", note])
    screenshot(page, "unavailable-staff-form")
    held_lock.execute("ROLLBACK")
    page.get_by_role("button", name="Try again").click()

    expect(page.get_by_role("heading", name="Your declared relationships")).to_be_visible()
    expect(page.locator("#declarations")).to_contain_text("Gareth Example (NS04242)")
    with services.database.transaction() as session:
        [declaration] = session.scalars(select(RelationshipDeclaration))
    # What a browser sends for a textarea (line breaks as CRLF), exactly as if it had gone first time.
    assert declaration.note == note.replace("\n", "\r\n")
