"""The handler's pages: inbox, a report, acknowledging, replying, notes; the operator's phone intake."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from upstander import access
from upstander.accounts.service import StaffPrincipal
from upstander.errors import Conflict, InvalidInput, PayloadTooLarge, ServiceUnavailable
from upstander.listing.web import Paging, first_page_url, next_page_url, sort_url
from upstander.reports import forms, rules
from upstander.reports.models import Channel, ReportStatus
from upstander.reports.reporter_pages import file_response, form_page, submit_form
from upstander.store import changes
from upstander.web.deps import CsrfChecked, PageStaff, ServicesDep
from upstander.web.pages import redirect, render

if TYPE_CHECKING:
    from upstander.services import Services

router = APIRouter(include_in_schema=False)


@router.get("/staff/inbox")
def inbox(
    request: Request,
    staff: PageStaff,
    services: ServicesDep,
    paging: Paging,
    all: int = 0,
    q: str | None = None,
    status: str | None = None,
    category: str | None = None,
    channel: str | None = None,
    who: str | None = None,
    due: str | None = None,
    unread: int = 0,
    handler: str | None = None,
) -> Response:
    wanted = rules.parse_inbox_filter(
        search=q,
        status=status,
        category=category,
        channel=channel,
        who=who,
        due=due,
        include_in_case=bool(all),
        unread=bool(unread),
        handler=handler,
    )
    page = services.handling.inbox(staff, wanted, sort=paging.sort, cursor=paging.cursor, limit=paging.limit)
    return render(
        request,
        "inbox.html",
        {
            "items": page.items,
            "page": page,
            "wanted": wanted,
            "next_url": next_page_url(request, page.next_cursor) if page.next_cursor else None,
            "sort_url": lambda column: sort_url(request, page.sort, column),
            "first_url": first_page_url(request),
            "categories": rules.CATEGORY_LABELS,
            "statuses": list(ReportStatus),
            "channels": list(Channel),
            "show_all": bool(all),
            "can_open_case": access.allowed(staff.roles, access.Action.OPEN_CASE),
            "handlers": services.cases.handlers(),
            "handler": handler or "",
        },
    )


def link_draft_key(allegation_id: uuid.UUID, person_id: uuid.UUID) -> str:
    """Where a refused decision on a suggested staff record keeps its reason on the report page."""
    return f"link:{allegation_id}:{person_id}"


def report_page(
    request: Request,
    staff: PageStaff,
    services: ServicesDep,
    report_id: uuid.UUID,
    *,
    error: str | None = None,
    draft: dict[str, str] | None = None,
    status_code: int = 200,
    done: str = "",
) -> Response:
    view = services.handling.open_report(staff, report_id)
    can = {action.value: access.allowed(staff.roles, action) for action in access.Action}
    return render(
        request,
        "staff_report.html",
        {
            "view": view,
            "can": can,
            "error": error,
            "draft": draft or {},
            "done": done,
            "handlers": services.cases.handlers(),
        },
        status_code=status_code,
    )


@router.get("/staff/reports/{report_id}")
def show_report(
    request: Request, report_id: uuid.UUID, staff: PageStaff, services: ServicesDep, done: str = ""
) -> Response:
    return report_page(request, staff, services, report_id, done=done)


async def _text(request: Request, name: str) -> str:
    value = (await request.form()).get(name)
    return value if isinstance(value, str) else ""


async def _step(
    request: Request,
    report_id: uuid.UUID,
    staff: StaffPrincipal,
    services: Services,
    *,
    draft_key: str,
    text: str,
    done: str,
    do: Callable[[], object],
    kept_in: str | None = None,
) -> Response:
    """Run one handler step; a refusal shows the report again with the reason and the text typed.

    When someone else got there first (a conflict), the form the text came from may no longer be
    on the page (an acknowledged report has no acknowledgement form): `kept_in` names the form
    that keeps it instead."""
    try:
        # In a worker thread: cleaning files decodes images and waits for a cleaning slot, which
        # must not hold up every other request on the event loop.
        await run_in_threadpool(do)
    except (InvalidInput, PayloadTooLarge, ServiceUnavailable, Conflict) as error:
        kept = kept_in if isinstance(error, Conflict) and kept_in else draft_key
        response = report_page(
            request,
            staff,
            services,
            report_id,
            error=error.detail,
            draft={kept: text},
            status_code=error.status,
        )
        if error.retry_after_seconds is not None:
            response.headers["retry-after"] = str(error.retry_after_seconds)
        return response
    return redirect(f"/staff/reports/{report_id}?done={done}")


@router.post("/staff/reports/{report_id}/acknowledge", dependencies=[CsrfChecked])
async def acknowledge(
    request: Request, report_id: uuid.UUID, staff: PageStaff, services: ServicesDep
) -> Response:
    message = await _text(request, "message")
    seen = changes.version_from_form(await _text(request, "version"))
    return await _step(
        request,
        report_id,
        staff,
        services,
        draft_key="acknowledge",
        text=message,
        done="acknowledged",
        do=lambda: services.handling.acknowledge(staff, report_id, message, seen),
        kept_in="reply" if message.strip() else None,
    )


@router.post("/staff/reports/{report_id}/replies", dependencies=[CsrfChecked])
async def reply(request: Request, report_id: uuid.UUID, staff: PageStaff, services: ServicesDep) -> Response:
    text = await _text(request, "text")
    files = await forms.read_files(await request.form())
    return await _step(
        request,
        report_id,
        staff,
        services,
        draft_key="reply",
        text=text,
        done="replied",
        do=lambda: services.handling.reply(staff, report_id, text, files),
    )


@router.post("/staff/reports/{report_id}/notes", dependencies=[CsrfChecked])
async def note(request: Request, report_id: uuid.UUID, staff: PageStaff, services: ServicesDep) -> Response:
    text = await _text(request, "text")
    return await _step(
        request,
        report_id,
        staff,
        services,
        draft_key="note",
        text=text,
        done="noted",
        do=lambda: services.handling.add_note(staff, report_id, text),
    )


@router.get("/staff/reports/{report_id}/files/{attachment_id}")
def download(
    report_id: uuid.UUID, attachment_id: uuid.UUID, staff: PageStaff, services: ServicesDep
) -> Response:
    opened = services.handling.download(staff, report_id, attachment_id)
    return file_response(opened.data, opened.filename)


@router.get("/staff/phone-report")
def phone_report_form(request: Request, staff: PageStaff) -> Response:
    access.require(staff.roles, access.Action.ENTER_REPORT_ON_BEHALF)
    return form_page(request, forms.ReportForm(), action="/staff/phone-report", operator=True)


@router.post("/staff/phone-report", dependencies=[CsrfChecked])
async def phone_report(request: Request, staff: PageStaff, services: ServicesDep) -> Response:
    access.require(staff.roles, access.Action.ENTER_REPORT_ON_BEHALF)
    return await submit_form(request, services, action="/staff/phone-report", entered_by=staff)


@router.get("/staff/identities")
def identities(request: Request, staff: PageStaff, services: ServicesDep, done: int = 0) -> Response:
    return render(request, "identities.html", {"items": services.identities.held(staff), "done": bool(done)})


@router.post("/staff/identities/{report_id}/disclose", dependencies=[CsrfChecked])
async def disclose(
    request: Request, report_id: uuid.UUID, staff: PageStaff, services: ServicesDep
) -> Response:
    reasons = await _text(request, "reasons")
    try:
        services.identities.disclose(staff, report_id, reasons)
    except InvalidInput as error:
        return render(
            request,
            "identities.html",
            {
                "items": services.identities.held(staff),
                "error": error.detail,
                "draft": reasons,
                "draft_for": str(report_id),
            },
            status_code=error.status,
        )
    return redirect("/staff/identities?done=1")
