"""Building the values the safeguarding use cases return, inside their session."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander import access
from upstander.accounts.models import User
from upstander.accounts.service import StaffPrincipal
from upstander.cases.models import Case
from upstander.errors import NotFound
from upstander.org.models import OrgUnit, Person
from upstander.safeguarding import rules
from upstander.safeguarding.models import Posting, PostingChange, SeparationOrder, order_reference
from upstander.safeguarding.placements import OrgIndex, placements, rule_order
from upstander.safeguarding.results import OrderView, OverrideView, PersonLabel, PostingResult


def find_case(session: Session, case_id: uuid.UUID | None, reference: str | None) -> Case | None:
    """The case an order is made for, by id or by reference; none if neither is given."""
    if case_id is not None:
        case = session.get(Case, case_id)
    elif reference and reference.strip():
        case = session.scalars(select(Case).where(Case.reference == reference.strip().upper())).first()
    else:
        return None
    if case is None:
        raise NotFound(f"There is no case {reference or case_id}.", code="not_found:case")
    return case


def people(session: Session, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, PersonLabel]:
    if not ids:
        return {}
    rows = session.execute(
        select(Person.id, Person.staff_number, Person.given_name, Person.family_name).where(
            Person.id.in_(list(ids))
        )
    )
    return {
        row.id: PersonLabel(row.id, row.staff_number, f"{row.given_name} {row.family_name}") for row in rows
    }


def user_names(session: Session, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    return {
        row.id: row.display_name
        for row in session.execute(select(User.id, User.display_name).where(User.id.in_(list(ids))))
    }


def unit_code(session: Session, unit_id: uuid.UUID) -> str | None:
    return session.scalar(select(OrgUnit.code).where(OrgUnit.id == unit_id))


def together_today(
    session: Session, org: OrgIndex, orders: Sequence[SeparationOrder]
) -> dict[uuid.UUID, tuple[str, ...]]:
    """For each order, how its two people are together today in a way it forbids (plain words)."""
    rule_orders = [rule_order(order) for order in orders]
    involved = {person_id for order in rule_orders for person_id in (order.person_a_id, order.person_b_id)}
    found: dict[uuid.UUID, list[str]] = {}
    for conflict in rules.existing_conflicts(placements(session, org, involved), rule_orders):
        found.setdefault(conflict.order.id, []).append(conflict.reason)
    return {order_id: tuple(reasons) for order_id, reasons in found.items()}


def order_views(
    session: Session, orders: Sequence[SeparationOrder], together: Mapping[uuid.UUID, tuple[str, ...]]
) -> list[OrderView]:
    labels = people(session, {i for order in orders for i in (order.person_a_id, order.person_b_id)})
    names = user_names(session, {order.made_by_id for order in orders})
    cases = case_references(session, {order.case_id for order in orders if order.case_id})
    return [
        OrderView(
            id=order.id,
            reference=order.reference,
            person_a=labels[order.person_a_id],
            person_b=labels[order.person_b_id],
            separations=tuple(
                separation.value for separation in sorted(rule_order(order).separations, reverse=True)
            ),
            case_reference=cases.get(order.case_id) if order.case_id else None,
            reasons=order.reasons,
            end_condition=order.end_condition,
            ends_on=order.ends_on,
            made_at=order.made_at,
            made_by=names.get(order.made_by_id, "unknown"),
            ended_at=order.ended_at,
            end_reason=order.end_reason,
            together_today=together.get(order.id, ()),
        )
        for order in orders
    ]


def case_references(session: Session, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    return {
        row.id: row.reference
        for row in session.execute(select(Case.id, Case.reference).where(Case.id.in_(list(ids))))
    }


def order_details(
    session: Session, principal: StaffPrincipal, conflicts: Sequence[rules.Conflict]
) -> dict[uuid.UUID, str] | None:
    """What a refusal adds about each order — its case and end condition — for people who may read
    separation orders; nothing for anyone else (HR and rostering staff among them)."""
    if not access.allowed(principal.roles, access.Action.READ_SEPARATION_ORDERS):
        return None
    orders = {
        order.id: order
        for order in session.scalars(
            select(SeparationOrder).where(SeparationOrder.id.in_([c.order.id for c in conflicts]))
        )
    }
    cases = case_references(session, {order.case_id for order in orders.values() if order.case_id})
    details = {}
    for order_id, order in orders.items():
        case = f"case {cases[order.case_id]}, " if order.case_id in cases else ""
        details[order_id] = f"{case}{order.end_condition}"
    return details


def posting_result(
    person: Person,
    unit_code: str,
    unit_name: str,
    posting: Posting,
    *,
    changed: bool,
    override: bool = False,
    orders: tuple[str, ...] = (),
) -> PostingResult:
    return PostingResult(
        person=PersonLabel(person.id, person.staff_number, person.full_name),
        unit_code=unit_code,
        unit_name=unit_name,
        shift=posting.shift_pattern,
        since=posting.since,
        changed=changed,
        override=override,
        overridden_orders=orders,
    )


def override_views(session: Session, changes: Sequence[PostingChange]) -> list[OverrideView]:
    org = OrgIndex(session)
    labels = people(session, {change.person_id for change in changes})
    names = user_names(session, {change.decided_by_id for change in changes if change.decided_by_id})
    return [
        OverrideView(
            change_id=change.id,
            changed_at=change.changed_at,
            person=labels[change.person_id],
            from_unit=org.by_id[change.from_unit_id].name if change.from_unit_id else None,
            from_shift=change.from_shift,
            to_unit=org.by_id[change.to_unit_id].name,
            to_shift=change.to_shift,
            decided_by=names.get(change.decided_by_id, "unknown") if change.decided_by_id else "unknown",
            reasons=change.override_reasons or "",
            orders=tuple(order_reference(uuid.UUID(order_id)) for order_id in change.overridden_order_ids),
        )
        for change in changes
    ]
