"""Pages: the register (welfare, decision makers, handlers, overseer), HR decisions (HR), and the
detriment alerts (overseer, custodian). A refusal shows the page again with the reason."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from upstander import access
from upstander.accounts.service import StaffPrincipal
from upstander.errors import DomainError, InvalidInput
from upstander.listing.web import PageParams, Paging, first_page_url, next_page_url, sort_url
from upstander.safeguarding.detriment import KIND_LABELS as HR_KIND_LABELS
from upstander.safeguarding.register.rules import ReviewOutcome
from upstander.safeguarding.register.service import CATEGORIES
from upstander.web.deps import CsrfChecked, PageStaff, ServicesDep
from upstander.web.pages import redirect, render

if TYPE_CHECKING:
    from upstander.services import Services

FIRST_PAGE = PageParams(None, None, None)

router = APIRouter(include_in_schema=False)

RESTRICTION_FIELDS = (
    "person",
    "kind",
    "category",
    "reasons",
    "redeployment_considered",
    "case_reference",
    "starts_on",
    "review_due",
)
HR_FIELDS = ("person", "kind", "occurred_on", "details")


def _register_page(
    request: Request,
    services: Services,
    staff: StaffPrincipal,
    paging: PageParams = FIRST_PAGE,
    wanted: dict[str, str] | None = None,
    *,
    done: str = "",
    error: DomainError | None = None,
    draft: dict[str, str] | None = None,
) -> Response:
    wanted = wanted or {}
    page = services.register.register(
        staff,
        search=wanted.get("q", ""),
        kind=wanted.get("kind", ""),
        category=wanted.get("category", ""),
        due=wanted.get("due", ""),
        sort=paging.sort,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    return render(
        request,
        "restrictions.html",
        {
            "entries": page.items,
            "page": page,
            "wanted": wanted,
            "next_url": next_page_url(request, page.next_cursor) if page.next_cursor else None,
            "first_url": first_page_url(request),
            "sort_url": lambda column: sort_url(request, page.sort, column),
            "done": done,
            "can_restrict": access.allowed(staff.roles, access.Action.RECORD_RESTRICTED_DUTIES),
            "can_suspend": access.allowed(staff.roles, access.Action.SUSPEND),
            "categories": sorted(CATEGORIES),
            "outcomes": [outcome.value for outcome in ReviewOutcome],
            "error": error.detail if error else None,
            "draft": draft or {},
        },
        status_code=error.status if error else 200,
    )


@router.get("/staff/restrictions")
def register(
    request: Request,
    staff: PageStaff,
    services: ServicesDep,
    paging: Paging,
    done: str = "",
    q: str = "",
    kind: str = "",
    category: str = "",
    due: str = "",
) -> Response:
    wanted = {"q": q, "kind": kind, "category": category, "due": due}
    return _register_page(request, services, staff, paging, wanted, done=done)


@router.post("/staff/restrictions", dependencies=[CsrfChecked])
async def impose(request: Request, staff: PageStaff, services: ServicesDep) -> Response:
    form = await request.form()
    draft = {name: value for name in RESTRICTION_FIELDS if isinstance(value := form.get(name, ""), str)}
    try:
        entry = services.register.impose(
            staff,
            draft.get("person", ""),
            draft.get("kind", ""),
            draft.get("category", ""),
            draft.get("reasons", ""),
            redeployment_considered=draft.get("redeployment_considered") or None,
            case_reference=draft.get("case_reference") or None,
            starts_on=_date(draft.get("starts_on", ""), "starts_on"),
            review_due=_date(draft.get("review_due", ""), "review_due"),
        )
    except DomainError as error:
        if error.status in {401}:
            raise
        return _register_page(request, services, staff, error=error, draft=draft)
    return redirect(f"/staff/restrictions?done={quote(entry.reference)}")


@router.post("/staff/restrictions/{reference}/reviews", dependencies=[CsrfChecked])
async def review(request: Request, reference: str, staff: PageStaff, services: ServicesDep) -> Response:
    form = await request.form()
    values = {
        name: value
        for name in ("outcome", "reasons", "next_review_due", "kind", "redeployment_considered")
        if isinstance(value := form.get(name, ""), str)
    }
    entry = services.register.in_force(staff, reference)
    try:
        if entry is None:
            raise InvalidInput(f"{reference} is not in force: there is nothing to review.")
        services.register.review(
            staff,
            entry.id,
            values.get("outcome", ""),
            values.get("reasons", ""),
            _date(values.get("next_review_due", ""), "next_review_due"),
            kind=values.get("kind") or None,
            redeployment_considered=values.get("redeployment_considered") or None,
        )
    except DomainError as error:
        if error.status in {401}:
            raise
        return _register_page(request, services, staff, error=error)
    return redirect(f"/staff/restrictions?done={quote(reference)}")


def _date(value: str, field: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as error:
        raise InvalidInput(
            f"{field.replace('_', ' ')} is not a date (YYYY-MM-DD).", fields={field: "invalid"}
        ) from error


def _hr_page(
    request: Request,
    staff: StaffPrincipal,
    *,
    recorded: str = "",
    error: DomainError | None = None,
    draft: dict[str, str] | None = None,
) -> Response:
    # The page is the same for every person: it never asks the detriment watch anything.
    access.require(staff.roles, access.Action.RECORD_HR_EVENT)
    return render(
        request,
        "hr_events.html",
        {
            "kinds": [(kind.value, label) for kind, label in HR_KIND_LABELS.items()],
            "recorded": recorded,
            "error": error.detail if error else None,
            "draft": draft or {},
        },
        status_code=error.status if error else 200,
    )


@router.get("/staff/hr/events")
def hr_events(request: Request, staff: PageStaff, recorded: str = "") -> Response:
    return _hr_page(request, staff, recorded=recorded)


@router.post("/staff/hr/events", dependencies=[CsrfChecked])
async def record_hr_event(request: Request, staff: PageStaff, services: ServicesDep) -> Response:
    form = await request.form()
    draft = {name: value for name in HR_FIELDS if isinstance(value := form.get(name, ""), str)}
    try:
        services.detriment.record_event(
            staff,
            draft.get("person", ""),
            draft.get("kind", ""),
            _date(draft.get("occurred_on", ""), "occurred_on"),
            draft.get("details", ""),
        )
    except DomainError as error:
        if error.status in {401, 403}:
            raise
        return _hr_page(request, staff, error=error, draft=draft)
    return redirect(f"/staff/hr/events?recorded={quote(draft.get('person', '').strip().upper())}")


@router.get("/staff/detriment-alerts")
def detriment_alerts(request: Request, staff: PageStaff, services: ServicesDep) -> Response:
    return render(request, "detriment_alerts.html", {"alerts": services.detriment.alerts(staff)})


@router.post("/staff/identities/{report_id}/detriment-watch", dependencies=[CsrfChecked])
async def watch_reporter(
    request: Request, report_id: uuid.UUID, staff: PageStaff, services: ServicesDep
) -> Response:
    """The custodian records which member of staff a named reporter is (from the held identities page)."""
    form = await request.form()
    person = form.get("person", "")
    try:
        services.detriment.watch_reporter(staff, report_id, person if isinstance(person, str) else "")
    except DomainError as error:
        if error.status in {401, 403}:
            raise
        return render(
            request,
            "identities.html",
            {"items": services.identities.held(staff), "error": error.detail},
            status_code=error.status,
        )
    return redirect("/staff/identities?watched=1")
