"""The report lists as SQL: filters, search, sort and keyset pages, with who may open each row.

Whether the reader holds a key is decided in the same statement (two EXISTS), not asked per row:
a page costs the same few statements whether the list holds three reports or three million.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Protocol

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from upstander.listing import query as listing
from upstander.listing import rules as paging
from upstander.org.models import Person
from upstander.reports import rules
from upstander.reports.models import (
    Attachment,
    CaseKeyGrant,
    Message,
    MessageAuthor,
    Report,
    ReportKeyGrant,
    ReportRead,
    ReportSubject,
)
from upstander.reports.views import InboxItem, report_clocks


def overdue_first(now: datetime) -> ColumnElement[int]:
    """0 for an acknowledgement overdue now, 1 otherwise: the inbox's default order puts those first."""
    _, overdue_before = rules.acknowledgement_window(rules.DueFilter.OVERDUE, now)
    return case(
        (and_(Report.acknowledged_at.is_(None), Report.received_at < overdue_before), 0),
        else_=1,
    )


def sort_column(column: str, now: datetime) -> list[listing.KeyColumn]:
    """The key columns of each sort, the report's id last so every key is unique."""
    columns: dict[str, list[listing.KeyColumn]] = {
        "due": [overdue_first(now), Report.received_at],
        "reference": [Report.reference],
        "category": [Report.category],
        "channel": [Report.channel],
        "received": [Report.received_at],
        "status": [Report.status],
    }
    return [*columns[column], Report.id]


class CaseHandledBy(Protocol):
    """Whether the case a report is in has this handler (None: has none), as SQL on `Report.case_id`;
    cases/lists.py answers it, since reports sit below cases."""

    def __call__(self, handler_id: uuid.UUID | None) -> ColumnElement[bool]: ...


def handled_by(handler_id: uuid.UUID | None, case_handled_by: CaseHandledBy | None) -> ColumnElement[bool]:
    """The reports this person handles (None: nobody yet): before a case, whoever acknowledged it;
    in a case, the case's handler."""
    before_case = and_(
        Report.case_id.is_(None),
        Report.acknowledged_by_id.is_(None)
        if handler_id is None
        else Report.acknowledged_by_id == handler_id,
    )
    if case_handled_by is None:
        return before_case
    return or_(before_case, and_(Report.case_id.is_not(None), case_handled_by(handler_id)))


def filtered(
    wanted: rules.InboxFilter,
    now: datetime,
    user_id: uuid.UUID | None = None,
    case_handled_by: CaseHandledBy | None = None,
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if wanted.mine and user_id is not None:
        conditions.append(handled_by(user_id, case_handled_by))
    elif wanted.handler_id is not None:
        conditions.append(handled_by(wanted.handler_id, case_handled_by))
    elif wanted.unhandled:
        conditions.append(handled_by(None, case_handled_by))
    if not wanted.include_in_case:
        conditions.append(Report.case_id.is_(None))
    if wanted.status is not None:
        conditions.append(Report.status == wanted.status)
    if wanted.category is not None:
        conditions.append(Report.category == wanted.category)
    if wanted.channel is not None:
        conditions.append(Report.channel == wanted.channel)
    if wanted.anonymous is not None:
        conditions.append(Report.anonymous.is_(wanted.anonymous))
    if wanted.due is not None:
        lower, upper = rules.acknowledgement_window(wanted.due, now)
        conditions += [Report.acknowledged_at.is_(None), Report.received_at < upper]
        if lower is not None:
            conditions.append(Report.received_at >= lower)
    if wanted.search:
        # By reference, or by the staff number of a person a report's subject is linked to.
        named = exists().where(
            ReportSubject.report_id == Report.id,
            ReportSubject.person_id == Person.id,
            func.lower(Person.staff_number) == wanted.search.lower(),
        )
        conditions.append(or_(func.upper(Report.reference) == wanted.search.upper(), named))
    return conditions


def mark_read(session: Session, report_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> None:
    """This reader has seen everything the reporter added until now."""
    marker = session.get(ReportRead, (report_id, user_id))
    if marker is None:
        session.add(ReportRead(report_id=report_id, user_id=user_id, read_at=now))
    elif marker.read_at < now:
        marker.read_at = now


def unread_by(user_id: uuid.UUID) -> ColumnElement[bool]:
    """Whether the reporter added information or answered after this reader last opened the report."""
    last_read = (
        select(ReportRead.read_at)
        .where(ReportRead.report_id == Report.id, ReportRead.user_id == user_id)
        .correlate(Report)
        .scalar_subquery()
    )
    since = or_(last_read.is_(None), Message.sent_at > last_read)
    attachment_since = or_(last_read.is_(None), Attachment.uploaded_at > last_read)
    return or_(
        exists().where(Message.report_id == Report.id, Message.author == MessageAuthor.REPORTER, since),
        exists().where(
            Attachment.report_id == Report.id,
            Attachment.uploaded_by == MessageAuthor.REPORTER,
            attachment_since,
        ),
    )


def inbox_page(
    session: Session,
    user_id: uuid.UUID,
    wanted: rules.InboxFilter,
    sort: paging.Sort,
    cursor: str | None,
    limit: int,
    now: datetime,
    case_references: Callable[[Session, Collection[uuid.UUID]], Mapping[uuid.UUID, str]],
    case_handled_by: CaseHandledBy | None = None,
) -> paging.Page[InboxItem]:
    can_open = or_(
        exists().where(ReportKeyGrant.report_id == Report.id, ReportKeyGrant.user_id == user_id),
        and_(
            Report.case_id.is_not(None),
            exists().where(CaseKeyGrant.case_id == Report.case_id, CaseKeyGrant.user_id == user_id),
        ),
    )
    # Only what a row shows: the sealed content stays in the database.
    statement = select(
        Report.id,
        Report.reference,
        Report.category,
        Report.channel,
        Report.anonymous,
        Report.received_at,
        Report.acknowledged_at,
        Report.last_feedback_at,
        Report.status,
        Report.case_id,
        can_open.label("can_open"),
        unread_by(user_id).label("unread"),
    ).where(
        *filtered(wanted, now, user_id, case_handled_by), *([unread_by(user_id)] if wanted.unread else [])
    )
    rows = listing.page(
        session, statement, sort_column(sort.column, now), sort, cursor, limit, lambda row: row
    )
    references = case_references(session, {row.case_id for row in rows.items if row.case_id is not None})
    items = []
    for row in rows.items:
        acknowledgement, feedback = report_clocks(row, now)
        items.append(
            InboxItem(
                report_id=row.id,
                reference=row.reference,
                category=str(rules.CATEGORY_LABELS[row.category]),
                channel=row.channel,
                anonymous=row.anonymous,
                received_at=row.received_at,
                status=row.status,
                acknowledgement=acknowledgement,
                feedback=feedback,
                case_reference=references.get(row.case_id) if row.case_id else None,
                can_open=bool(row.can_open),
                unread=bool(row.unread),
            )
        )
    return paging.Page(items, rows.total, rows.next_cursor, sort, limit)
