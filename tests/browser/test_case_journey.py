"""A case walked through the misconduct process on the case page, each person at their own browser.

JavaScript is off for everyone. Each step is opened from its summary under "What you can do now",
filled in by its labels and sent with its button; the status, severity and timeline are read back
from the page as a person would read them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import APIResponse, Browser, BrowserContext, Locator, Page, expect

from browser.conftest import screenshot
from common.clock import FakeClock
from common.reports import submission
from common.staff import PASSWORD, Staff
from upstander.accounts.models import Role
from upstander.cases.engine.vocabulary import EVENT_TITLES
from upstander.org.models import Person
from upstander.reports.rules import SubjectInput
from upstander.services import Services

if TYPE_CHECKING:  # imported by name, pytest would try to collect it as a test class
    from common.staff import TestUser

pytestmark = pytest.mark.browser

STAFF_NUMBER = "NS04242"


@dataclass(frozen=True)
class Choose:
    """An option of a select, by the words it shows."""

    label: str


Field = str | Choose | bool


class Desk:
    """One person at their own browser: a context of its own, so cookies are never shared."""

    def __init__(self, browser: Browser, base: str, clock: FakeClock) -> None:
        self.base, self.clock = base, clock
        self.context: BrowserContext = browser.new_context(
            java_script_enabled=False, viewport={"width": 1200, "height": 900}
        )
        self.page: Page = self.context.new_page()

    def visit(self, path: str) -> None:
        self.page.goto(f"{self.base}{path}")

    def sign_in(self, user: TestUser, path: str) -> None:
        """Ask for a staff page, meet the sign-in page, sign in with a fresh code, land on the page."""
        self.visit(path)
        page = self.page
        expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        self.clock.advance(seconds=30)
        page.get_by_label("Code from your authenticator app").fill(user.code(self.clock))
        page.get_by_role("button", name="Sign in").click()
        # The page asked for, loaded: until then the sign-in page may still be the one in view.
        expect(page).to_have_url(f"{self.base}{path}")
        expect(page.get_by_role("heading", name="Staff sign-in")).to_have_count(0)

    # --- the case page ---------------------------------------------------------------------------

    @property
    def status(self) -> Locator:
        return self.page.locator("#case-status")

    @property
    def timeline(self) -> Locator:
        return self.page.locator("#timeline > li")

    def entries(self) -> int:
        """How many entries the timeline holds, once the case page shows it (it always opens with one)."""
        expect(self.timeline.first).to_be_visible()
        return self.timeline.count()

    def step(self, kind: str) -> Locator:
        return self.page.locator(f"#step-{kind}")

    def attempt(self, kind: str, button: str, fields: Mapping[str, Field] | None = None) -> None:
        """Open the step, fill its fields by their labels and press its button."""
        step = self.step(kind)
        step.locator("summary").click()
        form = step.locator("form")
        expect(form).to_be_visible()
        for label, value in (fields or {}).items():
            control = form.get_by_label(label)
            if isinstance(value, Choose):
                control.select_option(label=value.label)
            elif value is True:
                control.check()
            elif isinstance(value, str):
                control.fill(value)
        form.get_by_role("button", name=button, exact=True).click()

    def take(
        self,
        kind: str,
        button: str,
        fields: Mapping[str, Field] | None = None,
        *,
        status: str,
        event: str,
    ) -> None:
        """A step that is done: the page says so, the status is `status` and the timeline grew by `event`."""
        before = self.entries()
        self.attempt(kind, button, fields)
        # The new entry exists only on the page that came back, so it is looked for first.
        expect(self.timeline.nth(before)).to_contain_text(event)
        expect(self.page.get_by_role("status")).to_contain_text("Done")
        expect(self.page.locator("#step-error")).to_have_count(0)
        expect(self.status).to_have_text(status)

    def close(self) -> None:
        self.context.close()


class Desks:
    def __init__(self, browser: Browser, base: str, clock: FakeClock) -> None:
        self.browser, self.base, self.clock = browser, base, clock
        self.opened: list[Desk] = []

    def new(self) -> Desk:
        desk = Desk(self.browser, self.base, self.clock)
        self.opened.append(desk)
        return desk

    def close(self) -> None:
        for desk in self.opened:
            desk.close()


@pytest.fixture
def desks(browser: Browser, live_server: str, clock: FakeClock) -> Iterator[Desks]:
    opened = Desks(browser, live_server, clock)
    yield opened
    opened.close()


def _officer(services: Services) -> None:
    """The officer the report names, on the staff records, so the report links to them."""
    with services.database.transaction() as session:
        session.add(
            Person(
                staff_number=STAFF_NUMBER,
                given_name="Gareth",
                family_name="Example",
                rank="Police Constable",
                date_of_birth=date(1985, 4, 12),
            )
        )


def _case_path(page: Page) -> str:
    match = re.search(r"/staff/cases/[0-9a-f-]{36}", page.url)
    assert match, page.url
    return match.group(0)


def test_a_case_walked_from_report_to_outcome_through_the_pages(
    desks: Desks, staff: Staff, services: Services, clock: FakeClock
) -> None:
    handler = staff.handler()
    dm = staff.user("decision", [Role.DECISION_MAKER])
    investigator = staff.user("investigator", [Role.INVESTIGATOR])
    _officer(services)

    # The reporter, on the report form.
    reporter = desks.new()
    reporter.visit("/report")
    page = reporter.page
    page.get_by_label("Bullying").check()
    page.get_by_label("someone who saw it or knows about it").check()
    page.get_by_label("What happened?").fill(
        "PC Example shouted at a probationer in the parade room and called her useless in front of the shift."
    )
    person = page.get_by_role("group", name="Person 1")
    person.get_by_label("Name").fill("PC Example")
    person.get_by_label("Staff or warrant number").fill(STAFF_NUMBER)
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", name="Your report has been received")).to_be_visible()
    reference = page.get_by_text(re.compile(r"Reference")).locator("strong").inner_text()

    # The handler opens a case from the report, acknowledges it and records the allegation.
    desk = desks.new()
    desk.sign_in(handler, "/staff/inbox")
    page = desk.page
    expect(page.get_by_role("heading", name="Report inbox")).to_be_visible()
    page.get_by_role("row").filter(has_text=reference).get_by_role("link", name=reference).click()
    expect(page.get_by_text("see everything ever alleged against them")).to_be_visible()
    page.get_by_role("button", name="Open a case from this report").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Case C-"))).to_be_visible()
    case = _case_path(page)
    expect(desk.status).to_have_text("received")
    expect(page.locator("#case-severity")).to_have_text("not yet assessed")
    expect(page.locator("#deadlines")).to_contain_text("Acknowledge the report to the reporter")
    expect(desk.timeline.first).to_contain_text("Case opened")
    screenshot(page, "20-case-opened")

    desk.take(
        "acknowledge",
        "Acknowledge the report",
        status="acknowledged",
        event=EVENT_TITLES["report_acknowledged"],
    )
    desk.take(
        "add_allegation",
        "Add an allegation",
        {
            "The standard of professional behaviour": Choose("authority, respect and courtesy"),
            "A summary": "Shouted at and belittled a probationer in front of the shift.",
        },
        status="acknowledged",
        event=EVENT_TITLES["allegation_added"],
    )

    # The decision maker assesses severity.
    decider = desks.new()
    decider.sign_in(dm, case)
    decider.take(
        "assess_severity",
        "Record the severity assessment",
        {
            "The severity": Choose("misconduct"),
            "The reasons": "Public belittling of a junior colleague; no previous matters.",
        },
        status="assessed",
        event=EVENT_TITLES["severity_assessed"],
    )
    expect(decider.page.locator("#case-severity")).to_have_text("misconduct")

    # The handler appoints the investigator.
    desk.visit(case)
    desk.take(
        "assign_investigator",
        "Appoint the investigator",
        {"The investigator": Choose("Investigator")},
        status="under investigation",
        event=EVENT_TITLES["investigator_assigned"],
    )

    # The investigator serves the notice and reports.
    looker = desks.new()
    looker.sign_in(investigator, case)
    expect(looker.status).to_have_text("under investigation")
    looker.take(
        "serve_regulation_17_notice",
        "Serve the Regulation 17 notice on the officer",
        status="under investigation",
        event=EVENT_TITLES["regulation_17_notice_served"],
    )
    screenshot(looker.page, "21-under-investigation")
    looker.take(
        "submit_investigation_report",
        "Submit the investigation report",
        {"A summary": "Three witnesses confirm the remarks; the officer accepts raising his voice."},
        status="waiting for the case-to-answer decision",
        event=EVENT_TITLES["investigation_report_submitted"],
    )

    # The decision maker finds a case to answer and refers it to a misconduct meeting.
    decider.visit(case)
    decider.take(
        "decide_case_to_answer",
        "Decide whether there is a case to answer",
        {"The finding": Choose("misconduct"), "The reasons": "A meeting could find misconduct proven."},
        status="waiting for a decision on misconduct proceedings",
        event=EVENT_TITLES["case_to_answer_decided"],
    )
    decider.take(
        "refer_to_proceedings",
        "Refer the case to misconduct proceedings",
        {"The kind of proceedings": Choose("misconduct meeting"), "The reasons": "Misconduct, not gross."},
        status="referred to misconduct proceedings",
        event=EVENT_TITLES["referred_to_proceedings"],
    )

    # The handler serves the referral notice, records the response and sets the meeting.
    held_on = (clock() + timedelta(days=5)).date()
    desk.visit(case)
    desk.take(
        "serve_referral_notice",
        "Serve the notice of referral on the officer",
        status="referred to misconduct proceedings",
        event=EVENT_TITLES["referral_notice_served"],
    )
    desk.take(
        "record_subject_response",
        "Record the officer's response",
        {"Accepts": True},
        status="referred to misconduct proceedings",
        event=EVENT_TITLES["subject_response_recorded"],
    )
    desk.take(
        "schedule_proceedings",
        "Set the panel and the date",
        {"The date": held_on.isoformat(), "The panel": "Chair Adams"},
        status="referred to misconduct proceedings",
        event=EVENT_TITLES["proceedings_scheduled"],
    )
    expect(desk.timeline.last).to_contain_text(f"on {held_on:%-d %B %Y}")
    screenshot(desk.page, "22-meeting-set")

    # The meeting is held; the decision maker's session has long ended and they sign in again.
    clock.advance(days=6)
    decider.visit(case)
    expect(decider.page.get_by_role("status")).to_contain_text("Your session has ended")
    decider.sign_in(dm, case)
    decider.take(
        "record_finding",
        "Record a finding on an allegation",
        {
            "The allegation": Choose("A1: authority, respect and courtesy"),
            "The finding": Choose("misconduct"),
            "The reasons": "The meeting found the remarks proven and that they were misconduct.",
        },
        status="referred to misconduct proceedings",
        event=EVENT_TITLES["finding_recorded"],
    )
    decider.take(
        "record_outcome",
        "Record the outcome",
        {
            "The outcome": Choose("a final written warning"),
            "The reasons": "Serious, public and aimed at a junior colleague.",
        },
        status="decided, with the appeal period running",
        event=EVENT_TITLES["outcome_recorded"],
    )
    expect(decider.timeline.last).to_contain_text("a final written warning")
    screenshot(decider.page, "23-outcome")


def _case_with_allegation(services: Services, staff: Staff) -> tuple[uuid.UUID, str]:
    """A report and the case opened from it, acknowledged, with one allegation (set up directly).

    Everyone who will work on it is created first: a case's key is shared with the staff there are
    when it is opened. Returns the case's id and the reporter's receipt key.
    """
    handler = staff.principal(staff.handler())
    staff.user("decision", [Role.DECISION_MAKER])
    staff.user("decision2", [Role.DECISION_MAKER])
    result = services.reports.submit(
        submission(
            "The inspector called me 'sweetheart' at briefing.",
            subjects=(SubjectInput(name="Insp. Example"),),
        )
    )
    case = services.cases.open_case(handler, [result.report_id])
    services.workflow.act(handler, case.id, "acknowledge", {})
    services.workflow.act(
        handler,
        case.id,
        "add_allegation",
        {"standard": ["authority_respect_and_courtesy"], "summary": ["A remark at briefing."]},
    )
    return case.id, result.receipt_key


def _assessed_no_case_to_answer(services: Services, staff: Staff) -> tuple[uuid.UUID, str]:
    case_id, receipt_key = _case_with_allegation(services, staff)
    dm = staff.principal(staff.user("decision", [Role.DECISION_MAKER]))
    services.workflow.act(
        dm,
        case_id,
        "assess_severity",
        {"severity": ["no_case_to_answer"], "reasons": ["One remark, apologised for at once."]},
    )
    return case_id, receipt_key


def _post_step(desk: Desk, case: str, kind: str, fields: Mapping[str, str]) -> APIResponse:
    """Post a step's form from this person's signed-in session, with the page's own CSRF token,
    as a stale tab, a resent form or a hand-made request would: what the server says to it."""
    token = desk.page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token
    return desk.context.request.post(
        f"{desk.base}{case}/steps/{kind}", form={"csrf_token": token, **fields}, max_redirects=0
    )


def test_a_refused_step_says_why_on_the_page_and_keeps_what_was_typed(
    desks: Desks, staff: Staff, services: Services
) -> None:
    case_id, receipt_key = _assessed_no_case_to_answer(services, staff)
    case = f"/staff/cases/{case_id}"
    dm = staff.user("decision", [Role.DECISION_MAKER])
    dm2 = staff.user("decision2", [Role.DECISION_MAKER])

    decider = desks.new()
    decider.sign_in(dm, case)
    page = decider.page
    expect(decider.status).to_have_text("assessed")
    expect(page.locator("#case-severity")).to_have_text("no case to answer")

    # Picking the wrong kind of closure is refused with the reason; everything typed is still there.
    reasons = "A single remark, withdrawn and apologised for; not misconduct."
    told = "The remark, as you describe it, is not misconduct under the standards."
    before = decider.entries()
    decider.attempt(
        "propose_closure",
        "Propose closing the case",
        {
            "The kind of closure": Choose("withdrawn"),
            "The reasons": reasons,
            "What the reporter will be told": told,
        },
    )
    refusal = page.get_by_role("alert")
    expect(refusal).to_have_attribute("id", "step-error")
    expect(refusal).to_contain_text(
        "Not done. A case is closed as withdrawn only when the reporter has asked to withdraw."
    )
    expect(decider.status).to_have_text("assessed")
    expect(decider.timeline).to_have_count(before)
    proposal = decider.step("propose_closure")
    expect(proposal).to_have_attribute("open", "")
    expect(proposal.get_by_label("The kind of closure")).to_have_value("withdrawal")
    expect(proposal.get_by_label("The reasons")).to_have_value(reasons)
    expect(proposal.get_by_label("What the reporter will be told")).to_have_value(told)
    screenshot(page, "24-closure-refused-kept")

    # Corrected, it goes through.
    proposal.get_by_label("The kind of closure").select_option(label="no case to answer")
    proposal.get_by_role("button", name="Propose closing the case", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Done")
    expect(decider.status).to_have_text("waiting for a second decision maker to confirm closure")

    # The proposer is not offered the confirmation at all; sent anyway (a stale tab, a resent form),
    # the server refuses it with the reason, on the case page, and nothing changes.
    expect(decider.step("confirm_closure")).to_have_count(0)
    before = decider.entries()
    answer = _post_step(decider, case, "confirm_closure", {"note": "Agreed, close it."})
    assert answer.status == 409, answer.status
    page.set_content(answer.text())  # the page the server answered with, as the browser would show it
    refusal = page.locator("#step-error")
    expect(refusal).to_have_attribute("role", "alert")
    expect(refusal).to_contain_text("You proposed this closure. A different decision maker must confirm it.")
    expect(decider.status).to_have_text("waiting for a second decision maker to confirm closure")
    screenshot(page, "25-own-closure-refused")
    decider.visit(case)
    expect(decider.status).to_have_text("waiting for a second decision maker to confirm closure")
    expect(decider.timeline).to_have_count(before)

    # A second decision maker confirms.
    second = desks.new()
    second.sign_in(dm2, case)
    second.take(
        "confirm_closure",
        "Confirm closing the case",
        {"A note": "Agreed."},
        status="closed",
        event=EVENT_TITLES["closure_confirmed"],
    )
    expect(second.page.get_by_text("There is nothing for you to do on this case now.")).to_be_visible()
    screenshot(second.page, "26-closed")

    # The reporter comes back with the receipt key and is told, in plain words.
    reporter = desks.new()
    reporter.visit("/follow-up")
    page = reporter.page
    page.get_by_label("Receipt key").fill(receipt_key)
    page.get_by_role("button", name="Open my report").click()
    expect(page.locator("#status")).to_contain_text("Closed")
    message = page.locator(".message").last
    expect(message).to_contain_text("the officer has no case to answer")
    expect(message).to_contain_text(told)
    expect(message).to_contain_text("review")
    screenshot(page, "27-reporter-told")


def test_a_reporter_told_of_a_closure_can_ask_for_a_review_on_the_follow_up_page(
    desks: Desks, staff: Staff, services: Services
) -> None:
    case_id, receipt_key = _assessed_no_case_to_answer(services, staff)
    dm = staff.principal(staff.user("decision", [Role.DECISION_MAKER]))
    dm2 = staff.principal(staff.user("decision2", [Role.DECISION_MAKER]))
    services.workflow.act(
        dm,
        case_id,
        "propose_closure",
        {
            "closure": ["no_case_to_answer"],
            "reasons": ["Not misconduct."],
            "reporter_summary": ["The remark is not misconduct under the standards."],
        },
    )
    services.workflow.act(dm2, case_id, "confirm_closure", {})

    reporter = desks.new()
    reporter.visit("/follow-up")
    page = reporter.page
    page.get_by_label("Receipt key").fill(receipt_key)
    page.get_by_role("button", name="Open my report").click()
    expect(page.locator("#status")).to_contain_text("Closed")
    ask = page.locator("form").filter(has=page.get_by_role("button", name=re.compile("review", re.I)))
    expect(ask).to_have_count(1)
    ask.get_by_role("textbox").fill("Nobody spoke to the others at the briefing.")
    ask.get_by_role("button", name=re.compile("review", re.I)).click()
    expect(page.get_by_role("status")).to_be_visible()
    view = services.cases.view_case(dm, case_id)
    assert view.workflow.status == "review_requested"


def test_a_required_field_of_only_spaces_passes_the_browser_but_not_the_server(
    desks: Desks, staff: Staff, services: Services
) -> None:
    """The honest check of a required field with JavaScript off.

    The browser's own `required` check is what stops an empty field; it counts spaces as filled in,
    so spaces are how a person (not a script) gets an "empty" field past it. The server must then
    refuse, say why and keep the rest of the form.
    """
    case_id, _ = _case_with_allegation(services, staff)
    case = f"/staff/cases/{case_id}"
    decider = desks.new()
    decider.sign_in(staff.user("decision", [Role.DECISION_MAKER]), case)
    page = decider.page
    step = decider.step("assess_severity")
    step.locator("summary").click()
    reasons = step.get_by_label("The reasons")
    expect(reasons).to_have_attribute("required", "")

    # Empty: the browser stops it; nothing is sent.
    posted: list[str] = []
    page.on("request", lambda request: posted.append(request.url) if request.method == "POST" else None)
    step.get_by_label("The severity").select_option(label="misconduct")
    step.get_by_role("button", name="Record the severity assessment", exact=True).click()
    assert posted == []
    expect(page).to_have_url(re.compile(rf"{case}$"))
    expect(page.locator("#step-error")).to_have_count(0)

    # Only spaces: sent, refused in words, the choice kept, nothing recorded.
    reasons.fill("   ")
    step.get_by_role("button", name="Record the severity assessment", exact=True).click()
    assert posted == [f"{decider.base}{case}/steps/assess_severity"]
    expect(page.get_by_role("alert")).to_contain_text(
        "Please give the reasons to record the severity assessment."
    )
    expect(decider.status).to_have_text("acknowledged")
    expect(page.locator("#case-severity")).to_have_text("not yet assessed")
    step = decider.step("assess_severity")
    expect(step).to_have_attribute("open", "")
    expect(step.get_by_label("The severity")).to_have_value("misconduct")
    screenshot(page, "28-spaces-refused")

    step.get_by_label("The reasons").fill("Public belittling of a colleague.")
    step.get_by_role("button", name="Record the severity assessment", exact=True).click()
    expect(decider.status).to_have_text("assessed")
    expect(page.locator("#case-severity")).to_have_text("misconduct")


def test_a_field_a_step_cannot_do_without_is_not_labelled_optional(
    desks: Desks, staff: Staff, services: Services
) -> None:
    case_id, _ = _case_with_allegation(services, staff)
    case = f"/staff/cases/{case_id}"
    decider = desks.new()
    decider.sign_in(staff.user("decision", [Role.DECISION_MAKER]), case)
    step = decider.step("assess_severity")
    step.locator("summary").click()
    severity = step.get_by_label("The severity")
    expect(severity).to_have_attribute("required", "")
    expect(step.get_by_text("The severity", exact=True)).to_be_visible()


def test_an_empty_date_is_refused_in_words_not_with_an_error_page(
    desks: Desks, staff: Staff, services: Services
) -> None:
    case_id, _ = _case_with_allegation(services, staff)
    case = f"/staff/cases/{case_id}"
    desk = desks.new()
    desk.sign_in(staff.handler(), case)
    answer = _post_step(
        desk, case, "record_employment_change", {"employment": "resigned", "effective_on": ""}
    )
    assert answer.status == 422, answer.status
    desk.page.set_content(answer.text())
    expect(desk.page.locator("#step-error")).to_contain_text("date")
