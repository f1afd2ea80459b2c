"""A map read from a CSV file beside the mapping gives the same values as one written in the
TOML, and every mistake in the file or its columns names the place in the mapping."""

from __future__ import annotations

import copy
import csv
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstander.imports.lookups import read_lookup
from upstander.imports.mapping import MappingError, find_mapping, parse_mapping
from upstander.imports.rows import convert_row
from upstander.imports.targets import Target

CHICAGO = tomllib.loads(find_mapping("cpdp-chicago").read_text(encoding="utf-8"))
OUTCOMES = "code,description,note\nSU,sustained,\nNS,not sustained,\nUN,unfounded,\n"
RANKS = "code,rank\nSU,4\nNS,2\nUN,2\n"


def with_lookups(folder: Path, field: str, lookup: dict[str, str], files: dict[str, str]) -> Any:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    data = copy.deepcopy(CHICAGO)
    rule = data["allegations"]["fields"][field]
    del rule["map"]
    rule["map_file"] = lookup
    return parse_mapping(data, folder / "test.toml")


def refused(folder: Path, field: str, lookup: dict[str, str], files: dict[str, str]) -> str:
    with pytest.raises(MappingError) as error:
        with_lookups(folder, field, lookup, files)
    return str(error.value)


def test_a_map_read_from_a_csv_file_is_used_like_one_written_in_the_mapping(tmp_path: Path) -> None:
    (tmp_path / "codes").mkdir()
    mapping = with_lookups(
        tmp_path,
        "outcome",
        {"file": "codes/outcomes.csv", "code": "code", "value": "description"},
        {"codes/outcomes.csv": OUTCOMES},
    )
    allegations = mapping.table(Target.ALLEGATIONS)
    assert allegations.fields["outcome"].values == {
        "SU": "sustained",
        "NS": "not sustained",
        "UN": "unfounded",
    }
    row = {"cr_id": "1", "UID": "105149.0", "final_finding": " ns ", "complaint_category": "x"}
    assert convert_row(allegations, row).fields["outcome"] == "not sustained"
    unknown = convert_row(allegations, {**row, "final_finding": "EX"})
    assert not unknown.ok


def test_a_whole_number_field_reads_its_lookup_values_as_numbers(tmp_path: Path) -> None:
    mapping = with_lookups(
        tmp_path, "stage_rank", {"file": "ranks.csv", "code": "code", "value": "rank"}, {"ranks.csv": RANKS}
    )
    assert mapping.table(Target.ALLEGATIONS).fields["stage_rank"].values == {"SU": 4, "NS": 2, "UN": 2}


PLACE = "test.toml: allegations.fields.outcome.map_file"


@pytest.mark.parametrize(
    ("lookup", "files", "expected"),
    [
        (
            {"file": "absent.csv", "code": "code", "value": "description"},
            {},
            f"{PLACE}.file: absent.csv: no such file beside the mapping",
        ),
        (
            {"file": "outcomes.csv", "code": "finding", "value": "description"},
            {"outcomes.csv": OUTCOMES},
            f"{PLACE}.code: outcomes.csv has no column 'finding' (its columns: code, description, note)",
        ),
        (
            {"file": "outcomes.csv", "code": "code", "value": "text"},
            {"outcomes.csv": OUTCOMES},
            f"{PLACE}.value: outcomes.csv has no column 'text'",
        ),
        (
            {"file": "outcomes.csv", "code": "code"},
            {"outcomes.csv": OUTCOMES},
            f"{PLACE}.value: is missing",
        ),
        (
            {"file": "outcomes.csv", "code": "code", "value": "description", "sheet": "1"},
            {"outcomes.csv": OUTCOMES},
            f"{PLACE}.sheet: outcomes.csv: a sheet is named, but this is not an .xlsx workbook",
        ),
        (
            {"file": "outcomes.csv", "code": "code", "value": "description"},
            {"outcomes.csv": OUTCOMES + "SU,not sustained,\n"},
            f"{PLACE}.code: outcomes.csv line 5: code 'SU' is 'not sustained' here but 'sustained' on line 2",
        ),
        (
            {"file": "outcomes.csv", "code": "code", "value": "description"},
            {"outcomes.csv": "code,description\n"},
            f"{PLACE}.file: outcomes.csv: holds no code",
        ),
    ],
)
def test_each_mistake_in_a_lookup_names_the_place_in_the_mapping(
    tmp_path: Path, lookup: dict[str, str], files: dict[str, str], expected: str
) -> None:
    assert refused(tmp_path, "outcome", lookup, files).startswith(expected)


def test_a_lookup_value_that_does_not_fit_the_field_names_its_line(tmp_path: Path) -> None:
    message = refused(
        tmp_path,
        "stage_rank",
        {"file": "ranks.csv", "code": "code", "value": "rank"},
        {"ranks.csv": RANKS + "EX,two\n"},
    )
    assert (
        message
        == "test.toml: allegations.fields.stage_rank.map_file.value (ranks.csv line 5): 'two' is not a whole number"
    )


def test_a_map_and_a_map_file_together_are_refused(tmp_path: Path) -> None:
    (tmp_path / "outcomes.csv").write_text(OUTCOMES, encoding="utf-8")
    data = copy.deepcopy(CHICAGO)
    data["allegations"]["fields"]["outcome"]["map_file"] = {
        "file": "outcomes.csv",
        "code": "code",
        "value": "note",
    }
    with pytest.raises(MappingError, match=r"outcome\.map_file: give map or map_file, not both"):
        parse_mapping(data, tmp_path / "test.toml")


CELLS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)


@given(st.dictionaries(CELLS.filter(lambda text: text.strip() != ""), CELLS, min_size=1, max_size=20))
def test_any_code_list_written_as_csv_reads_back_as_it_was(codes: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "codes.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["code", "value"])
            writer.writerows(codes.items())
        assert {code: value for code, (value, _line) in read_lookup(path, "code", "value").items()} == codes


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    """A small .xlsx file written here, so no binary file is kept in the repository."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)


OUTCOME_ROWS: list[list[object]] = [
    ["code", "description"],
    ["SU", "sustained"],
    [None, None],
    ["NS", "not sustained"],
    ["UN", "unfounded"],
]


def test_a_map_read_from_an_xlsx_workbook_is_used_like_one_from_a_csv_file(tmp_path: Path) -> None:
    workbook(tmp_path / "codes.xlsx", {"Read me": [["These are the codes"]], "Outcomes": OUTCOME_ROWS})
    mapping = with_lookups(
        tmp_path,
        "outcome",
        {"file": "codes.xlsx", "sheet": "Outcomes", "code": "code", "value": "description"},
        {},
    )
    assert mapping.table(Target.ALLEGATIONS).fields["outcome"].values == {
        "SU": "sustained",
        "NS": "not sustained",
        "UN": "unfounded",
    }


def test_workbook_numbers_read_as_the_text_a_csv_file_would_hold(tmp_path: Path) -> None:
    workbook(tmp_path / "ranks.xlsx", {"Ranks": [["code", "rank"], ["SU", 4], ["NS", 2.0], [100, 2]]})
    mapping = with_lookups(
        tmp_path, "stage_rank", {"file": "ranks.xlsx", "code": "code", "value": "rank"}, {}
    )
    assert mapping.table(Target.ALLEGATIONS).fields["stage_rank"].values == {"SU": 4, "NS": 2, "100": 2}


@pytest.mark.parametrize(
    ("lookup", "expected"),
    [
        (
            {"file": "codes.xlsx", "sheet": "Findings", "code": "code", "value": "description"},
            f"{PLACE}.sheet: codes.xlsx has no sheet 'Findings' (its sheets: Outcomes)",
        ),
        (
            {"file": "codes.xlsx", "code": "finding", "value": "description"},
            f"{PLACE}.code: codes.xlsx has no column 'finding' (its columns: code, description)",
        ),
        (
            {"file": "broken.xlsx", "code": "code", "value": "description"},
            f"{PLACE}.file: broken.xlsx: is not an .xlsx workbook",
        ),
        (
            {"file": "twice.xlsx", "sheet": "Outcomes", "code": "code", "value": "description"},
            f"{PLACE}.code: twice.xlsx sheet 'Outcomes' row 6: code 'SU' is 'not sustained' here but"
            " 'sustained' on row 2",
        ),
    ],
)
def test_each_mistake_in_a_workbook_names_the_place_in_the_mapping(
    tmp_path: Path, lookup: dict[str, str], expected: str
) -> None:
    workbook(tmp_path / "codes.xlsx", {"Outcomes": OUTCOME_ROWS})
    workbook(tmp_path / "twice.xlsx", {"Outcomes": [*OUTCOME_ROWS, ["SU", "not sustained"]]})
    (tmp_path / "broken.xlsx").write_text("code,description\n", encoding="utf-8")
    assert refused(tmp_path, "outcome", lookup, {}).startswith(expected)
