"""Pages: who has read this case, or this report, and when (for the overseer and decision makers)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from upstander.web.deps import PageStaff, ServicesDep
from upstander.web.pages import render

router = APIRouter(include_in_schema=False)

Before = Annotated[int | None, Query(ge=1)]


@router.get("/staff/cases/{case_id}/readers")
def case_readers(
    request: Request, case_id: uuid.UUID, staff: PageStaff, services: ServicesDep, before: Before = None
) -> Response:
    page = services.readers.of_case(staff, case_id, before)
    return render(request, "readers.html", {"page": page, "back": f"/staff/cases/{case_id}"})


@router.get("/staff/reports/{report_id}/readers")
def report_readers(
    request: Request, report_id: uuid.UUID, staff: PageStaff, services: ServicesDep, before: Before = None
) -> Response:
    page = services.readers.of_report(staff, report_id, before)
    return render(request, "readers.html", {"page": page, "back": f"/staff/reports/{report_id}"})
