"""Mappings load into frozen data, and every mistake in one names the file and the key."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from upstander.imports.mapping import MappingError, find_mapping, load_mapping, parse_mapping
from upstander.imports.rows import CONVERT
from upstander.imports.targets import CONVERTERS, Duplicates, ImportMapping, MissingComplaint, Target

CHICAGO = find_mapping("cpdp-chicago")


def chicago_data() -> dict[str, Any]:
    return tomllib.loads(CHICAGO.read_text(encoding="utf-8"))


def loaded_with(change: Callable[[dict[str, Any]], None]) -> ImportMapping:
    data = copy.deepcopy(chicago_data())
    change(data)
    return parse_mapping(data, Path("test.toml"))


def refused(change: Callable[[dict[str, Any]], None]) -> str:
    with pytest.raises(MappingError) as error:
        loaded_with(change)
    return str(error.value)


def test_the_shipped_chicago_mapping_loads_every_table_in_import_order() -> None:
    mapping = load_mapping(CHICAGO)
    assert mapping.source == "cpdp-chicago"
    assert mapping.folder == "cpdp-chicago-2000-2016"
    assert "Invisible Institute" in mapping.title
    assert [table.target for table in mapping.tables] == [
        Target.PEOPLE,
        Target.COMPLAINTS,
        Target.OFFICER_FILED,
        Target.ALLEGATIONS,
        Target.COMPLAINANTS,
    ]
    complaints = mapping.table(Target.COMPLAINTS)
    assert complaints is not None
    assert complaints.file == "complaints-complaints.csv.gz"
    assert complaints.duplicates is Duplicates.FIRST
    assert complaints.columns == {"cr_id", "complaint_date", "incident_date", "closed_date"}
    flags = mapping.table(Target.OFFICER_FILED)
    assert flags is not None
    assert flags.missing_complaint is MissingComplaint.SKIP
    allegations = mapping.table(Target.ALLEGATIONS)
    assert allegations is not None
    assert allegations.person is not None
    assert not allegations.person.required  # an accusation may name no known officer
    assert allegations.fields["stage_rank"].values == {
        "SU": 4, "NS": 2, "UN": 2, "EX": 2, "NAF": 0, "NC": 0, "DIS": 0
    }  # fmt: skip


def test_the_mapping_credits_the_invisible_institute() -> None:
    assert "Invisible Institute" in CHICAGO.read_text(encoding="utf-8").split("source =")[0]


def test_every_converter_a_mapping_may_name_exists() -> None:
    assert set(CONVERTERS) == set(CONVERT)


def test_a_shipped_mapping_is_found_by_name_and_an_unknown_name_is_refused(tmp_path: Path) -> None:
    assert find_mapping("cpdp-chicago") == CHICAGO
    own = tmp_path / "own.toml"
    own.write_text("source = 'x'", encoding="utf-8")
    assert find_mapping(str(own)) == own
    with pytest.raises(MappingError, match=r"nowhere: no such mapping file.*cpdp-chicago"):
        find_mapping("nowhere")


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("source = ", encoding="utf-8")
    with pytest.raises(MappingError, match=r"^broken\.toml: is not valid TOML"):
        load_mapping(path)


def test_a_missing_file_is_a_mapping_error(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="cannot be read"):
        load_mapping(tmp_path / "absent.toml")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("source"), "test.toml: source: is missing"),
        (lambda d: d.update(colour="red"), "test.toml: top level: unknown key 'colour'"),
        (lambda d: d["complaints"].pop("file"), "test.toml: complaints.file: is missing"),
        (lambda d: d["complaints"].pop("key"), "test.toml: complaints.key: is missing"),
        (
            lambda d: d["complaints"].update(duplicate="first"),
            "test.toml: complaints: unknown key 'duplicate'",
        ),
        (
            lambda d: d["complaints"].update(duplicates="last"),
            "test.toml: complaints.duplicates: must be one of: first, refuse",
        ),
        (
            lambda d: d["officer_filed"].update(missing_complaint="create"),
            "test.toml: officer_filed.missing_complaint: must be one of: refuse, skip",
        ),
        (
            lambda d: d["complaints"]["fields"].update(beat={"column": "beat"}),
            "test.toml: complaints.fields.beat: is not a field here",
        ),
        (
            lambda d: d["complaints"]["fields"]["incident_on"].update(convert=["date", "datum"]),
            "test.toml: complaints.fields.incident_on.convert: unknown converter 'datum'",
        ),
        (
            lambda d: d["complaints"]["fields"]["incident_on"].update(convert=["strip"]),
            "test.toml: complaints.fields.incident_on.convert: a date needs the converter date",
        ),
        (
            lambda d: d["complaints"]["fields"]["incident_on"].update(colum="x"),
            "test.toml: complaints.fields.incident_on: unknown key 'colum'",
        ),
        (
            lambda d: d["people"]["fields"].pop("staff_number"),
            "test.toml: people.fields.staff_number: is missing (it is required)",
        ),
        (
            lambda d: d["people"]["fields"]["staff_number"].update(template="CPD-"),
            'test.toml: people.fields.staff_number.template: must hold "{}" once',
        ),
        (
            lambda d: d["people"]["fields"]["given_name"].update(column="UID"),
            "test.toml: people.fields.given_name: needs exactly one of column, value, first or date_from",
        ),
        (
            lambda d: d["people"]["fields"]["employment_status"].update(default="sacked"),
            "test.toml: people.fields.employment_status.default: 'sacked' is not one of serving, suspended",
        ),
        (
            lambda d: d["allegations"]["fields"]["stage_rank"]["map"].update(SU=7),
            "test.toml: allegations.fields.stage_rank.map.SU: 7 is not between 0 and 4",
        ),
        (
            lambda d: d["allegations"]["fields"]["stage_rank"]["map"].update(SU="proven"),
            "test.toml: allegations.fields.stage_rank.map.SU: 'proven' is not a whole number",
        ),
        (
            lambda d: d["allegations"]["fields"]["sanction"].update(only_when={"column": "final_finding"}),
            "test.toml: allegations.fields.sanction.only_when.values: is missing",
        ),
        (
            lambda d: d["complainants"].update(described={"x": "age"}),
            "test.toml: complainants.described: only allegations keep a description",
        ),
        (lambda d: d.pop("complaints"), "test.toml: top level: officer_filed names complaints"),
        (lambda d: d.pop("people"), "test.toml: allegations.person: allegations name a person"),
        (lambda d: d.pop("organisation"), "test.toml: organisation: people.unit needs an [organisation]"),
    ],
)
def test_each_mistake_names_the_file_and_the_key(
    change: Callable[[dict[str, Any]], None], message: str
) -> None:
    assert refused(change).startswith(message)


def test_a_mapping_with_no_table_is_refused() -> None:
    with pytest.raises(MappingError, match="names no table to import"):
        parse_mapping({"source": "empty"}, Path("test.toml"))


def test_a_field_may_be_given_as_just_its_column() -> None:
    mapping = loaded_with(lambda d: d["complainants"]["fields"].update(sex="gender"))
    table = mapping.table(Target.COMPLAINANTS)
    assert table is not None
    assert table.fields["sex"].column == "gender"
    assert table.fields["sex"].convert == ()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(source="x" * 61), "test.toml: source: must be at most 60 characters"),
        (lambda d: d.update(source=""), "test.toml: source: must be a non-empty text"),
        (lambda d: d.update(organisation="CPD"), "test.toml: organisation: must be a table"),
        (lambda d: d["complaints"].update(file=5), "test.toml: complaints.file: must be a text"),
        (
            lambda d: d["allegations"].update(dates_from_complaint=1),
            "test.toml: allegations.dates_from_complaint: must be true or false",
        ),
        (
            lambda d: d["complaints"]["fields"].update(received_on=7),
            "test.toml: complaints.fields.received_on: must be a table or a text",
        ),
        (
            lambda d: d["people"]["unit"].update(colour="name"),
            "test.toml: people.unit.colour: is not a field here (fields: code, name)",
        ),
        (lambda d: d["people"]["unit"].pop("code"), "test.toml: people.unit.code: is missing"),
        (lambda d: d["complaints"].update(unit="x"), "test.toml: complaints.unit: only people have a unit"),
        (
            lambda d: d["complaints"].update(each_row=True),
            "test.toml: complaints.each_row: only allegations can keep each row",
        ),
        (
            lambda d: d["allegations"]["fields"]["stage_rank"].update(map={}),
            "test.toml: allegations.fields.stage_rank.map: must not be empty",
        ),
        (
            lambda d: d["allegations"]["fields"]["sanction"]["only_when"].update(values="SU"),
            "test.toml: allegations.fields.sanction.only_when.values: must be a list",
        ),
        (
            lambda d: d["people"]["fields"]["employment_status"].update(first=[]),
            "test.toml: people.fields.employment_status.first: must not be empty",
        ),
    ],
)
def test_what_does_not_fit_the_shape_names_the_file_and_the_place(
    change: Callable[[dict[str, Any]], None], message: str
) -> None:
    assert refused(change).startswith(message)


def test_every_place_that_does_not_fit_is_named_at_once() -> None:
    def two_mistakes(data: dict[str, Any]) -> None:
        data["complaints"].pop("file")
        data["allegations"]["fields"]["finding"]["convert"] = ["strp"]

    assert refused(two_mistakes).split("; ") == [
        "test.toml: complaints.file: is missing",
        "test.toml: allegations.fields.finding.convert: unknown converter 'strp' "
        "(known: strip, upper, lower, none_if_empty, date, int, int_from_float)",
    ]
