"""JSON routes for the register of suspensions and restricted duties, HR decisions and detriment alerts.

`POST /api/v1/hr/events` answers HR the same whatever the detriment watch found; the alerts are read
only by the overseer and the custodian at `GET /api/v1/detriment-alerts`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from upstander.cases.engine.vocabulary import RestrictionKind
from upstander.listing.web import PAGE_HEADERS, Paging, set_page_headers
from upstander.safeguarding.detriment import AlertView, HrEventView
from upstander.safeguarding.models import HrEventKind
from upstander.safeguarding.register.rules import MAX_REASONS, ReviewOutcome
from upstander.safeguarding.register.views import RestrictionView
from upstander.web.deps import ApiStaff, ServicesDep

router = APIRouter(prefix="/api/v1", tags=["restrictions and detriment"])

PERSON = "A staff number, or a person id"


class RestrictionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person: str = Field(max_length=80, description=PERSON)
    kind: RestrictionKind
    category: str = Field(max_length=40, description="The matter's category, e.g. sexual_misconduct")
    reasons: str = Field(max_length=MAX_REASONS)
    redeployment_considered: str | None = Field(
        default=None,
        max_length=MAX_REASONS,
        description="Required for a suspension: why redeployment or restricted duties are not enough",
    )
    case_id: uuid.UUID | None = None
    case_reference: str | None = Field(default=None, max_length=16)
    starts_on: date | None = Field(default=None, description="Default: today")
    review_due: date | None = Field(default=None, description="Default: the review period after the start")


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: ReviewOutcome
    reasons: str = Field(max_length=MAX_REASONS)
    next_review_due: date | None = Field(default=None, description="Not for a lifted entry")
    kind: RestrictionKind | None = Field(
        default=None, description="A 'changed' review may change the measure"
    )
    redeployment_considered: str | None = Field(
        default=None,
        max_length=MAX_REASONS,
        description="Required when a change makes it a suspension: why redeployment is not enough",
    )


class PersonOut(BaseModel):
    id: uuid.UUID
    staff_number: str
    name: str


class ReviewOut(BaseModel):
    reviewed_on: date
    reviewed_by: str
    outcome: str
    reasons: str
    next_review_due: date | None


class RestrictionOut(BaseModel):
    id: uuid.UUID
    reference: str
    person: PersonOut
    kind: RestrictionKind
    category: str
    case_reference: str | None
    reasons: str
    redeployment_considered: str | None
    starts_on: date
    review_due: date
    overdue: bool
    imposed_by: str
    imposed_at: datetime
    ended_on: date | None
    end_reason: str | None
    reviews: list[ReviewOut]


class HrEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person: str = Field(max_length=80, description=PERSON)
    kind: HrEventKind
    occurred_on: date | None = Field(default=None, description="Default: today")
    details: str = Field(max_length=2000, description="What was decided")


class HrEventOut(BaseModel):
    id: uuid.UUID
    staff_number: str
    kind: HrEventKind
    occurred_on: date
    recorded_at: datetime


class AlertOut(BaseModel):
    id: uuid.UUID
    staff_number: str
    name: str
    kind: str
    occurred_on: date
    changed_by: str
    what: str
    report_reference: str
    reported_on: date
    days_after_report: int


class WatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person: str = Field(max_length=80, description=PERSON)


@router.post("/restrictions", status_code=201, response_model=RestrictionOut)
def impose(body: RestrictionIn, staff: ApiStaff, services: ServicesDep) -> RestrictionOut:
    """Put someone on restricted duties (decision makers, welfare) or suspend them (decision makers,
    and only with the reasons redeployment is not enough)."""
    return restriction_out(
        services.register.impose(
            staff,
            body.person,
            body.kind,
            body.category,
            body.reasons,
            redeployment_considered=body.redeployment_considered,
            case_id=body.case_id,
            case_reference=body.case_reference,
            starts_on=body.starts_on,
            review_due=body.review_due,
        )
    )


@router.get("/restrictions", response_model=list[RestrictionOut], responses=PAGE_HEADERS)
def register(
    request: Request,
    response: Response,
    staff: ApiStaff,
    services: ServicesDep,
    paging: Paging,
    include_lifted: bool = False,
    q: Annotated[str | None, Query(max_length=80, description="The person's staff number.")] = None,
    kind: Annotated[str | None, Query(description="suspended or restricted_duties.")] = None,
    category: Annotated[str | None, Query(max_length=40, description="One category of report.")] = None,
    due: Annotated[str | None, Query(description="Review `overdue`, or due `soon` (within 7 days).")] = None,
) -> list[RestrictionOut]:
    """One page of the register: entries in force, the earliest review first (sort: review, since,
    kind, category, person). The total and the next page are in the X-Total-Count, X-Next-Cursor
    and Link headers."""
    page = services.register.register(
        staff,
        include_lifted=include_lifted,
        search=q or "",
        kind=kind or "",
        category=category or "",
        due=due or "",
        sort=paging.sort,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    set_page_headers(request, response, page)
    return [restriction_out(item) for item in page.items]


@router.get("/restrictions/due", response_model=list[RestrictionOut])
def due(staff: ApiStaff, services: ServicesDep) -> list[RestrictionOut]:
    """Entries whose review is overdue, then those due within a week."""
    listed = services.register.due(staff)
    return [restriction_out(item) for item in listed.overdue + listed.due_soon]


@router.post("/restrictions/{restriction_id}/reviews", response_model=RestrictionOut)
def review(
    restriction_id: uuid.UUID, body: ReviewIn, staff: ApiStaff, services: ServicesDep
) -> RestrictionOut:
    """Review an entry: kept, changed or lifted, with reasons and (unless lifted) the next review."""
    return restriction_out(
        services.register.review(
            staff,
            restriction_id,
            body.outcome,
            body.reasons,
            body.next_review_due,
            kind=body.kind,
            redeployment_considered=body.redeployment_considered,
        )
    )


@router.post("/hr/events", status_code=201, response_model=HrEventOut)
def record_hr_event(body: HrEventIn, staff: ApiStaff, services: ServicesDep) -> HrEventOut:
    """Record an HR decision about a person (HR only)."""
    return hr_event_out(
        services.detriment.record_event(staff, body.person, body.kind, body.occurred_on, body.details)
    )


@router.get("/detriment-alerts", response_model=list[AlertOut])
def alerts(staff: ApiStaff, services: ServicesDep) -> list[AlertOut]:
    """HR decisions about people who reported, within the watch window (the overseer and the custodian)."""
    return [alert_out(item) for item in services.detriment.alerts(staff)]


@router.post("/reports/{report_id}/detriment-watch", status_code=204)
def watch_reporter(report_id: uuid.UUID, body: WatchIn, staff: ApiStaff, services: ServicesDep) -> None:
    """The custodian records which member of staff a named reporter is, so HR decisions about them are
    watched from the day of the report."""
    services.detriment.watch_reporter(staff, report_id, body.person)


def restriction_out(item: RestrictionView) -> RestrictionOut:
    return RestrictionOut(
        id=item.id,
        reference=item.reference,
        person=PersonOut(id=item.person.id, staff_number=item.person.staff_number, name=item.person.name),
        kind=item.kind,
        category=item.category,
        case_reference=item.case_reference,
        reasons=item.reasons,
        redeployment_considered=item.redeployment_considered,
        starts_on=item.starts_on,
        review_due=item.review_due,
        overdue=item.overdue,
        imposed_by=item.imposed_by,
        imposed_at=item.imposed_at,
        ended_on=item.ended_on,
        end_reason=item.end_reason,
        reviews=[
            ReviewOut(
                reviewed_on=r.reviewed_on,
                reviewed_by=r.reviewed_by,
                outcome=r.outcome,
                reasons=r.reasons,
                next_review_due=r.next_review_due,
            )
            for r in item.reviews
        ],
    )


def hr_event_out(item: HrEventView) -> HrEventOut:
    return HrEventOut(
        id=item.id,
        staff_number=item.staff_number,
        kind=item.kind,
        occurred_on=item.occurred_on,
        recorded_at=item.recorded_at,
    )


def alert_out(item: AlertView) -> AlertOut:
    return AlertOut(
        id=item.id,
        staff_number=item.staff_number,
        name=item.name,
        kind=item.kind,
        occurred_on=item.occurred_on,
        changed_by=item.changed_by,
        what=item.what,
        report_reference=item.report_reference,
        reported_on=item.reported_on,
        days_after_report=item.days_after_report,
    )
