"""Reading one CSV row with a mapping: the values, or each problem in plain words."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

from upstander.imports.mapping import find_mapping, load_mapping, parse_mapping
from upstander.imports.rows import Problem, RowValues, convert_row
from upstander.imports.targets import TableMapping, Target

CHICAGO = load_mapping(find_mapping("cpdp-chicago"))


def table(target: Target) -> TableMapping:
    found = CHICAGO.table(target)
    assert found is not None
    return found


def complaint(**cells: str) -> dict[str | None, object]:
    row: dict[str | None, object] = {
        "row_id": "1",
        "cr_id": "1013180",
        "beat": "1421.0",
        "incident_date": "2008-01-07",
        "complaint_date": "2008-01-07",
        "closed_date": "2014-07-09",
    }
    row.update(cells)
    return row


def accusation(**cells: str) -> dict[str | None, object]:
    row: dict[str | None, object] = {
        "cr_id": "1013180",
        "complaint_category": "05A-ARRESTEE - DURING ARREST",
        "recommended_discipline": "15.0",
        "final_discipline": "15.0",
        "recommended_finding": "SU",
        "final_finding": "SU",
        "UID": "105149",
    }
    row.update(cells)
    return row


def officer(**cells: str) -> dict[str | None, object]:
    row: dict[str | None, object] = {
        "UID": "105149",
        "birth_year": "1957.0",
        "race": "HISPANIC",
        "gender": "MALE",
        "appointed_date": "1991-01-02",
        "resignation_date": "",
        "current_status": "1.0",
        "current_unit": "14.0",
        "current_unit_description": "DISTRICT 014",
        "current_rank": "POLICE OFFICER",
    }
    row.update(cells)
    return row


def messages(values: RowValues) -> list[str]:
    return [problem.message for problem in values.problems]


def test_a_complaint_row_reads_into_its_key_and_dates() -> None:
    values = convert_row(table(Target.COMPLAINTS), complaint())
    assert values.ok
    assert values.key == "1013180"
    assert values.fields == {
        "received_on": date(2008, 1, 7),
        "incident_on": date(2008, 1, 7),
        "closed_on": date(2014, 7, 9),
    }


def test_an_empty_date_is_no_date() -> None:
    values = convert_row(table(Target.COMPLAINTS), complaint(closed_date=""))
    assert values.ok
    assert values.fields["closed_on"] is None


@pytest.mark.parametrize("text", ["2008-02-30", "07/01/2008", "20080107", "2008-1-07", "yesterday"])
def test_a_date_that_is_not_a_date_is_refused_saying_so(text: str) -> None:
    values = convert_row(table(Target.COMPLAINTS), complaint(incident_date=text))
    assert messages(values) == [f"incident_date {text!r} is not a date (YYYY-MM-DD)"]
    assert values.problems[0].reason == "incident_date is not a date (YYYY-MM-DD)"


def test_a_missing_key_column_is_refused() -> None:
    row = complaint()
    row["cr_id"] = None  # what csv.DictReader gives for a cell a short row lacks
    assert messages(convert_row(table(Target.COMPLAINTS), row)) == [
        "cr_id is missing: the row has fewer cells than the header"
    ]


def test_an_empty_key_is_refused() -> None:
    assert messages(convert_row(table(Target.COMPLAINTS), complaint(cr_id="  "))) == ["cr_id is empty"]


def test_a_row_longer_than_the_header_is_refused() -> None:
    row = complaint()
    row[None] = ["extra"]
    assert messages(convert_row(table(Target.COMPLAINTS), row)) == ["the row has more cells than the header"]


def test_an_accusation_reads_its_finding_stage_sanction_and_description() -> None:
    values = convert_row(table(Target.ALLEGATIONS), accusation())
    assert values.ok
    assert (values.complaint, values.person) == ("1013180", "105149")
    assert values.fields == {
        "category": "05A-ARRESTEE - DURING ARREST",
        "recommended_finding": "SU",
        "finding": "SU",
        "outcome": "sustained",
        "stage_rank": 4,
        "sanction": "CPD discipline code 15",
    }
    assert values.described == {"officer_id": 105149, "recommended_discipline": 15, "final_discipline": 15}


@pytest.mark.parametrize(
    ("finding", "discipline", "stage", "sanction"),
    [
        ("SU", "600.0", 4, None),  # 600: no action taken
        ("SU", "", 4, None),
        ("NS", "5.0", 2, None),  # a discipline code without a sustained finding is no sanction
        ("UN", "600.0", 2, None),
        ("EX", "600.0", 2, None),
        ("NAF", "600.0", 0, None),
        ("NC", "600.0", 0, None),
        ("", "", 0, None),  # no final finding yet
        (" SU ", "30.0", 4, "CPD discipline code 30"),
    ],
)
def test_how_far_an_accusation_went_follows_its_final_finding(
    finding: str, discipline: str, stage: int, sanction: str | None
) -> None:
    values = convert_row(
        table(Target.ALLEGATIONS), accusation(final_finding=finding, final_discipline=discipline)
    )
    assert values.ok, messages(values)
    assert values.fields["stage_rank"] == stage
    assert values.fields["sanction"] == sanction


def test_an_unknown_mapped_value_is_refused_naming_the_values_known() -> None:
    values = convert_row(table(Target.ALLEGATIONS), accusation(final_finding="XX"))
    assert set(messages(values)) == {
        "final_finding 'XX' is not one of the values the mapping knows (DIS, EX, NAF, NC, NS, SU, UN)"
    }


@pytest.mark.parametrize(
    ("uid", "message"),
    [("12x", "UID '12x' is not a number"), ("12.5", "UID '12.5' is not a whole number")],
)
def test_a_bad_number_is_refused(uid: str, message: str) -> None:
    assert set(messages(convert_row(table(Target.ALLEGATIONS), accusation(UID=uid)))) == {message}


def test_an_accusation_may_name_no_officer() -> None:
    values = convert_row(table(Target.ALLEGATIONS), accusation(UID=""))
    assert values.ok
    assert values.person is None


def test_a_missing_category_is_recorded_as_not_recorded() -> None:
    values = convert_row(table(Target.ALLEGATIONS), accusation(complaint_category=""))
    assert values.fields["category"] == "not recorded"


def test_a_value_longer_than_its_field_is_refused() -> None:
    values = convert_row(table(Target.ALLEGATIONS), accusation(complaint_category="X" * 121))
    assert values.problems[0].reason == "complaint_category is longer than 120 characters"
    assert values.problems[0].message.endswith("…' is longer than 120 characters")


def test_an_officer_row_reads_into_a_person() -> None:
    values = convert_row(table(Target.PEOPLE), officer())
    assert values.ok
    assert values.key == "105149"
    assert (values.unit_code, values.unit_name) == ("CPD-U14", "DISTRICT 014")
    assert values.fields == {
        "staff_number": "CPD-105149",
        "given_name": "Officer",
        "family_name": "105149",
        "rank": "POLICE OFFICER",
        "birth_year": 1957,
        "joined_on": date(1991, 1, 2),
        "left_on": None,
        "ethnicity": "HISPANIC",
        "sex": "MALE",
        "employment_status": "serving",
    }


@pytest.mark.parametrize(
    ("status", "resigned", "employment", "left_on"),
    [
        ("1.0", "", "serving", None),
        ("1.0", "2017-05-15", "serving", date(2017, 5, 15)),  # on the roll: the source's date is kept
        ("0.0", "1986-02-10", "resigned", date(1986, 2, 10)),
        ("0.0", "", "resigned", None),
        ("", "2016-11-14", "resigned", date(2016, 11, 14)),
        ("", "", "serving", None),
    ],
)
def test_employment_status_and_leaving_date(
    status: str, resigned: str, employment: str, left_on: date | None
) -> None:
    values = convert_row(table(Target.PEOPLE), officer(current_status=status, resignation_date=resigned))
    assert values.ok, messages(values)
    assert (values.fields["employment_status"], values.fields["left_on"]) == (employment, left_on)


def test_an_officer_with_no_unit_or_rank() -> None:
    values = convert_row(
        table(Target.PEOPLE), officer(current_unit="", current_unit_description="", current_rank="")
    )
    assert values.ok
    assert (values.unit_code, values.unit_name) == (None, None)
    assert values.fields["rank"] == "not recorded"


def test_a_complainant_age_out_of_range_or_not_a_number_is_refused() -> None:
    complainants = table(Target.COMPLAINANTS)
    row: dict[str | None, object] = {"cr_id": "1013180", "gender": "MALE", "age": "50.0", "race": "HISPANIC"}
    assert convert_row(complainants, row).fields == {"sex": "MALE", "ethnicity": "HISPANIC", "age": 50}
    assert messages(convert_row(complainants, {**row, "age": "forty"})) == ["age 'forty' is not a number"]
    assert messages(convert_row(complainants, {**row, "age": "230.0"})) == [
        "age '230.0' is not between 0 and 130"
    ]


def test_every_problem_in_a_row_is_reported() -> None:
    values = convert_row(table(Target.COMPLAINTS), complaint(cr_id="", incident_date="x", closed_date="y"))
    assert messages(values) == [
        "cr_id is empty",
        "incident_date 'x' is not a date (YYYY-MM-DD)",
        "closed_date 'y' is not a date (YYYY-MM-DD)",
    ]


def test_int_present_and_a_constant_from_a_mapping() -> None:
    text = """
        source = "example"
        [complaints]
        file = "c.csv"
        key = { column = "ref", convert = ["strip", "upper"] }
        [allegations]
        file = "a.csv"
        complaint = "ref"
        [allegations.fields]
        category = { value = "use of force" }
        stage_rank = { column = "stage", convert = ["int"] }
        referred_to_overseer = { column = "referred", convert = ["none_if_empty"], present = true }
    """
    mapping = parse_mapping(tomllib.loads(text), Path("example.toml"))
    allegations = mapping.table(Target.ALLEGATIONS)
    assert allegations is not None
    row: dict[str | None, object] = {"ref": "a1", "stage": "3", "referred": "yes"}
    assert convert_row(allegations, row).fields == {
        "category": "use of force",
        "stage_rank": 3,
        "referred_to_overseer": True,
    }
    assert convert_row(allegations, {**row, "referred": ""}).fields["referred_to_overseer"] is None
    assert messages(convert_row(allegations, {**row, "stage": "3.0"})) == [
        "stage '3.0' is not a whole number"
    ]


def test_a_long_value_is_shortened_in_the_message() -> None:
    problem = Problem("note", "is wrong", "x" * 100)
    assert problem.message == f"note '{'x' * 60}…' is wrong"
    assert problem.reason == "note is wrong"
