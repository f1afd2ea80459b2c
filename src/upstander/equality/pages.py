"""The public transparency page, its charts and the annual report; the analysts' statistics page.

Everything under ``/transparency`` is open to anyone and shows published figures only
(``StatisticsService.public_summary``). Charts are separate ``image/svg+xml`` responses shown with
``<img>``: matplotlib's SVG uses ``style`` attributes, which the pages' ``style-src 'self'`` would
block if the SVG were inlined, but which an image's own document may use. Each chart response carries
a policy of its own that allows those styles and nothing else (no scripts, no fetching).
"""

from __future__ import annotations

import base64
from datetime import date
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from upstander import access
from upstander.equality import charts
from upstander.equality.forms import Filters, query_values
from upstander.equality.queries import COMPLAINANT_CHARACTERISTICS
from upstander.equality.report import Breakdown, PublicSummary, report_csv
from upstander.equality.service import BY_NAMES, characteristic_named
from upstander.equality.stages import ASSESSED, CASE_TO_ANSWER, INVESTIGATED, PROVEN, REFERRED, REPORTED
from upstander.errors import NotFound
from upstander.web.deps import MaybePageStaff, PageStaff, ServicesDep
from upstander.web.pages import render

if TYPE_CHECKING:
    from upstander.services import Services

router = APIRouter(include_in_schema=False)

CHAIN = (REPORTED, ASSESSED, REFERRED, INVESTIGATED, CASE_TO_ANSWER, PROVEN)
CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
CHART_TITLES = {
    "open-by-category": "Open allegations by category",
    "restrictions": "People suspended or on restricted duties, by category",
    "time-to-acknowledge": "Time taken to acknowledge a report",
    "time-to-close": "Time taken to close a complaint",
}
Year = Annotated[int | None, Query(ge=1900, le=2999)]
By = Annotated[str, Query(max_length=20)]
Reference = Annotated[str | None, Query(max_length=80)]


def _public_summary(services: Services, year: int | None, by: str, reference: str | None) -> PublicSummary:
    start, end = services.statistics.transparency_period(year)
    return services.statistics.public_summary(
        start, end, subject_by=(characteristic_named(by),), reference=reference or None
    )


def _breakdown_for(summary: PublicSummary, name: str) -> Breakdown | None:
    return {
        "open-by-category": summary.open_by_category,
        "restrictions": summary.restrictions,
        "time-to-acknowledge": summary.acknowledge,
        "time-to-close": summary.close,
    }[name]


def _chart(summary: PublicSummary, name: str) -> str:
    if name == "disproportionality":
        return charts.rri_chart(summary.subjects[0], CHAIN)
    found = _breakdown_for(summary, name)
    if found is None:
        raise NotFound("There is no chart of this: nothing to show.")
    return charts.bar_chart(CHART_TITLES[name], found.labels, found.values, found.title)


def _svg_response(svg: str) -> Response:
    return Response(svg, media_type="image/svg+xml", headers={"content-security-policy": CHART_CSP})


@router.get("/transparency")
def transparency(
    request: Request,
    services: ServicesDep,
    _staff: MaybePageStaff,
    year: Year = None,
    by: By = "ethnicity",
    reference: Reference = None,
) -> Response:
    summary = _public_summary(services, year, by, reference)
    query = {"year": summary.start.year, "by": by, **({"reference": reference} if reference else {})}
    return render(
        request,
        "transparency.html",
        {
            "summary": summary,
            "table": summary.subjects[0],
            "chain": CHAIN,
            "by": by,
            "by_names": BY_NAMES,
            "years": services.statistics.years(),
            "chart_query": urlencode(query),
            "year_to_date": summary.end < date(summary.start.year, 12, 31),
        },
    )


@router.get("/transparency/charts/{name}.svg")
def transparency_chart(
    name: str, services: ServicesDep, year: Year = None, by: By = "ethnicity", reference: Reference = None
) -> Response:
    if name not in (*CHART_TITLES, "disproportionality"):
        raise NotFound("There is no chart of this name.")
    return _svg_response(_chart(_public_summary(services, year, by, reference), name))


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@router.get("/transparency/report/{year}.html")
def annual_report_html(request: Request, year: int, services: ServicesDep) -> Response:
    report = services.statistics.annual_report(year)
    images = {name: _data_uri(_chart(report, name)) for name in CHART_TITLES if _breakdown_for(report, name)}
    images["disproportionality"] = _data_uri(charts.rri_chart(report.subjects[0], CHAIN))
    return render(request, "transparency_report.html", {"report": report, "images": images, "chain": CHAIN})


@router.get("/transparency/report/{year}.csv")
def annual_report_csv(year: int, services: ServicesDep) -> Response:
    report = services.statistics.annual_report(year)
    return Response(
        report_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="misconduct-statistics-{year}.csv"'},
    )


# --- analysts -------------------------------------------------------------------------------------


@router.get("/staff/statistics")
def staff_statistics(
    request: Request, staff: PageStaff, services: ServicesDep, filters: Filters, published: bool = False
) -> Response:
    access.require(staff.roles, access.Action.VIEW_STATISTICS)
    table = services.statistics.stage_table(staff, filters, published=published)
    categories, units = services.statistics.choices()
    query = query_values(filters, published)
    return render(
        request,
        "staff_statistics.html",
        {
            "table": table,
            "query": query,
            "categories": categories,
            "units": units,
            "by_names": BY_NAMES,
            "complainant_by": [name for name, c in BY_NAMES.items() if c in COMPLAINANT_CHARACTERISTICS],
            "chart_query": urlencode({key: value for key, value in query.items() if value}),
            "chain": CHAIN,
            "sanctions": [stage.key for stage in table.stages if stage.base == PROVEN],
            "restrictions": services.statistics.restriction_counts(staff),
        },
    )


@router.get("/staff/statistics/disproportionality.svg")
def staff_chart(
    staff: PageStaff, services: ServicesDep, filters: Filters, published: bool = False
) -> Response:
    table = services.statistics.stage_table(staff, filters, published=published)
    stages = tuple(key for key in CHAIN if any(stage.key == key and stage.base for stage in table.stages))
    return _svg_response(charts.rri_chart(table, stages))
