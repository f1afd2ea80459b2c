"""The vetting officer's page: run a check for hiring or a transfer, read its answer in plain words,
and come back to one's own past checks. Thin: the service decides and audits."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from upstander.accounts.service import StaffPrincipal
from upstander.errors import DomainError, InvalidInput
from upstander.org.vetting import Purpose, VettingQuery
from upstander.org.vetting_verdict import HEADINGS, VettingResult
from upstander.web.deps import CsrfChecked, PageStaff, ServicesDep
from upstander.web.pages import render

if TYPE_CHECKING:
    from upstander.services import Services

router = APIRouter(include_in_schema=False)


async def form_fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {name: value[:200] for name, value in form.multi_items() if isinstance(value, str)}


Form = Annotated[dict[str, str], Depends(form_fields)]


def _page(
    request: Request,
    services: Services,
    staff: StaffPrincipal,
    *,
    before: int | None = None,
    typed: dict[str, str] | None = None,
    result: VettingResult | None = None,
    error: DomainError | None = None,
) -> Response:
    return render(
        request,
        "vetting.html",
        {
            "past": services.vetting.my_checks(staff, before),
            "typed": typed or {},
            "purposes": [purpose.value for purpose in Purpose],
            "result": result,
            "heading": HEADINGS[result.verdict] if result else "",
            "error": error.detail if error else None,
        },
        status_code=error.status if error else 200,
    )


@router.get("/staff/vetting")
def vetting(
    request: Request,
    staff: PageStaff,
    services: ServicesDep,
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    return _page(request, services, staff, before=before)


@router.post("/staff/vetting", dependencies=[CsrfChecked])
def run_check(request: Request, staff: PageStaff, services: ServicesDep, form: Form) -> Response:
    typed = {name: value for name, value in form.items() if name != "csrf_token"}
    try:
        query = VettingQuery(
            purpose=_purpose(typed.get("purpose", "")),
            staff_number=typed.get("staff_number") or None,
            given_name=typed.get("given_name") or None,
            family_name=typed.get("family_name") or None,
            date_of_birth=_day(typed.get("date_of_birth", "")),
        )
        result = services.vetting.check(staff, query)
    except DomainError as error:
        return _page(request, services, staff, typed=typed, error=error)
    return _page(request, services, staff, typed=typed, result=result)


def _purpose(value: str) -> Purpose:
    try:
        return Purpose(value)
    except ValueError as error:
        raise InvalidInput("Choose hiring or a transfer.", fields={"purpose": "required"}) from error


def _day(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as error:
        raise InvalidInput(
            f"{value!r} is not a date (YYYY-MM-DD).", fields={"date_of_birth": "not a date"}
        ) from error
