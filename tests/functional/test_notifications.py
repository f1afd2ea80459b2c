"""Notifications: written with their cause, sent by SMTP to a real server, never with content."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from common import staff as staff_module
from common.cases import CaseWalk
from common.clock import PACK_ZONE, FakeClock
from common.mailbox import Mailbox, assert_content_free, body, smtp_server
from common.reports import named, report_json, submission
from common.safeguarding import build_force
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.cases.models import Case
from upstander.config import Settings
from upstander.db import Database
from upstander.notify.models import Delivery, Notification
from upstander.org.models import Person
from upstander.reports.events import ReportStored
from upstander.reports.models import Category, Report
from upstander.reports.rules import CATEGORY_LABELS, Identity, SubjectInput
from upstander.services import Services, build_services

WHAT_HAPPENED = "Sergeant Quill shouted at the probationer in the parade room on Tuesday."
SUBJECT_NAME = "Sergeant Quill"
REPORTER_NAME = "Kim Rowe"


class SubscriberFailed(Exception):
    pass


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def mail_settings(settings: Settings, mailbox: Mailbox) -> Settings:
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": mailbox.port,
            "smtp_starttls": False,
            "public_base_url": "https://upstander.example.org",
        }
    )


@pytest.fixture
def services(mail_settings: Settings, database: Database, clock: FakeClock) -> Services:
    return build_services(mail_settings, database, clock)


def _address(user: staff_module.TestUser) -> str:
    return f"{user.username}@force.example.org"


def _team(staff: Staff, services: Services, digest: tuple[str, ...] = ()) -> dict[str, staff_module.TestUser]:
    team = {
        "first": staff.user("first", [Role.HANDLER]),
        "second": staff.user("second", [Role.HANDLER]),
        "overseer": staff.user("overseer", [Role.OVERSEER]),
    }
    for name, user in team.items():
        mode = "daily" if name in digest else "immediate"
        services.notify.choose(staff.principal(user), _address(user), mode)
    return team


def _report(services: Services) -> uuid.UUID:
    return services.reports.submit(
        submission(
            WHAT_HAPPENED,
            category=Category.SEXUAL_HARASSMENT,
            identity=named(REPORTER_NAME),
            subjects=(SubjectInput(name=SUBJECT_NAME, unit="Response B"),),
        )
    ).report_id


def _forbidden(services: Services) -> list[str]:
    with services.database.transaction() as session:
        references = list(session.scalars(select(Report.reference)))
    labels = [label for category, label in CATEGORY_LABELS.items() if category != Category.OTHER]
    categories = [c.value.replace("_", " ") for c in Category if c != Category.OTHER]
    return [
        WHAT_HAPPENED,
        SUBJECT_NAME,
        "Quill",
        REPORTER_NAME,
        "Rowe",
        "Response B",
        "First",
        "Second",
        "Overseer",
        *references,
        *labels,
        *categories,
        "sexual",
    ]


def _count(services: Services, **where: object) -> int:
    with services.database.transaction() as session:
        query = select(func.count()).select_from(Notification).filter_by(**where)
        return session.scalar(query) or 0


def test_a_new_report_tells_the_intake_team_what_is_waiting_and_by_when_and_nothing_else(
    services: Services, staff: Staff, mailbox: Mailbox, clock: FakeClock
) -> None:
    team = _team(staff, services)
    report_id = _report(services)

    assert services.notify.sweep() == 2
    messages = mailbox.messages()
    assert sorted(m["To"] for m in messages) == sorted([_address(team["first"]), _address(team["second"])])
    due = (clock.now + timedelta(days=7)).astimezone(PACK_ZONE)
    expected = f"A new report is waiting for acknowledgement, due {due.day} {due:%b}."
    for message in messages:
        assert body(message).startswith(expected)
        assert f"https://upstander.example.org/staff/reports/{report_id}" in body(message)
    assert_content_free(messages, _forbidden(services))
    assert services.notify.sweep() == 0
    assert len(mailbox.messages()) == 2


def test_a_report_rolled_back_sends_nothing(services: Services, staff: Staff, mailbox: Mailbox) -> None:
    _team(staff, services)

    def fail(_session: Session, _event: object) -> None:
        raise SubscriberFailed

    services.events.subscribe(ReportStored, fail)
    with pytest.raises(SubscriberFailed):
        _report(services)

    assert _count(services) == 0
    assert services.notify.sweep() == 0
    assert mailbox.messages() == []


def test_what_a_reporter_adds_tells_the_intake_team_and_once_in_a_case_its_handler_only(
    services: Services, staff: Staff, mailbox: Mailbox
) -> None:
    team = _team(staff, services)
    submitted = services.reports.submit(submission(WHAT_HAPPENED, identity=named(REPORTER_NAME)))
    services.notify.sweep()
    follow_up = services.follow_up
    reporter = follow_up.reporter_session(follow_up.reporter_sign_in(submitted.receipt_key).bearer)

    follow_up.reporter_add(reporter, "Quill did it again last night, in front of Rowe.")
    services.notify.sweep()
    added = [m for m in mailbox.messages() if "added information" in body(m)]
    assert sorted(m["To"] for m in added) == sorted([_address(team["first"]), _address(team["second"])])

    case = services.cases.open_case(staff.principal(team["first"]), [submitted.report_id])
    follow_up.reporter_add(reporter, "And once more.")
    services.notify.sweep()
    added = [m for m in mailbox.messages() if "added information" in body(m)]
    assert [m["To"] for m in added[2:]] == [_address(team["first"])]
    assert f"/staff/cases/{case.id}" in body(added[2])
    assert_content_free(mailbox.messages(), [*_forbidden(services), "again", "once more", case.reference])


def test_a_case_assigned_tells_its_new_handler_and_not_the_one_who_assigned_it(
    services: Services, staff: Staff, mailbox: Mailbox
) -> None:
    team = _team(staff, services)
    report_id = _report(services)
    services.notify.sweep()
    before = len(mailbox.messages())

    case = services.cases.open_case(staff.principal(team["first"]), [report_id], team["second"].user_id)
    services.notify.sweep()

    assigned = mailbox.messages()[before:]
    assert [m["To"] for m in assigned] == [_address(team["second"])]
    assert body(assigned[0]).startswith("A case has been assigned to you.")
    assert_content_free(assigned, [*_forbidden(services), case.reference])


def test_the_daily_check_reminds_of_an_acknowledgement_due_tomorrow_then_overdue_once_each(
    services: Services, staff: Staff, mailbox: Mailbox, clock: FakeClock
) -> None:
    team = _team(staff, services)
    _report(services)
    services.notify.sweep()
    due = (clock.now + timedelta(days=7)).astimezone(PACK_ZONE).date()

    clock.move_to(due - timedelta(days=1))
    services.notify.check_due_work()
    services.notify.check_due_work()  # the same reminder is written once
    services.notify.sweep()
    tomorrow = [m for m in mailbox.messages() if "due tomorrow" in body(m)]
    assert sorted(m["To"] for m in tomorrow) == sorted([_address(team["first"]), _address(team["second"])])
    assert f"due tomorrow, {due.day} {due:%b}" in body(tomorrow[0])

    clock.move_to(due + timedelta(days=1))
    services.notify.check_due_work()
    clock.move_to(due + timedelta(days=2))
    services.notify.check_due_work()  # overdue is said once, not every day
    services.notify.sweep()
    overdue = [m for m in mailbox.messages() if "overdue" in body(m)]
    assert len(overdue) == 2
    assert f"overdue: it was due {due.day} {due:%b}" in body(overdue[0])
    assert_content_free(mailbox.messages(), _forbidden(services))


def test_the_daily_check_reminds_a_handler_of_a_step_they_owe(
    services: Services, staff: Staff, mailbox: Mailbox, clock: FakeClock
) -> None:
    team = _team(staff, services)
    report_id = _report(services)
    case = services.cases.open_case(staff.principal(team["first"]), [report_id], team["second"].user_id)
    line = next(line for line in services.dashboard.everything().cases if line.case_id == case.id)
    assert line.next_due is not None
    step_due = line.next_due.due_on
    services.notify.sweep()
    before = len(mailbox.messages())

    if step_due - timedelta(days=1) > clock.today():
        clock.move_to(step_due - timedelta(days=1))
    services.notify.check_due_work()
    services.notify.sweep()

    owed = [m for m in mailbox.messages()[before:] if "A step you owe" in body(m)]
    assert [m["To"] for m in owed] == [_address(team["second"])]
    assert f"/staff/cases/{case.id}" in body(owed[0])
    assert_content_free(mailbox.messages(), [*_forbidden(services), case.reference])


def test_the_daily_check_reminds_those_who_record_restrictions_of_a_review_due(
    services: Services, staff: Staff, mailbox: Mailbox, clock: FakeClock
) -> None:
    _team(staff, services)
    welfare = staff.user("welfare", [Role.WELFARE])
    decision = staff.user("decider", [Role.DECISION_MAKER])
    for user in (welfare, decision):
        services.notify.choose(staff.principal(user), _address(user), "immediate")
    staff_number, person = next(iter(build_force(services).items()))
    reasons = "Allegation of sexual misconduct towards a member of the public, Quill."
    entry = services.register.impose(
        staff.principal(welfare), person, "restricted_duties", "sexual_misconduct", reasons
    )

    clock.move_to(entry.review_due - timedelta(days=1))
    services.notify.check_due_work()
    clock.move_to(entry.review_due + timedelta(days=1))
    services.notify.check_due_work()
    services.notify.sweep()

    reviews = [m for m in mailbox.messages() if "review of a suspension" in body(m)]
    assert sorted(m["To"] for m in reviews) == sorted([_address(welfare), _address(decision)] * 2)
    assert sum("due tomorrow" in body(m) for m in reviews) == 2
    assert sum("overdue" in body(m) for m in reviews) == 2
    assert_content_free(mailbox.messages(), [*_forbidden(services), reasons, staff_number, entry.reference])


def test_a_daily_digest_gathers_a_persons_notifications_into_one_message(
    services: Services, staff: Staff, mailbox: Mailbox
) -> None:
    team = _team(staff, services, digest=("second",))
    _report(services)
    _report(services)
    services.notify.sweep()
    assert [m["To"] for m in mailbox.messages()].count(_address(team["second"])) == 0

    assert services.notify.send_digests() == 1
    digests = mailbox.to(_address(team["second"]))
    assert len(digests) == 1
    assert digests[0]["Subject"] == "Upstander: what is waiting for you today"
    assert body(digests[0]).count("A new report is waiting for acknowledgement") == 2
    assert services.notify.send_digests() == 0
    assert len(mailbox.to(_address(team["first"]))) == 2
    assert_content_free(mailbox.messages(), _forbidden(services))


def test_without_a_mail_server_notifications_are_held_and_said_in_the_log(
    settings: Settings, database: Database, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    services = build_services(settings, database, clock)
    staff = Staff(services, clock)
    handler = staff.handler()
    staff.overseer()
    services.notify.choose(staff.principal(handler), _address(handler), "immediate")
    _report(services)

    with caplog.at_level(logging.WARNING, logger="upstander.notify"):
        assert services.notify.sweep() == 1
    assert "no mail server is set (UPSTANDER_SMTP_HOST)" in caplog.text
    assert _count(services, delivery=Delivery.HELD) == 1
    assert services.notify.sweep() == 0


def test_nothing_is_ever_sent_to_a_reporter(services: Services, staff: Staff, mailbox: Mailbox) -> None:
    team = _team(staff, services)
    submitted = services.reports.submit(submission(WHAT_HAPPENED, identity=named(REPORTER_NAME)))
    handler = staff.principal(team["first"])
    services.handling.acknowledge(handler, submitted.report_id)
    services.notify.sweep()

    staff_addresses = {_address(user) for user in team.values()}
    assert {m["To"] for m in mailbox.messages()} <= staff_addresses
    with services.database.transaction() as session:
        recipients = set(session.scalars(select(Notification.recipient_id)))
    assert recipients <= {user.user_id for user in team.values()}


def _listening(services: Services, staff: Staff, *users: staff_module.TestUser) -> None:
    for user in users:
        services.notify.choose(staff.principal(user), _address(user), "immediate")


def _saying(mailbox: Mailbox, sentence: str) -> list[str]:
    """Who received a message starting with this sentence, in order."""
    return sorted(m["To"] for m in mailbox.messages() if body(m).startswith(sentence))


# What a case walked through the process must never let out, besides the common forbidden words.
def _walk_forbidden(services: Services, walk: CaseWalk, *texts: str) -> list[str]:
    with services.database.transaction() as session:
        case_reference = session.get_one(Case, uuid.UUID(walk.case_id)).reference
    return [
        *_forbidden(services),
        case_reference,
        report_json()["what_happened"],
        "Northgate",
        "Sgt Example",
        "PC Example",
        "Gareth",
        "NS04242",
        "Handler",
        "Decision",
        "Investigator",
        "misconduct",
        "harassment",
        *texts,
    ]


def test_a_referral_waits_for_the_overseer_and_says_so_to_the_overseer_only(
    client: TestClient, services: Services, staff: Staff, mailbox: Mailbox, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock, category="sexual_misconduct")
    _listening(services, staff, walk.handler, walk.dm, walk.overseer)
    walk.assessed("gross_misconduct", facts=["serious_sexual_offence"])
    reasons = "A serious sexual offence by Sgt Example is alleged."
    walk.step(walk.handler, "refer_to_overseer", reasons=reasons)
    services.notify.sweep()

    sentence = "A case has been referred to you: it is waiting for you to decide how it is investigated."
    assert _saying(mailbox, sentence) == [_address(walk.overseer)]
    [referral] = [m for m in mailbox.messages() if body(m).startswith(sentence)]
    assert f"https://upstander.example.org/staff/cases/{walk.case_id}" in body(referral)
    assert_content_free(mailbox.messages(), _walk_forbidden(services, walk, reasons, "serious"))


def test_a_reporters_request_for_review_waits_for_the_overseer(
    client: TestClient, services: Services, staff: Staff, mailbox: Mailbox, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    _listening(services, staff, walk.handler, walk.dm, walk.dm2, walk.overseer)
    walk.assessed("no_case_to_answer")
    summary = "The remark, as you describe it, is not misconduct under the standards."
    walk.step(
        walk.dm,
        "propose_closure",
        closure="no_case_to_answer",
        reasons="Not misconduct.",
        reporter_summary=summary,
    )
    walk.step(walk.dm2, "confirm_closure")
    grounds = "Nobody spoke to the witnesses at Northgate."
    asked = client.post(
        "/api/v1/reporter/steps/request_review", headers=walk.reporter_headers(), json={"text": grounds}
    )
    assert asked.status_code == 204, asked.text
    services.notify.sweep()

    sentence = "A request to review the outcome of a case is waiting for you."
    assert _saying(mailbox, sentence) == [_address(walk.overseer)]
    assert_content_free(mailbox.messages(), _walk_forbidden(services, walk, summary, grounds, "witnesses"))


def test_a_direction_of_the_overseer_tells_the_cases_handler_and_nobody_else(
    client: TestClient, services: Services, staff: Staff, mailbox: Mailbox, clock: FakeClock
) -> None:
    walk = CaseWalk(client, staff, services, clock)
    _listening(services, staff, walk.handler, walk.dm, walk.overseer, walk.investigator)
    walk.investigated("misconduct")
    direction = "The investigation did not interview the two witnesses named in the report."
    walk.step(walk.overseer, "direct_review", reasons=direction)
    walk.step(walk.handler, "answer_direction", reasons="The witnesses are being interviewed this week.")
    walk.step(walk.investigator, "submit_investigation_report", summary="No witness supports it.")
    walk.step(walk.overseer, "direct_reinvestigation", reasons=direction)
    services.notify.sweep()

    sentence = "A direction has been given on a case you handle."
    assert _saying(mailbox, sentence) == [_address(walk.handler)] * 2
    assert_content_free(mailbox.messages(), _walk_forbidden(services, walk, direction, "witness", "review"))


def test_a_raised_early_intervention_flag_tells_the_decision_makers_once_a_raising(
    services: Services, staff: Staff, mailbox: Mailbox, clock: FakeClock
) -> None:
    team = _team(staff, services)
    decider = staff.user("decider", [Role.DECISION_MAKER])
    _listening(services, staff, decider)
    with services.database.transaction() as session:
        session.add(
            Person(staff_number="NS08001", given_name="Daniel", family_name="Whitcombe", rank="Sergeant")
        )
    named_subject = (SubjectInput(name=SUBJECT_NAME, staff_number="NS08001"),)
    for category in (
        Category.SEXUAL_HARASSMENT,
        Category.BULLYING,
        Category.DOMESTIC_ABUSE,
        Category.SEXUAL_HARASSMENT,
    ):
        clock.advance(days=600)
        services.reports.submit(submission(WHAT_HAPPENED, category=category, subjects=named_subject))
    services.notify.sweep()

    # The third report raises the flag; the fourth joins it, which tells nobody again.
    sentence = "An early-intervention flag has been raised and is waiting for a response."
    assert _saying(mailbox, sentence) == [_address(decider)]
    [flagged] = [m for m in mailbox.messages() if body(m).startswith(sentence)]
    assert "https://upstander.example.org/staff/intervention-flags" in body(flagged).splitlines()
    assert not [m for m in mailbox.to(_address(team["first"])) if "early-intervention" in body(m)]
    assert_content_free(
        mailbox.messages(),
        [*_forbidden(services), "Daniel", "Whitcombe", "NS08001", "Decider", "domestic", "five"],
    )


def test_a_detriment_alert_tells_the_overseer_and_the_custodian_only(
    services: Services, staff: Staff, mailbox: Mailbox
) -> None:
    team = _team(staff, services)
    custodian = staff.user("custodian", [Role.CUSTODIAN])
    hr = staff.user("hr", [Role.HR])
    decider = staff.user("decider", [Role.DECISION_MAKER])
    _listening(services, staff, custodian, hr, decider)
    build_force(services)
    reporter = Identity(name="Cara Lind", staff_number="NS00003", contact="07700 900123")
    services.reports.submit(submission(WHAT_HAPPENED, identity=reporter))
    details = "Written warning for lateness, given to Lind."
    services.detriment.record_event(staff.principal(hr), "NS00004", "disciplinary_action", None, details)
    services.notify.sweep()
    sentence = "A detriment alert has been raised and is waiting for you to look at it."
    assert _saying(mailbox, sentence) == []

    services.detriment.record_event(staff.principal(hr), "NS00003", "disciplinary_action", None, details)
    services.notify.sweep()

    assert _saying(mailbox, sentence) == sorted([_address(team["overseer"]), _address(custodian)])
    for message in mailbox.messages():
        if body(message).startswith(sentence):
            assert "https://upstander.example.org/staff/detriment-alerts" in body(message).splitlines()
    assert_content_free(
        mailbox.messages(),
        [
            *_forbidden(services),
            "Cara",
            "Lind",
            "NS00003",
            "NS00004",
            details,
            "disciplinary",
            "warning",
            "Custodian",
            "Decider",
        ],
    )


# SQLite has no shared queue: there the outbox rows are the jobs (test_workers.py runs them in process).
@pytest.mark.parametrize("backend", ["postgresql"])
def test_on_postgresql_the_delivery_job_is_deferred_in_the_transaction_of_its_cause(
    services: Services, staff: Staff, mailbox: Mailbox, clock: FakeClock
) -> None:
    from upstander.notify.jobs import Jobs

    _team(staff, services)

    def fail(_session: Session, _event: object) -> None:
        raise SubscriberFailed

    with services.database.transaction() as session:
        session.execute(text("DELETE FROM procrastinate_jobs"))
    _report(services)
    services.events.subscribe(ReportStored, fail)
    with pytest.raises(SubscriberFailed):
        _report(services)
    with services.database.transaction() as session:
        jobs = session.execute(text("SELECT task_name, status FROM procrastinate_jobs")).all()
    assert jobs == [("notify.deliver", "todo"), ("notify.deliver", "todo")]

    worker = Jobs(services.settings, lambda settings: build_services(settings, clock=clock))
    # In a thread of its own, as in `serve`: a browser test earlier on this worker leaves
    # Playwright's event loop running in the main thread.
    thread = threading.Thread(
        target=worker.run, kwargs={"until_empty": True, "install_signal_handlers": False}
    )
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert len(mailbox.messages()) == 2
    with services.database.transaction() as session:
        assert session.scalar(text("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'")) == 0
