"""`upstander analyse` and `upstander figures check` on the flat fictional fixture
(tests/fixtures/flat), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from upstander.cli import app as cli
from upstander.imports.service import import_source
from upstander.services import Services

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "flat"
SOURCE = "flat-fixture"


@pytest.fixture
def imported(services: Services, tmp_path: Path) -> None:
    folder = tmp_path / "flat"
    shutil.copytree(FIXTURE, folder)
    assert import_source(services.database, folder / "flat.toml", folder).refused_rows == 0


def run(monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("UPSTANDER_DATA_DIR", str(data_dir))
    monkeypatch.setenv("UPSTANDER_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.mark.usefixtures("imported")
def test_analyse_counts_rates_and_the_spread_over_people(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str
) -> None:
    def analyse(*args: str) -> list[dict[str, object]]:
        code, output = run(
            monkeypatch, data_dir, database_url, "analyse", "--source", SOURCE, "--output", "json", *args
        )
        assert code == 0, output
        rows: list[dict[str, object]] = json.loads(output)
        return rows

    [rate] = analyse("--rate-of", "finding=sustained", "--among", "finding=sustained,not sustained,unfounded")
    assert (rate["count"], rate["numerator"], rate["denominator"], rate["rate"]) == (7, 4, 6, "0.6667")

    by_category = analyse("--group-by", "category", "--places", "2")
    assert [(row["category"], row["count"], row["share"]) for row in by_category] == [
        ("courtesy", 1, "0.14"),
        ("force", 4, "0.57"),
        ("search", 2, "0.29"),
    ]

    [people] = analyse("--unit", "person", "--many", "3", "--top", "1/10")
    assert people["count"] == 3
    assert people["records"] == 7
    assert (people["mean"], people["median"]) == ("2.3333", 3)
    assert (people["exactly"], people["at_least"], people["records_at_least"]) == (2, 2, 6)
    assert people["distribution"] == {"1": 1, "3": 2}
    assert (people["top"], people["top_share"], people["top_median"]) == (1, "0.4286", 3)

    [complaints] = analyse("--unit", "complaint", "--range", "received_month=2015-01..2015-12")
    assert complaints["count"] == 2
    [with_accused] = analyse("--unit", "complaint", "--only", "with_accused=yes", "--only", "category=search")
    assert with_accused["count"] == 2  # the complaints with a search accusation: A/100 and C/103
    assert analyse("--only", "filed_by=staff") == []

    for wrong, says in (
        (["--unit", "officer"], "unit 'officer' is not one of allegation, complaint, person, complainant"),
        (["--top", "0"], "must be a fraction above 0"),
        (["--top", "a tenth"], "top 'a tenth' is not a fraction such as 1/10 or 0.1"),
        (["--range", "incident_month=2008"], "is not ATTRIBUTE=FIRST..LAST"),
        (["--only", "finding"], "is not ATTRIBUTE=VALUE"),
    ):
        code, output = run(monkeypatch, data_dir, database_url, "analyse", "--source", SOURCE, *wrong)
        assert code == 2, output
        assert says in " ".join(output.split()), output

    code, output = run(
        monkeypatch,
        data_dir,
        database_url,
        "analyse",
        "--source",
        SOURCE,
        "--output",
        "csv",
        "--group-by",
        "category",
    )
    assert code == 0, output
    assert output.splitlines()[:2] == ["category,count,share", "courtesy,1,0.1429"]


@pytest.mark.usefixtures("imported")
def test_figures_check_exits_1_on_a_figure_the_records_do_not_give(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, database_url: str, tmp_path: Path
) -> None:
    sheet = tmp_path / "flat-fixture.toml"
    figure = 'source = "flat-fixture"\n[[figures]]\nname = "accusations"\nsays = "{says}"\nunit = "allegation"\ntake = "count"\nvalue = "{value}"\n'
    sheet.write_text(figure.format(says="7 accusations", value=7), encoding="utf-8")
    code, output = run(monkeypatch, data_dir, database_url, "figures", "check", SOURCE, "--file", str(sheet))
    assert code == 0, output
    assert "All 1 figures reproduced." in output

    sheet.write_text(figure.format(says="8 accusations", value=8), encoding="utf-8")
    code, output = run(monkeypatch, data_dir, database_url, "figures", "check", SOURCE, "--file", str(sheet))
    assert code == 1, output
    assert "MISMATCH" in output
    assert "1 of 1 figures do not match." in output

    code, output = run(monkeypatch, data_dir, database_url, "figures", "check", "no-such-source")
    assert code == 2, output
    assert "cannot be read" in output
