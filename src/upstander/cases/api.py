"""JSON routes for cases."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from upstander.web.deps import ApiStaff, ServicesDep

router = APIRouter(prefix="/api/v1", tags=["cases"])


class OpenCaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    report_ids: list[uuid.UUID] = Field(min_length=1, max_length=100)
    handler_id: uuid.UUID | None = None


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    handler_id: uuid.UUID


class CaseSummaryOut(BaseModel):
    id: uuid.UUID
    reference: str
    opened_at: Any
    stage: str
    handler_name: str | None
    report_count: int


@router.post("/cases", status_code=201, response_model=CaseSummaryOut)
def open_case(body: OpenCaseIn, staff: ApiStaff, services: ServicesDep) -> Any:
    """Open a case from one or more reports and assign its handler (yourself if none is given)."""
    return dataclasses.asdict(services.cases.open_case(staff, body.report_ids, body.handler_id))


@router.get("/cases", response_model=list[CaseSummaryOut])
def my_cases(staff: ApiStaff, services: ServicesDep) -> Any:
    return [dataclasses.asdict(case) for case in services.cases.my_cases(staff)]


@router.get("/cases/{case_id}")
def view_case(case_id: uuid.UUID, staff: ApiStaff, services: ServicesDep) -> dict[str, Any]:
    return dataclasses.asdict(services.cases.view_case(staff, case_id))


@router.post("/cases/{case_id}/handler", status_code=204)
def assign(case_id: uuid.UUID, body: AssignIn, staff: ApiStaff, services: ServicesDep) -> Response:
    services.cases.assign_handler(staff, case_id, body.handler_id)
    return Response(status_code=204)
