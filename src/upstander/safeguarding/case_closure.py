"""Separation orders made "until the case closes" end when their case closes (a `CaseClosed` event)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander.audit.service import AuditLog
from upstander.cases.events import CaseClosed
from upstander.safeguarding.models import SeparationOrder
from upstander.safeguarding.register.rules import ends_with_case


def end_orders_with_case(
    session: Session, case_id: uuid.UUID, case_reference: str, closed_on: date, at: datetime, by: uuid.UUID
) -> list[SeparationOrder]:
    """End every order in force made for this case whose end condition is the case's closing
    (``register_rules.ends_with_case``), as ended by the closure, with the reason; other orders of
    the case (an end date, "until further notice") stay in force."""
    orders = session.scalars(
        select(SeparationOrder)
        .where(SeparationOrder.case_id == case_id, SeparationOrder.ended_at.is_(None))
        .order_by(SeparationOrder.made_at, SeparationOrder.id)
        .with_for_update()
    )
    ended = []
    for order in orders:
        if ends_with_case(order.end_condition) and (order.ends_on is None or closed_on < order.ends_on):
            order.ended_at, order.ended_by_id = at, by
            order.end_reason = (
                f"Ended by the closure of case {case_reference} on {closed_on:%-d %B %Y}: "
                f"the order was made {order.end_condition}."
            )
            ended.append(order)
    return ended


class OrdersEndWithCase:
    """Subscribes to `CaseClosed`: ends the case's orders that end with it, each audited as ended by the closure."""

    def __init__(self, audit: AuditLog) -> None:
        self._audit = audit

    def __call__(self, session: Session, closed: CaseClosed) -> None:
        case, principal = closed.case, closed.principal
        for order in end_orders_with_case(
            session, case.id, case.reference, closed.on, closed.at, principal.user_id
        ):
            self._audit.record(
                session,
                principal.actor,
                "separation_order.ended",
                "separation_order",
                order.id,
                {"reference": order.reference, "by": "case_closed", "case_reference": case.reference},
                at=closed.at,
            )
