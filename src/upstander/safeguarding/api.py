"""JSON routes for separation orders and postings, for welfare and for rostering and HR systems.

A rostering or HR system asks `POST /api/v1/postings/checks` before it moves anyone; the answer
names any separation order in the way and the people it keeps apart, never the case behind it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from upstander.safeguarding.results import OrderView, OverrideView, PersonLabel, PostingCheck, PostingResult
from upstander.safeguarding.rules import MAX_END_CONDITION, MAX_REASONS, MAX_SHIFT, Separation
from upstander.web.deps import ApiStaff, ServicesDep

router = APIRouter(prefix="/api/v1", tags=["safeguarding"])

PERSON = "A staff number, or a person id"
UNIT = "The code of a team (or of a unit without teams), or its id"


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_a: str = Field(max_length=80, description=PERSON)
    person_b: str = Field(max_length=80, description=PERSON)
    scope: list[Separation] = Field(min_length=1, max_length=2, description="team, shift, or both")
    reasons: str = Field(max_length=MAX_REASONS)
    end_condition: str = Field(
        default="", max_length=MAX_END_CONDITION, description='e.g. "until the case closes"'
    )
    ends_on: date | None = Field(default=None, description="The day the order stops applying")
    case_id: uuid.UUID | None = None
    case_reference: str | None = Field(default=None, max_length=16)


class EndOrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=MAX_REASONS)


class PersonOut(BaseModel):
    id: uuid.UUID
    staff_number: str
    name: str


class OrderOut(BaseModel):
    id: uuid.UUID
    reference: str
    person_a: PersonOut
    person_b: PersonOut
    scope: list[str]
    case_reference: str | None
    reasons: str
    end_condition: str
    ends_on: date | None
    made_at: datetime
    made_by: str
    ended_at: datetime | None
    end_reason: str | None
    together_today: list[str] = Field(description="How the two are already together today, in plain words")


class PostingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person: str = Field(max_length=80, description=PERSON)
    unit: str = Field(max_length=80, description=UNIT)
    shift: str = Field(max_length=MAX_SHIFT, description="The shift pattern, e.g. A, B or nights")


class PostingChangeIn(PostingIn):
    override_reasons: str | None = Field(
        default=None,
        max_length=MAX_REASONS,
        description="Decision makers only: why the posting must go ahead despite a separation order",
    )


class PostingOut(BaseModel):
    person: PersonOut
    unit_code: str
    unit_name: str
    shift: str
    since: datetime
    changed: bool
    override: bool
    overridden_orders: list[str]


class PostingCheckOut(BaseModel):
    allowed: bool
    needs_override: bool
    conflicts: list[str]
    message: str


class OverrideOut(BaseModel):
    change_id: uuid.UUID
    changed_at: datetime
    person: PersonOut
    from_unit: str | None
    from_shift: str | None
    to_unit: str
    to_shift: str
    decided_by: str
    reasons: str
    orders: list[str]


@router.post("/separation-orders", status_code=201, response_model=OrderOut)
def make_order(body: OrderIn, staff: ApiStaff, services: ServicesDep) -> OrderOut:
    """Make a separation order (handlers and welfare officers). The answer lists how the two
    people are already together today: the order stops new postings, it moves nobody."""
    order, _ = services.safeguarding.make_order(
        staff,
        body.person_a,
        body.person_b,
        body.reasons,
        body.end_condition,
        [s.value for s in body.scope],
        body.case_id,
        case_reference=body.case_reference,
        ends_on=body.ends_on,
    )
    return order_out(order)


@router.get("/separation-orders", response_model=list[OrderOut])
def orders(staff: ApiStaff, services: ServicesDep) -> list[OrderOut]:
    """The orders in force, newest first."""
    return [order_out(order) for order in services.safeguarding.orders(staff)]


@router.post("/separation-orders/{order_id}/end", response_model=OrderOut)
def end_order(order_id: uuid.UUID, body: EndOrderIn, staff: ApiStaff, services: ServicesDep) -> OrderOut:
    """End an order in force, with a reason (handlers and welfare officers)."""
    return order_out(services.safeguarding.end_order(staff, order_id, body.reason))


@router.post("/postings", response_model=PostingOut)
def change_posting(body: PostingChangeIn, staff: ApiStaff, services: ServicesDep) -> PostingOut:
    """Change a person's posting. Refused (409) when it would break a separation order, unless a
    decision maker overrides it with written reasons; every override goes to the overseer."""
    result = services.safeguarding.change_posting(
        staff, body.person, body.unit, body.shift, body.override_reasons
    )
    return _posting_out(result)


@router.post("/postings/checks", response_model=PostingCheckOut)
def check_posting(body: PostingIn, staff: ApiStaff, services: ServicesDep) -> PostingCheckOut:
    """Would this posting be allowed? Asks the same question as a change, and changes nothing."""
    return _check_out(services.safeguarding.check_posting(staff, body.person, body.unit, body.shift))


@router.get("/postings/overrides", response_model=list[OverrideOut])
def overrides(staff: ApiStaff, services: ServicesDep) -> list[OverrideOut]:
    """Every posting let through despite a separation order, with reasons (the overseer only)."""
    return [_override_out(item) for item in services.safeguarding.overrides(staff)]


def _person_out(person: PersonLabel) -> PersonOut:
    return PersonOut(id=person.id, staff_number=person.staff_number, name=person.name)


def order_out(order: OrderView) -> OrderOut:
    return OrderOut(
        id=order.id,
        reference=order.reference,
        person_a=_person_out(order.person_a),
        person_b=_person_out(order.person_b),
        scope=list(order.separations),
        case_reference=order.case_reference,
        reasons=order.reasons,
        end_condition=order.end_condition,
        ends_on=order.ends_on,
        made_at=order.made_at,
        made_by=order.made_by,
        ended_at=order.ended_at,
        end_reason=order.end_reason,
        together_today=list(order.together_today),
    )


def _posting_out(result: PostingResult) -> PostingOut:
    return PostingOut(
        person=_person_out(result.person),
        unit_code=result.unit_code,
        unit_name=result.unit_name,
        shift=result.shift,
        since=result.since,
        changed=result.changed,
        override=result.override,
        overridden_orders=list(result.overridden_orders),
    )


def _check_out(check: PostingCheck) -> PostingCheckOut:
    return PostingCheckOut(
        allowed=check.allowed,
        needs_override=check.needs_override,
        conflicts=list(check.conflicts),
        message=check.message,
    )


def _override_out(item: OverrideView) -> OverrideOut:
    return OverrideOut(
        change_id=item.change_id,
        changed_at=item.changed_at,
        person=_person_out(item.person),
        from_unit=item.from_unit,
        from_shift=item.from_shift,
        to_unit=item.to_unit,
        to_shift=item.to_shift,
        decided_by=item.decided_by,
        reasons=item.reasons,
        orders=list(item.orders),
    )
