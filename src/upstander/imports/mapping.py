"""A source's mapping: which CSV file feeds which table and how each column is read. Pure, no I/O
beyond reading the TOML file itself and the lookup files it names.

The format, table by table and rule by rule, is described in docs/mapping-format.md.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from upstander.imports.lookups import LookupFileError, read_lookup, typed_value
from upstander.imports.targets import (
    CONVERTERS,
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


class _Reader:
    """One TOML table with the keys read so far, so that a key nobody reads (a typo) is an error."""

    def __init__(self, data: object, where: str, file: str, folder: Path = Path()) -> None:
        self.where = where
        self.file = file
        self.folder = folder
        if not isinstance(data, dict):
            raise self.error("must be a table")
        self._data: dict[str, object] = data
        self._used: set[str] = set()

    def error(self, message: str, key: str | None = None) -> MappingError:
        place = f"{self.where}.{key}" if self.where and key else (key or self.where or "top level")
        return MappingError(f"{self.file}: {place}: {message}")

    def has(self, key: str) -> bool:
        return key in self._data

    def get(self, key: str) -> object:
        self._used.add(key)
        return self._data.get(key)

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = self.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error("must be a non-empty text" if value is not None else "is missing", key)
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.error("must be a list of texts", key)
        return tuple(value)

    def sub(self, key: str) -> _Reader | None:
        value = self.get(key)
        return (
            None
            if value is None
            else _Reader(value, f"{self.where}.{key}" if self.where else key, self.file, self.folder)
        )

    def items(self) -> list[tuple[str, object]]:
        return list(self._data.items())

    def done(self) -> None:
        unknown = sorted(set(self._data) - self._used)
        if unknown:
            raise self.error(f"unknown key {unknown[0]!r}", None)


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
    top = _Reader(dict(data), "", path.name, path.parent)
    source = top.text("source", required=True) or ""
    if len(source) > 60:
        raise top.error("must be at most 60 characters", "source")
    title = top.text("title") or source
    folder = top.text("folder")
    organisation = None
    if (org := top.sub("organisation")) is not None:
        organisation = Organisation(
            org.text("code", required=True) or "", org.text("name", required=True) or ""
        )
        org.done()
    tables = []
    for target in IMPORT_ORDER:
        reader = top.sub(target.value)
        if reader is not None:
            tables.append(_table(reader, target))
    top.done()
    if not tables:
        raise top.error(f"names no table to import (one or more of: {', '.join(IMPORT_ORDER)})")
    mapping = ImportMapping(path, source, title, folder, organisation, tuple(tables))
    _check_references(mapping, top)
    return mapping


def _check_references(mapping: ImportMapping, top: _Reader) -> None:
    needs_complaints = [t for t in mapping.tables if t.complaint is not None]
    if needs_complaints and mapping.table(Target.COMPLAINTS) is None:
        raise top.error(f"{needs_complaints[0].target} names complaints, but there is no [complaints] table")
    allegations = mapping.table(Target.ALLEGATIONS)
    if allegations and allegations.person and mapping.table(Target.PEOPLE) is None:
        raise top.error("allegations name a person, but there is no [people] table", "allegations.person")
    people = mapping.table(Target.PEOPLE)
    if people and people.unit and mapping.organisation is None:
        raise top.error("people.unit needs an [organisation] to put the units in", "organisation")


def _table(reader: _Reader, target: Target) -> TableMapping:
    file = reader.text("file", required=True) or ""
    keys: dict[str, FieldRule] = {}
    for name, required in TARGET_KEYS[target].items():
        if reader.has(name):
            # Every key needs a value in every row, except the person: an accusation may name nobody known.
            keys[name] = _rule(
                reader.get(name), f"{reader.where}.{name}", KEY_FIELD, reader, required=name != "person"
            )
        elif required:
            raise reader.error("is missing (the column that identifies each row)", name)
    fields = _rules(reader, "fields", TARGET_FIELDS[target])
    described = {}
    if (sub := reader.sub("described")) is not None:
        if target is not Target.ALLEGATIONS:
            raise reader.error("only allegations keep a description", "described")
        described = {
            name: _rule(raw, f"{sub.where}.{name}", DESCRIBED_FIELD, sub) for name, raw in sub.items()
        }
    unit = None
    if reader.has("unit"):
        if target is not Target.PEOPLE:
            raise reader.error("only people have a unit", "unit")
        rules = _rules(reader, "unit", UNIT_FIELDS)
        if "code" not in rules:
            raise reader.error("is missing (the column with each person's unit code)", "unit.code")
        unit = UnitRule(rules["code"], rules.get("name"))
    table = TableMapping(
        target=target,
        file=file,
        key=keys.get("key"),
        complaint=keys.get("complaint"),
        person=keys.get("person"),
        fields=MappingProxyType(fields),
        described=MappingProxyType(described),
        unit=unit,
        duplicates=_choice(reader, "duplicates", Duplicates, Duplicates.FIRST),
        missing_complaint=_choice(reader, "missing_complaint", MissingComplaint, MissingComplaint.REFUSE),
        dates_from_complaint=_flag(reader, "dates_from_complaint"),
        each_row=_flag(reader, "each_row"),
    )
    if table.each_row and target is not Target.ALLEGATIONS:
        raise reader.error("only allegations can keep each row", "each_row")
    if table.each_row and table.key is not None:
        raise reader.error("is not needed when the rows have a key", "each_row")
    reader.done()
    return table


def _rules(table: _Reader, key: str, schema: Mapping[str, TargetField]) -> dict[str, FieldRule]:
    reader = table.sub(key) or _Reader({}, f"{table.where}.{key}", table.file, table.folder)
    rules: dict[str, FieldRule] = {}
    for name, raw in reader.items():
        if name not in schema:
            raise reader.error(f"is not a field here (fields: {', '.join(schema)})", name)
        rules[name] = _rule(raw, f"{reader.where}.{name}", schema[name], reader)
    for name, spec in schema.items():
        if spec.required and name not in rules:
            raise reader.error("is missing (it is required)", name)
    return rules


E = TypeVar("E", bound=StrEnum)


def _choice(reader: _Reader, key: str, kind: type[E], default: E) -> E:
    value = reader.get(key)
    if value is None:
        return default
    try:
        return kind(str(value))
    except ValueError:
        raise reader.error(f"must be one of: {', '.join(kind)}", key) from None


def _flag(reader: _Reader, key: str) -> bool:
    value = reader.get(key)
    if value is not None and not isinstance(value, bool):
        raise reader.error("must be true or false", key)
    return bool(value)


def _rule(
    raw: object, where: str, target: TargetField, parent: _Reader, *, required: bool = False
) -> FieldRule:
    if isinstance(raw, list):
        return _composite(raw, where, target, parent, required=required)
    if isinstance(raw, str):
        raw = {"column": raw}
    reader = _Reader(raw, where, parent.file, parent.folder)
    date_parts = _date_parts(reader, target)
    first = tuple(
        _rule(item, f"{where}.first[{index}]", target, reader)
        for index, item in enumerate(_list(reader, "first"))
    )
    rule = FieldRule(
        name=where,
        target=target,
        column=reader.text("column"),
        value=_output(reader, "value", target),
        first=first,
        only_when=_condition(reader),
        convert=_converters(reader),
        none_for=frozenset(reader.strings("none_for")),
        values=_values(reader, target),
        present=_output(reader, "present", target),
        template=_template(reader),
        default=_output(reader, "default", target),
        required=_flag(reader, "required") or required or target.required,
        date_parts=date_parts,
    )
    reader.done()
    sources = sum((rule.column is not None, rule.value is not None, bool(rule.first), bool(date_parts)))
    if sources != 1:
        raise reader.error("needs exactly one of column, value, first or date_from")
    if rule.column and target.type in {FieldType.DATE, FieldType.INT} and rule.values is None:
        wanted = {"date"} if target.type is FieldType.DATE else {"int", "int_from_float"}
        if not wanted & set(rule.convert):
            raise reader.error(
                f"a {target.type} needs the converter {' or '.join(sorted(wanted))}", "convert"
            )
    return rule


def _composite(
    raw: list[object], where: str, target: TargetField, parent: _Reader, *, required: bool
) -> FieldRule:
    if target.type is not FieldType.TEXT or len(raw) < 2:
        raise parent.error(
            "a list of columns makes a key of two or more columns, and only a key", where.rsplit(".", 1)[-1]
        )
    parts = tuple(
        _rule(item, f"{where}[{index}]", KEY_FIELD, parent, required=required)
        for index, item in enumerate(raw)
    )
    return FieldRule(name=where, target=target, parts=parts, required=required or target.required)


def _date_parts(reader: _Reader, target: TargetField) -> tuple[FieldRule, ...]:
    sub = reader.sub("date_from")
    if sub is None:
        return ()
    if target.type is not FieldType.DATE:
        raise reader.error("only a date is built from parts", "date_from")
    parts = []
    for name in ("year", "month", "day"):
        raw = sub.get(name)
        if raw is None:
            if name != "day":
                raise sub.error("is missing", name)
            continue
        if isinstance(raw, str):
            raw = {"column": raw, "convert": ["int_from_float"]}
        parts.append(_rule(raw, f"{sub.where}.{name}", DATE_PART_FIELD, sub))
    sub.done()
    return tuple(parts)


def _list(reader: _Reader, key: str) -> list[object]:
    value = reader.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not value:
        raise reader.error("must be a non-empty list of rules", key)
    return value


def _converters(reader: _Reader) -> tuple[str, ...]:
    names = reader.strings("convert")
    for name in names:
        if name not in CONVERTERS:
            raise reader.error(f"unknown converter {name!r} (known: {', '.join(CONVERTERS)})", "convert")
    return names


def _condition(reader: _Reader) -> Condition | None:
    sub = reader.sub("only_when")
    if sub is None:
        return None
    condition = Condition(sub.text("column", required=True) or "", frozenset(sub.strings("values")))
    sub.done()
    if not condition.values:
        raise sub.error("is missing (the values for which the field counts)", "values")
    return condition


def _template(reader: _Reader) -> str | None:
    template = reader.text("template")
    if template is not None and template.count("{}") != 1:
        raise reader.error('must hold "{}" once, where the value goes', "template")
    return template


def _values(reader: _Reader, target: TargetField) -> Mapping[str, object] | None:
    sub = reader.sub("map")
    lookup = reader.sub("map_file")
    if lookup is not None:
        if sub is not None:
            raise reader.error("give map or map_file, not both", "map_file")
        return _lookup(lookup, target)
    if sub is None:
        return None
    values = {name: _check_output(sub, name, value, target) for name, value in sub.items()}
    if not values:
        raise sub.error("must list at least one value")
    return MappingProxyType(values)


def _lookup(reader: _Reader, target: TargetField) -> Mapping[str, object]:
    file = reader.text("file", required=True) or ""
    code = reader.text("code", required=True) or ""
    value = reader.text("value", required=True) or ""
    sheet = reader.text("sheet")
    reader.done()
    try:
        table = read_lookup(reader.folder / file, code, value, sheet)
    except LookupFileError as error:
        raise reader.error(str(error), error.key) from error
    return MappingProxyType(
        {
            name: _check_output(reader, f"value ({file} {place})", typed_value(text, target.type), target)
            for name, (text, place) in table.items()
        }
    )


def _output(reader: _Reader, key: str, target: TargetField) -> object:
    value = reader.get(key)
    return None if value is None else _check_output(reader, key, value, target)


def _check_output(reader: _Reader, key: str, value: object, target: TargetField) -> object:
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
        raise reader.error(f"{value!r} is not {wanted}", key)
    if target.bounds and isinstance(value, int) and not target.bounds[0] <= value <= target.bounds[1]:
        raise reader.error(f"{value} is not between {target.bounds[0]} and {target.bounds[1]}", key)
    return value
