"""A person's history page, the handler's decision on a suggested link, and early-intervention flags."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import Response

from upstander import access
from upstander.accounts.service import StaffPrincipal
from upstander.cases.models import ComplaintChannel
from upstander.errors import Conflict, DomainError, InvalidInput
from upstander.listing.rules import MAX_LIMIT
from upstander.listing.web import PageParams, Paging, first_page_url, next_page_url, sort_url
from upstander.patterns.flag_views import DECISION_LABELS
from upstander.patterns.models import FlagStatus
from upstander.reports.staff_pages import link_draft_key, report_page
from upstander.web.deps import CsrfChecked, PageStaff, ServicesDep
from upstander.web.pages import redirect, render

if TYPE_CHECKING:
    from upstander.services import Services

router = APIRouter(include_in_schema=False)


@router.get("/staff/people/{person_id}")
def person_history(
    request: Request,
    person_id: uuid.UUID,
    staff: PageStaff,
    services: ServicesDep,
    paging: Paging,
    q: str = "",
    category: str = "",
    channel: str = "",
) -> Response:
    history = services.linking.history(
        staff,
        person_id,
        search=q,
        category=category,
        channel=channel,
        sort=paging.sort,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    flags = services.intervention.flags(staff, status=None, person_id=person_id, limit=MAX_LIMIT)
    return render(
        request,
        "person_history.html",
        {
            "history": history,
            "flags": flags.items,
            "more_flags": flags.total - len(flags.items),
            "wanted": {"q": q, "category": category, "channel": channel},
            "channels": [c.value for c in ComplaintChannel],
            "next_url": next_page_url(request, history.next_cursor) if history.next_cursor else None,
            "first_url": first_page_url(request),
            "sort_url": lambda column: sort_url(request, history.sort, column),
        },
    )


@router.post("/staff/allegations/{allegation_id}/links", dependencies=[CsrfChecked])
async def decide_link(
    request: Request, allegation_id: uuid.UUID, staff: PageStaff, services: ServicesDep
) -> Response:
    form = await request.form()

    def text(name: str) -> str:
        value = form.get(name)
        return value if isinstance(value, str) else ""

    try:
        person_id, report_id = uuid.UUID(text("person_id")), uuid.UUID(text("report_id"))
    except ValueError as error:
        raise InvalidInput("That choice is not valid; reload the page and try again.") from error
    reasons = text("reasons")
    try:
        services.linking.decide(
            staff, allegation_id, person_id, confirm=text("decision") == "confirm", reasons=reasons
        )
    except (InvalidInput, Conflict) as error:
        # The report page again, the reason typed kept in its own box with the error beside it:
        # an error page of its own would lose the text and lead nowhere.
        return report_page(
            request,
            staff,
            services,
            report_id,
            error=error.detail,
            draft={link_draft_key(allegation_id, person_id): reasons},
            status_code=error.status,
        )
    return redirect(f"/staff/reports/{report_id}?done=linked")


STATUSES = {"open": FlagStatus.OPEN, "answered": FlagStatus.ANSWERED, "all": None}


def _flags_page(
    request: Request,
    services: Services,
    staff: StaffPrincipal,
    status: str,
    paging: PageParams,
    search: str = "",
    *,
    done: str = "",
    error: DomainError | None = None,
    failed: str = "",
    draft: dict[str, str] | None = None,
) -> Response:
    found = services.intervention.flags(
        staff,
        status=STATUSES.get(status, FlagStatus.OPEN),
        search=search,
        sort=paging.sort,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    return render(
        request,
        "intervention_flags.html",
        {
            "found": found,
            "search": search,
            "next_url": next_page_url(request, found.next_cursor) if found.next_cursor else None,
            "first_url": first_page_url(request),
            "sort_url": lambda column: sort_url(request, found.sort, column),
            "status": status if status in STATUSES else "open",
            "can_respond": access.allowed(staff.roles, access.Action.RESPOND_TO_INTERVENTION_FLAG),
            "decisions": DECISION_LABELS,
            "done": done,
            "error": error.detail if error else None,
            "failed": failed,
            "draft": draft or {},
        },
        status_code=error.status if error else 200,
    )


@router.get("/staff/intervention-flags")
def intervention_flags(
    request: Request,
    staff: PageStaff,
    services: ServicesDep,
    paging: Paging,
    status: str = "open",
    done: str = "",
    q: str = "",
) -> Response:
    return _flags_page(request, services, staff, status, paging, q, done=done)


@router.post("/staff/intervention-flags/{flag_id}/response", dependencies=[CsrfChecked])
async def respond_to_flag(
    request: Request, flag_id: uuid.UUID, staff: PageStaff, services: ServicesDep
) -> Response:
    """A decision maker's response; a refusal shows the list again with the reason and what was typed."""
    form = await request.form()
    draft = {name: value for name in ("decision", "reasons") if isinstance(value := form.get(name, ""), str)}
    try:
        services.intervention.respond(staff, flag_id, draft.get("decision", ""), draft.get("reasons", ""))
    except DomainError as error:
        if error.status in {401, 403}:
            raise
        first_page = PageParams(None, None, None)
        return _flags_page(
            request, services, staff, "open", first_page, error=error, failed=str(flag_id), draft=draft
        )
    return redirect("/staff/intervention-flags?done=answered")
