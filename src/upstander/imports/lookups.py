"""Lookup tables read from a CSV file or an Excel workbook (.xlsx) beside the mapping: a source's
code list (hundreds of category codes, say) is used as published instead of being copied into the
TOML by hand."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from upstander.imports.targets import FieldType

WORKBOOKS = frozenset({".xlsx", ".xlsm"})
# One row of a lookup file: where it is ("line 3", "row 3"), and its cells by column name.
Row = tuple[str, dict[str, str | None]]


class LookupFileError(ValueError):
    """A lookup file that cannot be used; ``key`` is the mapping key the mistake belongs to."""

    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.key = key


def read_lookup(
    path: Path, code_column: str, value_column: str, sheet: str | None = None
) -> dict[str, tuple[str, str]]:
    """Each code of the file → its value text and where in the file it comes from ("line 2" of a
    CSV file, whose header is line 1; "row 2" of a workbook's sheet, the first sheet unless named).

    A row with no code is left out (a blank line, a note at the foot of a sheet); a code given
    twice with different values is refused, since either choice would change what is stored."""
    workbook = path.suffix.lower() in WORKBOOKS
    if sheet is not None and not workbook:
        raise LookupFileError(f"{path.name}: a sheet is named, but this is not an .xlsx workbook", "sheet")
    try:
        columns, rows = _workbook_rows(path, sheet) if workbook else _csv_rows(path)
    except FileNotFoundError as error:
        raise LookupFileError(f"{path.name}: no such file beside the mapping ({path})", "file") from error
    except OSError as error:
        raise LookupFileError(f"{path.name}: cannot be read ({error.strerror or error})", "file") from error
    name = f"{path.name} sheet {sheet!r}" if sheet else path.name
    for key, column in (("code", code_column), ("value", value_column)):
        if column not in columns:
            raise LookupFileError(
                f"{name} has no column {column!r} (its columns: {', '.join(map(str, columns))})", key
            )
    table: dict[str, tuple[str, str]] = {}
    for place, row in rows:
        code, value = row.get(code_column), row.get(value_column)
        if code is None or not code.strip():
            continue
        if value is None:
            raise LookupFileError(f"{name} {place}: the row stops before {value_column!r}", "value")
        if code in table and table[code][0] != value:
            first_value, first_place = table[code]
            raise LookupFileError(
                f"{name} {place}: code {code!r} is {value!r} here but {first_value!r} on {first_place}",
                "code",
            )
        table.setdefault(code, (value, place))
    if not table:
        raise LookupFileError(f"{name}: holds no code", "file")
    return table


def _csv_rows(path: Path) -> tuple[list[str], list[Row]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            columns = next(reader, [])
            # A short row has no value for the columns it stops before, as csv.DictReader reads it.
            rows: list[Row] = [
                (f"line {reader.line_num}", {column: _cell(cells, at) for at, column in enumerate(columns)})
                for cells in reader
                if cells
            ]
    except (UnicodeDecodeError, csv.Error) as error:
        raise LookupFileError(f"{path.name}: is not a UTF-8 CSV file ({error})", "file") from error
    return columns, rows


def _cell(cells: Sequence[str], at: int) -> str | None:
    return cells[at] if at < len(cells) else None


def _cell_text(value: object) -> str | None:
    """A cell as the text a CSV file would hold: whole numbers without ".0", days as YYYY-MM-DD."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _workbook_rows(path: Path, sheet: str | None) -> tuple[list[str], list[Row]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise LookupFileError(f"{path.name}: is not an .xlsx workbook ({error})", "file") from error
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise LookupFileError(
                f"{path.name} has no sheet {sheet!r} (its sheets: {', '.join(book.sheetnames)})", "sheet"
            )
        cells: list[Sequence[object]] = list(
            (book[sheet] if sheet is not None else book.worksheets[0]).iter_rows(values_only=True)
        )
    finally:
        book.close()
    columns = [_cell_text(name) or "" for name in cells[0]] if cells else []
    rows: list[Row] = [
        (f"row {number}", {column: _cell_text(value) for column, value in zip(columns, row, strict=False)})
        for number, row in enumerate(cells[1:], start=2)
        if any(value is not None for value in row)
    ]
    return columns, rows


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
