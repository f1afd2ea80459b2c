"""Page: declaring one's relationships with people, which keeps one off their cases."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from upstander.accounts.service import StaffPrincipal
from upstander.errors import DomainError
from upstander.safeguarding.conflicts.rules import RELATIONSHIP_LABELS
from upstander.web.deps import CsrfChecked, PageStaff, ServicesDep
from upstander.web.pages import redirect, render

if TYPE_CHECKING:
    from upstander.services import Services

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    services: Services,
    staff: StaffPrincipal,
    *,
    done: str = "",
    error: DomainError | None = None,
    draft: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "declarations.html",
        {
            "declarations": services.conflicts.declarations(staff),
            "relationships": [(kind.value, label) for kind, label in RELATIONSHIP_LABELS.items()],
            "done": done,
            "error": error.detail if error else None,
            "draft": draft or {},
        },
        status_code=error.status if error else 200,
    )


@router.get("/staff/declarations")
def declarations(request: Request, staff: PageStaff, services: ServicesDep, done: str = "") -> Response:
    return _page(request, services, staff, done=done)


@router.post("/staff/declarations", dependencies=[CsrfChecked])
async def declare(request: Request, staff: PageStaff, services: ServicesDep) -> Response:
    form = await request.form()
    draft = {
        name: value
        for name in ("person", "relationship", "note")
        if isinstance(value := form.get(name, ""), str)
    }
    try:
        services.conflicts.declare(staff, draft["person"], draft["relationship"], draft["note"])
    except DomainError as error:
        return _page(request, services, staff, error=error, draft=draft)
    return redirect(f"/staff/declarations?done={quote('declared')}")


@router.post("/staff/declarations/{declaration_id}/withdraw", dependencies=[CsrfChecked])
def withdraw(declaration_id: uuid.UUID, staff: PageStaff, services: ServicesDep) -> Response:
    services.conflicts.withdraw_declaration(staff, declaration_id)
    return redirect(f"/staff/declarations?done={quote('withdrawn')}")
