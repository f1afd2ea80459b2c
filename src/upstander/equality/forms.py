"""Reading the statistics filters from a query string or a command line, with messages a person can act on."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query

from upstander.equality.service import BY_NAMES, StatisticsFilters, characteristic_named
from upstander.equality.tables import Population
from upstander.errors import InvalidInput


def _date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            "Give dates as year-month-day, e.g. 2024-01-31.", fields={field: "not a date"}
        ) from None


def filters_from(
    start: str | None,
    end: str | None,
    unit: str | None,
    category: str | None,
    population: str,
    by: str,
    reference: str | None,
) -> StatisticsFilters:
    """The filters of a query string or a command line, checked, with messages a person can act on."""
    try:
        chosen = Population(population)
    except ValueError:
        raise InvalidInput("Count subjects or complainants.", fields={"population": "unknown"}) from None
    return StatisticsFilters(
        start=_date(start, "from"),
        end=_date(end, "to"),
        unit=unit or None,
        category=category or None,
        population=chosen,
        by=characteristic_named(by),
        reference=reference or None,
    )


Text = Annotated[str | None, Query(max_length=120)]


def statistics_filters(
    start: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=10)] = None,
    unit: Text = None,
    category: Text = None,
    population: Text = None,
    by: Text = None,
    reference: Text = None,
) -> StatisticsFilters:
    return filters_from(start, end, unit, category, population or "subjects", by or "ethnicity", reference)


Filters = Annotated[StatisticsFilters, Depends(statistics_filters)]


def query_values(filters: StatisticsFilters, published: bool) -> dict[str, str]:
    """The filters as a query string's values, for the form and the chart's address."""
    return {
        "from": filters.start.isoformat() if filters.start else "",
        "to": filters.end.isoformat() if filters.end else "",
        "unit": filters.unit or "",
        "category": filters.category or "",
        "population": filters.population.value,
        "by": next(name for name, c in BY_NAMES.items() if c is filters.by),
        "reference": filters.reference or "",
        "published": "true" if published else "",
    }
