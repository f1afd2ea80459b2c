"""JSON route for stage statistics: published figures for anyone, exact counts for analysts."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from upstander.accounts.service import StaffPrincipal
from upstander.equality.forms import Filters
from upstander.equality.service import StatisticsFilters
from upstander.equality.suppression import PublishedValue
from upstander.equality.tables import StageLine, StageTable
from upstander.web.deps import ServicesDep, bearer_token

if TYPE_CHECKING:
    from upstander.services import Services

router = APIRouter(prefix="/api/v1", tags=["statistics"])


class StageOut(BaseModel):
    key: str
    label: str
    measured_against: str | None = Field(description="The stage this one is measured against")


class LineOut(BaseModel):
    group: str
    stage: str
    count: int | None = Field(description="null when suppressed")
    count_at_stage_before: int | None
    status: str = Field(description="exact, published, zero, primary or secondary (the last two suppressed)")
    rate: float | None
    relative_rate_index: float | None
    ci_lower_95: float | None
    ci_upper_95: float | None
    outcome: str | None
    reading: str


class StageTableOut(BaseModel):
    population: str
    breakdown: str
    period_start: date | None
    period_end: date | None
    unit: str | None
    category: str | None
    published: bool = Field(
        description="true: disclosure control applied (1-9 suppressed, the rest rounded to 5); false: exact"
    )
    reference: str | None
    groups: list[str]
    stages: list[StageOut]
    totals: dict[str, int | None]
    lines: list[LineOut]


def optional_staff(request: Request, services: Services) -> StaffPrincipal | None:
    """Who is asking, if they sent a bearer token at all; a token that fails is refused, not ignored."""
    if "authorization" not in request.headers:
        return None
    return services.accounts.authenticate(bearer_token(request))


def _status(value: PublishedValue, published: bool) -> str:
    return value.status.value if published else "exact"


def _line(line: StageLine, published: bool) -> LineOut:
    comparison = line.comparison
    interval = comparison.interval if comparison else None
    return LineOut(
        group=line.group,
        stage=line.stage.key,
        count=line.count.value,
        count_at_stage_before=line.base.value if line.base else None,
        status=_status(line.count, published),
        rate=line.rate,
        relative_rate_index=comparison.ratio if comparison else None,
        ci_lower_95=interval.lower if interval else None,
        ci_upper_95=interval.upper if interval else None,
        outcome=comparison.outcome.value if comparison else None,
        reading=line.reading,
    )


def table_out(table: StageTable, filters: StatisticsFilters) -> StageTableOut:
    return StageTableOut(
        population=table.population.value,
        breakdown=table.characteristic.value,
        period_start=table.start,
        period_end=table.end,
        unit=filters.unit,
        category=filters.category,
        published=table.published,
        reference=table.reference,
        groups=list(table.groups),
        stages=[StageOut(key=s.key, label=s.label, measured_against=s.base) for s in table.stages],
        totals={key: value.value for key, value in table.totals.items()},
        lines=[_line(line, table.published) for line in table.lines],
    )


@router.get("/statistics/stages", response_model=StageTableOut)
def stage_statistics(
    request: Request, services: ServicesDep, filters: Filters, published: bool = False
) -> StageTableOut:
    """How many of each group reached each stage, with each stage's rate measured against the stage
    before it and the relative rate index against a reference group (95% intervals, Katz log method).

    Without a token: the published figures anyone may see (the same as /transparency). With a bearer
    token of an analyst or the overseer: exact counts, unless `published=true`. Any other token: 403.
    Query: `from`, `to` (YYYY-MM-DD), `unit` (code; includes the units below it), `category`,
    `population` (subjects or complainants), `by` (ethnicity, sex, age, rank, service), `reference`.
    """
    principal = optional_staff(request, services)
    table = services.statistics.stage_table(principal, filters, published=published)
    return table_out(table, filters)
