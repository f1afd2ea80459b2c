"""An anonymous reporter, JavaScript off: report, keep the receipt, come back, read the reply."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from browser.conftest import screenshot
from common.clock import FakeClock
from common.staff import Staff
from upstander.services import Services

pytestmark = pytest.mark.browser


def test_anonymous_report_receipt_and_reply(
    no_js_page: Page, live_server: str, staff: Staff, services: Services
) -> None:
    page = no_js_page
    handler = staff.principal(staff.handler())
    page.goto(live_server)
    screenshot(page, "01-home")
    page.get_by_role("button", name="Start a report").click()
    expect(page.get_by_role("heading", name="Make a report")).to_be_visible()

    page.get_by_label("Sexual harassment").check()
    page.get_by_label("the person it happened to").check()
    page.get_by_label("What happened?").fill("My sergeant keeps touching me when we are alone on nights.")
    page.get_by_label("When did it happen?").fill("Most night shifts since January")
    page.locator("#subject-0-name").fill("Sgt Example")
    page.locator("#subject-0-unit").fill("Response A")
    screenshot(page, "02-report-form")
    page.get_by_role("button", name="Send report").click()

    expect(page.get_by_role("heading", name="Your report has been received")).to_be_visible()
    receipt_key = page.locator("#receipt-key").inner_text().strip()
    assert len(receipt_key) == 34
    screenshot(page, "03-receipt")

    [item] = services.handling.inbox(handler).items
    services.handling.acknowledge(handler, item.report_id)
    services.handling.reply(
        handler, item.report_id, "Thank you. Is anyone else on that shift we could speak to?"
    )

    page.goto(f"{live_server}/follow-up")
    page.get_by_label("Receipt key").fill(receipt_key.lower())
    page.get_by_role("button", name="Open my report").click()
    expect(page.get_by_text("Is anyone else on that shift we could speak to?")).to_be_visible()
    expect(page.locator("#status")).to_contain_text("Acknowledged")
    screenshot(page, "04-follow-up")

    page.get_by_label("Message").fill("PC Jones was on the same shift.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("What you added has been sent to the team.")).to_be_visible()
    assert (
        services.handling.open_report(handler, item.report_id).messages[-1].text
        == "PC Jones was on the same shift."
    )


def test_a_wrong_receipt_key_is_told_plainly(no_js_page: Page, live_server: str) -> None:
    no_js_page.goto(f"{live_server}/follow-up")
    no_js_page.get_by_label("Receipt key").fill("0000-0000-0000-0000-0000-0000-0000")
    no_js_page.get_by_role("button", name="Open my report").click()
    expect(no_js_page.get_by_role("alert")).to_contain_text("does not open a report")


def test_a_receipt_key_of_the_wrong_length_is_told_so_not_that_it_is_mistyped(
    no_js_page: Page, live_server: str
) -> None:
    no_js_page.goto(f"{live_server}/follow-up")
    no_js_page.get_by_label("Receipt key").fill(str(uuid.uuid4()))
    no_js_page.get_by_role("button", name="Open my report").click()
    alert = no_js_page.get_by_role("alert")
    expect(alert).to_contain_text("A receipt key has 28 letters and numbers")
    expect(alert).to_contain_text("What you typed has 32.")
    expect(alert).not_to_contain_text("does not open a report")


def test_a_blank_statement_is_stopped_before_sending_and_nothing_typed_is_lost(
    no_js_page: Page, live_server: str, staff: Staff, services: Services
) -> None:
    staff.handler()
    page = no_js_page
    page.goto(f"{live_server}/report")
    page.locator("#subject-0-name").fill("Insp. Someone")
    page.get_by_label("Bullying").check()
    page.get_by_label("someone who saw it or knows about it").check()
    page.get_by_role("button", name="Send report").click()
    # The browser's own required-field check stops a blank statement before it is sent.
    assert page.url.endswith("/report")
    expect(page.locator("#subject-0-name")).to_have_value("Insp. Someone")
    assert services.handling.inbox(staff.principal(staff.handler())).items == []


def test_back_after_sending_shows_an_empty_form_and_sending_again_later_is_refused(
    no_js_page: Page, live_server: str, staff: Staff, services: Services, clock: FakeClock
) -> None:
    staff.handler()
    page = no_js_page
    page.goto(f"{live_server}/report")
    page.get_by_label("Bullying").check()
    page.get_by_label("the person it happened to").check()
    page.get_by_label("What happened?").fill("My inspector shouts at me in front of the shift.")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", name="Your report has been received")).to_be_visible()

    # A browser that sends the same form again (reload, history) later is turned away kindly.
    clock.advance(minutes=3)
    page.reload()
    expect(page.get_by_role("heading", name="This report has already been sent")).to_be_visible()
    expect(page.locator("#receipt-key")).to_have_count(0)
    expect(page.get_by_role("button", name="Go to follow-up")).to_be_visible()
    assert len(services.handling.inbox(staff.principal(staff.handler())).items) == 1

    # The next person at a shared computer presses Back: the statement is not there to read.
    page.go_back()
    expect(page.get_by_role("heading", name="Make a report")).to_be_visible()
    expect(page.get_by_label("What happened?")).to_have_value("")


def test_a_name_typed_while_staying_anonymous_is_asked_about_not_dropped(
    no_js_page: Page, live_server: str, staff: Staff, services: Services
) -> None:
    staff.handler()
    staff.overseer()
    page = no_js_page
    page.goto(f"{live_server}/report")
    page.get_by_label("Bullying").check()
    page.get_by_label("the person it happened to").check()
    page.get_by_label("What happened?").fill("My inspector shouts at me in front of the shift.")
    expect(page.get_by_label("No, stay anonymous")).to_be_checked()
    page.get_by_label("Your name").fill("PC Alex Example")
    page.get_by_role("button", name="Send report").click()

    expect(page.get_by_role("alert")).to_contain_text("You chose to stay anonymous but also typed your name")
    expect(page.get_by_label("Your name")).to_have_value("PC Alex Example")
    expect(page.get_by_label("What happened?")).to_have_value(
        "My inspector shouts at me in front of the shift."
    )
    assert services.handling.inbox(staff.principal(staff.handler())).items == []

    page.get_by_label("Yes, give my name").check()
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", name="Your report has been received")).to_be_visible()
    [item] = services.handling.inbox(staff.principal(staff.handler())).items
    assert not item.anonymous


def test_choose_your_files_again_is_said_only_when_files_were_chosen(
    no_js_page: Page, live_server: str, staff: Staff, tmp_path: Path
) -> None:
    staff.handler()
    page = no_js_page
    page.goto(f"{live_server}/report")
    page.get_by_label("Bullying").check()
    page.get_by_label("the person it happened to").check()
    page.get_by_label("What happened?").fill("My inspector shouts at me in front of the shift.")
    page.locator("summary").click()
    page.get_by_label("Age").fill("twenty")
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("#form-errors")).to_contain_text("Give your age in years")
    expect(page.locator("#form-errors")).not_to_contain_text("choose your files again")

    note = tmp_path / "note.txt"
    note.write_text("The rota for March.")
    page.locator("#files").set_input_files(note)
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("#form-errors")).to_contain_text("Please choose your files again.")
