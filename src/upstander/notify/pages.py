"""The page where a member of staff says where notifications go, and whether at once or daily."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from upstander.errors import DomainError
from upstander.web.deps import CsrfChecked, PageStaff, ServicesDep
from upstander.web.pages import redirect, render

router = APIRouter(include_in_schema=False)


@router.get("/staff/account/notifications")
def notifications(
    request: Request,
    staff: PageStaff,
    services: ServicesDep,
    done: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    choice = services.notify.choice(staff)
    return render(
        request, "notifications.html", {"address": choice.address or "", "mode": choice.mode, "done": done}
    )


@router.post("/staff/account/notifications", dependencies=[CsrfChecked])
async def choose(request: Request, staff: PageStaff, services: ServicesDep) -> Response:
    form = await request.form()
    address, mode = str(form.get("address", "")).strip(), str(form.get("mode", ""))
    try:
        services.notify.choose(staff, address, mode)
    except DomainError as error:
        context = {
            "address": address,
            "mode": mode,
            "error": error.detail,
            "fields": getattr(error, "fields", {}),
        }
        return render(request, "notifications.html", context, status_code=error.status)
    return redirect("/staff/account/notifications?done=Saved.")
