"""The register's rules (pure): imposing a suspension or restricted duties, reviewing and lifting one,
when a review is overdue, when an HR decision falls in a reporter's detriment window, and which
separation orders end when their case closes.

Suspension is the last resort. The Police (Conduct) Regulations 2020, reg. 11, allow an
officer to be suspended only where temporary redeployment to alternative duties or an alternative
location is not appropriate, and require suspensions to be reviewed regularly (every four weeks is
the usual interval, the default here). So a suspension is refused unless the decision
maker recorded why redeployment or restricted duties were considered and are not enough.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from upstander.cases.engine.vocabulary import RestrictionKind
from upstander.errors import InvalidInput

MIN_REASONS = 20
MAX_REASONS = 4000
MAX_REVIEW_DAYS = 92  # a restriction unreviewed for more than a quarter is not being reviewed
MAX_BACKDATE_DAYS = 366

KIND_LABELS = {
    RestrictionKind.RESTRICTED_DUTIES: "restricted duties",
    RestrictionKind.SUSPENDED: "suspended",
}


class ReviewOutcome(StrEnum):
    KEPT = "kept"
    CHANGED = "changed"
    LIFTED = "lifted"


@dataclass(frozen=True)
class NewRestriction:
    kind: RestrictionKind
    category: str
    reasons: str
    redeployment_considered: str | None
    starts_on: date
    review_due: date


@dataclass(frozen=True)
class Review:
    outcome: ReviewOutcome
    reasons: str
    next_review_due: date | None
    kind: RestrictionKind  # the measure from now on (a "changed" review may change it)
    redeployment_considered: str | None = None  # set when a change makes it a suspension


def clean_text(value: str | None, field: str, what: str, *, required: bool = True) -> str | None:
    """Whitespace-collapsed text between ``MIN_REASONS`` and ``MAX_REASONS`` characters, or None."""
    text = " ".join((value or "").split())
    if not text and not required:
        return None
    if len(text) < MIN_REASONS:
        raise InvalidInput(f"Write {what} (at least {MIN_REASONS} characters).", fields={field: "too short"})
    if len(text) > MAX_REASONS:
        raise InvalidInput(
            f"{what.capitalize()} has at most {MAX_REASONS} characters.", fields={field: "too long"}
        )
    return text


def check_new_restriction(
    kind: RestrictionKind | str,
    category: str,
    categories: frozenset[str],
    reasons: str,
    redeployment_considered: str | None,
    starts_on: date | None,
    review_due: date | None,
    today: date,
    review_days: int,
) -> NewRestriction:
    """A restriction needs a known kind and category and reasons. A suspension also needs the recorded
    reasons why redeployment or restricted duties are not enough (Police (Conduct) Regulations 2020,
    reg. 11); without them it is refused. It starts today or on an earlier day (a measure already in
    place is recorded late), and its first review falls after the start and within ``MAX_REVIEW_DAYS``
    (by default ``review_days`` after the start)."""
    try:
        chosen = RestrictionKind(kind)
    except ValueError as error:
        raise InvalidInput("Choose restricted duties or suspension.", fields={"kind": "unknown"}) from error
    if category not in categories:
        raise InvalidInput(
            f"Choose the matter's category: one of {', '.join(sorted(categories))}.",
            fields={"category": "unknown"},
        )
    why = clean_text(reasons, "reasons", "the reasons for the restriction")
    considered = clean_text(
        redeployment_considered,
        "redeployment_considered",
        "why redeployment or restricted duties are not enough",
        required=chosen is RestrictionKind.SUSPENDED,
    )
    if chosen is RestrictionKind.SUSPENDED and considered is None:  # pragma: no cover - clean_text raised
        raise InvalidInput("A suspension needs the redeployment considered.")
    start = starts_on or today
    if start > today:
        raise InvalidInput(
            "A restriction is recorded when it starts, not before.", fields={"starts_on": "future"}
        )
    if start < today - timedelta(days=MAX_BACKDATE_DAYS):
        raise InvalidInput(
            "A restriction that started more than a year ago cannot be recorded now.",
            fields={"starts_on": "too old"},
        )
    due = review_due or start + timedelta(days=review_days)
    _check_review_date(due, start, "review_due")
    return NewRestriction(chosen, category, why or "", considered, start, due)


def _check_review_date(due: date, after: date, field: str) -> None:
    if due <= after:
        raise InvalidInput("The next review must fall after the day it is set.", fields={field: "too early"})
    if due > after + timedelta(days=MAX_REVIEW_DAYS):
        raise InvalidInput(
            f"The next review must fall within {MAX_REVIEW_DAYS} days.", fields={field: "too late"}
        )


def check_review(
    current: RestrictionKind,
    outcome: ReviewOutcome | str,
    reasons: str,
    next_review_due: date | None,
    today: date,
    review_days: int,
    *,
    kind: RestrictionKind | str | None = None,
    redeployment_considered: str | None = None,
) -> Review:
    """A review keeps, changes or lifts the restriction, with reasons. Kept or changed, it sets the next
    review (by default ``review_days`` on); lifted, there is none. Only a "changed" review may change
    the measure, and a change to suspension needs, as a new suspension does, the reasons redeployment
    or restricted duties are not enough (Police (Conduct) Regulations 2020, reg. 11)."""
    try:
        chosen = ReviewOutcome(outcome)
    except ValueError as error:
        raise InvalidInput(
            "The outcome is kept, changed or lifted.", fields={"outcome": "unknown"}
        ) from error
    try:
        measure = RestrictionKind(kind) if kind else current
    except ValueError as error:
        raise InvalidInput("Choose restricted duties or suspension.", fields={"kind": "unknown"}) from error
    why = clean_text(reasons, "reasons", "the reasons for the review's outcome") or ""
    if measure is not current and chosen is not ReviewOutcome.CHANGED:
        raise InvalidInput(
            "Only a review that changes the entry can change the measure.", fields={"kind": "not a change"}
        )
    considered = None
    if measure is RestrictionKind.SUSPENDED and current is not RestrictionKind.SUSPENDED:
        considered = clean_text(
            redeployment_considered,
            "redeployment_considered",
            "why redeployment or restricted duties are not enough",
        )
    if chosen is ReviewOutcome.LIFTED:
        if next_review_due is not None:
            raise InvalidInput(
                "A lifted restriction has no next review.", fields={"next_review_due": "not wanted"}
            )
        return Review(chosen, why, None, measure)
    due = next_review_due or today + timedelta(days=review_days)
    _check_review_date(due, today, "next_review_due")
    return Review(chosen, why, due, measure, considered)


def review_overdue(review_due: date, ended_on: date | None, today: date) -> bool:
    """A restriction in force whose review day has passed."""
    return ended_on is None and review_due < today


def count_label(kind: RestrictionKind, category: str) -> str:
    """The published label of one cell of the kind × category counts."""
    return f"{KIND_LABELS[kind]}: {category.replace('_', ' ')}"


# --- the detriment watch --------------------------------------------------------------------------


def within_window(reported_on: date, event_on: date, window_days: int) -> bool:
    """An HR decision about a reporter counts as possible detriment from the day of the report until
    ``window_days`` after it (EU Directive 2019/1937, art. 19, lists transfer, disciplinary measures,
    negative performance assessment and refused promotion or training as forms of retaliation)."""
    return reported_on <= event_on <= reported_on + timedelta(days=window_days)


def check_event_day(occurred_on: date, today: date) -> date:
    """An HR decision is recorded once made, and within a year of it."""
    if occurred_on > today:
        raise InvalidInput("Record an HR decision once it is made.", fields={"occurred_on": "future"})
    if occurred_on < today - timedelta(days=MAX_BACKDATE_DAYS):
        raise InvalidInput(
            "An HR decision more than a year old cannot be recorded now.", fields={"occurred_on": "too old"}
        )
    return occurred_on


# --- separation orders that end with their case ---------------------------------------------------

_ENDS_WITH_CASE = re.compile(
    r"\b(until|till|to)\b.*\b(case|investigation|proceedings)\b.*\b(close[sd]?|closure|concludes?|concluded|ends?|ended)\b"
    r"|\b(until|till)\b.*\b(closure|conclusion|end)\b.*\b(case|investigation|proceedings)\b"
)


def ends_with_case(end_condition: str) -> bool:
    """Whether an order's end condition is the closing of its case ("until the case closes", "until
    the case is closed", "until the conclusion of the investigation"), matched without regard to case."""
    return bool(_ENDS_WITH_CASE.search(" ".join(end_condition.casefold().split())))


@dataclass(frozen=True)
class RegisterFilter:
    search: str = ""
    kind: RestrictionKind | None = None
    category: str = ""
    # True: reviews overdue; False: reviews due within the week; None: either.
    overdue: bool | None = None


def parse_register_filter(
    *, search: str = "", kind: str = "", category: str = "", due: str = ""
) -> RegisterFilter:
    """The register's filters as a form or query sends them; an unknown value is named back."""
    errors: dict[str, str] = {}
    text = search.strip()
    if len(text) > 80:
        errors["q"] = "search for a staff number of at most 80 characters"
    parsed_kind = None
    if kind:
        try:
            parsed_kind = RestrictionKind(kind)
        except ValueError:
            errors["kind"] = f"choose one of {', '.join(k.value for k in RestrictionKind)}"
    if len(category) > 40 or not all(c.isalnum() or c == "_" for c in category):
        errors["category"] = "a category is a word such as bullying"
    overdue = {"": None, "overdue": True, "soon": False}.get(due, ...)
    if overdue is ...:
        errors["due"] = "choose overdue or soon"
        overdue = None
    if errors:
        raise InvalidInput("Some of the register's filters are not valid.", fields=errors)
    return RegisterFilter(text, parsed_kind, category, overdue if isinstance(overdue, bool) else None)
