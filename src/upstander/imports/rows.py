"""Reading one CSV row with a table's mapping: the values to store, or every problem in plain words.

Pure: a row is the mapping of column name → cell text that `csv.DictReader` gives (a short row has
``None`` for the cells it lacks; a long row keeps its extra cells under the key ``None``). A row
with any problem is refused whole; each problem names the column, the value and what is wrong
with it, and its `Problem.reason` (without the value) groups rows with the same trouble.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from upstander.imports.targets import FieldRule, FieldType, TableMapping

Row = Mapping[str | None, object]

_WHOLE_NUMBER = re.compile(r"[+-]?\d+")
_SHOWN_CHARS = 60
# A map may list hundreds of codes: a refused line names a few, not all (the mapping has them).
SHOWN_KNOWN_VALUES = 10


@dataclass(frozen=True)
class Problem:
    """What is wrong with one value: ``subject`` (a column) ``complaint`` (what is wrong)."""

    subject: str
    complaint: str
    value: str | None = None
    # Said after the value and left out of the reason (e.g. which earlier line a row contradicts).
    detail: str | None = None

    @property
    def reason(self) -> str:
        """The problem without the value, so rows with the same trouble are counted together."""
        return f"{self.subject} {self.complaint}"

    @property
    def message(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        if self.value is None:
            return self.reason + detail
        shown = self.value if len(self.value) <= _SHOWN_CHARS else self.value[:_SHOWN_CHARS] + "…"
        return f"{self.subject} {shown!r} {self.complaint}{detail}"


class ProblemFound(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass(frozen=True)
class RowValues:
    """A row read with its table's mapping. Keys are text (``"600.0"`` read as a whole number is ``"600"``)."""

    key: str | None
    complaint: str | None
    person: str | None
    fields: dict[str, object]
    described: dict[str, object]
    unit_code: str | None
    unit_name: str | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def differences(first: RowValues, repeat: RowValues) -> list[str]:
    """The fields (and unit) in which a repeated row says something other than its first row."""
    names = [
        name
        for name in dict.fromkeys([*first.fields, *repeat.fields])
        if first.fields.get(name) != repeat.fields.get(name)
    ]
    names += [
        f"described.{name}"
        for name in dict.fromkeys([*first.described, *repeat.described])
        if first.described.get(name) != repeat.described.get(name)
    ]
    if first.unit_code != repeat.unit_code:
        names.append("unit")
    return names


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _none_if_empty(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _date(value: object) -> object:
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return None
    # fromisoformat also takes other ISO 8601 forms (20080101, 2008-W01-1): only YYYY-MM-DD is a date here.
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        raise ValueError("is not a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError("is not a date (YYYY-MM-DD)") from None


def _int(value: object) -> object:
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return None
    if not _WHOLE_NUMBER.fullmatch(text):
        raise ValueError("is not a whole number")
    return int(text)


def _int_from_float(value: object) -> object:
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise ValueError("is not a number") from None
    if not math.isfinite(number) or not number.is_integer():
        raise ValueError("is not a whole number")
    return int(number)


CONVERT: Mapping[str, Callable[[object], object]] = {
    "strip": _strip,
    "upper": _upper,
    "lower": _lower,
    "none_if_empty": _none_if_empty,
    "date": _date,
    "int": _int,
    "int_from_float": _int_from_float,
}


Reader = Callable[[Row], object]


def _missing(column: str) -> ProblemFound:
    return ProblemFound(Problem(column, "is missing: the row has fewer cells than the header"))


def compile_rule(rule: FieldRule) -> Reader:
    """A function reading ``rule``'s value from a row, raising `ProblemFound` when it cannot.

    The rule's steps are decided here once, not again for every row of a large file.
    """
    fit = _fitter(rule)
    default, required, subject = rule.default, rule.required, rule.subject
    if rule.parts:
        return _compile_parts(rule, fit)
    if rule.date_parts:
        return _compile_date(rule, fit)
    if rule.first:
        alternatives = tuple(compile_rule(alternative) for alternative in rule.first)

        def first(row: Row) -> object:
            value = next((v for v in (read(row) for read in alternatives) if v is not None), default)
            if value is None and required:
                raise ProblemFound(Problem(subject, "has no value"))
            return fit(value, None)

        return first
    if rule.column is None:
        constant = fit(rule.value, None)
        return lambda _row: constant
    convert = _converter(rule)
    column = rule.column

    def read(row: Row) -> object:
        raw = row.get(column)
        if raw is None:
            raise _missing(column)
        if not isinstance(raw, str):
            raw = str(raw)
        value = convert(raw, row)
        if value is None or (required and value == ""):
            if default is None:
                if required:
                    raise ProblemFound(Problem(subject, "is empty"))
                return None
            value = default
        return fit(value, str(raw))

    return read


def _compile_parts(rule: FieldRule, fit: Callable[[object, str | None], object]) -> Reader:
    """A key of several columns: every part is needed, joined with "/"."""
    parts = tuple(compile_rule(part) for part in rule.parts)
    subject = rule.subject

    def read(row: Row) -> object:
        values = [read_part(row) for read_part in parts]
        if any(value is None or not str(value).strip() for value in values):
            if rule.required:
                raise ProblemFound(Problem(subject, "has an empty part"))
            return None
        return fit("/".join(str(value) for value in values), None)

    return read


def _compile_date(rule: FieldRule, fit: Callable[[object, str | None], object]) -> Reader:
    """A date from a year, a month and perhaps a day: all empty is no date, some empty a problem."""
    parts = tuple(compile_rule(part) for part in rule.date_parts)
    subject, default = rule.subject, rule.default

    def read(row: Row) -> object:
        values = [read_part(row) for read_part in parts]
        if all(value is None for value in values):
            if default is None and rule.required:
                raise ProblemFound(Problem(subject, "is empty"))
            return default
        shown = "-".join("" if value is None else str(value) for value in values)
        if any(value is None for value in values):
            raise ProblemFound(Problem(subject, "give only part of a date", shown))
        year, month, *day = (int(str(value)) for value in values)
        try:
            return fit(date(year, month, day[0] if day else 1), shown)
        except ValueError:
            raise ProblemFound(Problem(subject, "give no date there is", shown)) from None

    return read


def _converter(rule: FieldRule) -> Callable[[str, Row], object]:
    """``only_when``, the ``convert`` chain, ``none_for``, ``map``, ``present`` and ``template``.

    A rule that only converts (most of them) gets a function doing only that: this runs for every
    cell of every row.
    """
    steps = tuple(CONVERT[name] for name in rule.convert)
    condition, none_for, values = rule.only_when, rule.none_for, rule.values
    present, template, subject = rule.present, rule.template, rule.subject
    known = _known_values(values) if values is not None else ""

    def converted(raw: str, _row: Row | None = None) -> object:
        value: object = raw
        try:
            for step in steps:
                value = step(value)
        except ValueError as error:
            raise ProblemFound(Problem(subject, str(error), raw)) from None
        return value

    if condition is None and not none_for and values is None and present is None and template is None:
        return converted

    def convert(raw: str, row: Row) -> object:
        if condition is not None:
            other = row.get(condition.column)
            if other is None:
                raise _missing(condition.column)
            if str(other).strip() not in condition.values:
                return None
        value = converted(raw)
        if value is None or (none_for and str(value) in none_for):
            return None
        if values is not None:
            if str(value) not in values:
                raise ProblemFound(
                    Problem(subject, f"is not one of the values the mapping knows ({known})", raw)
                )
            value = values[str(value)]
        if present is not None:
            value = present
        return value if template is None else template.format(value)

    return convert


def _known_values(values: Mapping[str, object]) -> str:
    names = sorted(values)
    shown = ", ".join(names[:SHOWN_KNOWN_VALUES])
    more = len(names) - SHOWN_KNOWN_VALUES
    return shown if more <= 0 else f"{shown} and {more:,} more: see its map"


def _fitter(rule: FieldRule) -> Callable[[object, str | None], object]:
    """A function giving a value as the field stores it, or a problem when it does not fit the field."""
    spec, subject = rule.target, rule.subject
    kind, max_length, bounds = spec.type, spec.max_length, spec.bounds

    def refused(complaint: str, value: object, raw: str | None) -> ProblemFound:
        return ProblemFound(Problem(subject, complaint, raw if raw is not None else str(value)))

    def text(value: object, raw: str | None) -> object:
        if value is None:
            return None
        if not isinstance(value, str):
            if not isinstance(value, int) or isinstance(value, bool):
                raise refused("is not a text", value, raw)
            value = str(value)
        if max_length is not None and len(value) > max_length:
            raise refused(f"is longer than {max_length} characters", value, raw)
        return value

    def whole_number(value: object, raw: str | None) -> object:
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise refused("is not a whole number", value, raw)
        if bounds and not bounds[0] <= value <= bounds[1]:
            raise refused(f"is not between {bounds[0]} and {bounds[1]}", value, raw)
        return value

    def anything(value: object, raw: str | None) -> object:
        if isinstance(value, date):
            return value.isoformat()
        if value is None or isinstance(value, str | int | float | bool):
            return value
        raise refused("is not a text, a number, a date or true or false", value, raw)

    def a_date(value: object, raw: str | None) -> object:
        if value is None or isinstance(value, date):
            return value
        raise refused("is not a date", value, raw)

    def other(value: object, raw: str | None) -> object:
        if value is None:
            return None
        fits = isinstance(value, bool) if kind is FieldType.BOOL else value in spec.choices
        if not fits:
            wanted = f"one of {', '.join(spec.choices)}" if kind is FieldType.CHOICE else f"a {kind}"
            raise refused(f"is not {wanted}", value, raw)
        return value

    fitters = {
        FieldType.TEXT: text,
        FieldType.INT: whole_number,
        FieldType.ANY: anything,
        FieldType.DATE: a_date,
    }
    return fitters.get(kind, other)


def read_value(rule: FieldRule, row: Row) -> object:
    """The value ``rule`` reads from ``row``; raises `ProblemFound` when it cannot be read."""
    return compile_rule(rule)(row)


class TableReader:
    """Reads the rows of one table's file; its rules are compiled once (see `compile_rule`)."""

    def __init__(self, table: TableMapping) -> None:
        def compiled(rule: FieldRule | None) -> Reader | None:
            return None if rule is None else compile_rule(rule)

        self._keys = (compiled(table.key), compiled(table.complaint), compiled(table.person))
        self._fields = tuple((name, compile_rule(rule)) for name, rule in table.fields.items())
        self._described = tuple((name, compile_rule(rule)) for name, rule in table.described.items())
        unit = table.unit
        self._unit = (compiled(unit.code), compiled(unit.name)) if unit else (None, None)

    def convert(self, row: Row) -> RowValues:
        """Every value the table maps from ``row``, or every problem that stops it being imported."""
        problems: list[Problem] = []
        if row.get(None):
            problems.append(Problem("the row", "has more cells than the header"))
        keys: list[str | None] = []
        for reader in (*self._keys, *self._unit):
            value = None if reader is None else _read(reader, row, problems)
            keys.append(None if value is None else str(value))
        fields = {name: _read(reader, row, problems) for name, reader in self._fields}
        described = {name: _read(reader, row, problems) for name, reader in self._described}
        key, complaint, person, unit_code, unit_name = keys
        return RowValues(key, complaint, person, fields, described, unit_code, unit_name, tuple(problems))


def _read(reader: Reader, row: Row, problems: list[Problem]) -> object:
    try:
        return reader(row)
    except ProblemFound as found:
        problems.append(found.problem)
        return None


def convert_row(table: TableMapping, row: Row) -> RowValues:
    """Every value ``table`` maps from ``row``, or every problem that stops the row being imported."""
    return TableReader(table).convert(row)
