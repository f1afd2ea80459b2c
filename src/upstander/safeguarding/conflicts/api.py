"""JSON routes for declared relationships, a case's conflict screen and the overrides of conflicts."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from upstander.safeguarding.conflicts.rules import Relationship
from upstander.safeguarding.conflicts.service import MAX_NOTE
from upstander.safeguarding.rules import MAX_REASONS
from upstander.web.deps import ApiStaff, ServicesDep

router = APIRouter(prefix="/api/v1", tags=["conflicts of interest"])


class DeclarationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person: str = Field(max_length=80, description="A staff number, or a person id")
    relationship: Relationship
    note: str = Field(default="", max_length=MAX_NOTE)
    user_id: uuid.UUID | None = Field(
        default=None, description="Whose relationship it is (a handler or decision maker records for others)"
    )


class DecisionMakerOverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: uuid.UUID
    reasons: str = Field(max_length=MAX_REASONS)


@router.post("/declarations", status_code=201)
def declare(body: DeclarationIn, staff: ApiStaff, services: ServicesDep) -> dict[str, Any]:
    """Declare a relationship with a person; it keeps the declarer off that person's cases."""
    view = services.conflicts.declare(staff, body.person, body.relationship.value, body.note, body.user_id)
    return dataclasses.asdict(view)


@router.get("/declarations")
def my_declarations(staff: ApiStaff, services: ServicesDep) -> list[dict[str, Any]]:
    return [dataclasses.asdict(view) for view in services.conflicts.declarations(staff)]


@router.post("/declarations/{declaration_id}/withdraw", status_code=204)
def withdraw(declaration_id: uuid.UUID, staff: ApiStaff, services: ServicesDep) -> Response:
    services.conflicts.withdraw_declaration(staff, declaration_id)
    return Response(status_code=204)


@router.get("/cases/{case_id}/candidates")
def candidates(case_id: uuid.UUID, role: str, staff: ApiStaff, services: ServicesDep) -> dict[str, Any]:
    """Who may be appointed as investigator, handler or decision maker, and who is excluded and why."""
    return dataclasses.asdict(services.conflicts.candidates(staff, case_id, role))


@router.post("/cases/{case_id}/decision-maker-overrides", status_code=201)
def allow_decision_maker(
    case_id: uuid.UUID, body: DecisionMakerOverrideIn, staff: ApiStaff, services: ServicesDep
) -> dict[str, Any]:
    """Let a conflicted decision maker decide on this case: another decision maker, with reasons."""
    return dataclasses.asdict(
        services.conflicts.allow_decision_maker(staff, case_id, body.user_id, body.reasons)
    )


@router.get("/assignment-overrides")
def overrides(staff: ApiStaff, services: ServicesDep) -> list[dict[str, Any]]:
    """Every appointment made despite a conflict of interest (the overseer)."""
    return [dataclasses.asdict(view) for view in services.conflicts.overrides(staff)]
