"""JSON routes: a person's history, deciding a suggested subject link, and early-intervention flags."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from upstander.patterns.models import FlagStatus
from upstander.web.deps import ApiStaff, ServicesDep

router = APIRouter(prefix="/api/v1", tags=["patterns"])


class LinkDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: uuid.UUID
    confirm: bool
    reasons: str = Field(max_length=2000)


@router.get("/people/{person_id}/history")
def history(person_id: uuid.UUID, staff: ApiStaff, services: ServicesDep) -> dict[str, Any]:
    """Every allegation ever linked to this person, across units, years, channels and outcomes."""
    return dataclasses.asdict(services.linking.history(staff, person_id))


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


@router.get("/intervention-flags")
def intervention_flags(
    staff: ApiStaff,
    services: ServicesDep,
    status: Literal["open", "answered", "all"] = "open",
    person_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """Early-intervention flags, newest first (at most 200): open ones by default."""
    found = services.intervention.flags(
        staff, status=None if status == "all" else FlagStatus(status), person_id=person_id
    )
    return dataclasses.asdict(found)


@router.post("/intervention-flags/{flag_id}/response")
def respond_to_flag(
    flag_id: uuid.UUID, body: FlagResponseIn, staff: ApiStaff, services: ServicesDep
) -> dict[str, Any]:
    """A decision maker's response to a flag: the decision and its reasons, kept with the flag."""
    return dataclasses.asdict(services.intervention.respond(staff, flag_id, body.decision, body.reasons))
