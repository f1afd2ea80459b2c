"""The complainant unit, splits by the complainant's group, the newer filters, and the same
analyses at `GET /api/v1/analysis` and on the analyst's page, on SQLite and PostgreSQL.

The flat fictional fixture (tests/fixtures/flat) is imported with three things added here: each
officer's unit (501 and 502 in F-UA, 503 in F-UB), a class for each category, and a complainants
file: A/100 has two (F Black 30, M Black 40), B/100 one (F White 25), C/103 one (M, no ethnicity,
50), B/101 none.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from common.staff import Staff
from upstander.accounts.models import Role
from upstander.cli import app as cli
from upstander.imports.service import import_source
from upstander.services import Services

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "flat"
SOURCE = "flat-fixture"
ADDED = """
[organisation]
code = "F"
name = "The fictional force"

[people.unit]
code = { column = "officer", map = { "501" = "F-UA", "502" = "F-UA", "503" = "F-UB" } }
name = { column = "officer", map = { "501" = "Unit A", "502" = "Unit A", "503" = "Unit B" } }

[allegations.described]
category_class = { column = "category", map = { force = "use of force", search = "search", courtesy = "conduct" } }

[complainants]
file = "complainants.csv"
complaint = ["district", "case_no"]

[complainants.fields]
sex = { column = "sex", convert = ["strip", "none_if_empty"] }
ethnicity = { column = "race", convert = ["strip", "none_if_empty"] }
age = { column = "age", convert = ["int_from_float"] }
"""
COMPLAINANTS = """district,case_no,sex,race,age
A,100,F,Black,30
A,100,M,Black,40
B,100,F,White,25
C,103,M,,50
"""


@pytest.fixture
def imported(services: Services, tmp_path: Path) -> None:
    folder = tmp_path / "flat"
    shutil.copytree(FIXTURE, folder)
    mapping = folder / "flat.toml"
    mapping.write_text(mapping.read_text(encoding="utf-8") + ADDED, encoding="utf-8")
    (folder / "complainants.csv").write_text(COMPLAINANTS, encoding="utf-8")
    report = import_source(services.database, mapping, folder)
    assert report.refused_rows == 0, [(f.target, f.refused) for f in report.files]


def analyse(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str, *args: str
) -> tuple[int, str]:
    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("UPSTANDER_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(cli, ["analyse", "--source", SOURCE, "--output", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.mark.usefixtures("imported")
def test_complainants_are_counted_and_split_by_their_group(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str
) -> None:
    def counts(*args: str) -> dict[str, object]:
        code, output = analyse(monkeypatch, data_dir, database_url, *args)
        assert code == 0, output
        rows = json.loads(output)
        label = next(iter(rows[0])) if rows else "group"
        return {row[label]: row["count"] for row in rows}

    assert counts("--unit", "complainant") == {"all": 4}
    assert counts("--unit", "complainant", "--group-by", "complainant_sex") == {"F": 2, "M": 2}
    assert counts("--unit", "complainant", "--range", "complainant_age=30..45") == {"all": 2}
    # complainants of complaints with a search accusation: A/100 (two) and C/103 (one)
    assert counts("--unit", "complainant", "--only", "category=search", "--only", "with_accused=yes") == {
        "all": 3
    }
    # an allegation is split by its complaint's complainants: one group, several, or none recorded
    assert counts("--group-by", "complainant_ethnicity") == {"Black": 3, "None": 3, "White": 1}
    assert counts("--unit", "complaint", "--group-by", "complainant_sex") == {
        "F": 1,
        "M": 1,
        "None": 1,
        "several": 1,
    }
    assert counts("--unit", "complaint", "--only", "complainants=0") == {"all": 1}  # B/101


@pytest.mark.usefixtures("imported")
def test_category_class_unit_outcome_and_dates_filter(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str
) -> None:
    def counts(*args: str) -> dict[str, object]:
        code, output = analyse(monkeypatch, data_dir, database_url, *args)
        assert code == 0, output
        rows = json.loads(output)
        return {str(next(iter(row.values()))): row["count"] for row in rows}

    assert counts("--group-by", "category_class") == {"conduct": 1, "search": 2, "use of force": 4}
    assert counts("--only", "person_unit=F-UA") == {"all": 4}  # officers 501 and 502
    assert counts("--unit", "person", "--group-by", "person_unit") == {"F-UA": 2, "F-UB": 1}
    assert counts("--range", "received_on=2015-01-01..2015-12-31") == {"all": 4}
    assert counts("--range", "received_on=2016-01-15..") == {"all": 2}  # C/103, received 2016-02


@pytest.mark.usefixtures("imported")
@pytest.mark.parametrize(
    ("wrong", "says"),
    [
        (["--group-by", "complainant_age"], "'complainant_age' is not an attribute of the allegation unit"),
        (["--unit", "complaint", "--group-by", "category"], "is not an attribute of the complaint unit"),
        (["--range", "received_on=2015-13-01.."], "'2015-13-01' is not a day written YYYY-MM-DD"),
        (["--unit", "complaint", "--only", "accusations=many"], "'many' is not a whole number"),
        (["--among", "finding=sustained"], "give rate_of as well"),
    ],
)
def test_a_query_the_records_cannot_answer_is_refused_by_its_option(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str, wrong: list[str], says: str
) -> None:
    code, output = analyse(monkeypatch, data_dir, database_url, *wrong)
    assert code == 2
    assert says in " ".join(output.split())


@pytest.mark.usefixtures("imported")
def test_the_api_answers_json_and_csv_to_analysts_only(client: TestClient, staff: Staff) -> None:
    headers = staff.api_headers(client, staff.user("analyst", [Role.ANALYST]))
    params: dict[str, str | list[str]] = {
        "source": SOURCE,
        "unit": "complainant",
        "group_by": "complainant_ethnicity",
        "only": ["with_accused=yes"],
        "places": "2",
    }
    response = client.get("/api/v1/analysis", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["unit"], body["group_by"], body["places"]) == ("complainant", "complainant_ethnicity", 2)
    assert "halves away from zero" in body["rounding"]
    assert body["groups"] == [
        {"complainant_ethnicity": "Black", "count": 2, "share": "0.50"},
        {"complainant_ethnicity": "None", "count": 1, "share": "0.25"},
        {"complainant_ethnicity": "White", "count": 1, "share": "0.25"},
    ]

    as_csv = client.get("/api/v1/analysis", params={**params, "format": "csv"}, headers=headers)
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(as_csv.text)))[:2] == [
        ["complainant_ethnicity", "count", "share"],
        ["Black", "2", "0.50"],
    ]

    people = client.get(
        "/api/v1/analysis", params={"source": SOURCE, "unit": "person", "many": "3"}, headers=headers
    ).json()["groups"][0]
    assert (people["count"], people["mean"], people["distribution"]) == (3, "2.3333", {"1": 1, "3": 2})

    handler = staff.api_headers(client, staff.handler())
    refused = client.get("/api/v1/analysis", params={"source": SOURCE}, headers=handler)
    assert refused.status_code == 403
    assert client.get("/api/v1/analysis", params={"source": SOURCE}).status_code == 401


@pytest.mark.usefixtures("imported")
@pytest.mark.parametrize(
    ("params", "field", "says"),
    [
        ({"unit": "officer"}, "unit", "'officer' is not one of allegation, complaint, person, complainant"),
        ({"group_by": "shoe_size"}, "group_by", "'shoe_size' is not an attribute of the allegation unit"),
        ({"range": "incident_month=2008"}, "range", "is not ATTRIBUTE=FIRST..LAST"),
        ({"top": "0"}, "top", "must be a fraction above 0"),
        ({"source": "nowhere"}, "source", "no complaints have been imported from source 'nowhere'"),
    ],
)
def test_the_api_refuses_bad_input_with_422_naming_the_field(
    client: TestClient, staff: Staff, params: dict[str, str], field: str, says: str
) -> None:
    headers = staff.api_headers(client, staff.user("analyst", [Role.ANALYST]))
    response = client.get("/api/v1/analysis", params={"source": SOURCE, **params}, headers=headers)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert says in problem["detail"]
    assert [(error["field"], says in error["detail"]) for error in problem["errors"]] == [(field, True)]


@pytest.mark.usefixtures("imported")
def test_the_analyst_page_shows_the_table_and_offers_downloads(client: TestClient, staff: Staff) -> None:
    client.cookies.set(
        "__Host-upstander-staff", staff.api_token(client, staff.user("analyst", [Role.ANALYST]))
    )
    empty = client.get("/staff/analysis")
    assert empty.status_code == 200
    assert f'<option value="{SOURCE}"' in empty.text
    assert 'id="analysis-result"' not in empty.text

    query = {"source": SOURCE, "unit": "allegation", "group_by": "category", "only": "finding=sustained\n"}
    page = client.get("/staff/analysis", params=query)
    assert page.status_code == 200, page.text
    assert '<th scope="row">force</th><td>3</td>' in page.text
    assert "halves away from zero" in page.text
    assert "/staff/analysis/export.csv?source=flat-fixture" in page.text

    as_csv = client.get("/staff/analysis/export.csv", params=query)
    assert as_csv.status_code == 200
    assert as_csv.text.splitlines()[:2] == ["category,count,share", "force,3,0.7500"]
    as_json = client.get("/staff/analysis/export.json", params=query)
    assert as_json.json()[1] == {"category": "search", "count": 1, "share": "0.2500"}

    wrong = client.get("/staff/analysis", params={**query, "range": "received_on=March.."})
    assert wrong.status_code == 422
    assert "&#39;March&#39; is not a day written YYYY-MM-DD" in wrong.text
    assert "finding=sustained" in wrong.text  # what was typed is kept

    client.cookies.set("__Host-upstander-staff", staff.api_token(client, staff.handler()))
    assert client.get("/staff/analysis").status_code == 403
