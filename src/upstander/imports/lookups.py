"""Lookup tables read from a CSV file beside the mapping: a source's code list (hundreds of
category codes, say) is used as published instead of being copied into the TOML by hand."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from upstander.imports.targets import FieldType


class LookupFileError(ValueError):
    """A lookup file that cannot be used; ``key`` is the mapping key the mistake belongs to."""

    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.key = key


def read_lookup(path: Path, code_column: str, value_column: str) -> dict[str, tuple[str, int]]:
    """Each code of the file → its value text and the file line it comes from (the header is line 1).

    A row with no code is left out (a blank line, a note at the foot of a sheet); a code given
    twice with different values is refused, since either choice would change what is stored."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
            columns = list(rows[0].keys()) if rows else _header(path)
    except FileNotFoundError as error:
        raise LookupFileError(f"{path.name}: no such file beside the mapping ({path})", "file") from error
    except OSError as error:
        raise LookupFileError(f"{path.name}: cannot be read ({error.strerror or error})", "file") from error
    except (UnicodeDecodeError, csv.Error) as error:
        raise LookupFileError(f"{path.name}: is not a UTF-8 CSV file ({error})", "file") from error
    for key, column in (("code", code_column), ("value", value_column)):
        if column not in columns:
            raise LookupFileError(
                f"{path.name} has no column {column!r} (its columns: {', '.join(map(str, columns))})", key
            )
    table: dict[str, tuple[str, int]] = {}
    for line, row in enumerate(rows, start=2):
        code, value = row.get(code_column), row.get(value_column)
        if code is None or not code.strip():
            continue
        if value is None:
            raise LookupFileError(f"{path.name} line {line}: the row stops before {value_column!r}", "value")
        if code in table and table[code][0] != value:
            first_value, first_line = table[code]
            raise LookupFileError(
                f"{path.name} line {line}: code {code!r} is {value!r} here but {first_value!r} on line"
                f" {first_line}",
                "code",
            )
        table.setdefault(code, (value, line))
    if not table:
        raise LookupFileError(f"{path.name}: holds no code", "file")
    return table


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle), [])


def typed_value(text: str, kind: FieldType) -> object:
    """A lookup file's value as the field's type; one that does not read stays text, for the
    mapping's own check to refuse with its line."""
    try:
        if kind is FieldType.INT:
            return int(text.strip())
        if kind is FieldType.DATE:
            return date.fromisoformat(text.strip())
    except ValueError:
        return text
    if kind is FieldType.BOOL:
        return {"true": True, "false": False}.get(text.strip().lower(), text)
    return text
