"""Keyset paging for every list a handler works from: sort keys, cursors, limits. Pure, no I/O.

A page is found by the sort key of the last row shown, never by an offset, so a deep page costs
what the first does. A cursor names the sort it was made for: one carried over to another sort
(or edited by hand) is refused with a clear message instead of silently skipping rows.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

from upstander.errors import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

Value = str | int | bool | datetime | date | uuid.UUID | None
Row = TypeVar("Row")


@dataclass(frozen=True)
class Sort:
    """A column to sort by, in which direction; the row's id always breaks ties, in the same direction."""

    column: str
    descending: bool = False

    @property
    def token(self) -> str:
        return ("-" if self.descending else "") + self.column


def parse_sort(text: str | None, columns: Sequence[str], default: Sort) -> Sort:
    """`received` sorts ascending, `-received` descending; anything else is named back to the sender."""
    if not text:
        return default
    descending = text.startswith("-")
    column = text[1:] if descending else text
    if column not in columns:
        raise InvalidInput(
            f"Cannot sort by {text!r}: choose one of {', '.join(columns)} (with a leading - to reverse).",
            fields={"sort": "unknown column"},
        )
    return Sort(column, descending)


def parse_limit(value: int | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    if not 1 <= value <= MAX_LIMIT:
        raise InvalidInput(
            f"The limit must be between 1 and {MAX_LIMIT} rows a page.", fields={"limit": "out of range"}
        )
    return value


def _encode_value(value: Value) -> list[object]:
    if value is None or isinstance(value, bool | int | str):
        tag = (
            "n"
            if value is None
            else "b"
            if isinstance(value, bool)
            else "i"
            if isinstance(value, int)
            else "s"
        )
        return [tag, value]
    if isinstance(value, uuid.UUID):
        return ["u", str(value)]
    # A datetime is a date too: it is tagged first, with its offset.
    return ["t" if isinstance(value, datetime) else "d", value.isoformat()]


def _decode_value(tagged: object) -> Value:
    if not isinstance(tagged, list) or len(tagged) != 2 or not isinstance(tagged[0], str):
        raise ValueError("not a tagged value")
    tag, raw = tagged
    decoders: dict[str, Callable[[object], Value]] = {
        "n": lambda r: None if r is None else _fail(),
        "b": lambda r: r if isinstance(r, bool) else _fail(),
        "i": lambda r: r if isinstance(r, int) and not isinstance(r, bool) else _fail(),
        "t": lambda r: _aware(datetime.fromisoformat(r)) if isinstance(r, str) else _fail(),
        "d": lambda r: date.fromisoformat(r) if isinstance(r, str) else _fail(),
        "u": lambda r: uuid.UUID(r) if isinstance(r, str) else _fail(),
        "s": lambda r: r if isinstance(r, str) else _fail(),
    }
    if tag not in decoders:
        raise ValueError("unknown tag")
    return decoders[tag](raw)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a cursor's times carry their offset")
    return moment


def _fail() -> Value:
    raise ValueError("value does not match its tag")


def encode_cursor(sort: Sort, key: Sequence[Value]) -> str:
    """The sort and the last row's key, as URL-safe text a page link or API client hands back."""
    payload = json.dumps([sort.token, [_encode_value(v) for v in key]], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: Sort, key_length: int) -> tuple[Value, ...]:
    """The key a cursor carries, if it was made for this sort; otherwise a 422 that says why."""
    bad = InvalidInput(
        "The page cursor is not valid for this list and sort: start again from the first page.",
        fields={"cursor": "not valid"},
    )
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        token, raw_key = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if token != sort.token or not isinstance(raw_key, list) or len(raw_key) != key_length:
            raise bad
        return tuple(_decode_value(item) for item in raw_key)
    except InvalidInput:
        raise
    except (ValueError, TypeError, UnicodeError, binascii.Error):
        raise bad from None


@dataclass(frozen=True)
class Page(Generic[Row]):
    """One page of a list: its rows, how many rows the whole (filtered) list holds, the next cursor."""

    items: list[Row]
    total: int
    next_cursor: str | None
    sort: Sort
    limit: int


def next_cursor(
    rows: Sequence[Row], limit: int, sort: Sort, key: Callable[[Row], Sequence[Value]]
) -> str | None:
    """Callers fetch limit + 1 rows: the extra one says there is a next page; its cursor is the last shown."""
    if len(rows) <= limit:
        return None
    return encode_cursor(sort, key(rows[limit - 1]))


def after(key: Sequence[Value], cursor_key: Sequence[Value], descending: bool) -> bool:
    """Whether a row's key comes after the cursor's in this sort (the rule the SQL keyset filter follows).

    None sorts first ascending, last descending, as it does in the queries (NULLS FIRST/LAST spelled out)."""

    def rank(values: Sequence[Value]) -> tuple[tuple[int, object], ...]:
        return tuple((0, 0) if v is None else (1, v) for v in values)

    return rank(key) < rank(cursor_key) if descending else rank(key) > rank(cursor_key)
