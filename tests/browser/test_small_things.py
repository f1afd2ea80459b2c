"""The small things a person trips on, each as they meet it in the browser, JavaScript off."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update

from common import staff as staff_helpers
from common.clock import FakeClock
from common.reports import submission
from common.staff import PASSWORD, Staff
from common.statistics import seed
from upstander.accounts.models import Role
from upstander.cases.models import Allegation
from upstander.org.models import OrgUnit, OrgUnitKind, Person
from upstander.reports.rules import SubjectInput
from upstander.services import Services

pytestmark = pytest.mark.browser


def sign_in(page: Page, live_server: str, clock: FakeClock, user: staff_helpers.TestUser, path: str) -> None:
    page.goto(f"{live_server}{path}")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    clock.advance(seconds=30)
    page.get_by_label("Code from your authenticator app").fill(user.code(clock))
    page.get_by_role("button", name="Sign in").click()


def test_a_too_short_reason_for_a_link_comes_back_beside_its_box_with_the_text_kept(
    no_js_page: Page, live_server: str, staff: Staff, services: Services, clock: FakeClock
) -> None:
    handler = staff.handler()
    with services.database.transaction() as session:
        unit = OrgUnit(kind=OrgUnitKind.TEAM, code="RB", name="Response B")
        session.add(unit)
        session.flush()
        session.add(
            Person(
                staff_number="NS07002",
                given_name="Gareth",
                family_name="Smith",
                rank="Sergeant",
                unit_id=unit.id,
            )
        )
    result = services.reports.submit(
        submission(
            "He shouted at me in the yard.", subjects=(SubjectInput(name="Sgt Gaz Smyth", unit="Response B"),)
        )
    )
    page = no_js_page
    sign_in(page, live_server, clock, handler, f"/staff/reports/{result.report_id}")
    reasons = page.locator(".link-form input[name=reasons]")
    # Ten characters pass the browser's own check, but a reason is more than spaces around a word.
    reasons.fill("        ok")
    page.locator(".link-form").first.get_by_role("button", name="It is them").click()

    expect(page.get_by_role("heading", name=f"Report {result.reference}", exact=False)).to_be_visible()
    reasons = page.locator(".link-form input[name=reasons]")
    expect(reasons).to_have_value("        ok")
    expect(reasons).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".link-form .field-error").first).to_contain_text("Say why, in a sentence")

    reasons.fill("Only Gareth Smith was on Response B in the yard that night.")
    page.locator(".link-form").first.get_by_role("button", name="It is them").click()
    expect(page.get_by_role("status")).to_contain_text("Your decision on the staff record is recorded")


def test_asking_to_withdraw_comes_after_answering_the_teams_question_not_before(
    no_js_page: Page, live_server: str, staff: Staff, services: Services
) -> None:
    handler = staff.principal(staff.handler())
    result = services.reports.submit(submission("The inspector called me 'sweetheart' at briefing."))
    case = services.cases.open_case(handler, [result.report_id])
    services.workflow.act(handler, case.id, "acknowledge", {})
    services.handling.reply(handler, result.report_id, "Who else was at the briefing?")

    page = no_js_page
    page.goto(f"{live_server}/follow-up")
    page.get_by_label("Receipt key").fill(result.receipt_key)
    page.get_by_role("button", name="Open my report").click()
    expect(page.get_by_text("Who else was at the briefing?")).to_be_visible()

    actions = page.locator("main form").evaluate_all(
        "forms => forms.map(form => form.getAttribute('action'))"
    )
    add, withdraw = "/follow-up/report/messages", "/follow-up/report/steps/request_withdrawal"
    assert withdraw in actions
    assert actions.index(add) < actions.index(withdraw), actions
    # Secondary: folded away until asked for, its button not the page's main one.
    withdrawal = page.locator("details#reporter-step-request_withdrawal")
    expect(withdrawal).not_to_have_attribute("open", "")
    withdrawal.locator("summary").click()
    expect(withdrawal.get_by_role("button", name="Ask to withdraw", exact=False)).to_have_class(
        "secondary outline"
    )


def test_a_stage_has_the_same_words_on_the_case_list_the_board_and_the_case_page(
    no_js_page: Page, live_server: str, staff: Staff, services: Services, clock: FakeClock
) -> None:
    handler = staff.principal(staff.handler())
    dm = staff.principal(staff.user("decision", [Role.DECISION_MAKER]))
    second = staff.user("decision2", [Role.DECISION_MAKER])
    result = services.reports.submit(submission("The inspector called me 'sweetheart' at briefing."))
    case = services.cases.open_case(handler, [result.report_id])
    services.workflow.act(handler, case.id, "acknowledge", {})
    services.workflow.act(
        handler,
        case.id,
        "add_allegation",
        {"standard": ["authority_respect_and_courtesy"], "summary": ["A remark at briefing."]},
    )
    services.workflow.act(
        dm, case.id, "assess_severity", {"severity": ["no_case_to_answer"], "reasons": ["One remark."]}
    )
    services.workflow.act(
        dm,
        case.id,
        "propose_closure",
        {
            "closure": ["no_case_to_answer"],
            "reasons": ["Not misconduct."],
            "reporter_summary": ["Not misconduct."],
        },
    )
    label = "waiting for a second decision maker to confirm closure"

    page = no_js_page
    sign_in(page, live_server, clock, second, f"/staff/cases/{case.id}")
    expect(page.locator("#case-status")).to_have_text(label)
    page.goto(f"{live_server}/staff/cases")
    expect(page.get_by_role("row").filter(has_text=case.reference)).to_contain_text(label)
    page.goto(f"{live_server}/staff/dashboard")
    expect(page.get_by_role("row").filter(has_text=case.reference).first).to_contain_text(label)
    expect(page.get_by_text("closure proposed")).to_have_count(0)


def test_someone_who_never_signed_in_is_asked_to_sign_in_not_told_their_session_ended(
    no_js_page: Page, live_server: str, staff: Staff, clock: FakeClock
) -> None:
    handler = staff.handler()
    page = no_js_page
    page.goto(f"{live_server}/staff/inbox")
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    expect(page.get_by_text("Please sign in to open that page.")).to_be_visible()
    expect(page.get_by_text("Your session has ended")).to_have_count(0)
    page.goto(f"{live_server}/follow-up/report")
    expect(page.get_by_role("heading", name="Follow up on your report")).to_be_visible()
    expect(page.get_by_text("follow-up sessions end after a while")).to_have_count(0)

    # Someone who was signed in, and whose session ended, is told so.
    sign_in(page, live_server, clock, handler, "/staff/inbox")
    expect(page.get_by_role("heading", name="Report inbox")).to_be_visible()
    clock.advance(minutes=31)
    page.goto(f"{live_server}/staff/inbox")
    expect(page.get_by_text("Your session has ended")).to_be_visible()


def test_a_member_of_staff_on_the_transparency_page_keeps_the_staff_menu(
    no_js_page: Page, live_server: str, staff: Staff, clock: FakeClock
) -> None:
    handler = staff.handler()
    page = no_js_page
    page.goto(f"{live_server}/transparency")
    expect(page.get_by_role("link", name="Staff sign-in")).to_be_visible()

    sign_in(page, live_server, clock, handler, "/staff/inbox")
    page.goto(f"{live_server}/transparency")
    header = page.locator("header.site-header")
    expect(header.get_by_role("button", name="Sign out Handler")).to_have_count(1)
    expect(header.get_by_role("link", name="Inbox")).to_have_count(1)
    expect(header.get_by_role("link", name="Staff sign-in")).to_have_count(0)

    # A session that has ended meanwhile leaves the page public, not an error.
    clock.advance(minutes=31)
    page.goto(f"{live_server}/transparency")
    expect(page.get_by_role("link", name="Staff sign-in")).to_be_visible()


def test_an_investigator_is_not_shown_person_links_they_may_not_open(
    no_js_page: Page, live_server: str, staff: Staff, services: Services, clock: FakeClock
) -> None:
    handler_user = staff.handler()
    handler = staff.principal(handler_user)
    dm = staff.principal(staff.user("decision", [Role.DECISION_MAKER]))
    investigator = staff.user("investigator", [Role.INVESTIGATOR])
    with services.database.transaction() as session:
        session.add(Person(staff_number="NS07001", given_name="Gareth", family_name="Smith", rank="Sergeant"))
    result = services.reports.submit(
        submission(
            "He pushed a detainee into the cell door.",
            subjects=(SubjectInput(name="Sgt Smith", staff_number="NS07001"),),
        )
    )
    case = services.cases.open_case(handler, [result.report_id])
    services.workflow.act(handler, case.id, "acknowledge", {})
    services.workflow.act(
        handler, case.id, "add_allegation", {"standard": ["use_of_force"], "summary": ["Force in custody."]}
    )
    services.workflow.act(
        dm, case.id, "assess_severity", {"severity": ["misconduct"], "reasons": ["Force without need."]}
    )
    services.workflow.act(
        handler, case.id, "assign_investigator", {"investigator_id": [str(investigator.user_id)]}
    )

    page = no_js_page
    sign_in(page, live_server, clock, investigator, f"/staff/reports/{result.report_id}")
    expect(page.locator("#statement")).to_have_text("He pushed a detainee into the cell door.")
    expect(page.get_by_text("Linked to")).to_contain_text("Gareth Smith")
    links = page.locator("a[href^='/staff/people/']")
    expect(links).to_have_count(0)
    assert page.request.get(f"{live_server}/staff/people/00000000-0000-0000-0000-000000000000").status == 403

    # A handler, who may open the history, still gets the link.
    page.context.clear_cookies()
    sign_in(page, live_server, clock, handler_user, f"/staff/reports/{result.report_id}")
    expect(page.locator("a[href^='/staff/people/']")).to_have_count(1)


def test_every_page_names_an_icon_the_browser_can_fetch(no_js_page: Page, live_server: str) -> None:
    for path in ("/", "/report", "/follow-up", "/transparency", "/staff/sign-in"):
        no_js_page.goto(f"{live_server}{path}")
        href = no_js_page.locator("link[rel=icon]").get_attribute("href")
        assert href == "/static/favicon.svg", path
        icon = no_js_page.request.get(f"{live_server}{href}")
        assert icon.status == 200
        assert icon.headers["content-type"].startswith("image/svg+xml")


def test_the_transparency_page_names_empty_stages_once_and_fits_a_phone(
    browser: Browser, live_server: str, services: Services
) -> None:
    seed(services)
    with services.database.transaction() as session:
        # Nothing got past investigation this year: "case to answer" and "proven" have nobody.
        session.execute(
            update(Allegation).where(Allegation.stage_rank > 2).values(stage_rank=2, sanction=None)
        )
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    for by in ("ethnicity", "age", "rank", "sex", "service"):
        page.goto(f"{live_server}/transparency?year=2024&by={by}")
        comparisons = page.locator("table.comparisons")
        headings = comparisons.locator("th.stage-heading").all_inner_texts()
        assert not [h for h in headings if h.startswith(("Case to answer", "Proven"))], headings
        expect(comparisons.locator("#stages-nobody-reached")).to_have_text(
            "Nobody reached these stages in this period, so there is nothing to compare: case to answer; proven."
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, by
        assert (
            page.evaluate("document.querySelector('table.comparisons').getBoundingClientRect().right") <= 390
        ), by
        expect(comparisons.locator("td[data-label='Reached the stage']").first).to_be_visible()
    context.close()


def test_a_reporters_refused_request_keeps_what_they_typed_beside_the_box(
    no_js_page: Page, live_server: str, staff: Staff, services: Services, clock: FakeClock
) -> None:
    handler = staff.principal(staff.handler())
    dm = staff.principal(staff.user("decision", [Role.DECISION_MAKER]))
    dm2 = staff.principal(staff.user("decision2", [Role.DECISION_MAKER]))
    result = services.reports.submit(submission("The inspector called me 'sweetheart' at briefing."))
    case = services.cases.open_case(handler, [result.report_id])
    services.workflow.act(handler, case.id, "acknowledge", {})
    services.workflow.act(
        handler,
        case.id,
        "add_allegation",
        {"standard": ["authority_respect_and_courtesy"], "summary": ["A remark at briefing."]},
    )
    services.workflow.act(
        dm, case.id, "assess_severity", {"severity": ["no_case_to_answer"], "reasons": ["One remark."]}
    )
    services.workflow.act(
        dm,
        case.id,
        "propose_closure",
        {
            "closure": ["no_case_to_answer"],
            "reasons": ["Not misconduct."],
            "reporter_summary": ["Not misconduct."],
        },
    )
    services.workflow.act(dm2, case.id, "confirm_closure", {})

    page = no_js_page
    page.goto(f"{live_server}/follow-up")
    page.get_by_label("Receipt key").fill(result.receipt_key)
    page.get_by_role("button", name="Open my report").click()
    review = page.locator("#reporter-step-request_review")
    review.get_by_role("textbox").fill("   ")
    review.get_by_role("button").click()
    review = page.locator("#reporter-step-request_review")
    expect(review.locator(".field-error")).to_be_visible()
    expect(review.get_by_role("textbox")).to_have_attribute("aria-invalid", "true")

    # Sent from a page left open after the review was asked for elsewhere, the words come back to be copied.
    grounds = "Nobody spoke to the others at the briefing."
    review.get_by_role("textbox").fill(grounds)
    services.workflow.act_as_reporter(
        result.report_id, "request_review", {"grounds": ["Asked in another tab."]}
    )
    review.get_by_role("button").click()
    refused = page.locator("#step-refused")
    expect(refused).to_be_visible()
    expect(refused).to_contain_text(grounds)
