"""Pages for staff-association representatives: the consenting members' cases, as disclosed."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from upstander.errors import InvalidInput, TransitionRefused
from upstander.web.deps import CsrfChecked, PageStaff, ServicesDep
from upstander.web.pages import redirect, render

router = APIRouter(include_in_schema=False)


@router.get("/staff/represented")
def represented(request: Request, staff: PageStaff, services: ServicesDep) -> Response:
    return render(request, "represented.html", {"cases": services.representation.cases(staff)})


@router.get("/staff/represented/{case_id}")
def represented_case(
    request: Request, case_id: uuid.UUID, staff: PageStaff, services: ServicesDep, done: str = ""
) -> Response:
    view = services.representation.view(staff, case_id)
    return render(request, "represented_case.html", {"view": view, "done": done, "error": None})


@router.post("/staff/represented/{case_id}/steps/{kind}", dependencies=[CsrfChecked])
async def represented_step(
    request: Request, case_id: uuid.UUID, kind: str, staff: PageStaff, services: ServicesDep
) -> Response:
    form = await request.form()
    raw = {
        name: [v for v in form.getlist(name) if isinstance(v, str)] for name in form if name != "csrf_token"
    }
    try:
        services.representation.act(staff, case_id, kind, raw)
    except (InvalidInput, TransitionRefused) as error:
        view = services.representation.view(staff, case_id)
        return render(
            request,
            "represented_case.html",
            {"view": view, "done": "", "error": error.detail},
            status_code=error.status,
        )
    return redirect(f"/staff/represented/{case_id}?done={quote(kind.replace('_', ' '))}")


@router.get("/staff/oversight")
def oversight(
    request: Request, staff: PageStaff, services: ServicesDep, shared: int | None = None
) -> Response:
    return render(
        request,
        "oversight.html",
        {
            "view": services.oversight.overview(staff),
            "unshared": services.overseer_keys.unshared(staff),
            "shared": shared,
        },
    )


@router.post("/staff/oversight/share-keys", dependencies=[CsrfChecked])
def share_keys(staff: PageStaff, services: ServicesDep) -> Response:
    """Seal the keys of every case and report this overseer holds to the other overseers lacking them."""
    shared = services.overseer_keys.share(staff)
    return redirect(f"/staff/oversight?shared={shared.cases}")
