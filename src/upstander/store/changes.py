"""What someone else changed while a person was looking, said in plain words. Pure: no I/O.

Two people can act on the same report or case at once. The database decides who wins (a row
lock, or a version that must still be the one the person saw); the other is told what changed,
by whom and how long ago, so they can look again instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from upstander.errors import Conflict

MOMENT_SECONDS = 90


class ChangedMeanwhile(Conflict):
    """Someone else changed it first; nothing of this request was saved."""

    title = "Someone else changed this first"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, code="changed_meanwhile")


class StaleVersion(ChangedMeanwhile):
    """It is no longer the version the person saw (a form's hidden version, or If-Match)."""


class PreconditionFailed(StaleVersion):
    """RFC 9110 §13.1.1: the version named in If-Match is no longer the current one."""

    status = 412
    title = "This was changed after you read it"


@contextmanager
def if_match(expected: int | None) -> Iterator[None]:
    """On the API, a stale version named by If-Match is 412 Precondition Failed, as HTTP says;
    the same refusal from a form's hidden version stays 409 with the page drawn again."""
    try:
        yield
    except StaleVersion as error:
        if expected is None or isinstance(error, PreconditionFailed):
            raise
        raise PreconditionFailed(error.detail) from error


def how_long_ago(then: datetime, now: datetime) -> str:
    """ "a moment ago", "4 minutes ago", "2 hours ago", or the date for anything older than a day."""
    seconds = max(0, int((now - then).total_seconds()))
    if seconds < MOMENT_SECONDS:
        return "a moment ago"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} minutes ago"
    hours = round(seconds / 3600)
    if hours < 24:
        return "an hour ago" if hours == 1 else f"{hours} hours ago"
    return f"on {then:%-d %B %Y}"


def put_into_case(report: str, case: str, who: str, then: datetime, now: datetime) -> str:
    return (
        f"This report ({report}) was put into case {case} by {who} {how_long_ago(then, now)}. "
        "Nothing you sent was saved; open the case to carry on."
    )


def already_acknowledged(report: str, who: str, then: datetime, now: datetime) -> str:
    return (
        f"Report {report} was already acknowledged by {who} {how_long_ago(then, now)}, "
        "so the reporter has not been sent a second acknowledgement."
    )


def case_changed(case: str, what: str, who: str, then: datetime, now: datetime) -> str:
    return (
        f"Case {case} was changed by {who} {how_long_ago(then, now)} ({what}) after you opened it. "
        "Nothing you sent was saved; look at the case as it is now and try again if it is still needed."
    )


def just_done_by(what: str, who: str, then: datetime, now: datetime) -> str | None:
    """A refusal's footnote when a colleague changed the case moments before: likely why."""
    if (now - then).total_seconds() >= MOMENT_SECONDS:
        return None
    return f"{who} got there first, {how_long_ago(then, now)}: “{what}”."


def report_changed(report: str, who: str, then: datetime, now: datetime) -> str:
    return (
        f"Report {report} was changed by {who} {how_long_ago(then, now)} after you opened it. "
        "Nothing you sent was saved; look at the report as it is now and try again if it is still needed."
    )


_ENTITY_TAG = re.compile(r'^(?:W/)?"(\d{1,9})"$')


def etag(version: int) -> str:
    return f'"{version}"'


def version_from_if_match(header: str | None) -> int | None:
    """The version an If-Match header names; None when there is none or it is `*` (anything goes)."""
    if header is None or header.strip() in {"", "*"}:
        return None
    match = _ENTITY_TAG.match(header.strip())
    if match is None:
        raise PreconditionFailed(
            'If-Match must be the ETag this service sent (for example "3"), or left out.'
        )
    return int(match.group(1))


def version_from_form(value: object) -> int | None:
    """The hidden version a form was drawn with; a form without one still works as before."""
    if not isinstance(value, str) or not value.strip().isdigit():
        return None
    return int(value.strip())
