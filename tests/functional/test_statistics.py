"""Stage statistics aggregated in the database, on SQLite and PostgreSQL, against counts done by hand.

The seed (``common/statistics.py``) sets out, person by person, who reached which stage in 2024, with
traps that must not count: referrals and sanctions on allegations short of the stage they need, an
allegation from 2023, leavers and joiners outside the year, second allegations of the same person.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from common.staff import Staff
from common.statistics import (
    END,
    EXPECTED_BY_ETHNICITY,
    EXPECTED_COMPLAINANTS,
    EXPECTED_KEYS,
    START,
    seed,
)
from upstander.accounts.models import Role
from upstander.accounts.service import StaffPrincipal
from upstander.cli import app as cli
from upstander.equality.disproportionality import Outcome
from upstander.equality.service import StatisticsFilters
from upstander.equality.stages import Characteristic
from upstander.equality.tables import Population, StageTable
from upstander.errors import NotAllowed
from upstander.services import Services

YEAR_QUERY = {"from": START.isoformat(), "to": END.isoformat()}


@pytest.fixture
def seeded(services: Services) -> Services:
    seed(services)
    return services


@pytest.fixture
def analyst(staff: Staff) -> StaffPrincipal:
    return staff.principal(staff.user("analyst", [Role.ANALYST]))


def exact(services: Services, analyst: StaffPrincipal, **filters: object) -> StageTable:
    return services.statistics.stage_table(
        analyst,
        StatisticsFilters(start=START, end=END, **filters),  # type: ignore[arg-type]
    )


def counts(table: StageTable, keys: list[str]) -> dict[str, list[int | None]]:
    return {group: [table.count(group, key) for key in keys] for group in table.groups}


def test_subjects_by_ethnicity_match_the_hand_counts(seeded: Services, analyst: StaffPrincipal) -> None:
    table = exact(seeded, analyst)
    assert not table.published
    assert table.groups == ("White", "Black", "Asian", "not recorded")  # largest first, not recorded last
    assert counts(table, EXPECTED_KEYS) == EXPECTED_BY_ETHNICITY
    assert table.totals["workforce"].value == 78
    assert table.reference == "White"


def test_each_stage_is_compared_with_the_stage_before(seeded: Services, analyst: StaffPrincipal) -> None:
    table = exact(seeded, analyst)
    reported = table.line("Black", "reported").comparison
    assert reported is not None
    assert reported.ratio is not None
    assert reported.counts.reached == 13
    assert reported.counts.base == 20
    assert reported.ratio == pytest.approx((13 / 20) / (22 / 41))
    assert reported.outcome is Outcome.INTERVAL
    assert reported.reading.startswith("1.21 times as likely as White; the 95% interval (")
    proven = table.line("Black", "proven").comparison
    assert proven is not None
    assert (proven.counts.reached, proven.counts.base) == (2, 3)  # proven out of case to answer
    assert proven.outcome is Outcome.TOO_FEW
    assert table.line("Asian", "case_to_answer").comparison.outcome is Outcome.NO_EVENTS  # type: ignore[union-attr]


def test_a_band_with_nobody_in_it_is_shown_with_zero_counts(
    seeded: Services, analyst: StaffPrincipal
) -> None:
    table = exact(seeded, analyst, by=Characteristic.AGE_BAND)
    assert table.groups == ("under 25", "25 to 34", "35 to 44", "45 to 54", "55 and over")
    assert counts(table, EXPECTED_KEYS)["under 25"] == [0] * len(EXPECTED_KEYS)
    comparison = table.line("under 25", "reported").comparison
    assert comparison is not None
    assert comparison.outcome is Outcome.NO_MEMBERS
    assert comparison.reading == "no members at the stage before, so no rate can be given"
    assert sum(table.count(group, "workforce") or 0 for group in table.groups) == 78


def test_ranks_are_grouped_and_service_is_banded(seeded: Services, analyst: StaffPrincipal) -> None:
    by_rank = exact(seeded, analyst, by=Characteristic.RANK)
    assert by_rank.groups == ("constable", "sergeant", "inspector")  # Police Sergeant, Detective Inspector
    assert sum(by_rank.count(group, "proven") or 0 for group in by_rank.groups) == 6
    by_service = exact(seeded, analyst, by=Characteristic.LENGTH_OF_SERVICE)
    assert by_service.groups[0] == "under 2 years"
    assert sum(by_service.count(group, "workforce") or 0 for group in by_service.groups) == 78


def test_a_unit_includes_every_unit_below_it(seeded: Services, analyst: StaffPrincipal) -> None:
    response = exact(seeded, analyst, unit="U1")  # White officers are in team T1, below unit U1
    assert counts(response, EXPECTED_KEYS) == {
        "White": EXPECTED_BY_ETHNICITY["White"],
        "Black": EXPECTED_BY_ETHNICITY["Black"],
    }
    south = exact(seeded, analyst, unit="C2")
    assert counts(south, EXPECTED_KEYS) == {
        "Asian": EXPECTED_BY_ETHNICITY["Asian"],
        "not recorded": EXPECTED_BY_ETHNICITY["not recorded"],
    }


def test_a_category_counts_only_its_allegations(seeded: Services, analyst: StaffPrincipal) -> None:
    table = exact(seeded, analyst, category="discrimination")
    keys = ["workforce", "reported", "assessed", "referred", "investigated", "case_to_answer", "proven"]
    assert counts(table, keys) == {
        "White": [41, 7, 7, 2, 4, 4, 0],
        "Black": [20, 5, 5, 1, 1, 1, 0],
        "Asian": [12, 2, 2, 0, 0, 0, 0],
        "not recorded": [5, 0, 0, 0, 0, 0, 0],
    }


def test_complainants_are_counted_by_their_complaints_stage(
    seeded: Services, analyst: StaffPrincipal
) -> None:
    table = exact(seeded, analyst, population=Population.COMPLAINANTS)
    keys = [key for key in EXPECTED_KEYS if key != "workforce"]
    assert table.stages[0].key == "reported"
    assert table.stages[0].base is None
    assert counts(table, keys) == EXPECTED_COMPLAINANTS


def test_the_analyst_api_gives_exact_counts(client: TestClient, staff: Staff, seeded: Services) -> None:
    headers = staff.api_headers(client, staff.user("analyst", [Role.ANALYST]))
    response = client.get("/api/v1/statistics/stages", params=YEAR_QUERY, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["published"] is False
    found = {(line["group"], line["stage"]): line["count"] for line in body["lines"]}
    for group, expected in EXPECTED_BY_ETHNICITY.items():
        assert [found[(group, key)] for key in EXPECTED_KEYS] == expected
    black = next(line for line in body["lines"] if line["group"] == "Black" and line["stage"] == "reported")
    assert black["status"] == "exact"
    assert black["outcome"] == "interval"
    assert black["ci_lower_95"] < black["relative_rate_index"] < black["ci_upper_95"]


def test_anyone_else_signed_in_is_refused(client: TestClient, staff: Staff, seeded: Services) -> None:
    handler = staff.handler()
    headers = staff.api_headers(client, handler)
    refused = client.get("/api/v1/statistics/stages", params=YEAR_QUERY, headers=headers)
    assert refused.status_code == 403
    assert refused.json()["code"] == "not_allowed:view_statistics"
    client.cookies.set("__Host-upstander-staff", staff.api_token(client, handler))
    assert client.get("/staff/statistics").status_code == 403
    with pytest.raises(NotAllowed):
        seeded.statistics.stage_table(staff.principal(handler), StatisticsFilters())


def test_without_a_token_the_api_gives_published_figures(client: TestClient, seeded: Services) -> None:
    response = client.get("/api/v1/statistics/stages", params=YEAR_QUERY)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["published"] is True
    found = {(line["group"], line["stage"]): line for line in body["lines"]}
    assert found[("White", "reported")]["count"] == 20  # 22, rounded
    assert found[("Asian", "reported")]["count"] is None  # 7, suppressed
    for line in body["lines"]:
        for value in (line["count"], line["count_at_stage_before"]):
            assert value is None or value == 0 or (value >= 10 and value % 5 == 0), line
    assert all(value is None or value % 5 == 0 for value in body["totals"].values())


@pytest.mark.parametrize(
    "params",
    [
        {**YEAR_QUERY, "unit": "U1"},
        {**YEAR_QUERY, "category": "discrimination"},
        {"from": "2024-01-01", "to": "2024-06-30"},
        {"from": "2023-01-01", "to": "2024-12-31"},
    ],
)
def test_the_public_gets_whole_years_of_the_whole_organisation_only(
    client: TestClient, seeded: Services, params: dict[str, str]
) -> None:
    """Overlapping published tables could be subtracted to undo the suppression of small numbers."""
    response = client.get("/api/v1/statistics/stages", params=params)
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed:narrow_statistics"


def test_the_public_gets_the_latest_year_by_default(client: TestClient, seeded: Services) -> None:
    body = client.get("/api/v1/statistics/stages").json()
    assert (body["period_start"], body["period_end"]) == ("2024-01-01", "2024-12-31")
    assert body["published"] is True


def test_the_analyst_page_shows_exact_counts_and_readings(
    client: TestClient, staff: Staff, seeded: Services
) -> None:
    token = staff.api_token(client, staff.user("analyst", [Role.ANALYST]))
    client.cookies.set("__Host-upstander-staff", token)
    page = client.get("/staff/statistics", params={**YEAR_QUERY, "unit": "U1"})
    assert page.status_code == 200, page.text
    assert '<td class="count">22</td>' in page.text  # White, reported: exact
    assert "1.21 times as likely as White" in page.text
    assert "Asian" not in page.text.split("<h2>Each stage against the stage before</h2>", 1)[1]
    chart = client.get("/staff/statistics/disproportionality.svg", params=YEAR_QUERY)
    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("image/svg+xml")


def test_the_command_line_prints_exact_or_published_figures(
    seeded: Services, database_url: str, data_dir: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("UPSTANDER_DATABASE_URL", database_url)
    exact_run = CliRunner().invoke(
        cli, ["stats", "--from", "2024-01-01", "--to", "2024-12-31", "--format", "json"]
    )
    assert exact_run.exit_code == 0, exact_run.output
    lines = json.loads(exact_run.output)["lines"]
    assert next(x for x in lines if x["group"] == "Asian" and x["stage"] == "reported")["count"] == 7
    public = CliRunner().invoke(
        cli, ["stats", "--to", "2024-12-31", "--from", "2024-01-01", "--public", "--format", "csv"]
    )
    assert public.exit_code == 0, public.output
    assert "subject of a report,workforce (headcount),Asian,[c],[c]" in public.output
    table = CliRunner().invoke(cli, ["stats", "--from", "2024-01-01", "--to", "2024-12-31", "--by", "age"])
    assert table.exit_code == 0, table.output
    assert "under 25" in table.output
    shown = CliRunner().invoke(cli, ["stats", "--from", "2024-01-01", "--to", "2024-12-31", "--public"])
    assert shown.exit_code == 0, shown.output
    assert "[c]" in shown.output  # not swallowed as console markup
    wrong = CliRunner().invoke(cli, ["stats", "--by", "height"])
    assert wrong.exit_code == 2
    assert "ethnicity, sex, age, rank, service" in wrong.output
