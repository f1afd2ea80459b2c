"""The mapping's JSON Schema (docs/mapping.schema.json) is the one the models give, every mapping
the reader accepts fits it, and what does not fit is named by its place in the file."""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from upstander.imports.mapping import SHIPPED_MAPPINGS, load_mapping
from upstander.imports.mapping_schema import check_shape, json_schema, schema_text

ROOT = Path(__file__).resolve().parents[3]
PUBLISHED = ROOT / "docs" / "mapping.schema.json"
MAPPINGS = sorted([*SHIPPED_MAPPINGS.glob("*.toml"), *(ROOT / "tests" / "fixtures").glob("*/*.toml")])
FLAT = ROOT / "tests" / "fixtures" / "flat" / "flat.toml"


def test_the_published_schema_is_current() -> None:
    assert PUBLISHED.read_text(encoding="utf-8") == schema_text(), (
        "docs/mapping.schema.json is out of date: run `upstander mapping schema --output docs/mapping.schema.json`"
    )


def test_the_schema_names_every_table_and_each_targets_fields() -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["properties"]) >= {"source", "people", "complaints", "allegations", "complainants"}
    fields = schema["$defs"]["AllegationsFields"]["properties"]
    assert {"category", "finding", "outcome", "sanction"} <= set(fields)
    assert schema["$defs"]["MapFile"]["properties"]["sheet"]["anyOf"][0] == {"type": "string"}


@pytest.mark.parametrize("path", MAPPINGS, ids=lambda path: path.name)
def test_every_mapping_the_reader_accepts_fits_the_schema(path: Path) -> None:
    load_mapping(path)
    assert check_shape(tomllib.loads(path.read_text(encoding="utf-8")), path) == []


def flat() -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads(FLAT.read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def test_what_does_not_fit_is_named_by_its_place_in_the_file() -> None:
    data = flat()
    data["allegations"]["fields"]["finding"]["convert"] = ["strp"]
    data["allegations"]["fieldz"] = {}
    data["people"]["fields"]["rank"] = {"first": [{"colum": "rank"}]}
    del data["complaints"]["key"]
    data["complaints"]["duplicates"] = "last"
    assert check_shape(data, FLAT) == [
        "flat.toml: people.fields.rank.first[0]: unknown key 'colum'",
        "flat.toml: complaints.key: is missing (the column that identifies each row)",
        "flat.toml: complaints.duplicates: must be one of: first, refuse",
        "flat.toml: allegations.fields.finding.convert: unknown converter 'strp'"
        " (known: strip, upper, lower, none_if_empty, date, int, int_from_float)",
        "flat.toml: allegations: unknown key 'fieldz'",
    ]


def test_the_schema_is_valid_json_an_editor_can_read() -> None:
    schema = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    assert schema["title"] == "Upstander import mapping"
    assert schema["additionalProperties"] is False
