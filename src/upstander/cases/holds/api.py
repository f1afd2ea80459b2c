"""JSON routes for legal holds on a case: list, set, lift (a decision maker, with reasons)."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from upstander.cases.holds.rules import REASON_LIMIT
from upstander.web.deps import ApiStaff, ServicesDep

router = APIRouter(prefix="/api/v1", tags=["legal holds"])


class HoldReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=REASON_LIMIT, description="Why the hold is set or lifted")


def _out(view: Any) -> dict[str, Any]:
    return {**dataclasses.asdict(view), "standing": view.standing}


@router.get("/cases/{case_id}/legal-holds")
def holds(case_id: uuid.UUID, staff: ApiStaff, services: ServicesDep) -> list[dict[str, Any]]:
    """The case's holds, newest first; a standing one has no ``lifted_at``."""
    return [_out(view) for view in services.holds.holds(staff, case_id)]


@router.post("/cases/{case_id}/legal-hold", status_code=201)
def set_hold(
    case_id: uuid.UUID, body: HoldReasonIn, staff: ApiStaff, services: ServicesDep
) -> dict[str, Any]:
    """Hold the case and its reports from the retention job; 409 when a hold already stands."""
    return _out(services.holds.set_hold(staff, case_id, body.reason))


@router.post("/cases/{case_id}/legal-hold/lift")
def lift_hold(
    case_id: uuid.UUID, body: HoldReasonIn, staff: ApiStaff, services: ServicesDep
) -> dict[str, Any]:
    """Lift the standing hold; 409 when someone lifted it first, saying who and when."""
    return _out(services.holds.lift_hold(staff, case_id, body.reason))
