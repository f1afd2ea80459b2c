"""The legal-hold forms on the case page: set and lift, each with its reasons."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from upstander.cases.pages import case_page
from upstander.errors import Conflict, InvalidInput
from upstander.web.deps import CsrfChecked, PageStaff, ServicesDep
from upstander.web.pages import redirect

router = APIRouter(include_in_schema=False)


async def _reason(request: Request) -> str:
    reason = (await request.form()).get("reason")
    return reason if isinstance(reason, str) else ""


@router.post("/staff/cases/{case_id}/legal-hold", dependencies=[CsrfChecked])
async def set_hold(request: Request, case_id: uuid.UUID, staff: PageStaff, services: ServicesDep) -> Response:
    reason = await _reason(request)
    try:
        services.holds.set_hold(staff, case_id, reason)
    except (InvalidInput, Conflict) as error:
        return case_page(request, services, staff, case_id, error=error, draft={"hold_reason": reason})
    return redirect(f"/staff/cases/{case_id}?done={quote('set a legal hold')}")


@router.post("/staff/cases/{case_id}/legal-hold/lift", dependencies=[CsrfChecked])
async def lift_hold(
    request: Request, case_id: uuid.UUID, staff: PageStaff, services: ServicesDep
) -> Response:
    reason = await _reason(request)
    try:
        services.holds.lift_hold(staff, case_id, reason)
    except (InvalidInput, Conflict) as error:
        return case_page(request, services, staff, case_id, error=error, draft={"lift_reason": reason})
    return redirect(f"/staff/cases/{case_id}?done={quote('lift the legal hold')}")
