"""JSON routes for subjects' consent to a representative, and for the representative's view.

A case without a consent that holds answers 404 to its representative: its existence is secret.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from upstander.cases.api import StepOut, StepValue, _as_texts
from upstander.web.deps import ApiStaff, ServicesDep

router = APIRouter(prefix="/api/v1", tags=["representatives"])


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(max_length=80, description="The subject's staff number, or person id")
    representative_id: uuid.UUID


@router.post("/cases/{case_id}/representatives", status_code=201)
def give_consent(
    case_id: uuid.UUID, body: ConsentIn, staff: ApiStaff, services: ServicesDep
) -> dict[str, Any]:
    """Record the subject's signed consent for a named representative to see their case."""
    view = services.representation.give_consent(staff, case_id, body.subject, body.representative_id)
    return dataclasses.asdict(view)


@router.get("/cases/{case_id}/representatives")
def consents(case_id: uuid.UUID, staff: ApiStaff, services: ServicesDep) -> list[dict[str, Any]]:
    return [dataclasses.asdict(view) for view in services.representation.consents(staff, case_id)]


@router.post("/cases/{case_id}/representatives/{consent_id}/withdraw", status_code=204)
def withdraw(case_id: uuid.UUID, consent_id: uuid.UUID, staff: ApiStaff, services: ServicesDep) -> Response:
    """The subject withdraws consent (or the representative steps down): access ends at once."""
    services.representation.withdraw_consent(staff, case_id, consent_id)
    return Response(status_code=204)


@router.get("/represented")
def represented(staff: ApiStaff, services: ServicesDep) -> list[dict[str, Any]]:
    """The cases of members who consented to you."""
    return [dataclasses.asdict(case) for case in services.representation.cases(staff)]


@router.get("/represented/{case_id}")
def represented_case(case_id: uuid.UUID, staff: ApiStaff, services: ServicesDep) -> dict[str, Any]:
    """What the subject may see of the case; 404 without a consent that holds."""
    return dataclasses.asdict(services.representation.view(staff, case_id))


@router.post("/represented/{case_id}/steps/{kind}", response_model=StepOut)
def represented_step(
    case_id: uuid.UUID, kind: str, body: dict[str, StepValue], staff: ApiStaff, services: ServicesDep
) -> StepOut:
    """Record the officer's response, or lodge their appeal."""
    raw = {name: _as_texts(value) for name, value in body.items()}
    status, label = services.representation.act(staff, case_id, kind, raw)
    return StepOut(status=status, status_label=label)
