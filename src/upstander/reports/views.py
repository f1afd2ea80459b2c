"""What a handler sees of reports: the inbox, one report with its subjects, notes and files, and its clocks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from upstander.org.linking import Suggestion
from upstander.reports import rules, sealing
from upstander.reports.models import (
    Channel,
    ReportStatus,
)


@dataclass(frozen=True)
class InboxItem:
    report_id: uuid.UUID
    reference: str
    category: str
    channel: Channel
    anonymous: bool
    received_at: datetime
    status: ReportStatus
    acknowledgement: rules.Clock
    feedback: rules.Clock
    case_reference: str | None
    can_open: bool
    # The reporter added information or answered since this reader last opened it.
    unread: bool = False


@dataclass(frozen=True)
class SubjectView:
    name: str
    staff_number: str
    unit: str
    person_id: uuid.UUID | None
    linked_record: str | None
    allegation_id: uuid.UUID | None
    link_status: str | None
    suggestions: list[Suggestion]


@dataclass(frozen=True)
class NoteView:
    id: uuid.UUID
    author_name: str
    written_at: datetime
    text: str


@dataclass(frozen=True)
class ReportView:
    id: uuid.UUID
    reference: str
    category: str
    category_value: str
    channel: Channel
    relation: str
    anonymous: bool
    identity_held: bool
    disclosed_identity: dict[str, Any] | None
    received_at: datetime
    status: ReportStatus
    acknowledged_at: datetime | None
    acknowledgement: rules.Clock
    feedback: rules.Clock
    what_happened: str
    when: str
    where: str
    subjects: list[SubjectView]
    messages: list[sealing.MessageView]
    notes: list[NoteView]
    attachments: list[sealing.AttachmentInfo]
    case_id: uuid.UUID | None
    case_reference: str | None
    version: int


class Clocked(Protocol):
    """What the clocks are computed from: a report, or a list's row of the same columns."""

    @property
    def received_at(self) -> datetime: ...
    @property
    def acknowledged_at(self) -> datetime | None: ...
    @property
    def last_feedback_at(self) -> datetime | None: ...


def report_clocks(report: Clocked, now: datetime) -> tuple[rules.Clock, rules.Clock]:
    """The two reporter clocks of a report: acknowledgement, then feedback (Directive 2019/1937, art. 9)."""
    acknowledgement = rules.clock(
        rules.acknowledgement_due(report.received_at), now, done=report.acknowledged_at is not None
    )
    feedback = rules.clock(
        rules.feedback_due(report.received_at, report.acknowledged_at, report.last_feedback_at), now
    )
    return acknowledgement, feedback
