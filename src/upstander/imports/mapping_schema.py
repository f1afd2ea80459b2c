"""The mapping file's shape as pydantic models, for its JSON Schema (docs/mapping.schema.json,
written by `upstander mapping schema`): an editor that reads it completes and checks the keys of
a mapping as it is typed. Every table, every rule key and each target's field names are here.

`imports/mapping.py` still decides whether a mapping can be used (whether a field's constant fits
its type, a converter a date needs, references between tables) and names the place of any
mistake; `check_shape` refuses what does not fit the shape, with the place in the same words,
and the tests hold that every mapping the reader accepts fits the schema.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from upstander.imports.targets import (
    CONVERTERS,
    TARGET_FIELDS,
    TARGET_KEYS,
    UNIT_FIELDS,
    Duplicates,
    MissingComplaint,
    Target,
)

Constant = str | int | bool | date
Converter = Literal[tuple(CONVERTERS)]  # type: ignore[valid-type]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Condition(_Strict):
    """The value counts only when ``column`` holds one of ``values``."""

    column: str = Field(min_length=1)
    values: list[str] = Field(min_length=1)


class MapFile(_Strict):
    """A map read from two columns of a CSV file, or of an .xlsx workbook's sheet, beside the mapping."""

    file: str = Field(min_length=1)
    code: str = Field(min_length=1)
    value: str = Field(min_length=1)
    sheet: str | None = Field(None, description="An .xlsx workbook's sheet; default: the first")


class Rule(_Strict):
    """How one field is read: one of column, value, first or date_from, then the steps in order."""

    column: str | None = Field(None, min_length=1)
    value: Constant | None = None
    first: list[Rule | str] | None = Field(
        None, min_length=1, description="The first rule giving a value wins"
    )
    date_from: DateFrom | None = None
    only_when: Condition | None = None
    convert: list[Converter] | None = None  # type: ignore[valid-type]
    none_for: list[str] | None = None
    map: dict[str, Constant] | None = Field(None, min_length=1)
    map_file: MapFile | None = None
    present: Constant | None = None
    template: str | None = Field(None, pattern=r"^[^{}]*\{\}[^{}]*$")
    default: Constant | None = None
    required: bool | None = None


class DateFrom(_Strict):
    """A date built from whole-number columns; without a day, the 1st of the month."""

    year: Rule | str
    month: Rule | str
    day: Rule | str | None = None


Rule.model_rebuild()
FieldRule = Rule | str
KeyRule = Rule | str | list[Rule | str]


class Organisation(_Strict):
    code: str = Field(min_length=1)
    name: str = Field(min_length=1)


def _fields_model(target: Target) -> type[BaseModel]:
    fields: dict[str, Any] = dict.fromkeys(TARGET_FIELDS[target], (FieldRule | None, None))
    return create_model(
        f"{target.value.title().replace('_', '')}Fields", __config__=ConfigDict(extra="forbid"), **fields
    )


def _table_model(target: Target) -> type[BaseModel]:
    fields: dict[str, Any] = {"file": (str, Field(min_length=1))}
    for key, required in TARGET_KEYS[target].items():
        fields[key] = (KeyRule, ...) if required else (KeyRule | None, None)
    fields["fields"] = (_fields_model(target) | None, None)
    fields["duplicates"] = (Literal[tuple(choice.value for choice in Duplicates)] | None, None)
    fields["missing_complaint"] = (Literal[tuple(choice.value for choice in MissingComplaint)] | None, None)
    fields["dates_from_complaint"] = (bool | None, None)
    if target is Target.ALLEGATIONS:
        fields["each_row"] = (bool | None, None)
        fields["described"] = (dict[str, FieldRule] | None, None)
    if target is Target.PEOPLE:
        unit: dict[str, Any] = {
            name: (FieldRule, ...) if name == "code" else (FieldRule | None, None) for name in UNIT_FIELDS
        }
        fields["unit"] = (
            create_model("PeopleUnit", __config__=ConfigDict(extra="forbid"), **unit) | None,
            None,
        )
    name = f"{target.value.title().replace('_', '')}Table"
    return create_model(name, __config__=ConfigDict(extra="forbid"), **fields)


_TABLES: dict[str, Any] = {target.value: (_table_model(target) | None, None) for target in Target}
MappingFile: type[BaseModel] = create_model(
    "MappingFile",
    __config__=ConfigDict(extra="forbid", title="Upstander import mapping"),
    source=(str, Field(min_length=1, max_length=60, description="The source's name, e.g. cpdp-chicago")),
    title=(str | None, None),
    folder=(str | None, Field(None, description="The data folder's name under the data directory")),
    organisation=(Organisation | None, None),
    **_TABLES,
)


def json_schema() -> dict[str, Any]:
    schema = MappingFile.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _place(data: object, loc: tuple[int | str, ...], keyed: bool) -> list[int | str]:
    """The path into the file of an error's location, without the union branches pydantic names."""
    place: list[int | str] = []
    for part in loc:
        found = (isinstance(data, dict) and part in data) or (
            isinstance(data, list) and isinstance(part, int) and part < len(data)
        )
        if found:
            data = data[part]  # type: ignore[index]
            place.append(part)
        elif keyed and part == loc[-1]:
            place.append(part)  # the key a missing or unknown key error is about
        elif not isinstance(data, dict | list):
            break
    return place


def _written(place: list[int | str]) -> str:
    text = ""
    for part in place:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "top level"


def check_shape(data: Mapping[str, object], path: Path) -> list[str]:
    """What does not fit the mapping's shape, each as ``file: place: message`` (the place as
    `imports/mapping.py` writes it: ``allegations.fields.outcome.map``, ``first[0]``)."""
    try:
        MappingFile.model_validate(dict(data))
    except ValidationError as error:
        found: list[tuple[list[int | str], str, str]] = []
        for problem in error.errors():
            keyed = problem["type"] in {"missing", "extra_forbidden"}
            place = _place(dict(data), problem["loc"], keyed)
            message = {"missing": "is missing"}.get(problem["type"], problem["msg"])
            found.append((place, problem["type"], message))
        # In a union (a column name or a rule), the branch the input was not meant for is no news.
        deeper = [place for place, _, _ in found]
        kept = [
            (place[:-1], f"unknown key {place[-1]!r}") if kind == "extra_forbidden" else (place, message)
            for place, kind, message in found
            if not (
                kind.endswith("_type")
                and any(other[: len(place)] == place and other != place for other in deeper)
            )
        ]
        return list(dict.fromkeys(f"{path.name}: {_written(place)}: {message}" for place, message in kept))
    return []
