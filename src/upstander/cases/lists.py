"""The case list as SQL: only cases whose key the reader holds, filtered, sorted and keyset-paged.

Each row's report count is a correlated count for the rows of the page, not a count over every
report in the system grouped by case."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from upstander.accounts.models import User
from upstander.cases import rules
from upstander.cases.models import Case
from upstander.listing import query as listing
from upstander.listing import rules as paging
from upstander.org.models import Person
from upstander.reports import lists as report_lists
from upstander.reports.models import CaseKeyGrant, Report, ReportSubject


def report_case_handled_by(handler_id: uuid.UUID | None) -> ColumnElement[bool]:
    """For the report lists' handler filter: the report's case has this handler (None: none)."""
    handler = Case.handler_id.is_(None) if handler_id is None else Case.handler_id == handler_id
    return exists().where(Case.id == Report.case_id, handler)


def case_page(
    session: Session,
    user_id: uuid.UUID,
    wanted: rules.CaseFilter,
    today: date,
    sort: paging.Sort,
    cursor: str | None,
    limit: int,
    build: Any,
) -> paging.Page[Any]:
    report_count = select(func.count()).where(Report.case_id == Case.id).correlate(Case).scalar_subquery()
    handler_name = func.coalesce(User.display_name, "")
    keys: dict[str, list[listing.KeyColumn]] = {
        "opened": [Case.opened_at],
        "reference": [Case.reference],
        "stage": [Case.stage],
        "handler": [handler_name],
        "reports": [report_count],
        "due": [Case.next_due_on],
    }
    unread = exists().where(Report.case_id == Case.id, report_lists.unread_by(user_id))
    conditions: list[ColumnElement[bool]] = []
    if wanted.stage:
        conditions.append(Case.stage == wanted.stage)
    if wanted.mine:
        conditions.append(Case.handler_id == user_id)
    elif wanted.handler_id is not None:
        conditions.append(Case.handler_id == wanted.handler_id)
    if wanted.category is not None:
        conditions.append(exists().where(Report.case_id == Case.id, Report.category == wanted.category))
    if wanted.due is not None:
        lower, upper = rules.due_window(wanted.due, today)
        conditions.append(Case.next_due_on < upper)
        if lower is not None:
            conditions.append(Case.next_due_on >= lower)
    if wanted.unread:
        conditions.append(unread)
    if wanted.owed_to_or_unread:
        owed = [Case.owed_by.contains(f",{role},", autoescape=True) for role in wanted.owed_to_or_unread]
        conditions.append(or_(*owed, unread))
    if wanted.search:
        named = exists().where(
            Report.case_id == Case.id,
            ReportSubject.report_id == Report.id,
            ReportSubject.person_id == Person.id,
            func.lower(Person.staff_number) == wanted.search.lower(),
        )
        conditions.append((func.upper(Case.reference) == wanted.search.upper()) | named)
    statement = (
        select(
            Case.id,
            Case.reference,
            Case.opened_at,
            Case.stage,
            Case.policy_pack,
            Case.policy_version,
            Case.version,
            User.display_name.label("handler_name"),
            report_count.label("report_count"),
            unread.label("unread"),
            Case.next_due_on,
            Case.next_due_label,
            Case.owed_by,
        )
        .join(CaseKeyGrant, (CaseKeyGrant.case_id == Case.id) & (CaseKeyGrant.user_id == user_id))
        .outerjoin(User, User.id == Case.handler_id)
        .where(*conditions)
    )
    return listing.page(session, statement, [*keys[sort.column], Case.id], sort, cursor, limit, build)
