"""Case pages: the cases a person holds, one case with its timeline, opening and assigning."""

from __future__ import annotations

import hashlib
import uuid
from typing import TYPE_CHECKING, Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from upstander import access
from upstander.accounts.service import StaffPrincipal
from upstander.cases import case_file_pdf
from upstander.cases import rules as case_rules
from upstander.db import LostRace
from upstander.errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from upstander.listing.web import Paging, first_page_url, next_page_url, sort_url
from upstander.reports.rules import CATEGORY_LABELS
from upstander.reports.staff_pages import report_page
from upstander.store import changes
from upstander.web.deps import CsrfChecked, PageStaff, ServicesDep
from upstander.web.pages import redirect, render

if TYPE_CHECKING:
    from upstander.services import Services

router = APIRouter(include_in_schema=False)


def _uuid(value: object, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as error:
        raise InvalidInput(
            "That choice is not valid; reload the page and try again.", fields={field: "invalid"}
        ) from error


@router.get("/staff/dashboard")
def dashboard(
    request: Request,
    staff: PageStaff,
    services: ServicesDep,
    paging: Paging,
    overdue_cursor: Annotated[str | None, Query(max_length=2000)] = None,
    soon_cursor: Annotated[str | None, Query(max_length=2000)] = None,
    later_cursor: Annotated[str | None, Query(max_length=2000)] = None,
    referrals_cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """The board, with "for you" first: a page of the cases owed a step by one of your roles (a new
    case's severity assessment, a decision, a second decision on a closure) or unread by you, each
    with the steps it is owed, by whom, and its next duty's date; then a
    page each of what is overdue, due this week and due later, each paged on its own."""
    page = services.dashboard.for_you(staff, sort=paging.sort, cursor=paging.cursor, limit=paging.limit or 20)
    cursors = {
        case_rules.Bucket.OVERDUE: overdue_cursor,
        case_rules.Bucket.DUE_SOON: soon_cursor,
        case_rules.Bucket.LATER: later_cursor,
    }
    board = services.dashboard.board(staff, cursors, referrals_cursor=referrals_cursor)

    def bucket_url(name: str, cursor: str | None) -> str:
        url = request.url.remove_query_params(f"{name}_cursor")
        url = url.include_query_params(**{f"{name}_cursor": cursor}) if cursor else url
        return f"{url.path}?{url.query}#{name}" if url.query else f"{url.path}#{name}"

    return render(
        request,
        "dashboard.html",
        {
            "board": board,
            "page": page,
            "next_url": next_page_url(request, page.next_cursor) if page.next_cursor else None,
            "first_url": first_page_url(request),
            "sort_url": lambda column: sort_url(request, page.sort, column),
            "bucket_url": bucket_url,
            "cursors": {**{b.value: c for b, c in cursors.items()}, "referrals": referrals_cursor},
        },
    )


@router.get("/staff/cases")
def cases(
    request: Request,
    staff: PageStaff,
    services: ServicesDep,
    paging: Paging,
    q: str | None = None,
    stage: str | None = None,
    category: str | None = None,
    handler: str | None = None,
    due: str | None = None,
    unread: int = 0,
) -> Response:
    wanted = case_rules.parse_case_filter(
        search=q, stage=stage, category=category, handler=handler, due=due, unread=bool(unread)
    )
    page = services.cases.my_cases(staff, wanted, sort=paging.sort, cursor=paging.cursor, limit=paging.limit)
    return render(
        request,
        "cases.html",
        {
            "cases": page.items,
            "page": page,
            "wanted": wanted,
            "handler": handler or "",
            "handlers": services.cases.handlers(),
            "categories": CATEGORY_LABELS,
            "next_url": next_page_url(request, page.next_cursor) if page.next_cursor else None,
            "first_url": first_page_url(request),
            "sort_url": lambda column: sort_url(request, page.sort, column),
        },
    )


@router.post("/staff/cases", dependencies=[CsrfChecked])
async def open_case(request: Request, staff: PageStaff, services: ServicesDep) -> Response:
    form = await request.form()
    report_ids = [_uuid(value, "report_ids") for value in form.getlist("report_ids")]
    handler = form.get("handler_id")
    handler_id = _uuid(handler, "handler_id") if isinstance(handler, str) and handler else None
    try:
        summary = services.cases.open_case(staff, report_ids, handler_id)
    except (changes.ChangedMeanwhile, LostRace) as error:
        if len(report_ids) != 1:
            raise
        # The report page says which case the report is in now, with a link to it.
        return report_page(
            request, staff, services, report_ids[0], error=error.detail, status_code=error.status
        )
    return redirect(f"/staff/cases/{summary.id}")


def _typed(draft: dict[str, str] | None) -> list[tuple[str, str]]:
    return [
        (name.replace("_", " ").capitalize(), value)
        for name, value in (draft or {}).items()
        if value.strip() and name not in {"version", "csrf_token"}
    ]


def case_page(
    request: Request,
    services: Services,
    staff: StaffPrincipal,
    case_id: uuid.UUID,
    *,
    done: str = "",
    error: DomainError | None = None,
    open_step: str = "",
    draft: dict[str, str] | None = None,
    handler_filter: case_rules.HandlerFilter | None = None,
) -> Response:
    """The case; after a refusal, with the reason and, when someone else changed the case first,
    everything the person typed shown back to them (the form it came from may be gone)."""
    view = services.cases.view_case(staff, case_id)
    can_assign = access.allowed(staff.roles, access.Action.ASSIGN_HANDLER)
    picker = services.cases.handler_screen(staff, case_id, handler_filter) if can_assign else None
    records_consent = access.allowed(staff.roles, access.Action.RECORD_CONSENT)
    return render(
        request,
        "case.html",
        {
            "view": view,
            "picker": picker,
            "handlers": picker.handlers if picker else [],
            "can_assign": can_assign,
            "can_override": access.allowed(staff.roles, access.Action.OVERRIDE_CONFLICT),
            "can_make_case_file": access.allowed(staff.roles, access.Action.MAKE_CASE_FILE),
            "consents": services.representation.consents(staff, case_id) if records_consent else None,
            "representatives": services.representation.representatives() if records_consent else [],
            "holds": services.holds.holds(staff, case_id),
            "can_hold": access.allowed(staff.roles, access.Action.SET_LEGAL_HOLD),
            "done": done,
            "error": error.detail if error else None,
            "error_fields": getattr(error, "fields", {}) if error else {},
            "open_step": open_step,
            "draft": draft or {},
            "kept": _typed(draft) if isinstance(error, changes.ChangedMeanwhile | LostRace) else [],
        },
        status_code=error.status if error else 200,
    )


@router.get("/staff/cases/{case_id}")
def show_case(
    request: Request,
    case_id: uuid.UUID,
    staff: PageStaff,
    services: ServicesDep,
    done: str = "",
    handler_unit: str | None = None,
    handler_q: str | None = None,
) -> Response:
    """The case; `handler_unit` (a unit's id, or `none`) and `handler_q` (part of a name) narrow the
    handlers offered for assignment, which are grouped by unit."""
    wanted = case_rules.parse_handler_filter(handler_unit, handler_q)
    return case_page(request, services, staff, case_id, done=done, handler_filter=wanted)


@router.post("/staff/cases/{case_id}/steps/{kind}", dependencies=[CsrfChecked])
async def take_step(
    request: Request, case_id: uuid.UUID, kind: str, staff: PageStaff, services: ServicesDep
) -> Response:
    """One workflow step from its form; a refusal shows the case again with the reason and the typed values."""
    form = await request.form()
    raw = {
        name: [v for v in form.getlist(name) if isinstance(v, str)]
        for name in form
        if name not in {"csrf_token", "version"}
    }
    seen = changes.version_from_form(form.get("version"))
    try:
        state = services.workflow.act(staff, case_id, kind, raw, seen)
    except (InvalidInput, Conflict, NotAllowed) as error:
        draft = {name: values[0] for name, values in raw.items() if values}
        return case_page(request, services, staff, case_id, error=error, open_step=kind, draft=draft)
    spec = services.workflow.policies.get(state.policy_id, state.policy_version).action(kind)
    label = spec.label if spec else kind.replace("_", " ")
    return redirect(f"/staff/cases/{case_id}?done={quote(label)}")


@router.post("/staff/cases/{case_id}/handler", dependencies=[CsrfChecked])
async def assign(request: Request, case_id: uuid.UUID, staff: PageStaff, services: ServicesDep) -> Response:
    form = await request.form()
    reasons = form.get("override_reasons")
    try:
        services.cases.assign_handler(
            staff,
            case_id,
            _uuid(form.get("handler_id"), "handler_id"),
            reasons if isinstance(reasons, str) and reasons.strip() else None,
            changes.version_from_form(form.get("version")),
        )
    except (InvalidInput, NotAllowed, Conflict) as error:
        draft = {"override_reasons": reasons} if isinstance(reasons, str) and reasons.strip() else {}
        return case_page(request, services, staff, case_id, error=error, draft=draft)
    return redirect(f"/staff/cases/{case_id}?done={quote('assign a handler')}")


@router.post("/staff/cases/{case_id}/representatives", dependencies=[CsrfChecked])
async def give_consent(
    request: Request, case_id: uuid.UUID, staff: PageStaff, services: ServicesDep
) -> Response:
    form = await request.form()
    subject = form.get("subject")
    try:
        services.representation.give_consent(
            staff,
            case_id,
            subject if isinstance(subject, str) else "",
            _uuid(form.get("representative_id"), "representative_id"),
        )
    except (InvalidInput, NotFound, Conflict) as error:
        return case_page(request, services, staff, case_id, error=error)
    return redirect(f"/staff/cases/{case_id}?done={quote('record the consent')}")


@router.post("/staff/cases/{case_id}/representatives/{consent_id}/withdraw", dependencies=[CsrfChecked])
def withdraw_consent(
    request: Request, case_id: uuid.UUID, consent_id: uuid.UUID, staff: PageStaff, services: ServicesDep
) -> Response:
    services.representation.withdraw_consent(staff, case_id, consent_id)
    return redirect(f"/staff/cases/{case_id}?done={quote('record the withdrawal of consent')}")


@router.get("/staff/cases/{case_id}/case-file.pdf")
def case_file(
    request: Request,
    case_id: uuid.UUID,
    staff: PageStaff,
    services: ServicesDep,
    recipient: Annotated[str, Query(alias="for")] = "",
) -> Response:
    """The case file for a hearing, as a PDF drawn from the case's own templates (`?for=panel`)."""
    contents = services.case_files.contents(staff, case_id, recipient)
    pdf, pages = case_file_pdf.render(request.app.state.templates.env, contents)
    services.case_files.record_made(staff, contents, hashlib.sha256(pdf).hexdigest(), len(pdf), pages)
    name = f"case-{contents.case.reference}-for-{contents.recipient}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"},
    )
