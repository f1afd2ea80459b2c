"""A source's mapping: which CSV file feeds which table and how each column is read. Pure, no I/O
beyond reading the TOML file itself and the lookup files it names.

The file is read through the pydantic models of `imports/mapping_schema.py`, which refuse what
does not fit its shape; this module decides what the shape cannot say (a constant that does not
fit its field, the converter a date needs, references between tables) and builds the frozen
`ImportMapping`. Every mistake names the file and the place in it. The format, table by table and
rule by rule, is described in docs/mapping-format.md.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel

from upstander.imports import mapping_schema as shape
from upstander.imports.lookups import LookupFileError, read_lookup, typed_value
from upstander.imports.targets import (
    DATE_PART_FIELD,
    DESCRIBED_FIELD,
    IMPORT_ORDER,
    KEY_FIELD,
    TARGET_FIELDS,
    TARGET_KEYS,
    UNIT_FIELDS,
    Condition,
    Duplicates,
    FieldRule,
    FieldType,
    ImportMapping,
    MissingComplaint,
    Organisation,
    TableMapping,
    Target,
    TargetField,
    UnitRule,
)


class MappingError(ValueError):
    """A mapping that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class _Place:
    """Where in which mapping file a model was read from, to name it in a message."""

    file: str
    where: str
    folder: Path = Path()

    def at(self, key: str | int) -> _Place:
        where = (
            f"{self.where}[{key}]" if isinstance(key, int) else f"{self.where}.{key}" if self.where else key
        )
        return _Place(self.file, where, self.folder)

    def error(self, message: str, key: str | None = None) -> MappingError:
        place = self.at(key).where if key else (self.where or "top level")
        return MappingError(f"{self.file}: {place}: {message}")


SHIPPED_MAPPINGS = Path(__file__).parent / "mappings"


def find_mapping(name_or_path: str) -> Path:
    """The mapping file at ``name_or_path``, or else the mapping of that name shipped with Upstander."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    shipped = SHIPPED_MAPPINGS / f"{name_or_path}.toml"
    if path.name == name_or_path and shipped.is_file():
        return shipped
    names = ", ".join(sorted(item.stem for item in SHIPPED_MAPPINGS.glob("*.toml")))
    raise MappingError(
        f"{name_or_path}: no such mapping file, and no mapping of that name is shipped ({names})"
    )


def load_mapping(path: Path) -> ImportMapping:
    """Read and check a mapping file; every mistake is a `MappingError` naming the file and the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise MappingError(f"{path}: cannot be read ({error.strerror or error})") from error
    except tomllib.TOMLDecodeError as error:
        raise MappingError(f"{path.name}: is not valid TOML ({error})") from error
    return parse_mapping(data, path)


def parse_mapping(data: Mapping[str, object], path: Path) -> ImportMapping:
    """Check an already parsed mapping (see `load_mapping`)."""
    try:
        model = shape.read_shape(data, path)
    except shape.ShapeError as error:
        raise MappingError(str(error)) from None
    top = _Place(path.name, "", path.parent)
    source: str = model.source  # type: ignore[attr-defined]
    organisation = None
    if (org := model.organisation) is not None:  # type: ignore[attr-defined]
        organisation = Organisation(org.code, org.name)
    tables = [
        _table(table, target, top.at(target.value))
        for target in IMPORT_ORDER
        if (table := getattr(model, target.value)) is not None
    ]
    if not tables:
        raise top.error(f"names no table to import (one or more of: {', '.join(IMPORT_ORDER)})")
    title: str | None = model.title  # type: ignore[attr-defined]
    folder: str | None = model.folder  # type: ignore[attr-defined]
    mapping = ImportMapping(path, source, title or source, folder, organisation, tuple(tables))
    _check_references(mapping, top)
    return mapping


def _check_references(mapping: ImportMapping, top: _Place) -> None:
    needs_complaints = [t for t in mapping.tables if t.complaint is not None]
    if needs_complaints and mapping.table(Target.COMPLAINTS) is None:
        raise top.error(f"{needs_complaints[0].target} names complaints, but there is no [complaints] table")
    allegations = mapping.table(Target.ALLEGATIONS)
    if allegations and allegations.person and mapping.table(Target.PEOPLE) is None:
        raise top.error("allegations name a person, but there is no [people] table", "allegations.person")
    people = mapping.table(Target.PEOPLE)
    if people and people.unit and mapping.organisation is None:
        raise top.error("people.unit needs an [organisation] to put the units in", "organisation")


def _table(model: Any, target: Target, place: _Place) -> TableMapping:
    keys: dict[str, FieldRule] = {}
    for name in TARGET_KEYS[target]:
        if (raw := getattr(model, name)) is not None:
            # Every key needs a value in every row, except the person: an accusation may name nobody known.
            keys[name] = _rule(raw, place.at(name), KEY_FIELD, required=name != "person")
    fields = _rules(model.fields, place.at("fields"), TARGET_FIELDS[target])
    described_models: dict[str, Any] = getattr(model, "described", None) or {}
    described = {
        name: _rule(raw, place.at("described").at(name), DESCRIBED_FIELD)
        for name, raw in described_models.items()
    }
    unit = None
    if (unit_model := getattr(model, "unit", None)) is not None:
        rules = _rules(unit_model, place.at("unit"), UNIT_FIELDS)
        unit = UnitRule(rules["code"], rules.get("name"))
    each_row = bool(getattr(model, "each_row", None))
    if each_row and "key" in keys:
        raise place.error("is not needed when the rows have a key", "each_row")
    return TableMapping(
        target=target,
        file=model.file,
        key=keys.get("key"),
        complaint=keys.get("complaint"),
        person=keys.get("person"),
        fields=MappingProxyType(fields),
        described=MappingProxyType(described),
        unit=unit,
        duplicates=Duplicates(model.duplicates or Duplicates.FIRST),
        missing_complaint=MissingComplaint(model.missing_complaint or MissingComplaint.REFUSE),
        dates_from_complaint=bool(model.dates_from_complaint),
        each_row=each_row,
    )


def _rules(model: BaseModel | None, place: _Place, schema: Mapping[str, TargetField]) -> dict[str, FieldRule]:
    given = {} if model is None else {name: raw for name, raw in model if raw is not None}
    rules = {name: _rule(raw, place.at(name), schema[name]) for name, raw in given.items()}
    for name, spec in schema.items():
        if spec.required and name not in rules:
            raise place.error("is missing (it is required)", name)
    return rules


def _rule(raw: Any, place: _Place, target: TargetField, *, required: bool = False) -> FieldRule:
    if isinstance(raw, list):
        return _composite(raw, place, target, required=required)
    rule_model: shape.Rule = shape.Rule(column=raw) if isinstance(raw, str) else raw
    date_parts = _date_parts(rule_model.date_from, place, target)
    first = tuple(
        _rule(item, place.at("first").at(index), target) for index, item in enumerate(rule_model.first or ())
    )
    rule = FieldRule(
        name=place.where,
        target=target,
        column=rule_model.column,
        value=_output(place, "value", rule_model.value, target),
        first=first,
        only_when=_condition(rule_model.only_when),
        convert=tuple(rule_model.convert or ()),
        none_for=frozenset(rule_model.none_for or ()),
        values=_values(rule_model, place, target),
        present=_output(place, "present", rule_model.present, target),
        template=_template(rule_model.template, place),
        default=_output(place, "default", rule_model.default, target),
        required=bool(rule_model.required) or required or target.required,
        date_parts=date_parts,
    )
    sources = sum((rule.column is not None, rule.value is not None, bool(rule.first), bool(date_parts)))
    if sources != 1:
        raise place.error("needs exactly one of column, value, first or date_from")
    if rule.column and target.type in {FieldType.DATE, FieldType.INT} and rule.values is None:
        wanted = {"date"} if target.type is FieldType.DATE else {"int", "int_from_float"}
        if not wanted & set(rule.convert):
            raise place.error(f"a {target.type} needs the converter {' or '.join(sorted(wanted))}", "convert")
    return rule


def _composite(raw: list[Any], place: _Place, target: TargetField, *, required: bool) -> FieldRule:
    if target.type is not FieldType.TEXT or len(raw) < 2:
        parent, _, key = place.where.rpartition(".")
        raise _Place(place.file, parent, place.folder).error(
            "a list of columns makes a key of two or more columns, and only a key", key
        )
    parts = tuple(
        _rule(item, place.at(index), KEY_FIELD, required=required) for index, item in enumerate(raw)
    )
    return FieldRule(name=place.where, target=target, parts=parts, required=required or target.required)


def _date_parts(model: shape.DateFrom | None, place: _Place, target: TargetField) -> tuple[FieldRule, ...]:
    if model is None:
        return ()
    if target.type is not FieldType.DATE:
        raise place.error("only a date is built from parts", "date_from")
    parts = []
    for name in ("year", "month", "day"):
        raw = getattr(model, name)
        if raw is None:
            continue
        if isinstance(raw, str):
            raw = shape.Rule(column=raw, convert=["int_from_float"])
        parts.append(_rule(raw, place.at("date_from").at(name), DATE_PART_FIELD))
    return tuple(parts)


def _condition(model: shape.Condition | None) -> Condition | None:
    return None if model is None else Condition(model.column, frozenset(model.values))


def _template(template: str | None, place: _Place) -> str | None:
    if template is not None and template.count("{}") != 1:
        raise place.error('must hold "{}" once, where the value goes', "template")
    return template


def _values(model: shape.Rule, place: _Place, target: TargetField) -> Mapping[str, object] | None:
    if model.map_file is not None:
        if model.map is not None:
            raise place.error("give map or map_file, not both", "map_file")
        return _lookup(model.map_file, place.at("map_file"), target)
    if model.map is None:
        return None
    return MappingProxyType(
        {name: _check_output(place.at("map"), name, value, target) for name, value in model.map.items()}
    )


def _lookup(model: shape.MapFile, place: _Place, target: TargetField) -> Mapping[str, object]:
    try:
        table = read_lookup(place.folder / model.file, model.code, model.value, model.sheet)
    except LookupFileError as error:
        raise place.error(str(error), error.key) from error
    return MappingProxyType(
        {
            name: _check_output(
                place, f"value ({model.file} {where})", typed_value(text, target.type), target
            )
            for name, (text, where) in table.items()
        }
    )


def _output(place: _Place, key: str, value: object, target: TargetField) -> object:
    return None if value is None else _check_output(place, key, value, target)


def _check_output(place: _Place, key: str, value: object, target: TargetField) -> object:
    """A constant the mapping gives (a value, a default, a mapped value) must fit the field."""
    kind = target.type
    fits = {
        FieldType.TEXT: isinstance(value, str | int) and not isinstance(value, bool),
        FieldType.DATE: isinstance(value, date),
        FieldType.INT: isinstance(value, int) and not isinstance(value, bool),
        FieldType.BOOL: isinstance(value, bool),
        FieldType.CHOICE: value in target.choices,
        FieldType.ANY: isinstance(value, str | int | float | bool | date),
    }[kind]
    if not fits:
        wanted = f"one of {', '.join(target.choices)}" if kind is FieldType.CHOICE else f"a {kind}"
        raise place.error(f"{value!r} is not {wanted}", key)
    if target.bounds and isinstance(value, int) and not target.bounds[0] <= value <= target.bounds[1]:
        raise place.error(f"{value} is not between {target.bounds[0]} and {target.bounds[1]}", key)
    return value
