"""Staff pages for escrow reports: file one, see my own and their status, withdraw. No JavaScript."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import Response

from upstander.accounts.service import StaffPrincipal
from upstander.errors import Conflict, InvalidInput, ServiceUnavailable, TooManyAttempts
from upstander.patterns.escrow import rules as escrow_rules
from upstander.patterns.escrow.filing import EscrowFiling
from upstander.reports.models import Category, ReporterRelation
from upstander.reports.rules import CATEGORY_LABELS
from upstander.web.deps import CsrfChecked, PageStaff, ServicesDep
from upstander.web.pages import redirect, render

if TYPE_CHECKING:
    from upstander.services import Services

router = APIRouter(include_in_schema=False)

FIELDS = (
    "category",
    "relation",
    "what_happened",
    "when",
    "where",
    "staff_number",
    "name",
    "unit",
    "threshold",
)


def _page(
    request: Request,
    staff: StaffPrincipal,
    services: Services,
    *,
    done: str = "",
    error: str | None = None,
    fields: dict[str, str] | None = None,
    draft: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "escrow.html",
        {
            "items": services.escrow.mine(staff),
            "in_process": services.escrow.in_process,
            "categories": CATEGORY_LABELS,
            "thresholds": range(escrow_rules.MIN_THRESHOLD, services.settings.escrow_max_threshold + 1),
            "default_threshold": escrow_rules.DEFAULT_THRESHOLD,
            "done": done,
            "error": error,
            "fields": fields or {},
            "draft": draft or {},
        },
        status_code=status_code,
    )


@router.get("/staff/escrow")
def escrow_page(request: Request, staff: PageStaff, services: ServicesDep, done: str = "") -> Response:
    return _page(request, staff, services, done=done)


def _filing(draft: dict[str, str]) -> EscrowFiling:
    try:
        category = Category(draft["category"])
    except ValueError as error:
        raise InvalidInput(
            "Choose what kind of misconduct it was.", fields={"category": "choose one"}
        ) from error
    try:
        threshold = int(draft["threshold"] or escrow_rules.DEFAULT_THRESHOLD)
    except ValueError as error:
        raise InvalidInput(
            "The number of reports needed must be a whole number.", fields={"threshold": "a number"}
        ) from error
    relation = ReporterRelation.WITNESS if draft["relation"] == "witness" else ReporterRelation.VICTIM
    return EscrowFiling(
        category=category,
        relation=relation,
        what_happened=draft["what_happened"],
        when=draft["when"],
        where=draft["where"],
        person=escrow_rules.NamedPerson(
            staff_number=draft["staff_number"], name=draft["name"], unit=draft["unit"]
        ),
        threshold=threshold,
    )


@router.post("/staff/escrow", dependencies=[CsrfChecked])
async def file_escrow_report(request: Request, staff: PageStaff, services: ServicesDep) -> Response:
    form = await request.form()
    draft = {name: value if isinstance(value := form.get(name), str) else "" for name in FIELDS}
    try:
        result = services.escrow.file(staff, _filing(draft))
    except (InvalidInput, ServiceUnavailable, TooManyAttempts) as error:
        response = _page(
            request,
            staff,
            services,
            error=error.detail,
            fields=getattr(error, "fields", {}),
            draft=draft,
            status_code=error.status,
        )
        if isinstance(error, TooManyAttempts):
            response.headers["retry-after"] = str(error.retry_after_seconds)
        return response
    if result.opened_reports:
        return redirect("/staff/escrow?done=opened")
    return redirect("/staff/escrow?done=already" if result.already_named else "/staff/escrow?done=filed")


@router.post("/staff/escrow/{escrowed_id}/withdraw", dependencies=[CsrfChecked])
def withdraw_escrow_report(
    request: Request, escrowed_id: uuid.UUID, staff: PageStaff, services: ServicesDep
) -> Response:
    try:
        services.escrow.withdraw(staff, escrowed_id)
    except Conflict as error:
        return _page(request, staff, services, error=error.detail, status_code=error.status)
    return redirect("/staff/escrow?done=withdrawn")
