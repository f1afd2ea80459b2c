"""Intake rules: what a report must contain, its limits, and the reporter's clocks. Pure, no I/O.

The clocks follow the EU Whistleblower Directive 2019/1937, art. 9(1)(b) and (f): acknowledge
within seven days; give feedback within three months of the acknowledgement (or, if none was
sent, of the end of those seven days).
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal

from upstander.errors import InvalidInput, PayloadTooLarge
from upstander.i18n import babel_locale, gettext, lazy_gettext, ngettext
from upstander.reports.models import Category, Channel, ReporterRelation, ReportStatus

ACKNOWLEDGE_WITHIN = timedelta(days=7)
FEEDBACK_MONTHS = 3
DUE_SOON = timedelta(days=2)
LOCAL_ZONE = ZoneInfo("Europe/London")
REFERENCE_ALPHABET = "23456789BCDFGHJKMNPQRSTVWXZ"
# A double click or a retry after a dropped connection comes within seconds; the next person at a
# shared computer pressing Back comes later, and must not be shown the first person's receipt key.
RECEIPT_SHOWN_AGAIN_WITHIN = timedelta(minutes=2)

# RFC 9110 §8.3.1: media-type = type "/" subtype parameters, with token (_TCHARS) and quoted-string
# as in §5.6.2 and §5.6.4, restricted to ASCII (obs-text is refused) so that no line break or other
# byte that could split or break a response header ever gets in.
_TCHARS = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_QUOTED_STRING = r'"(?:[\t !#-\[\]-~]|\\[\t -~])*"'
MEDIA_TYPE = re.compile(
    rf"{_TCHARS}/{_TCHARS}(?:[ \t]*;[ \t]*(?:{_TCHARS}=(?:{_TCHARS}|{_QUOTED_STRING}))?)*", re.ASCII
)

CATEGORY_LABELS: dict[Category, str] = {
    Category.SEXUAL_MISCONDUCT: lazy_gettext("Sexual misconduct or assault"),
    Category.SEXUAL_HARASSMENT: lazy_gettext("Sexual harassment"),
    Category.DISCRIMINATION: lazy_gettext("Racism or other discrimination"),
    Category.BULLYING: lazy_gettext("Bullying"),
    Category.ABUSE_OF_POSITION: lazy_gettext("Abuse of position"),
    Category.CORRUPTION: lazy_gettext("Corruption"),
    Category.DRINK_DRUG_DRIVING: lazy_gettext("Drink or drug driving"),
    Category.DOMESTIC_ABUSE: lazy_gettext("Domestic abuse"),
    Category.OTHER: lazy_gettext("Something else"),
}

STATUS_FOR_REPORTER: dict[ReportStatus, str] = {
    ReportStatus.RECEIVED: lazy_gettext(
        "Received. It has been stored safely and is waiting to be read by the professional standards team."
    ),
    ReportStatus.ACKNOWLEDGED: lazy_gettext(
        "Acknowledged. The professional standards team has read your report."
    ),
    ReportStatus.IN_CASE: lazy_gettext("Being dealt with. Your report is part of an open case."),
    ReportStatus.CLOSED: lazy_gettext("Closed. The outcome and the reasons are in the messages below."),
}


@dataclass(frozen=True)
class Limits:
    max_text_chars: int
    max_short_text_chars: int
    max_subjects: int
    max_files: int
    max_file_bytes: int


@dataclass(frozen=True)
class SubjectInput:
    """Someone the report is about: a picked staff record, or a description, or both."""

    person_id: uuid.UUID | None = None
    name: str = ""
    staff_number: str = ""
    unit: str = ""

    @property
    def is_empty(self) -> bool:
        return self.person_id is None and not (
            self.name.strip() or self.staff_number.strip() or self.unit.strip()
        )


@dataclass(frozen=True)
class FileInput:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Identity:
    """A named reporter's details: sealed to the custodian, never shown to handlers by default."""

    name: str
    staff_number: str = ""
    contact: str = ""


@dataclass(frozen=True)
class AboutMe:
    """Optional, self-declared, for equality monitoring only: so that "complaints by women are
    dismissed more often" can be seen or refuted. Kept with the complaint, never with a name."""

    sex: str = ""
    ethnicity: str = ""
    age: int | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.sex.strip() or self.ethnicity.strip() or self.age is not None)


@dataclass(frozen=True)
class Submission:
    category: Category
    what_happened: str
    relation: ReporterRelation
    when: str = ""
    where: str = ""
    subjects: tuple[SubjectInput, ...] = ()
    identity: Identity | None = None
    files: tuple[FileInput, ...] = field(default_factory=tuple)
    about_me: AboutMe | None = None

    @property
    def anonymous(self) -> bool:
        return self.identity is None


def _check_length(errors: dict[str, str], name: str, value: str, limit: int, label: str) -> None:
    if len(value) > limit:
        errors[name] = gettext("%(label)s is too long: %(length)s characters, the limit is %(limit)s.") % {
            "label": label,
            "length": format_decimal(len(value), locale=babel_locale()),
            "limit": format_decimal(limit, locale=babel_locale()),
        }


def validate_submission(submission: Submission, limits: Limits) -> None:
    """Every problem at once, each under the field it concerns, so nothing typed has to be re-entered twice."""
    errors: dict[str, str] = {}
    if not submission.what_happened.strip():
        errors["what_happened"] = gettext("Please say what happened. A few words are enough to start.")
    _check_length(
        errors, "what_happened", submission.what_happened, limits.max_text_chars, gettext("What happened")
    )
    _check_length(errors, "when", submission.when, limits.max_short_text_chars, gettext("When"))
    _check_length(errors, "where", submission.where, limits.max_short_text_chars, gettext("Where"))
    if len(submission.subjects) > limits.max_subjects:
        errors["subjects"] = gettext(
            "A report can name at most %(count)s people; add more in a message later."
        ) % {"count": limits.max_subjects}
    for index, subject in enumerate(submission.subjects):
        for name, value in (
            ("name", subject.name),
            ("staff_number", subject.staff_number),
            ("unit", subject.unit),
        ):
            _check_length(
                errors, f"subjects.{index}.{name}", value, limits.max_short_text_chars, gettext("This detail")
            )
    if submission.identity is not None:
        if not submission.identity.name.strip():
            errors["identity.name"] = gettext(
                "To report in your name, give your name — or choose to stay anonymous."
            )
        for name, value in (
            ("name", submission.identity.name),
            ("staff_number", submission.identity.staff_number),
            ("contact", submission.identity.contact),
        ):
            _check_length(
                errors, f"identity.{name}", value, limits.max_short_text_chars, gettext("This detail")
            )
    if len(submission.files) > limits.max_files:
        errors["files"] = gettext(
            "At most %(count)s files can be sent at once; send the rest in a message later."
        ) % {"count": limits.max_files}
    about = submission.about_me
    if about is not None:
        _check_length(errors, "about_me.sex", about.sex, 80, gettext("This answer"))
        _check_length(errors, "about_me.ethnicity", about.ethnicity, 80, gettext("This answer"))
        if about.age is not None and not 16 <= about.age <= 90:
            errors["about_me.age"] = gettext("Give an age between 16 and 90, or leave it empty.")
    empty = [file.filename for file in submission.files if not file.data]
    if empty:
        errors["files"] = gettext("The file “%(name)s” is empty. Choose it again, or leave it out.") % {
            "name": empty[0]
        }
    if errors:
        raise InvalidInput(
            gettext("Some of the report needs correcting before it can be sent."), fields=errors
        )
    check_files(submission.files, limits)


def media_type_problem(declared: str) -> str | None:
    """What is wrong with a declared content type, or None if it is an RFC 9110 media type.

    The declared type is only checked, never trusted: what a file is, and how it is served, is
    decided from its bytes.
    """
    if "\r" in declared or "\n" in declared:
        return "a content type cannot contain a line break"
    if not declared.isascii():
        return "a content type can only contain ASCII characters"
    if not MEDIA_TYPE.fullmatch(declared):
        return "a content type has the form type/subtype, such as text/plain or image/jpeg"
    return None


def check_files(files: tuple[FileInput, ...], limits: Limits) -> None:
    for file in files:
        problem = media_type_problem(file.content_type)
        if problem is not None:
            raise InvalidInput(
                f"The file {file.filename!r} was sent with a content type that is not valid: {problem}. "
                "Please choose the file again.",
                fields={"files": "content type not valid"},
            )
        if len(file.data) > limits.max_file_bytes:
            raise PayloadTooLarge(
                f"The file {file.filename!r} is {len(file.data) / 1_048_576:.1f} MB; "
                f"the limit is {limits.max_file_bytes / 1_048_576:.0f} MB per file."
            )
        if not file.data:
            raise InvalidInput(
                gettext("The file “%(name)s” is empty.") % {"name": file.filename},
                fields={"files": "empty file"},
            )


def validate_message(text: str, files: tuple[FileInput, ...], limits: Limits) -> None:
    if not text.strip() and not files:
        raise InvalidInput(gettext("Please write a message or add a file."), fields={"text": "empty message"})
    errors: dict[str, str] = {}
    _check_length(errors, "text", text, limits.max_text_chars, gettext("The message"))
    if len(files) > limits.max_files:
        errors["files"] = gettext("At most %(count)s files can be sent at once.") % {
            "count": limits.max_files
        }
    if errors:
        raise InvalidInput(gettext("The message needs correcting before it can be sent."), fields=errors)
    check_files(files, limits)


def receipt_may_be_shown_again(first_sent_at: datetime, now: datetime) -> bool:
    """Whether the report form's one-time token may still answer with the receipt it was given.

    Only a retry of the same send (double click, reload, lost connection) gets the receipt again;
    after that the token is spent, and sending the form again is refused rather than shown a
    receipt key that belongs to whoever sent it first.
    """
    return timedelta(0) <= now - first_sent_at <= RECEIPT_SHOWN_AGAIN_WITHIN


def receipt_key_length_problem(symbols_typed: int, symbols_in_a_key: int) -> str | None:
    """What to tell someone whose receipt key is too short or too long, or None if its length is right.

    A key of the wrong length is a copying slip (a group left out, two typed twice), not a mistyped
    character, so it gets its own words: "check each character" would send them looking in vain.
    """
    if symbols_typed == symbols_in_a_key:
        return None
    return ngettext(
        "A receipt key has %(expected)s letters and numbers, in groups of four (the dashes do not "
        "count). What you typed has %(num)s. Check that you have copied all of it, once.",
        "A receipt key has %(expected)s letters and numbers, in groups of four (the dashes do not "
        "count). What you typed has %(num)s. Check that you have copied all of it, once.",
        symbols_typed,
    ) % {"expected": symbols_in_a_key, "num": symbols_typed}


def new_reference(prefix: str = "R") -> str:
    """A short reference safe to read aloud (no vowels, so no words; no 0/O or 1/I confusion)."""
    return prefix + "-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(7))


def acknowledgement_due(received_at: datetime) -> datetime:
    """Directive 2019/1937 art. 9(1)(b): acknowledge receipt within seven days."""
    return received_at + ACKNOWLEDGE_WITHIN


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    days_in_month = [
        31,
        29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][month - 1]
    return moment.replace(year=year, month=month, day=min(moment.day, days_in_month))


def feedback_due(
    received_at: datetime, acknowledged_at: datetime | None, last_feedback_at: datetime | None
) -> datetime:
    """Directive 2019/1937 art. 9(1)(f): feedback within three months of acknowledgement, or of the
    end of the seven-day acknowledgement period; here then again at least every three months."""
    start = last_feedback_at or acknowledged_at or acknowledgement_due(received_at)
    return add_months(start, FEEDBACK_MONTHS)


class ClockState(StrEnum):
    DONE = "done"
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Clock:
    due: datetime
    state: ClockState

    def describe(self, now: datetime) -> str:
        """In calendar days, as a handler plans a week: "due in 3 days", "due today", "overdue by 2 days"."""
        if self.state is ClockState.DONE:
            return "done"
        days = (self.due.astimezone(LOCAL_ZONE).date() - now.astimezone(LOCAL_ZONE).date()).days
        if self.state is ClockState.OVERDUE:
            late = -days
            return f"overdue by {late} day{'s' if late != 1 else ''}" if late > 0 else "overdue"
        return f"due in {days} day{'s' if days != 1 else ''}" if days > 0 else "due today"


def clock(due: datetime, now: datetime, done: bool = False) -> Clock:
    if done:
        return Clock(due, ClockState.DONE)
    if now > due:
        return Clock(due, ClockState.OVERDUE)
    if due - now <= DUE_SOON:
        return Clock(due, ClockState.DUE_SOON)
    return Clock(due, ClockState.ON_TIME)


INBOX_SORTS = ("due", "reference", "category", "channel", "received", "status")
INBOX_DEFAULT_SORT = "due"


class DueFilter(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "soon"


@dataclass(frozen=True)
class InboxFilter:
    """What a handler narrows the report lists to; every field empty is the whole list."""

    search: str = ""
    status: ReportStatus | None = None
    category: Category | None = None
    channel: Channel | None = None
    anonymous: bool | None = None
    due: DueFilter | None = None
    include_in_case: bool = False
    unread: bool = False
    # Whose reports: the reader's own (`mine`), one handler's, or nobody's yet (`unhandled`).
    # A report's handler is its case's handler once it is in a case, and before that whoever
    # acknowledged it.
    handler_id: uuid.UUID | None = None
    mine: bool = False
    unhandled: bool = False


def _choice(enum: type[StrEnum], name: str, text: str | None, errors: dict[str, str]) -> StrEnum | None:
    if not text:
        return None
    try:
        return enum(text)
    except ValueError:
        errors[name] = f"choose one of {', '.join(member.value for member in enum)}"
        return None


def parse_inbox_filter(
    *,
    search: str | None = None,
    status: str | None = None,
    category: str | None = None,
    channel: str | None = None,
    who: str | None = None,
    due: str | None = None,
    include_in_case: bool = False,
    unread: bool = False,
    handler: str | None = None,
) -> InboxFilter:
    """The filters as a page's form or an API query sends them; an unknown value is named back.
    `handler` is `me`, `none` (nobody handles it yet) or a handler's user id."""
    errors: dict[str, str] = {}
    handler_id, mine, unhandled = None, False, False
    if handler == "me":
        mine = True
    elif handler == "none":
        unhandled = True
    elif handler:
        try:
            handler_id = uuid.UUID(handler)
        except ValueError:
            errors["handler"] = "choose me, none or a handler from the list"
    parsed_status = _choice(ReportStatus, "status", status, errors)
    parsed_category = _choice(Category, "category", category, errors)
    parsed_channel = _choice(Channel, "channel", channel, errors)
    parsed_due = _choice(DueFilter, "due", due, errors)
    anonymous = {"": None, None: None, "anonymous": True, "named": False}.get(who, ...)
    if anonymous is ...:
        errors["who"] = "choose anonymous or named"
        anonymous = None
    text = (search or "").strip()
    if len(text) > 80:
        errors["q"] = "search for a reference or a staff number of at most 80 characters"
    if errors:
        raise InvalidInput("Some of the list's filters are not valid.", fields=errors)
    return InboxFilter(
        search=text,
        status=ReportStatus(parsed_status) if parsed_status else None,
        category=Category(parsed_category) if parsed_category else None,
        channel=Channel(parsed_channel) if parsed_channel else None,
        anonymous=anonymous if isinstance(anonymous, bool) else None,
        due=DueFilter(parsed_due) if parsed_due else None,
        include_in_case=include_in_case,
        unread=unread,
        handler_id=handler_id,
        mine=mine,
        unhandled=unhandled,
    )


def acknowledgement_window(due: DueFilter, now: datetime) -> tuple[datetime | None, datetime]:
    """The receipt times of unacknowledged reports whose clock is in this state now, as `[lower, upper)`
    (`lower` None is unbounded): the same answer as `clock(acknowledgement_due(r), now)`, as a range
    an index on `received_at` can serve."""
    overdue_before = now - ACKNOWLEDGE_WITHIN
    if due is DueFilter.OVERDUE:
        return None, overdue_before
    return overdue_before, overdue_before + DUE_SOON + _RESOLUTION


# `received_at <= bound` as `< bound + one microsecond`, so both states are half-open ranges.
_RESOLUTION = timedelta(microseconds=1)
