"""Reading a roster from the rostering or HR system: a CSV file with one row per person.

Columns (a header row, in any order; others are ignored): ``staff_number``, ``unit_code`` (the
code of a team, or of a unit without teams) and ``shift`` (the shift pattern, such as A or
nights). Staff numbers are matched without regard to case, spaces or separators. A row that
cannot be used is listed with its line number and what is wrong, never silently dropped; a staff
number that appears twice keeps its first row.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field

from upstander.errors import InvalidInput
from upstander.org.people import staff_key
from upstander.safeguarding.rules import MAX_SHIFT

COLUMNS = ("staff_number", "unit_code", "shift")


@dataclass(frozen=True)
class RosterRow:
    line: int
    staff_number: str
    unit_code: str
    shift: str


@dataclass(frozen=True)
class RosterProblem:
    line: int
    value: str
    problem: str


@dataclass
class ParsedRoster:
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[RosterProblem] = field(default_factory=list)


def unit_key(text: str) -> str:
    return text.strip().casefold()


def parse_roster(lines: Iterable[str]) -> ParsedRoster:
    """The usable rows of a roster and the problems of the others. A file without the three
    columns is refused whole."""
    reader = csv.reader(lines)
    header = next(reader, None)
    names = [name.strip().lower().lstrip("\ufeff") for name in header or []]
    missing = [column for column in COLUMNS if column not in names]
    if missing:
        raise InvalidInput(
            "The roster needs a header row with the columns staff_number, unit_code and shift; "
            f"missing: {', '.join(missing)}.",
            fields={"roster": "missing columns"},
        )
    number_at, unit_at, shift_at = (names.index(column) for column in COLUMNS)
    width = max(number_at, unit_at, shift_at) + 1
    parsed = ParsedRoster()
    first_line: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if not any(value.strip() for value in record):
            continue
        if len(record) < width:
            parsed.problems.append(RosterProblem(line, ",".join(record), "the row has too few columns"))
            continue
        number, unit, shift = record[number_at], record[unit_at].strip(), " ".join(record[shift_at].split())
        key = staff_key(number)
        problem = _row_problem(key, unit, shift, first_line)
        if problem is not None:
            parsed.problems.append(RosterProblem(line, number.strip() or ",".join(record), problem))
            continue
        first_line[key] = line
        parsed.rows.append(RosterRow(line, key, unit, shift))
    return parsed


def _row_problem(key: str, unit: str, shift: str, first_line: dict[str, int]) -> str | None:
    if not key:
        return "no staff number"
    if not unit:
        return "no unit code"
    if not shift:
        return "no shift pattern"
    if len(shift) > MAX_SHIFT:
        return f"the shift pattern is longer than {MAX_SHIFT} characters"
    if key in first_line:
        return f"the same staff number is on line {first_line[key]}; that row is used"
    return None
