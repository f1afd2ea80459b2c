"""The assignment screen as people meet it: a conflicted investigator is not offered to a handler,
the reason is on the page, and a decision maker appoints them only with written reasons."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, expect

from browser.test_case_journey import Choose, Desks
from common.cases import CaseWalk
from common.clock import FakeClock
from common.safeguarding import build_force, post
from common.staff import Staff
from upstander.accounts.models import Role, User
from upstander.org.models import Person
from upstander.services import Services

pytestmark = pytest.mark.browser

REASON = "Investigator works in Response North Team A with the subject, Gareth Example (NS04242)."


@pytest.fixture
def desks(browser: Browser, live_server: str, clock: FakeClock) -> Iterator[Desks]:
    opened = Desks(browser, live_server, clock)
    yield opened
    opened.close()


def test_the_assignment_screen_shows_the_excluded_investigator_and_why(
    desks: Desks, client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    build_force(services)
    walk = CaseWalk(client, staff, services, clock)
    staff.user("free-investigator", [Role.INVESTIGATOR])
    post(services, "NS04242", "RN-A", "day")
    post(services, "NS00001", "RN-A", "day")
    with services.database.transaction() as session:
        anna = session.query(Person).filter_by(staff_number="NS00001").one()
        session.get_one(User, walk.investigator.user_id).person_id = anna.id
    walk.assessed("misconduct")
    path = f"/staff/cases/{walk.case_id}"

    handler = desks.new()
    handler.sign_in(walk.handler, path)
    step = handler.step("assign_investigator")
    step.locator("summary").click()
    options = step.get_by_label("The investigator").locator("option")
    expect(options).to_have_text(["Choose…", "Free-Investigator"])
    expect(step.locator("#excluded-investigators")).to_contain_text(REASON)
    expect(step.get_by_label("To appoint one of them all the same", exact=False)).to_have_count(0)

    dm = desks.new()
    dm.sign_in(walk.dm, path)
    dm.attempt(
        "assign_investigator",
        "Appoint the investigator",
        {"The investigator": Choose("Investigator (conflict of interest)")},
    )
    expect(dm.page.locator("#step-error")).to_contain_text("has a conflict of interest with this case")
    # The refused step comes back open, with the choice kept; the decision maker gives reasons.
    form = dm.step("assign_investigator").locator("form")
    expect(form.get_by_label("The investigator")).to_have_value(str(walk.investigator.user_id))
    form.get_by_label("To appoint one of them all the same").fill(
        "The only investigator trained for this inquiry this quarter."
    )
    form.get_by_role("button", name="Appoint the investigator", exact=True).click()
    expect(dm.page.get_by_role("status")).to_contain_text("Done")
    expect(dm.status).to_have_text("under investigation")
    expect(dm.timeline.last).to_contain_text("Investigator appointed")

    overseer = desks.new()
    overseer.sign_in(walk.overseer, "/staff/oversight")
    expect(overseer.page.locator("#assignment-overrides")).to_contain_text("The only investigator trained")
    expect(overseer.page.locator("#assignment-overrides")).to_contain_text(REASON)


def test_a_representative_meets_an_unconsented_case_as_not_found(
    desks: Desks, client: TestClient, staff: Staff, services: Services, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    rep = staff.user("rep", [Role.REPRESENTATIVE])
    desk = desks.new()
    desk.sign_in(rep, "/staff/represented")
    expect(desk.page.locator("main")).to_contain_text("No member has consented to you on a case.")
    response = desk.page.goto(f"{desk.base}/staff/represented/{walk.case_id}")
    assert response is not None
    assert response.status == 404
