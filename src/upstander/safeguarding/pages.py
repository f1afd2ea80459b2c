"""Pages: welfare and handlers make separation orders; the overseer reviews overrides."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from upstander import access
from upstander.accounts.service import StaffPrincipal
from upstander.errors import DomainError, InvalidInput
from upstander.web.deps import CsrfChecked, PageStaff, ServicesDep
from upstander.web.pages import redirect, render

if TYPE_CHECKING:
    from upstander.services import Services

router = APIRouter(include_in_schema=False)

ORDER_FIELDS = ("person_a", "person_b", "reasons", "end_condition", "ends_on", "case_reference")


def _orders_page(
    request: Request,
    services: Services,
    staff: StaffPrincipal,
    *,
    made: str = "",
    error: DomainError | None = None,
    draft: dict[str, str] | None = None,
    scope: list[str] | None = None,
) -> Response:
    orders = services.safeguarding.orders(staff)
    return render(
        request,
        "separation_orders.html",
        {
            "orders": orders,
            "made": next((order for order in orders if order.reference == made), None),
            "can_make": access.allowed(staff.roles, access.Action.MAKE_SEPARATION_ORDER),
            "error": error.detail if error else None,
            "draft": draft or {},
            "scope": scope if scope is not None else ["team", "shift"],
        },
        status_code=error.status if error else 200,
    )


@router.get("/staff/separation-orders")
def orders(request: Request, staff: PageStaff, services: ServicesDep, made: str = "") -> Response:
    return _orders_page(request, services, staff, made=made)


@router.post("/staff/separation-orders", dependencies=[CsrfChecked])
async def make_order(request: Request, staff: PageStaff, services: ServicesDep) -> Response:
    """Make an order from the form; a refusal shows the page again with the reason and what was typed."""
    form = await request.form()
    draft = {name: value for name in ORDER_FIELDS if isinstance(value := form.get(name, ""), str)}
    scope = [value for value in form.getlist("scope") if isinstance(value, str)]
    try:
        order, _ = services.safeguarding.make_order(
            staff,
            draft.get("person_a", ""),
            draft.get("person_b", ""),
            draft.get("reasons", ""),
            draft.get("end_condition", ""),
            scope,
            case_reference=draft.get("case_reference") or None,
            ends_on=_date(draft.get("ends_on", "")),
        )
    except DomainError as error:
        if error.status in {401, 403}:
            raise
        return _orders_page(request, services, staff, error=error, draft=draft, scope=scope)
    return redirect(f"/staff/separation-orders?made={quote(order.reference)}")


def _date(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as error:
        raise InvalidInput(
            "The end date is not a date (YYYY-MM-DD).", fields={"ends_on": "invalid"}
        ) from error


@router.get("/staff/postings/overrides")
def overrides(request: Request, staff: PageStaff, services: ServicesDep) -> Response:
    return render(request, "posting_overrides.html", {"overrides": services.safeguarding.overrides(staff)})
