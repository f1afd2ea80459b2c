"""A person's history page, and the handler's decision on a suggested link."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from upstander.errors import InvalidInput
from upstander.web.deps import CsrfChecked, PageStaff, ServicesDep
from upstander.web.pages import redirect, render

router = APIRouter(include_in_schema=False)


@router.get("/staff/people/{person_id}")
def person_history(
    request: Request, person_id: uuid.UUID, staff: PageStaff, services: ServicesDep
) -> Response:
    return render(request, "person_history.html", {"history": services.linking.history(staff, person_id)})


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
    services.linking.decide(
        staff, allegation_id, person_id, confirm=text("decision") == "confirm", reasons=text("reasons")
    )
    return redirect(f"/staff/reports/{report_id}?done=linked")
