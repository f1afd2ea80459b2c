"""What happens to a report that other domains act on (their subscribers are listed in services.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from upstander.accounts.service import StaffPrincipal
from upstander.reports.models import Report
from upstander.reports.rules import AboutMe


@dataclass(frozen=True)
class ReportStored:
    """A report and the subjects it names were written, in the transaction that acknowledges it.

    ``links`` holds, per named subject, its position in the report, the staff record it names when
    that is known at intake, and how it was found. ``reporter_staff_number`` is a named reporter's
    own staff number as they typed it: it lives only in memory, the report keeps it sealed.
    """

    report: Report
    links: tuple[tuple[int, uuid.UUID | None, str], ...]
    about_me: AboutMe | None
    reporter_staff_number: str | None


@dataclass(frozen=True)
class ReportAcknowledged:
    """A handler acknowledged the report (its case, if it is in one, may still wait for that)."""

    report: Report
    principal: StaffPrincipal
    at: datetime


@dataclass(frozen=True)
class ReporterAnswered:
    """A handler wrote to the reporter: the feedback the reporter clock asks for."""

    report: Report
    principal: StaffPrincipal
    text: str


@dataclass(frozen=True)
class ReporterAddedInformation:
    """The reporter added a message or files to their report (what they added stays sealed)."""

    report: Report
    at: datetime
