"""The dashboard's board as SQL over what each case row keeps of what it waits for (`engine/owed.py`).

A bucket (overdue, due soon, later) is a range of `cases.next_due_on`, paged by keyset on
(next_due_on, id), the index migration 0018 made for it; the counts per handler and per stage are
one grouped statement each. Nothing here replays a timeline, so the board costs the same few
statements for five cases or a hundred thousand."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from upstander.accounts.models import User
from upstander.cases import rules
from upstander.cases.models import Case, CaseEvent
from upstander.listing import query as listing
from upstander.listing import rules as paging
from upstander.reports.models import CaseKeyGrant

# Every bucket is in the order things fall due: the soonest (or longest overdue) first.
BY_DUE = paging.Sort("due")
UNASSIGNED = "unassigned"
# The board's tables per handler are a summary; a national PSD has hundreds of handlers, not more.
PER_HANDLER_ROWS = 200


def _held(user_id: uuid.UUID) -> ColumnElement[bool]:
    return (CaseKeyGrant.case_id == Case.id) & (CaseKeyGrant.user_id == user_id)


def _lines(user_id: uuid.UUID) -> Select[*tuple[Any, ...]]:
    return (
        select(
            Case.id,
            Case.reference,
            Case.stage,
            Case.policy_pack,
            Case.policy_version,
            Case.next_due_on,
            Case.next_due_label,
            Case.owed_by,
            func.coalesce(User.display_name, UNASSIGNED).label("handler_name"),
        )
        .join(CaseKeyGrant, _held(user_id))
        .outerjoin(User, User.id == Case.handler_id)
    )


def _in(bucket: rules.Bucket, today: date) -> ColumnElement[bool]:
    lower, upper = rules.bucket_window(bucket, today)
    within = Case.next_due_on < upper
    return within if lower is None else and_(Case.next_due_on >= lower, within)


def awaiting_referral_decision() -> ColumnElement[bool]:
    """A referral made to the overseer and no mode of investigation decided: the engine's
    `referred_on is not None and investigation_mode is None`, asked of the timeline in SQL."""
    return and_(
        exists().where(CaseEvent.case_id == Case.id, CaseEvent.kind == "overseer_referral_made"),
        ~exists().where(CaseEvent.case_id == Case.id, CaseEvent.kind == "investigation_mode_decided"),
    )


def bucket_page(
    session: Session,
    user_id: uuid.UUID,
    bucket: rules.Bucket,
    today: date,
    cursor: str | None,
    limit: int,
    build: Callable[[Any], Any],
) -> paging.Page[Any]:
    """One page of the cases this reader holds whose first duty falls in `bucket` today."""
    statement = _lines(user_id).where(_in(bucket, today))
    return listing.page(session, statement, [Case.next_due_on, Case.id], BY_DUE, cursor, limit, build)


def referral_page(
    session: Session, user_id: uuid.UUID, cursor: str | None, limit: int, build: Callable[[Any], Any]
) -> paging.Page[Any]:
    statement = _lines(user_id).where(awaiting_referral_decision())
    return listing.page(session, statement, [Case.next_due_on, Case.id], BY_DUE, cursor, limit, build)


def held_count(session: Session, user_id: uuid.UUID) -> int:
    return session.scalar(select(func.count()).select_from(Case).join(CaseKeyGrant, _held(user_id))) or 0


def per_handler(
    session: Session, user_id: uuid.UUID, today: date, closed: Collection[str]
) -> dict[str, dict[str, int]]:
    """Open cases per handler, with how many are overdue and how many due this week."""
    name = func.coalesce(User.display_name, UNASSIGNED)
    overdue = func.sum(case((_in(rules.Bucket.OVERDUE, today), 1), else_=0))
    soon = func.sum(case((_in(rules.Bucket.DUE_SOON, today), 1), else_=0))
    rows = session.execute(
        select(name, func.count(), overdue, soon)
        .select_from(Case)
        .join(CaseKeyGrant, _held(user_id))
        .outerjoin(User, User.id == Case.handler_id)
        .where(Case.stage.not_in(list(closed)))
        .group_by(name)
        .order_by(name)
        .limit(PER_HANDLER_ROWS)
    ).all()
    return {
        handler: {"open": int(count), "overdue": int(late or 0), "due_this_week": int(due or 0)}
        for handler, count, late, due in rows
    }


def per_stage(
    session: Session, user_id: uuid.UUID, closed: Collection[str]
) -> list[tuple[str, str, str, int]]:
    """Open cases per (pack, version, stage): the caller names each stage in its own pack's words."""
    rows = session.execute(
        select(Case.policy_pack, Case.policy_version, Case.stage, func.count())
        .join(CaseKeyGrant, _held(user_id))
        .where(Case.stage.not_in(list(closed)))
        .group_by(Case.policy_pack, Case.policy_version, Case.stage)
        .order_by(Case.stage)
    ).all()
    return [(pack, version, stage, int(count)) for pack, version, stage, count in rows]
