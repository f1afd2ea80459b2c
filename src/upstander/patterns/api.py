"""JSON routes: a person's history, and deciding a suggested subject link."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

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
