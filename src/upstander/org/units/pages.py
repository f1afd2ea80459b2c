"""The administrator's units page: the units by code, a page at a time, with forms to create,
rename, move and close. A refusal shows the page again with the reason."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from upstander.accounts.service import StaffPrincipal
from upstander.errors import DomainError
from upstander.org.models import OrgUnitKind
from upstander.web.deps import CsrfChecked, PageStaff, ServicesDep
from upstander.web.pages import redirect, render

if TYPE_CHECKING:
    from upstander.services import Services

router = APIRouter(include_in_schema=False)


async def form_fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {name: value[:400] for name, value in form.multi_items() if isinstance(value, str)}


Form = Annotated[dict[str, str], Depends(form_fields)]


def _page(
    request: Request,
    services: Services,
    staff: StaffPrincipal,
    after: str | None = None,
    *,
    done: str = "",
    error: DomainError | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "units.html",
        {
            "page": services.units.list_units(staff, after),
            "kinds": [kind.value for kind in OrgUnitKind],
            "done": done,
            "error": error.detail if error else None,
            "typed": typed or {},
        },
        status_code=error.status if error else 200,
    )


@router.get("/staff/units")
def units(
    request: Request,
    staff: PageStaff,
    services: ServicesDep,
    after: Annotated[str | None, Query(max_length=40)] = None,
    done: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    return _page(request, services, staff, after, done=done)


@router.post("/staff/units", dependencies=[CsrfChecked])
def create(request: Request, staff: PageStaff, services: ServicesDep, form: Form) -> Response:
    try:
        made = services.units.create(
            staff,
            code=form.get("code", ""),
            name=form.get("name", ""),
            kind=form.get("kind", ""),
            parent_code=form.get("parent", "").strip() or None,
        )
    except DomainError as error:
        return _page(request, services, staff, error=error, typed=form)
    return redirect(f"/staff/units?done=Unit+{made.code}+created.")


@router.post("/staff/units/{unit_id}/rename", dependencies=[CsrfChecked])
def rename(
    request: Request, unit_id: uuid.UUID, staff: PageStaff, services: ServicesDep, form: Form
) -> Response:
    try:
        services.units.rename(staff, unit_id, form.get("name", ""), form.get("seen_name", ""))
    except DomainError as error:
        return _page(request, services, staff, error=error)
    return redirect("/staff/units?done=Renamed.")


@router.post("/staff/units/{unit_id}/move", dependencies=[CsrfChecked])
def move(
    request: Request, unit_id: uuid.UUID, staff: PageStaff, services: ServicesDep, form: Form
) -> Response:
    try:
        services.units.move(
            staff,
            unit_id,
            form.get("parent", "").strip() or None,
            form.get("seen_parent", "").strip() or None,
        )
    except DomainError as error:
        return _page(request, services, staff, error=error)
    return redirect("/staff/units?done=Moved.")


@router.post("/staff/units/{unit_id}/close", dependencies=[CsrfChecked])
def close(request: Request, unit_id: uuid.UUID, staff: PageStaff, services: ServicesDep) -> Response:
    try:
        services.units.close(staff, unit_id)
    except DomainError as error:
        return _page(request, services, staff, error=error)
    return redirect("/staff/units?done=Closed.")
