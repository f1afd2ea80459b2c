"""What a handler narrows the case list to, decided on values. Pure, no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from upstander.cases.engine.owed import NOTHING_DUE
from upstander.errors import InvalidInput
from upstander.reports.models import Category
from upstander.reports.rules import DueFilter

CASE_SORTS = ("opened", "reference", "stage", "handler", "reports", "due")
CASE_DEFAULT_SORT = ("opened", True)  # newest first, as the list always was
# "Due soon" on the case list and "due this week" on the dashboard: the next seven days.
DUE_SOON_WITHIN = timedelta(days=7)


@dataclass(frozen=True)
class CaseFilter:
    search: str = ""
    stage: str = ""
    category: Category | None = None
    # `mine` is the reader's own cases; otherwise one handler's, or everyone's when None.
    handler_id: uuid.UUID | None = None
    mine: bool = False
    due: DueFilter | None = None
    unread: bool = False
    # The dashboard's "for you": cases owed a step by one of these roles, or unread by the reader.
    owed_to_or_unread: tuple[str, ...] = ()


def due_window(due: DueFilter, today: date) -> tuple[date | None, date]:
    """The first-duty dates of cases in this state today, as `[lower, upper)` on `cases.next_due_on`:
    overdue is due before today; due soon is due today or in the next seven days."""
    if due is DueFilter.OVERDUE:
        return None, today
    return today, today + DUE_SOON_WITHIN + timedelta(days=1)


class Bucket(StrEnum):
    """Where the dashboard's board puts a case, by its first duty's date."""

    OVERDUE = "overdue"
    DUE_SOON = "soon"
    LATER = "later"


def bucket_window(bucket: Bucket, today: date) -> tuple[date | None, date]:
    """The board's buckets as `[lower, upper)` on `cases.next_due_on`: overdue and due soon as the
    case list's filters say; later is every date after that, short of "nothing owed by a date"."""
    if bucket is Bucket.LATER:
        return today + DUE_SOON_WITHIN + timedelta(days=1), NOTHING_DUE
    return due_window(DueFilter(bucket.value), today)


def bucket_of(due_on: date | None, today: date) -> Bucket | None:
    """The bucket of a case whose first duty falls on `due_on` (None: nothing owed by a date)."""
    if due_on is None or due_on >= NOTHING_DUE:
        return None
    for bucket in Bucket:
        lower, upper = bucket_window(bucket, today)
        if (lower is None or due_on >= lower) and due_on < upper:
            return bucket
    return None


def parse_case_filter(
    *,
    search: str | None = None,
    stage: str | None = None,
    category: str | None = None,
    handler: str | None = None,
    due: str | None = None,
    unread: bool = False,
    for_you: tuple[str, ...] = (),
) -> CaseFilter:
    """The case list's filters as a form or query sends them; `handler` is `me` or a user's id;
    `for_you` the reader's roles when they ask for what is owed by them or unread by them."""
    errors: dict[str, str] = {}
    text = (search or "").strip()
    if len(text) > 80:
        errors["q"] = "search for a reference or a staff number of at most 80 characters"
    wanted_stage = (stage or "").strip()
    if len(wanted_stage) > 40 or not all(c.isalnum() or c == "_" for c in wanted_stage):
        errors["stage"] = "a stage is a word such as open or assessment"
    parsed_category = None
    if category:
        try:
            parsed_category = Category(category)
        except ValueError:
            errors["category"] = f"choose one of {', '.join(c.value for c in Category)}"
    handler_id, mine = None, False
    if handler == "me":
        mine = True
    elif handler:
        try:
            handler_id = uuid.UUID(handler)
        except ValueError:
            errors["handler"] = "choose me or a handler from the list"
    parsed_due = None
    if due:
        try:
            parsed_due = DueFilter(due)
        except ValueError:
            errors["due"] = f"choose one of {', '.join(d.value for d in DueFilter)}"
    if errors:
        raise InvalidInput("Some of the list's filters are not valid.", fields=errors)
    return CaseFilter(
        text, wanted_stage, parsed_category, handler_id, mine, parsed_due, unread, tuple(sorted(for_you))
    )


@dataclass(frozen=True)
class HandlerFilter:
    """Which handlers the assignment picker offers: one unit's (or those with no unit on record), by name."""

    unit_id: uuid.UUID | None = None
    no_unit: bool = False
    search: str = ""

    @property
    def unit_token(self) -> str:
        return "none" if self.no_unit else str(self.unit_id) if self.unit_id else ""


def parse_handler_filter(unit: str | None = None, search: str | None = None) -> HandlerFilter:
    """`unit` is a unit's id, `none` (no unit on record) or empty for every unit; `search` part of a name."""
    errors: dict[str, str] = {}
    unit_id, no_unit = None, False
    if unit == "none":
        no_unit = True
    elif unit:
        try:
            unit_id = uuid.UUID(unit)
        except ValueError:
            errors["handler_unit"] = "choose a unit from the list"
    text = (search or "").strip()
    if len(text) > 80:
        errors["handler_q"] = "search for part of a name of at most 80 characters"
    if errors:
        raise InvalidInput("The handler picker's filters are not valid.", fields=errors)
    return HandlerFilter(unit_id, no_unit, text)
