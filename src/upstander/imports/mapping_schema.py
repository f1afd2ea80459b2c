"""The mapping file's shape as pydantic models: `imports/mapping.py` reads every mapping through
them (`read_shape`), and their JSON Schema (docs/mapping.schema.json, written by `upstander
mapping schema`) lets an editor complete and check the keys of a mapping as it is typed.

What does not fit the shape (a key missing or misspelt, a text where a table belongs, a choice
not among those known) is told as ``file: place: message``, the place written as the file has it
(``allegations.fields.outcome.map``, ``first[0]``). What the shape cannot say (whether a field's
constant fits its type, the converter a date needs, references between tables) `mapping.py`
decides on the models, naming the place in the same words.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from upstander.file_places import place_in, written
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
    # Strict: TOML has its own types, and 1 is not true nor 5 a text.
    model_config = ConfigDict(extra="forbid", strict=True)


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
        f"{target.value.title().replace('_', '')}Fields",
        __config__=ConfigDict(extra="forbid", strict=True),
        **fields,
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
            create_model("PeopleUnit", __config__=ConfigDict(extra="forbid", strict=True), **unit) | None,
            None,
        )
    name = f"{target.value.title().replace('_', '')}Table"
    return create_model(name, __config__=ConfigDict(extra="forbid", strict=True), **fields)


_TABLES: dict[str, Any] = {target.value: (_table_model(target) | None, None) for target in Target}
MappingFile: type[BaseModel] = create_model(
    "MappingFile",
    __config__=ConfigDict(extra="forbid", strict=True, title="Upstander import mapping"),
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


class ShapeError(ValueError):
    """What does not fit the mapping's shape, each problem as ``file: place: message``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def read_shape(data: Mapping[str, object], path: Path) -> BaseModel:
    """The mapping as the models hold it; `ShapeError` naming the file and each place that does not fit."""
    try:
        return MappingFile.model_validate(dict(data))
    except ValidationError as error:
        raise ShapeError(_problems(dict(data), error, path.name)) from None


def check_shape(data: Mapping[str, object], path: Path) -> list[str]:
    """What does not fit the mapping's shape, each as ``file: place: message`` (none: [])."""
    try:
        read_shape(data, path)
    except ShapeError as error:
        return error.problems
    return []


# Where a key is left out of a table that does not take it, what it belongs to.
_ONLY_IN = {
    "described": "only allegations keep a description",
    "unit": "only people have a unit",
    "each_row": "only allegations can keep each row",
}
_HINTS = {
    "key": " (the column that identifies each row)",
    "complaint": " (the column that names each row's complaint)",
    "code": " (the column with each person's unit code)",
}
_WANTED = {
    "string_type": "a text",
    "int_type": "a whole number",
    "bool_type": "true or false",
    "date_type": "a date",
    "list_type": "a list",
    "dict_type": "a table",
    "model_type": "a table",
}


def _problems(data: dict[str, object], error: ValidationError, file: str) -> list[str]:
    found: list[tuple[list[int | str], str, str]] = []
    for problem in error.errors():
        kind = problem["type"]
        place = place_in(data, problem["loc"], kind in {"missing", "extra_forbidden"})
        found.append((place, kind, _message(place, kind, problem)))
    # In a union (a column name or a rule), the branch the input was not meant for is no news.
    deeper = [place for place, _, _ in found if place]
    kept: dict[str, list[str]] = {}
    for place, kind, message in found:
        if kind.endswith("_type") and any(
            other[: len(place)] == place and other != place for other in deeper
        ):
            continue
        # An unknown key is told at its table ("complaints: unknown key 'x'"), a field at itself.
        at_table = kind == "extra_forbidden" and message.startswith("unknown key")
        if at_table or (kind == "literal_error" and place[-2:-1] == ["convert"]):
            place = place[:-1]  # noqa: PLW2901
        kept.setdefault(written(place), []).append(message)
    lines = []
    for where, messages in kept.items():
        wanted = [message.removeprefix("must be ") for message in messages if message.startswith("must be a")]
        # Each branch of a union said what it wanted: say it once.
        said = ["must be " + " or ".join(dict.fromkeys(wanted))] if len(wanted) > 1 else messages
        lines += [f"{file}: {where}: {message}" for message in dict.fromkeys(said)]
    return lines


def _message(place: list[int | str], kind: str, problem: Any) -> str:
    if kind in {"missing", "extra_forbidden"}:
        return _key_message(place, kind)
    context = problem.get("ctx") or {}
    if kind == "literal_error" and "convert" in place:
        return f"unknown converter {problem['input']!r} (known: {', '.join(CONVERTERS)})"
    if kind == "literal_error":
        expected = str(context.get("expected", "")).replace(" or ", ", ")
        return "must be one of: " + ", ".join(choice.strip(" '") for choice in expected.split(","))
    if kind == "string_pattern_mismatch" and place and place[-1] == "template":
        return 'must hold "{}" once, where the value goes'
    messages = {
        **{name: f"must be {wanted}" for name, wanted in _WANTED.items()},
        "string_too_short": "must be a non-empty text",
        "too_short": "must not be empty",
        "string_too_long": f"must be at most {context.get('max_length')} characters",
    }
    return messages.get(kind, str(problem["msg"]))


def _key_message(place: list[int | str], kind: str) -> str:
    last = str(place[-1]) if place else ""
    if kind == "missing":
        return "is missing" + _HINTS.get(last, "")
    if last in _ONLY_IN:
        return _ONLY_IN[last]
    if place[-2:-1] == ["fields"] and str(place[0]) in {target.value for target in Target}:
        return f"is not a field here (fields: {', '.join(TARGET_FIELDS[Target(str(place[0]))])})"
    if place[-2:-1] == ["unit"]:
        return f"is not a field here (fields: {', '.join(UNIT_FIELDS)})"
    return f"unknown key {last!r}"
