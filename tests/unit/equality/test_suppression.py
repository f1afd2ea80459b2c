"""Disclosure control: primary suppression, rounding, and complementary suppression that holds.

The property tests play the attacker with more than a reader gets: the *exact* value of every published
cell and total (not the rounded one), and every linear relation between them. A suppressed value is
safe when no combination of those relations pins it down, which exact Gaussian elimination decides.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from upstander.equality.suppression import (
    CellStatus,
    PublishedBreakdown,
    PublishedTable,
    PublishedValue,
    SuppressionPolicy,
    publish_breakdown,
    publish_table,
)
from upstander.errors import InvalidInput

# --- the attacker's view -------------------------------------------------------------------------------


def _rank(rows: list[list[Fraction]]) -> int:
    matrix = [row[:] for row in rows]
    rank, n_columns = 0, len(matrix[0]) if matrix else 0
    for column in range(n_columns):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][column] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        for r in range(len(matrix)):
            if r != rank and matrix[r][column] != 0:
                factor = matrix[r][column] / matrix[rank][column]
                matrix[r] = [x - factor * y for x, y in zip(matrix[r], matrix[rank], strict=True)]
        rank += 1
    return rank


def recoverable(constraints: list[list[int]], unknown: list[bool]) -> list[int]:
    """Positions of unknowns that the constraints (each: coefficients summing to 0) determine exactly.

    An unknown is determined iff its unit vector lies in the row space of the constraints restricted
    to the unknown positions.
    """
    columns = [i for i, is_unknown in enumerate(unknown) if is_unknown]
    if not columns:
        return []
    rows = [[Fraction(row[i]) for i in columns] for row in constraints]
    rows = [row for row in rows if any(row)]
    base_rank = _rank(rows) if rows else 0
    found = []
    for k, position in enumerate(columns):
        unit = [Fraction(int(j == k)) for j in range(len(columns))]
        if _rank([*rows, unit]) == base_rank:
            found.append(position)
    return found


def breakdown_constraints(n_cells: int) -> list[list[int]]:
    # cells ..., total: sum(cells) - total = 0
    return [[1] * n_cells + [-1]]


def table_constraints(n_rows: int, n_columns: int) -> list[list[int]]:
    """Values in order: cells row by row, row totals, column totals, grand total."""
    size = n_rows * n_columns + n_rows + n_columns + 1
    row_total = n_rows * n_columns
    column_total = row_total + n_rows
    grand = size - 1
    constraints = []
    for i in range(n_rows):
        row = [0] * size
        for j in range(n_columns):
            row[i * n_columns + j] = 1
        row[row_total + i] = -1
        constraints.append(row)
    for j in range(n_columns):
        row = [0] * size
        for i in range(n_rows):
            row[i * n_columns + j] = 1
        row[column_total + j] = -1
        constraints.append(row)
    for start, count in ((row_total, n_rows), (column_total, n_columns)):
        row = [0] * size
        for k in range(count):
            row[start + k] = 1
        row[grand] = -1
        constraints.append(row)
    return constraints


def table_values(table: PublishedTable) -> list[PublishedValue]:
    return [
        *(value for row in table.cells for value in row),
        *table.row_totals,
        *table.column_totals,
        table.grand_total,
    ]


def true_table_values(counts: list[list[int]]) -> list[int]:
    n_columns = len(counts[0])
    return [
        *(value for row in counts for value in row),
        *(sum(row) for row in counts),
        *(sum(row[j] for row in counts) for j in range(n_columns)),
        sum(map(sum, counts)),
    ]


def assert_policy_held(published: list[PublishedValue], true: list[int], policy: SuppressionPolicy) -> None:
    for value, truth in zip(published, true, strict=True):
        if policy.is_small(truth):
            assert value.status is CellStatus.PRIMARY
        if value.value is None:
            continue
        assert value.value % policy.rounding_base == 0, "a published value is not rounded"
        if value.value == 0:
            assert truth == 0, "only a true zero is published as 0"
            assert not policy.suppress_zeros
        else:
            assert truth >= policy.threshold, "a small count was published"
            assert abs(value.value - truth) < policy.rounding_base


def assert_no_single_unknown(constraints: list[list[int]], unknown: list[bool]) -> None:
    for constraint in constraints:
        unknowns = [i for i, c in enumerate(constraint) if c and unknown[i]]
        assert len(unknowns) != 1, f"a suppressed value is the only unknown in a sum: position {unknowns[0]}"


# --- strategies ------------------------------------------------------------------------------------------

counts_strategy = st.one_of(st.integers(0, 12), st.integers(0, 150))
policies = st.builds(
    SuppressionPolicy,
    threshold=st.integers(1, 15),
    rounding_base=st.integers(1, 10),
    suppress_zeros=st.booleans(),
)
any_policy = st.one_of(st.just(SuppressionPolicy()), policies)


# --- properties ------------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None, database=None)
@given(cells=st.lists(counts_strategy, min_size=1, max_size=8), policy=any_policy)
def test_no_suppressed_value_of_a_breakdown_can_be_recovered(
    cells: list[int], policy: SuppressionPolicy
) -> None:
    published = publish_breakdown({f"group {i}": c for i, c in enumerate(cells)}, policy)
    values = [*published.cells, published.total]
    true = [*cells, sum(cells)]
    unknown = [value.suppressed for value in values]
    constraints = breakdown_constraints(len(cells))

    assert_policy_held(values, true, policy)
    assert_no_single_unknown(constraints, unknown)
    assert recoverable(constraints, unknown) == []


@settings(max_examples=80, deadline=None, database=None)
@given(
    shape=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    data=st.data(),
    policy=any_policy,
)
def test_no_suppressed_value_of_a_table_can_be_recovered(
    shape: tuple[int, int], data: st.DataObject, policy: SuppressionPolicy
) -> None:
    n_rows, n_columns = shape
    counts = data.draw(
        st.lists(
            st.lists(counts_strategy, min_size=n_columns, max_size=n_columns),
            min_size=n_rows,
            max_size=n_rows,
        )
    )
    table = publish_table(
        [f"r{i}" for i in range(n_rows)], [f"c{j}" for j in range(n_columns)], counts, policy
    )
    values = table_values(table)
    unknown = [value.suppressed for value in values]
    constraints = table_constraints(n_rows, n_columns)

    assert_policy_held(values, true_table_values(counts), policy)
    assert_no_single_unknown(constraints, unknown)
    assert recoverable(constraints, unknown) == []


# --- the checker itself ----------------------------------------------------------------------------------


def test_one_unknown_per_line_is_not_enough_in_two_way_tables() -> None:
    """Two suppressed 2x2 blocks joined by one suppressed cell: every row and column holding a suppressed
    cell holds at least two, yet the joining cell equals (rows 0 and 1) minus (columns 0 and 1) minus the
    published cells of rows 0 and 1 outside those columns. The check must see it, and so must publishing.
    """
    small = {(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (0, 2)}
    counts = [[3 if (i, j) in small else 50 for j in range(4)] for i in range(4)]
    naive = [(i, j) in small for i in range(4) for j in range(4)] + [False] * 9
    constraints = table_constraints(4, 4)

    assert_no_single_unknown(constraints, naive)
    assert recoverable(constraints, naive) == [0 * 4 + 2]

    table = publish_table(["a", "b", "c", "d"], ["w", "x", "y", "z"], counts)
    unknown = [value.suppressed for value in table_values(table)]
    assert recoverable(constraints, unknown) == []
    assert any(value.status is CellStatus.SECONDARY for value in table_values(table))


# --- policy ----------------------------------------------------------------------------------------------


def test_default_policy_suppresses_below_ten_and_rounds_to_five() -> None:
    policy = SuppressionPolicy()
    assert (policy.threshold, policy.rounding_base, policy.suppress_zeros) == (10, 5, False)
    assert [policy.is_small(n) for n in (0, 1, 9, 10)] == [False, True, True, False]
    assert [policy.round(n) for n in (0, 10, 12, 13, 17, 18, 1234)] == [0, 10, 10, 15, 15, 20, 1235]


def test_rounding_halves_go_up_and_a_count_never_rounds_to_zero() -> None:
    assert SuppressionPolicy(rounding_base=10).round(15) == 20
    assert SuppressionPolicy(rounding_base=10).round(14) == 10
    assert SuppressionPolicy(threshold=1, rounding_base=5).round(1) == 5
    assert SuppressionPolicy(rounding_base=1).round(17) == 17


@pytest.mark.parametrize(("threshold", "base"), [(0, 5), (10, 0)])
def test_a_meaningless_policy_is_refused(threshold: int, base: int) -> None:
    with pytest.raises(InvalidInput):
        SuppressionPolicy(threshold=threshold, rounding_base=base)


# --- breakdowns ------------------------------------------------------------------------------------------


def statuses(published: PublishedBreakdown) -> dict[str, CellStatus]:
    return {label: cell.status for label, cell in zip(published.labels, published.cells, strict=True)}


def test_a_small_cell_is_hidden_with_the_smallest_non_zero_complement() -> None:
    published = publish_breakdown({"White": 120, "Black": 7, "Asian": 30, "Mixed": 0, "Other": 45})
    assert statuses(published) == {
        "White": CellStatus.PUBLISHED,
        "Black": CellStatus.PRIMARY,
        "Asian": CellStatus.SECONDARY,
        "Mixed": CellStatus.ZERO,
        "Other": CellStatus.PUBLISHED,
    }
    assert [str(cell) for cell in published.cells] == ["120", "[c]", "[c]", "0", "45"]
    assert published.total == PublishedValue(200, CellStatus.PUBLISHED)  # 202, rounded on its own


def test_a_zero_is_never_the_complement_while_a_non_zero_cell_can_be() -> None:
    """Hiding 4 with the 0 beside it would publish 0 + 4 = 54 - 50: the pair's sum is the small count itself,
    so both would be known to lie between 0 and 4. The 50 is suppressed instead."""
    published = publish_breakdown({"a": 4, "b": 0, "c": 50})
    assert statuses(published) == {"a": CellStatus.PRIMARY, "b": CellStatus.ZERO, "c": CellStatus.SECONDARY}
    assert published.total.value == 55


def test_a_small_total_is_itself_suppressed_and_protects_its_only_small_cell() -> None:
    published = publish_breakdown({"a": 4, "b": 0, "c": 0})
    assert statuses(published) == {"a": CellStatus.PRIMARY, "b": CellStatus.ZERO, "c": CellStatus.ZERO}
    assert published.total.status is CellStatus.PRIMARY


def test_nothing_is_suppressed_when_nothing_is_small() -> None:
    published = publish_breakdown({"a": 12, "b": 0, "c": 33})
    assert [str(cell) for cell in published.cells] == ["10", "0", "35"]
    assert str(published.total) == "45"


def test_zeros_can_be_suppressed_as_small_counts() -> None:
    published = publish_breakdown({"a": 40, "b": 0, "c": 50}, SuppressionPolicy(suppress_zeros=True))
    assert statuses(published)["b"] is CellStatus.PRIMARY
    assert published.cell("a").status is CellStatus.SECONDARY


def test_bad_breakdowns_are_refused() -> None:
    with pytest.raises(InvalidInput):
        publish_breakdown({})
    with pytest.raises(InvalidInput):
        publish_breakdown({"a": -1})


# --- tables ----------------------------------------------------------------------------------------------


def test_a_small_cell_in_a_table_is_hidden_by_the_cheapest_rectangle() -> None:
    # Completing a cycle through (A, Y) costs three more cells; through (A, X), (B, X), (B, Y) they add
    # up to 75, the least of the rectangles, and no total has to go.
    table = publish_table(["A", "B", "C"], ["X", "Y", "Z"], [[20, 3, 40], [25, 30, 35], [50, 60, 70]])
    suppressed = {(r, c) for r in "ABC" for c in "XYZ" if table.cell(r, c).suppressed}
    assert suppressed == {("A", "X"), ("A", "Y"), ("B", "X"), ("B", "Y")}
    assert table.cell("A", "Y").status is CellStatus.PRIMARY
    assert not any(v.suppressed for v in (*table.row_totals, *table.column_totals, table.grand_total))
    assert [str(v) for v in table.row_totals] == ["65", "90", "180"]
    assert str(table.grand_total) == "335"  # 333 rounded on its own, not the sum of rounded rows


def test_a_small_row_total_is_protected_too() -> None:
    counts = [[2, 0, 3], [40, 25, 60], [35, 50, 45]]
    table = publish_table(["a", "b", "c"], ["x", "y", "z"], counts)
    assert table.row_totals[0].status is CellStatus.PRIMARY
    assert table.cell("a", "y") == PublishedValue(0, CellStatus.ZERO)
    unknown = [value.suppressed for value in table_values(table)]
    assert recoverable(table_constraints(3, 3), unknown) == []


def test_a_one_row_table_cannot_leak_its_grand_total_through_the_row_total() -> None:
    table = publish_table(["only"], ["x", "y"], [[4, 30]])
    unknown = [value.suppressed for value in table_values(table)]
    assert recoverable(table_constraints(1, 2), unknown) == []


def test_bad_tables_are_refused() -> None:
    with pytest.raises(InvalidInput):
        publish_table([], ["x"], [])
    with pytest.raises(InvalidInput):
        publish_table(["a"], ["x", "y"], [[1]])
    with pytest.raises(InvalidInput):
        publish_table(["a"], ["x"], [[-3]])
