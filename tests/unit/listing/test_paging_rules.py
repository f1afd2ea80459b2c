"""Keyset paging decided on values: every row once, in order, for any sort; bad cursors named."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstander.errors import InvalidInput
from upstander.listing import rules

COLUMNS = ("received", "reference", "count")

rows_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "id": st.uuids(),
            "received": st.datetimes(
                min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
            ),
            # Few distinct values, so ties (broken by id) are common.
            "reference": st.sampled_from(["R-B", "R-C", "R-D", ""]),
            "count": st.integers(-3, 3) | st.none(),
        }
    ),
    unique_by=lambda row: row["id"],
    max_size=40,
)


def _key(sort: rules.Sort, row: dict[str, object]) -> tuple[rules.Value, ...]:
    return (row[sort.column], row["id"])  # type: ignore[return-value]


def _page_through(
    rows: list[dict[str, object]], sort: rules.Sort, limit: int
) -> tuple[list[dict[str, object]], list[list[object]]]:
    """What the SQL does, on values: the rows after the cursor's key, in order, limit + 1 of them."""
    ordered = sorted(
        rows,
        key=lambda row: tuple((0, 0) if v is None else (1, v) for v in _key(sort, row)),
        reverse=sort.descending,
    )
    pages: list[list[object]] = []
    cursor = None
    while True:
        if cursor is None:
            remaining = ordered
        else:
            after = rules.decode_cursor(cursor, sort, 2)
            remaining = [row for row in ordered if rules.after(_key(sort, row), after, sort.descending)]
        fetched = remaining[: limit + 1]
        pages.append([row["id"] for row in fetched[:limit]])
        cursor = rules.next_cursor(fetched, limit, sort, lambda row: _key(sort, row))
        if cursor is None:
            return ordered, pages


@given(rows_strategy, st.sampled_from(COLUMNS), st.booleans(), st.integers(1, 7))
def test_paging_through_every_page_yields_every_row_once_in_order(
    rows: list[dict[str, object]], column: str, descending: bool, limit: int
) -> None:
    sort = rules.Sort(column, descending)
    ordered, pages = _page_through(rows, sort, limit)
    seen = [row_id for page in pages for row_id in page]
    assert seen == [row["id"] for row in ordered]
    assert all(len(page) == limit for page in pages[:-1])
    assert len(pages[-1]) <= limit


@given(
    st.lists(
        st.none()
        | st.booleans()
        | st.integers()
        | st.text(max_size=30)
        | st.uuids()
        | st.datetimes(timezones=st.just(UTC))
        | st.dates(),
        max_size=4,
    ),
    st.sampled_from(COLUMNS),
    st.booleans(),
)
def test_a_cursor_gives_back_the_key_it_was_made_from(
    key: list[rules.Value], column: str, down: bool
) -> None:
    sort = rules.Sort(column, down)
    assert rules.decode_cursor(rules.encode_cursor(sort, key), sort, len(key)) == tuple(key)


@given(st.text(max_size=60))
def test_any_text_is_a_valid_cursor_or_a_clear_refusal(text: str) -> None:
    refused = None
    try:
        rules.decode_cursor(text, rules.Sort("received"), 2)
    except InvalidInput as error:
        refused = error
    assert refused is None or refused.fields == {"cursor": "not valid"}


def test_a_cursor_made_for_another_sort_is_refused() -> None:
    cursor = rules.encode_cursor(rules.Sort("received"), [datetime(2026, 1, 1, tzinfo=UTC), uuid.uuid4()])
    with pytest.raises(InvalidInput, match="not valid for this list and sort"):
        rules.decode_cursor(cursor, rules.Sort("received", descending=True), 2)
    with pytest.raises(InvalidInput):
        rules.decode_cursor(cursor, rules.Sort("reference"), 2)
    with pytest.raises(InvalidInput):
        rules.decode_cursor(cursor, rules.Sort("received"), 3)


def test_a_cursor_whose_time_lost_its_offset_is_refused() -> None:
    cursor = rules.encode_cursor(rules.Sort("received"), [datetime(2026, 1, 1), uuid.uuid4()])
    with pytest.raises(InvalidInput):
        rules.decode_cursor(cursor, rules.Sort("received"), 2)


def test_a_sort_is_a_known_column_with_an_optional_minus() -> None:
    default = rules.Sort("received")
    assert rules.parse_sort(None, COLUMNS, default) == default
    assert rules.parse_sort("-reference", COLUMNS, default) == rules.Sort("reference", descending=True)
    assert rules.parse_sort("count", COLUMNS, default).token == "count"
    with pytest.raises(InvalidInput, match="choose one of received, reference, count"):
        rules.parse_sort("secret", COLUMNS, default)


@pytest.mark.parametrize(("asked", "given_back"), [(None, rules.DEFAULT_LIMIT), (1, 1), (200, 200)])
def test_a_limit_defaults_and_is_kept_within_bounds(asked: int | None, given_back: int) -> None:
    assert rules.parse_limit(asked) == given_back


@pytest.mark.parametrize("asked", [0, -1, rules.MAX_LIMIT + 1, 10**9])
def test_a_limit_out_of_bounds_is_refused(asked: int) -> None:
    with pytest.raises(InvalidInput, match="between 1 and 200"):
        rules.parse_limit(asked)


def test_the_last_page_has_no_next_cursor() -> None:
    sort = rules.Sort("received")
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [(moment + timedelta(days=i), uuid.uuid4()) for i in range(3)]
    assert rules.next_cursor(rows, 3, sort, lambda row: row) is None
    cursor = rules.next_cursor(rows, 2, sort, lambda row: row)
    assert cursor is not None
    assert rules.decode_cursor(cursor, sort, 2) == rows[1]
