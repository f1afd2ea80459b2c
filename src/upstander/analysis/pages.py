"""The analyst's page: `upstander analyse` as a form (no script needed), its result as a table,
and the same result to download as CSV or JSON."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from upstander import access
from upstander.analysis.api import asked
from upstander.analysis.attributes import OWN, QueryError, filterable
from upstander.analysis.forms import Asked, parse
from upstander.analysis.output import ROUNDING, Row, columns, csv_text, download_name, rows
from upstander.analysis.queries import Unit
from upstander.errors import InvalidInput
from upstander.web.deps import PageStaff, ServicesDep
from upstander.web.pages import render

if TYPE_CHECKING:
    from upstander.accounts.service import StaffPrincipal
    from upstander.services import Services

router = APIRouter(include_in_schema=False)

Source = Annotated[str | None, Query(max_length=60)]
Places = Annotated[int, Query(ge=0, le=12)]
Question = Annotated[Asked, Depends(asked)]


def _answer(
    staff: StaffPrincipal, services: Services, source: str, question: Asked, places: int
) -> tuple[str, list[Row]]:
    query = parse(question)
    label = query.group_by or "group"
    return label, rows(services.analysis.analyse(staff, source, query), places, label)


def _query_string(source: str, question: Asked, places: int) -> str:
    pairs: list[tuple[str, object]] = [("source", source), ("unit", question.unit)]
    pairs += [("only", item) for item in question.only] + [("range", item) for item in question.ranges]
    pairs += [("rate_of", item) for item in question.rate_of] + [("among", item) for item in question.among]
    if question.known_person:
        pairs.append(("known_person", "true"))
    if question.group_by:
        pairs.append(("group_by", question.group_by))
    pairs += [("many", question.many), ("top", question.top), ("places", places)]
    return urlencode(pairs)


@router.get("/staff/analysis")
def analysis_page(
    request: Request,
    staff: PageStaff,
    services: ServicesDep,
    question: Question,
    source: Source = None,
    places: Places = 4,
) -> Response:
    access.require(staff.roles, access.Action.VIEW_STATISTICS)
    sources = services.analysis.sources(staff)
    context: dict[str, object] = {
        "sources": sources,
        "source": source or "",
        "question": question,
        "places": places,
        "units": [unit.value for unit in Unit],
        "attributes": sorted({name for unit in Unit for name in filterable(unit)}),
        "groupable": {unit.value: sorted(OWN[unit]) for unit in Unit},
        "rounding": ROUNDING.format(places=places),
        "shown": None,
        "error": None,
    }
    if source:
        try:
            label, shown = _answer(staff, services, source, question, places)
        except (QueryError, InvalidInput) as error:
            field = error.field if isinstance(error, QueryError) else "source"
            context["error"] = {"field": field, "message": str(error)}
            return render(request, "analysis.html", context, status_code=422)
        context |= {
            "label": label,
            "shown": shown,
            "columns": columns(shown),
            "download": _query_string(source, question, places),
        }
    return render(request, "analysis.html", context)


def _download(
    staff: StaffPrincipal, services: Services, source: str, question: Asked, places: int, kind: str
) -> Response:
    access.require(staff.roles, access.Action.VIEW_STATISTICS)
    try:
        _, shown = _answer(staff, services, source, question, places)
    except QueryError as error:
        raise InvalidInput(str(error), fields={error.field: str(error)}) from None
    if kind == "csv":
        body, media_type = csv_text(shown), "text/csv; charset=utf-8"
    else:
        body, media_type = json.dumps(shown, indent=2), "application/json"
    return Response(
        body,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{download_name(source, kind)}"'},
    )


@router.get("/staff/analysis/export.csv")
def analysis_csv(
    staff: PageStaff,
    services: ServicesDep,
    question: Question,
    source: Annotated[str, Query(max_length=60)],
    places: Places = 4,
) -> Response:
    return _download(staff, services, source, question, places, "csv")


@router.get("/staff/analysis/export.json")
def analysis_json(
    staff: PageStaff,
    services: ServicesDep,
    question: Question,
    source: Annotated[str, Query(max_length=60)],
    places: Places = 4,
) -> Response:
    return _download(staff, services, source, question, places, "json")
