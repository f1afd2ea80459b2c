"""`GET /api/v1/analysis`: `upstander analyse` over HTTP, as JSON or CSV, for analysts and the overseer."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from upstander.analysis.attributes import QueryError
from upstander.analysis.forms import Asked, parse
from upstander.analysis.output import ROUNDING, Shown, csv_text, download_name, rows
from upstander.analysis.queries import Unit
from upstander.errors import InvalidInput
from upstander.web.deps import ApiStaff, ServicesDep

router = APIRouter(prefix="/api/v1", tags=["analysis"])

Conditions = Annotated[list[str], Query()]


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"


def asked(
    unit: Annotated[
        str, Query(description=f"What is counted: {', '.join(u.value for u in Unit)}")
    ] = "allegation",
    only: Annotated[list[str], Query(description="Keep ATTRIBUTE=VALUE[,VALUE…] (repeatable)")] = [],  # noqa: B006
    range_: Annotated[
        list[str], Query(alias="range", description="Keep ATTRIBUTE=FIRST..LAST, both included (repeatable)")
    ] = [],  # noqa: B006
    known_person: Annotated[bool, Query(description="Only allegations naming a known person")] = False,
    group_by: Annotated[str | None, Query(max_length=60, description="Split by an attribute")] = None,
    rate_of: Annotated[list[str], Query(description="A rate: records with ATTRIBUTE=VALUE[,…]")] = [],  # noqa: B006
    among: Annotated[list[str], Query(description="… among those with ATTRIBUTE=VALUE[,…]")] = [],  # noqa: B006
    many: Annotated[int, Query(ge=1, description="Person unit: the count for 'exactly' and 'at least'")] = 10,
    top: Annotated[
        str, Query(max_length=20, description="Person unit: the top fraction, 1/10 or 0.1")
    ] = "1/10",
) -> Asked:
    return Asked(unit, only, range_, known_person, group_by, rate_of, among, many, top)


class AnalysisOut(BaseModel):
    source: str
    unit: str
    group_by: str | None
    places: int
    rounding: str = Field(description="How the shown values were rounded from the exact ones")
    groups: list[dict[str, Shown]] = Field(
        description="One row per group: the group's name (under group_by, or 'group'), then each measure"
    )


@router.get(
    "/analysis",
    response_model=AnalysisOut,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def analysis(
    staff: ApiStaff,
    services: ServicesDep,
    source: Annotated[str, Query(min_length=1, max_length=60, description="The source, e.g. cpdp-chicago")],
    question: Annotated[Asked, Depends(asked)],
    places: Annotated[int, Query(ge=0, le=12, description="Decimals shown")] = 4,
    format_: Annotated[Format, Query(alias="format")] = Format.JSON,
) -> AnalysisOut | Response:
    """Complaints, allegations, accused people or complainants of one source, filtered and grouped,
    with shares, rates and how allegations spread over people (the measures of `upstander analyse`).
    Exact arithmetic; only the values shown are rounded, halves away from zero. `format=csv` answers
    the same rows as CSV (without the distribution)."""
    try:
        query = parse(question)
    except QueryError as error:
        raise InvalidInput(str(error), fields={error.field: str(error)}) from None
    label = query.group_by or "group"
    shown = rows(services.analysis.analyse(staff, source, query), places, label)
    if format_ is Format.CSV:
        return Response(
            csv_text(shown),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{download_name(source, "csv")}"'},
        )
    return AnalysisOut(
        source=source,
        unit=query.unit.value,
        group_by=query.group_by,
        places=places,
        rounding=ROUNDING.format(places=places),
        groups=shown,
    )
