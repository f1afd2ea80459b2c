"""JSON routes: a person's history, deciding a suggested subject link, and early-intervention flags."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from upstander.listing.rules import Page
from upstander.listing.web import PAGE_HEADERS, Paging, set_page_headers
from upstander.patterns.models import FlagStatus
from upstander.web.deps import ApiStaff, ServicesDep

router = APIRouter(prefix="/api/v1", tags=["patterns"])


class LinkDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: uuid.UUID
    confirm: bool
    reasons: str = Field(max_length=2000)


@router.get("/people/{person_id}/history", responses=PAGE_HEADERS)
def history(
    request: Request,
    response: Response,
    person_id: uuid.UUID,
    staff: ApiStaff,
    services: ServicesDep,
    paging: Paging,
    q: Annotated[str | None, Query(max_length=80, description="A record's or a case's reference.")] = None,
    category: Annotated[str | None, Query(max_length=120, description="One category of allegation.")] = None,
    channel: Annotated[str | None, Query(description="internal_report, public_complaint or import.")] = None,
) -> dict[str, Any]:
    """Every allegation ever linked to this person, across units, years, channels and outcomes, a page
    at a time (sort: received, channel, category, finding, case). The total and the next page are in
    the body (`total`, `next_cursor`) and in the X-Total-Count, X-Next-Cursor and Link headers."""
    history = services.linking.history(
        staff,
        person_id,
        search=q or "",
        category=category or "",
        channel=channel or "",
        sort=paging.sort,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    set_page_headers(
        request, response, Page([], history.total, history.next_cursor, history.sort, history.limit)
    )
    return {**dataclasses.asdict(history), "sort": history.sort.token}


@router.post("/allegations/{allegation_id}/links", status_code=204)
def decide_link(
    allegation_id: uuid.UUID, body: LinkDecisionIn, staff: ApiStaff, services: ServicesDep
) -> Response:
    """Confirm or reject that an allegation names this person; the reason is kept, the link never deleted."""
    services.linking.decide(staff, allegation_id, body.person_id, confirm=body.confirm, reasons=body.reasons)
    return Response(status_code=204)


class FlagResponseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: str = Field(max_length=40)
    reasons: str = Field(max_length=4000)


@router.get("/intervention-flags", responses=PAGE_HEADERS)
def intervention_flags(
    request: Request,
    response: Response,
    staff: ApiStaff,
    services: ServicesDep,
    paging: Paging,
    status: Literal["open", "answered", "all"] = "open",
    person_id: uuid.UUID | None = None,
    q: Annotated[str | None, Query(max_length=80, description="The flagged person's staff number.")] = None,
    rule: Annotated[str | None, Query(max_length=80, description="One rule's id.")] = None,
) -> dict[str, Any]:
    """One page of early-intervention flags, newest first (sort: raised, person, rule, status): open
    ones by default. The total and the next page are in the body (`total`, `next_cursor`) and in the
    X-Total-Count, X-Next-Cursor and Link headers."""
    found = services.intervention.flags(
        staff,
        status=None if status == "all" else FlagStatus(status),
        person_id=person_id,
        search=q or "",
        rule_id=rule or "",
        sort=paging.sort,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    set_page_headers(request, response, found)
    return {
        "flags": [dataclasses.asdict(flag) for flag in found.items],
        "total": found.total,
        "next_cursor": found.next_cursor,
    }


@router.post("/intervention-flags/{flag_id}/response")
def respond_to_flag(
    flag_id: uuid.UUID, body: FlagResponseIn, staff: ApiStaff, services: ServicesDep
) -> dict[str, Any]:
    """A decision maker's response to a flag: the decision and its reasons, kept with the flag."""
    return dataclasses.asdict(services.intervention.respond(staff, flag_id, body.decision, body.reasons))
