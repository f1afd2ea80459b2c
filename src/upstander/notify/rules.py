"""What a notification says, to whom, and how a day's notifications make one digest.

A notification carries no content: it says what kind of thing is waiting and by when, with a
link to the page where the person signs in to see it. Never a name, a reference, a category of
conduct or any text from a report or case (DESIGN.md: the mail system is outside the trust
boundary; a message that leaks to it must tell nobody anything). Nothing is ever sent to a
reporter: every recipient is a staff account.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from upstander.errors import InvalidInput


class Kind(StrEnum):
    NEW_REPORT = "new_report"
    ACKNOWLEDGEMENT_DUE_TOMORROW = "ack_due_tomorrow"
    ACKNOWLEDGEMENT_OVERDUE = "ack_overdue"
    REPORTER_ADDED_INFORMATION = "reporter_added"
    CASE_ASSIGNED = "case_assigned"
    STEP_DUE_TOMORROW = "step_due_tomorrow"
    STEP_OVERDUE = "step_overdue"
    RESTRICTION_REVIEW_DUE_TOMORROW = "restriction_review_due"
    RESTRICTION_REVIEW_OVERDUE = "restriction_review_overdue"
    INTERVENTION_FLAG_RAISED = "intervention_flag"
    DETRIMENT_ALERT = "detriment_alert"
    REFERRAL_WAITING = "referral_waiting"
    REVIEW_REQUEST_WAITING = "review_request_waiting"
    DIRECTION_GIVEN = "direction_given"


# Each sentence is fixed text with at most a date in it: no field of a report or case can reach it.
SENTENCES: dict[Kind, str] = {
    Kind.NEW_REPORT: "A new report is waiting for acknowledgement, due {due}.",
    Kind.ACKNOWLEDGEMENT_DUE_TOMORROW: "A report's acknowledgement is due tomorrow, {due}.",
    Kind.ACKNOWLEDGEMENT_OVERDUE: "A report's acknowledgement is overdue: it was due {due}.",
    Kind.REPORTER_ADDED_INFORMATION: "A reporter has added information to a report.",
    Kind.CASE_ASSIGNED: "A case has been assigned to you.",
    Kind.STEP_DUE_TOMORROW: "A step you owe on a case is due tomorrow, {due}.",
    Kind.STEP_OVERDUE: "A step you owe on a case is overdue: it was due {due}.",
    Kind.RESTRICTION_REVIEW_DUE_TOMORROW: "A review of a suspension or restricted duties is due tomorrow, {due}.",
    Kind.RESTRICTION_REVIEW_OVERDUE: "A review of a suspension or restricted duties is overdue: it was due {due}.",
    Kind.INTERVENTION_FLAG_RAISED: "An early-intervention flag has been raised and is waiting for a response.",
    Kind.DETRIMENT_ALERT: "A detriment alert has been raised and is waiting for you to look at it.",
    Kind.REFERRAL_WAITING: "A case has been referred to you: it is waiting for you to decide how it is investigated.",
    Kind.REVIEW_REQUEST_WAITING: "A request to review the outcome of a case is waiting for you.",
    Kind.DIRECTION_GIVEN: "A direction has been given on a case you handle.",
}

SUBJECT = "Upstander: something is waiting for you"
DIGEST_SUBJECT = "Upstander: what is waiting for you today"
CLOSING = "Sign in to see it. This message says only that something is waiting."

# A link is a page path with at most a UUID in it, so it names nothing either.
LINK_PATTERN = re.compile(
    r"^/staff(/[a-z][a-z-]*)+(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$"
)

REPORT_PAGE = "/staff/reports/{id}"
CASE_PAGE = "/staff/cases/{id}"
INBOX_PAGE = "/staff/inbox"
RESTRICTIONS_PAGE = "/staff/restrictions"
INTERVENTION_FLAGS_PAGE = "/staff/intervention-flags"
# The overseer and the custodian both may open this page (access.py, VIEW_DETRIMENT_ALERTS).
DETRIMENT_ALERTS_PAGE = "/staff/detriment-alerts"


def report_link(report_id: uuid.UUID) -> str:
    return REPORT_PAGE.format(id=report_id)


def case_link(case_id: uuid.UUID) -> str:
    return CASE_PAGE.format(id=case_id)


def short_date(day: date) -> str:
    """ "10 Dec": the day and the month, which is all a reminder needs."""
    return f"{day.day} {day:%b}"


def sentence(kind: Kind, due_on: date | None) -> str:
    template = SENTENCES[kind]
    if "{due}" in template:
        if due_on is None:
            raise ValueError(f"a {kind.value} notification needs its due date")
        return template.format(due=short_date(due_on))
    return template


def check_link(link: str) -> str:
    if not LINK_PATTERN.match(link):
        raise ValueError(f"a notification links to a page path with at most an id in it, not {link!r}")
    return link


@dataclass(frozen=True)
class Item:
    """One waiting thing, as a notification row holds it."""

    kind: Kind
    link: str
    due_on: date | None
    created_at: datetime


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def immediate_message(item: Item, base_url: str) -> Message:
    body = (
        f"{sentence(item.kind, item.due_on)}\n\n{base_url.rstrip('/')}{check_link(item.link)}\n\n{CLOSING}\n"
    )
    return Message(SUBJECT, body)


def digest_message(items: Sequence[Item], base_url: str) -> Message:
    """One message for a day's notifications: overdue first, then by due date, then as they came.

    The same thing waiting twice (two reminders of one report's acknowledgement) is listed once,
    under its latest sentence."""
    if not items:
        raise ValueError("a digest needs at least one item")
    latest: dict[str, Item] = {}
    for item in sorted(items, key=lambda i: i.created_at):
        latest[item.link] = item
    ordered = sorted(latest.values(), key=_digest_order)
    lines = [
        f"{len(ordered)} thing(s) are waiting for you:"
        if len(ordered) > 1
        else "One thing is waiting for you:"
    ]
    for item in ordered:
        lines.append(
            f"\n- {sentence(item.kind, item.due_on)}\n  {base_url.rstrip('/')}{check_link(item.link)}"
        )
    lines.append(f"\n{CLOSING}\n")
    return Message(DIGEST_SUBJECT, "\n".join(lines))


OVERDUE_KINDS = frozenset({Kind.ACKNOWLEDGEMENT_OVERDUE, Kind.STEP_OVERDUE, Kind.RESTRICTION_REVIEW_OVERDUE})


def _digest_order(item: Item) -> tuple[int, date, datetime]:
    return (0 if item.kind in OVERDUE_KINDS else 1, item.due_on or date.max, item.created_at)


def reminder(due_on: date, today: date) -> tuple[bool, bool]:
    """Whether a duty due on ``due_on`` is due tomorrow or overdue, seen ``today``."""
    return due_on == date.fromordinal(today.toordinal() + 1), due_on < today


class Audience(StrEnum):
    OVERSEER = "overseer"
    HANDLER = "handler"


@dataclass(frozen=True)
class StepNotice:
    kind: Kind
    to: Audience


# The steps of a case that leave something waiting for someone other than who took them: a
# referral and a reporter's review request wait for the overseer (Police Reform Act 2002, Schedule 3,
# paragraphs 4, 13 and 25), and the overseer's directions wait for the case's handler (paragraph 27).
STEP_NOTICES: dict[str, StepNotice] = {
    "overseer_referral_made": StepNotice(Kind.REFERRAL_WAITING, Audience.OVERSEER),
    "review_requested": StepNotice(Kind.REVIEW_REQUEST_WAITING, Audience.OVERSEER),
    "review_directed": StepNotice(Kind.DIRECTION_GIVEN, Audience.HANDLER),
    "reinvestigation_directed": StepNotice(Kind.DIRECTION_GIVEN, Audience.HANDLER),
}


def step_notice(step_kind: str) -> StepNotice | None:
    """Whom a stored case step tells, and with which sentence; None for the steps that tell nobody."""
    return STEP_NOTICES.get(step_kind)


def dedupe_key(kind: Kind, link: str, due_on: date | None) -> str:
    """The same reminder is written once a person: a kind, a thing, a due day (an overdue reminder
    is sent once, not every day the duty stays overdue)."""
    return f"{kind.value}:{link}:{due_on.isoformat() if due_on else ''}"


# The same pattern is the API's schema for the field, so it names its characters rather than \s,
# whose meaning differs between Python's and JSON Schema's regular expressions.
ADDRESS_PATTERN = re.compile(r"^[^@ \t\n\r\f\v]+@[^@ \t\n\r\f\v]+\.[^@ \t\n\r\f\v]+$")


def validate_choice(address: str, mode: str) -> tuple[str, bool]:
    """An e-mail address and "immediate" or "daily"; a clear message for anything else."""
    fields = {}
    if len(address) > 254 or not ADDRESS_PATTERN.match(address):
        fields["address"] = "an e-mail address such as name@example.org"
    if mode not in {"immediate", "daily"}:
        fields["mode"] = "immediate or daily"
    if fields:
        raise InvalidInput("The notification settings could not be saved.", fields=fields)
    return address, mode == "daily"


def everyone(groups: Iterable[Iterable[uuid.UUID]], leaving_out: uuid.UUID | None = None) -> list[uuid.UUID]:
    """The people of several groups, once each, without the one who caused it."""
    seen: dict[uuid.UUID, None] = {}
    for group in groups:
        for person in group:
            if person != leaving_out:
                seen.setdefault(person, None)
    return list(seen)
