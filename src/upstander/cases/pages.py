"""Case pages: the cases a person holds, one case with its timeline, opening and assigning."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from upstander import access
from upstander.errors import InvalidInput
from upstander.web.deps import CsrfChecked, PageStaff, ServicesDep
from upstander.web.pages import redirect, render

router = APIRouter(include_in_schema=False)


def _uuid(value: object, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as error:
        raise InvalidInput(
            "That choice is not valid; reload the page and try again.", fields={field: "invalid"}
        ) from error


@router.get("/staff/cases")
def cases(request: Request, staff: PageStaff, services: ServicesDep) -> Response:
    return render(request, "cases.html", {"cases": services.cases.my_cases(staff)})


@router.post("/staff/cases", dependencies=[CsrfChecked])
async def open_case(request: Request, staff: PageStaff, services: ServicesDep) -> Response:
    form = await request.form()
    report_ids = [_uuid(value, "report_ids") for value in form.getlist("report_ids")]
    handler = form.get("handler_id")
    handler_id = _uuid(handler, "handler_id") if isinstance(handler, str) and handler else None
    summary = services.cases.open_case(staff, report_ids, handler_id)
    return redirect(f"/staff/cases/{summary.id}")


@router.get("/staff/cases/{case_id}")
def show_case(request: Request, case_id: uuid.UUID, staff: PageStaff, services: ServicesDep) -> Response:
    view = services.cases.view_case(staff, case_id)
    return render(
        request,
        "case.html",
        {
            "view": view,
            "handlers": services.cases.handlers(),
            "can_assign": access.allowed(staff.roles, access.Action.ASSIGN_HANDLER),
        },
    )


@router.post("/staff/cases/{case_id}/handler", dependencies=[CsrfChecked])
async def assign(request: Request, case_id: uuid.UUID, staff: PageStaff, services: ServicesDep) -> Response:
    form = await request.form()
    services.cases.assign_handler(staff, case_id, _uuid(form.get("handler_id"), "handler_id"))
    return redirect(f"/staff/cases/{case_id}")
