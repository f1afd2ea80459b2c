"""Every page type, as every role meets it, on a phone (390 px) and a desktop (1280 px): axe-core
finds no serious or critical violation, and no page is wider than the phone's screen.

The demo force is seeded once (reports, two cases some way along, orders, the register), and each
role signs in once, in one browser context of its own, and walks its pages. The totals by impact
and the widest page are printed (`-s` shows them) for the record of the issue.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from rich.console import Console
from sqlalchemy import select

from browser.accessibility import BLOCKING, Violation, axe_violations
from common.clock import FakeClock
from upstander.cases.models import Case
from upstander.demo.seed import DEMO_PASSWORD, seed
from upstander.patterns.models import SubjectLink
from upstander.reports.models import Category, Report
from upstander.services import Services

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _demo_ids(services: Services) -> dict[str, str]:
    with services.database.transaction() as session:
        # The abuse-of-position case is under investigation, with a representative's consent.
        investigated = session.scalars(
            select(Report.case_id).where(Report.category == Category.ABUSE_OF_POSITION)
        ).one()
        referred = session.scalars(select(Case.id).where(Case.id != investigated)).first()
        loose_report = session.scalars(select(Report.id).where(Report.case_id.is_(None))).first()
        case_report = session.scalars(select(Report.id).where(Report.case_id == investigated)).first()
        person = session.scalars(select(SubjectLink.person_id)).first()
    return {
        "case": str(investigated),
        "referred_case": str(referred),
        "report": str(loose_report),
        "case_report": str(case_report),
        "person": str(person),
    }


def pages_of(role: str, ids: dict[str, str]) -> list[str]:
    every_staff = ["/staff", "/staff/account", "/staff/escrow", "/staff/declarations"]
    psd = [
        "/staff/inbox",
        f"/staff/reports/{ids['report']}",
        f"/staff/reports/{ids['case_report']}",
        "/staff/dashboard",
        "/staff/cases",
        f"/staff/cases/{ids['case']}",
        f"/staff/cases/{ids['referred_case']}",
        "/staff/restrictions",
        "/staff/intervention-flags",
        f"/staff/people/{ids['person']}",
    ]
    own = {
        "handler": [*psd, "/staff/separation-orders"],
        # A report outside any case is sealed to intake (handlers, the overseer), not to decision makers.
        "decision": [p for p in psd if ids["report"] not in p] + ["/staff/separation-orders"],
        "overseer": [
            *psd,
            "/staff/oversight",
            "/staff/statistics",
            "/staff/audit",
            "/staff/postings/overrides",
            "/staff/detriment-alerts",
        ],
        "investigator": ["/staff/dashboard", "/staff/cases", f"/staff/cases/{ids['case']}"],
        "custodian": ["/staff/identities", "/staff/detriment-alerts"],
        "operator": ["/staff/phone-report"],
        "rep": ["/staff/represented", f"/staff/represented/{ids['case']}"],
        "welfare": ["/staff/separation-orders", "/staff/restrictions"],
        "analyst": ["/staff/statistics"],
        "admin": ["/staff/users"],
        "hr": ["/staff/hr/events"],
        "vetting": [],
    }[role]
    return own + [
        p for p in every_staff if not (role == "admin" and p in ("/staff/escrow", "/staff/declarations"))
    ]


PUBLIC_PAGES = ["/", "/privacy", "/report", "/follow-up", "/transparency", "/staff/sign-in", "/staff/recover"]
ROLES = [
    "handler",
    "decision",
    "overseer",
    "investigator",
    "custodian",
    "operator",
    "rep",
    "welfare",
    "analyst",
    "admin",
    "hr",
    "vetting",
]


# Every reference shown (R-, C-, SO-, RD- and the like followed by its code) that the layout has
# split over two lines: each occurrence is a DOM range, and a range on one line has one box per line.
BROKEN_REFERENCES = r"""() => {
    const broken = [];
    const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
    const pattern = /\b[A-Z]{1,3}-[A-Z0-9]{5,}\b/g;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const match of node.textContent.matchAll(pattern)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
            if (lines.size > 1) broken.push(match[0]);
        }
    }
    return broken;
}"""


class Survey:
    """What every visit found: violations by impact, and each page's width at 390 px."""

    def __init__(self) -> None:
        self.impacts: Counter[str] = Counter()
        self.rules: Counter[str] = Counter()
        self.blocking: list[str] = []
        self.widths: dict[str, int] = {}
        self.visits = 0
        self.seen: set[str] = set()
        self.broken: list[str] = []

    def look(self, page: Page, who: str, label: str) -> None:
        self.visits += 1
        found: list[Violation] = axe_violations(page)
        for violation in found:
            self.impacts[violation.impact] += 1
            self.rules[f"{violation.impact} {violation.rule}"] += 1
            if violation.impact in BLOCKING:
                self.blocking.append(f"{who} {label} ({page.viewport_size}): {violation}")

    def measure(self, page: Page, who: str, label: str) -> None:
        width = int(page.evaluate("document.documentElement.scrollWidth"))
        self.widths[f"{who} {label}"] = width
        for reference in page.evaluate(BROKEN_REFERENCES):
            self.broken.append(f"{who} {label}: {reference}")

    def visit(self, page: Page, who: str, url: str, label: str, *, menu_seen: bool = True) -> None:
        """Every page type is checked by axe once on a phone and once on a desktop, the first time a
        role meets it, and each role's menu once; every page of every role is measured on a phone."""
        first_time = label not in self.seen
        self.seen.add(label)
        response = page.goto(url)
        assert response is not None, f"{who} {label}: no response"
        assert response.status == 200, f"{who} {label}: {response.status}"
        self.measure(page, who, label)
        if first_time or not menu_seen:
            self.look(page, who, label)
        if first_time:
            page.set_viewport_size(DESKTOP)
            page.reload()
            self.look(page, who, label)
            page.set_viewport_size(PHONE)


@pytest.fixture
def survey() -> Iterator[Survey]:
    found = Survey()
    yield found
    widest = max(found.widths.items(), key=lambda item: item[1]) if found.widths else ("none", 0)
    print(
        f"\naxe over {found.visits} visits ({len(found.seen)} page types at 390 px and 1280 px, each role's "
        f"menu at 390 px), violations by impact: "
        + ", ".join(
            f"{impact} {found.impacts[impact]}" for impact in ("critical", "serious", "moderate", "minor")
        )
        + f"; widest of {len(found.widths)} pages at 390 px: {widest[1]} px ({widest[0]})"
    )
    print("  by rule: " + ", ".join(f"{rule} ({count})" for rule, count in found.rules.most_common()))
    for label, width in sorted(found.widths.items(), key=lambda item: -item[1]):
        if width > PHONE["width"]:
            print(f"  {width} px  {label}")


def printed_without_navigation_or_forms(page: Page, url: str, *shown: str) -> None:
    """The print stylesheet: no menu, no forms or buttons; the statement, timeline and reasons stay."""
    page.goto(url)
    page.emulate_media(media="print")
    expect(page.locator("header.site-header")).to_be_hidden()
    expect(page.locator("main form").first).to_be_hidden()
    expect(page.locator("main button").first).to_be_hidden()
    for selector in shown:
        expect(page.locator(selector)).to_be_visible()
    page.emulate_media(media="screen")
    expect(page.locator("header.site-header")).to_be_visible()


def send_with_a_wrong_age(page: Page) -> None:
    page.get_by_label("Bullying").check()
    page.get_by_label("the person it happened to").check()
    page.get_by_label("What happened?").fill("My inspector gives me every late job.")
    page.get_by_text("About you — optional").click()
    page.get_by_label("Age").fill("forty")
    page.get_by_text("About you — optional").click()
    page.get_by_role("button", name="Send report").click()


def test_the_report_form_names_each_wrong_field_and_opens_the_section_holding_it(
    browser: Browser, live_server: str
) -> None:
    """The GOV.UK error summary: it takes focus, each line links to its field, and the folded
    section holding a wrong answer is open; with JavaScript on and off alike."""
    for javascript in (True, False):
        context = browser.new_context(java_script_enabled=javascript, viewport=PHONE)
        page = context.new_page()
        page.goto(f"{live_server}/report")
        send_with_a_wrong_age(page)
        summary = page.locator("#form-errors")
        expect(summary).to_be_focused()
        expect(summary).to_have_attribute("role", "alert")
        link = summary.get_by_role("link", name="Give your age in years, or leave it empty.")
        expect(link).to_have_attribute("href", "#about_age")
        expect(page.locator("details:has(#about_age)")).to_have_attribute("open", "")
        link.click()
        expect(page.get_by_label("Age")).to_be_focused()
        expect(page.get_by_label("Age")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label("What happened?")).to_have_value("My inspector gives me every late job.")
        context.close()


def test_after_a_form_is_sent_focus_goes_to_the_notice_that_answers_it(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server}/follow-up")
    page.get_by_label("Receipt key").fill("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG")
    page.get_by_role("button", name="Open my report").click()
    notice = page.locator("main .notice[role=alert]")
    expect(notice).to_be_visible()
    expect(notice).to_be_focused()
    expect(notice).to_have_css("outline-style", "solid")
    context.close()


def sign_in(context: BrowserContext, base: str, services: Services, username: str) -> Page:
    page = context.new_page()
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/staff/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    clock = services.clock
    assert isinstance(clock, FakeClock)
    clock.advance(seconds=30)  # a fresh TOTP step: a code is accepted once
    page.get_by_label("Code from your authenticator app").fill(services.accounts.current_totp_code(username))
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("form[action='/staff/sign-out']")).to_be_attached()
    return page


def test_every_page_for_every_role_is_accessible_and_fits_a_phone(
    browser: Browser, live_server: str, services: Services, survey: Survey
) -> None:
    seed(services, only_if_empty=False, console=Console(quiet=True))
    ids = _demo_ids(services)

    public = browser.new_context()
    page = public.new_page()
    page.set_viewport_size(PHONE)
    for path in PUBLIC_PAGES:
        survey.visit(page, "public", f"{live_server}{path}", path)
    # The report form sent back with an error inside the folded "About you" section.
    page.goto(f"{live_server}/report")
    send_with_a_wrong_age(page)
    survey.look(page, "public", "/report with errors")
    survey.measure(page, "public", "/report with errors")
    reference, key = (services.settings.data_dir / "demo-receipts.txt").read_text().splitlines()[1].split()
    page.goto(f"{live_server}/follow-up")
    page.get_by_label("Receipt key").fill(key)
    page.get_by_role("button", name="Open my report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    survey.visit(page, "reporter", f"{live_server}/follow-up/report", "/follow-up/report")
    public.close()

    for role in ROLES:
        context = browser.new_context()
        page = sign_in(context, live_server, services, role)
        for number, path in enumerate(pages_of(role, ids)):
            label = path.replace(ids["case"], "{case}").replace(ids["referred_case"], "{referred case}")
            label = label.replace(ids["report"], "{report}").replace(ids["case_report"], "{case report}")
            label = label.replace(ids["person"], "{person}")
            survey.visit(page, role, f"{live_server}{path}", label, menu_seen=number > 0)
        if role == "handler":
            printed_without_navigation_or_forms(
                page, f"{live_server}/staff/cases/{ids['case']}", "#timeline", "#timeline li >> nth=0"
            )
            printed_without_navigation_or_forms(
                page, f"{live_server}/staff/reports/{ids['report']}", "#statement"
            )
        context.close()

    too_wide = {page: width for page, width in survey.widths.items() if width > PHONE["width"]}
    assert not survey.broken, f"references split over two lines: {survey.broken}"
    assert not survey.blocking, "\n".join(survey.blocking)
    assert not too_wide, f"wider than a 390 px phone: {too_wide}"
