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
            f"{PLACE}: unknown key 'sheet'",
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
