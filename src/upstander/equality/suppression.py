"""Disclosure control for published counts: primary suppression, rounding and secondary suppression.

The rules (``SuppressionPolicy``, default: threshold 10, rounding base 5)
-----------------------------------------------------------------------
- **Primary suppression.** A count from 1 to ``threshold - 1`` is suppressed, whether it is a cell or a
  total, and shown as ``[c]`` (the Government Statistical Service mark for "confidential").
- **Zeros.** A true zero is shown as 0 by default: it says that nobody is in the cell, which is not
  information about any one person, and it is a known value in every sum, so it never helps anyone
  isolate a suppressed cell. Two residual risks are accepted and documented rather than hidden: a zero
  tells a reader that a suppressed neighbour is not zero, and a row of zeros beside one
  non-zero cell tells them that everyone in that row shares an outcome (group disclosure). Set
  ``suppress_zeros=True`` to treat zeros as small counts.
- **Rounding.** Every published non-zero count, cell or total, is rounded to the nearest multiple of
  ``rounding_base`` (halves upwards), never down to 0. Totals are rounded independently of their cells,
  as is standard practice for frequency tables (Hundepool et al., *Statistical Disclosure Control*,
  Wiley 2012), so a published total need not equal the sum of the published cells.
- **Secondary (complementary) suppression.** The counts and their totals obey linear constraints
  (each row sums to its total, each column to its total, the totals to the grand total). These are the
  conservation laws of a small network: rows, columns and two total nodes are its nodes, every cell and
  every total an edge (Cox, "Network models for complementary cell suppression", *JASA* 90 (1995)
  1453-1462; Cox, "Suppression methodology and statistical disclosure control", *JASA* 75 (1980)
  377-385). A suppressed value can be derived from published ones, by any sequence of additions and
  subtractions, exactly when its edge is a *bridge* of the graph formed by the suppressed edges: on a
  cycle of suppressed edges it can be moved up and down around the cycle without changing anything
  published. (So "at least two suppressed cells in every row and column" is not enough: two suppressed
  blocks joined by one suppressed cell satisfy it, yet the joining cell is a bridge.) Until no
  suppressed edge is a bridge, we take one that is and suppress the cheapest path of further edges that
  closes a cycle through it. The cost prefers, in order: edges already suppressed (free), non-zero cells
  over zeros (a zero complement would pin the suppressed pair's sum to the small count itself), cells
  over totals, fewer edges, smaller values. Every step suppresses at least one more edge, so the loop
  reaches a fixed point.

The guarantee is the linear one above, checked by the tests with exact arithmetic, and it holds even
before rounding; rounding adds further uncertainty on top. It is not an interval audit: a reader who
also uses the fact that no count is negative can bound a suppressed value (more tightly the closer its
complements are to 0, which is why zeros are avoided), and no minimum width is enforced. Links *between* separately published tables
that share totals are not modelled here: publish related breakdowns from one table with margins.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from upstander.errors import InvalidInput

SUPPRESSED_MARK = "[c]"


class CellStatus(StrEnum):
    PUBLISHED = "published"
    ZERO = "zero"
    PRIMARY = "primary"
    SECONDARY = "secondary"


@dataclass(frozen=True)
class SuppressionPolicy:
    threshold: int = 10
    rounding_base: int = 5
    suppress_zeros: bool = False

    def __post_init__(self) -> None:
        if self.threshold < 1:
            raise InvalidInput("The suppression threshold must be at least 1 (1 suppresses nothing).")
        if self.rounding_base < 1:
            raise InvalidInput("The rounding base must be at least 1 (1 means no rounding).")

    def is_small(self, count: int) -> bool:
        """Whether ``count`` is suppressed in its own right."""
        return 0 < count < self.threshold or (count == 0 and self.suppress_zeros)

    def round(self, count: int) -> int:
        """The nearest multiple of the base, halves upwards; a non-zero count never rounds to 0."""
        base = self.rounding_base
        rounded = (2 * count + base) // (2 * base) * base
        return max(rounded, base) if count > 0 else 0


DEFAULT_POLICY = SuppressionPolicy()


@dataclass(frozen=True)
class PublishedValue:
    value: int | None
    status: CellStatus

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        return SUPPRESSED_MARK if self.value is None else str(self.value)


@dataclass(frozen=True)
class PublishedBreakdown:
    """A one-way breakdown (e.g. by ethnicity) with its total, ready to publish."""

    labels: tuple[str, ...]
    cells: tuple[PublishedValue, ...]
    total: PublishedValue

    def cell(self, label: str) -> PublishedValue:
        return self.cells[self.labels.index(label)]


@dataclass(frozen=True)
class PublishedTable:
    """A two-way table (e.g. ethnicity by stage) with row, column and grand totals, ready to publish."""

    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    cells: tuple[tuple[PublishedValue, ...], ...]
    row_totals: tuple[PublishedValue, ...]
    column_totals: tuple[PublishedValue, ...]
    grand_total: PublishedValue

    def cell(self, row: str, column: str) -> PublishedValue:
        return self.cells[self.row_labels.index(row)][self.column_labels.index(column)]


def publish_breakdown(
    counts: Mapping[str, int], policy: SuppressionPolicy = DEFAULT_POLICY
) -> PublishedBreakdown:
    """Apply the policy to a one-way breakdown; the total is the sum of the counts."""
    if not counts:
        raise InvalidInput("There is nothing to publish.")
    values = [*counts.values()]
    _check_counts(values)
    # Two nodes: every cell and the total join them, so any two suppressed edges form a cycle.
    edges = [_Edge(0, 1, value, margin=False) for value in values]
    edges.append(_Edge(0, 1, sum(values), margin=True))
    published = _publish(edges, policy)
    return PublishedBreakdown(labels=tuple(counts), cells=tuple(published[:-1]), total=published[-1])


def publish_table(
    rows: Sequence[str],
    columns: Sequence[str],
    counts: Sequence[Sequence[int]],
    policy: SuppressionPolicy = DEFAULT_POLICY,
) -> PublishedTable:
    """Apply the policy to a two-way table; row, column and grand totals are computed from the counts."""
    if not rows or not columns:
        raise InvalidInput("A table needs at least one row and one column.")
    if len(counts) != len(rows) or any(len(row) != len(columns) for row in counts):
        raise InvalidInput(f"The counts must form a table of {len(rows)} rows by {len(columns)} columns.")
    for row in counts:
        _check_counts(row)
    n_rows, n_columns = len(rows), len(columns)
    row_node, column_node = range(n_rows), range(n_rows, n_rows + n_columns)
    rows_total_node, columns_total_node = n_rows + n_columns, n_rows + n_columns + 1
    edges = [
        _Edge(row_node[i], column_node[j], counts[i][j], margin=False)
        for i in range(n_rows)
        for j in range(n_columns)
    ]
    edges += [_Edge(row_node[i], rows_total_node, sum(counts[i]), margin=True) for i in range(n_rows)]
    edges += [
        _Edge(column_node[j], columns_total_node, sum(row[j] for row in counts), margin=True)
        for j in range(n_columns)
    ]
    edges.append(_Edge(rows_total_node, columns_total_node, sum(map(sum, counts)), margin=True))
    published = _publish(edges, policy)
    n_cells = n_rows * n_columns
    return PublishedTable(
        row_labels=tuple(rows),
        column_labels=tuple(columns),
        cells=tuple(tuple(published[i * n_columns : (i + 1) * n_columns]) for i in range(n_rows)),
        row_totals=tuple(published[n_cells : n_cells + n_rows]),
        column_totals=tuple(published[n_cells + n_rows : n_cells + n_rows + n_columns]),
        grand_total=published[-1],
    )


def _check_counts(values: Sequence[int]) -> None:
    if any(value < 0 for value in values):
        raise InvalidInput("Counts cannot be negative.")


@dataclass(frozen=True)
class _Edge:
    """A cell or a total: an edge of the constraint network, joining the two sums it takes part in."""

    u: int
    v: int
    value: int
    margin: bool


def _publish(edges: Sequence[_Edge], policy: SuppressionPolicy) -> list[PublishedValue]:
    primary = {index for index, edge in enumerate(edges) if policy.is_small(edge.value)}
    suppressed = _complete(edges, primary)
    published = []
    for index, edge in enumerate(edges):
        if index in primary:
            published.append(PublishedValue(None, CellStatus.PRIMARY))
        elif index in suppressed:
            published.append(PublishedValue(None, CellStatus.SECONDARY))
        elif edge.value == 0:
            published.append(PublishedValue(0, CellStatus.ZERO))
        else:
            published.append(PublishedValue(policy.round(edge.value), CellStatus.PUBLISHED))
    return published


def _complete(edges: Sequence[_Edge], primary: set[int]) -> set[int]:
    """Add complementary suppressions until no suppressed edge is a bridge of the suppressed graph."""
    suppressed = set(primary)
    while (bridge := _first_bridge(edges, suppressed)) is not None:
        suppressed |= _cheapest_cycle(edges, suppressed, bridge)
    return suppressed


def _first_bridge(edges: Sequence[_Edge], suppressed: set[int]) -> int | None:
    for index in sorted(suppressed):
        others = [edges[other] for other in suppressed if other != index]
        if not _connected(others, edges[index].u, edges[index].v):
            return index
    return None


def _connected(edges: Sequence[_Edge], start: int, goal: int) -> bool:
    neighbours: dict[int, list[int]] = {}
    for edge in edges:
        neighbours.setdefault(edge.u, []).append(edge.v)
        neighbours.setdefault(edge.v, []).append(edge.u)
    seen, frontier = {start}, [start]
    while frontier:
        node = frontier.pop()
        if node == goal:
            return True
        for nxt in neighbours.get(node, []):
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return False


_Cost = tuple[int, int, int, int]  # zeros used, totals used, edges added, value added


def _edge_cost(edge: _Edge, already: bool) -> _Cost:
    if already:
        return (0, 0, 0, 0)
    return (int(edge.value == 0), int(edge.margin), 1, edge.value)


def _cheapest_cycle(edges: Sequence[_Edge], suppressed: set[int], bridge: int) -> set[int]:
    """The edges of the cheapest path joining the bridge's ends without using the bridge (Dijkstra)."""
    start, goal = edges[bridge].u, edges[bridge].v
    incident: dict[int, list[int]] = {}
    for index, edge in enumerate(edges):
        if index != bridge:
            incident.setdefault(edge.u, []).append(index)
            incident.setdefault(edge.v, []).append(index)
    best: dict[int, _Cost] = {start: (0, 0, 0, 0)}
    came_by: dict[int, int] = {}
    queue: list[tuple[_Cost, int]] = [((0, 0, 0, 0), start)]
    while queue:
        cost, node = heapq.heappop(queue)
        if node == goal:
            break
        if cost > best[node]:
            continue
        for index in incident.get(node, []):
            edge = edges[index]
            nxt = edge.v if edge.u == node else edge.u
            step = _edge_cost(edge, index in suppressed)
            total: _Cost = (cost[0] + step[0], cost[1] + step[1], cost[2] + step[2], cost[3] + step[3])
            if nxt not in best or total < best[nxt]:
                best[nxt] = total
                came_by[nxt] = index
                heapq.heappush(queue, (total, nxt))
    if goal not in came_by:  # cannot happen: every edge of these networks lies on a cycle
        raise AssertionError("no complementary suppression closes a cycle")
    path, node = set(), goal
    while node != start:
        index = came_by[node]
        path.add(index)
        node = edges[index].v if edges[index].u == node else edges[index].u
    return path
