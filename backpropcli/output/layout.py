"""Where each node of the computation graph goes in a picture, worked out here in Python
(Graphviz's dot is not on a fresh machine): the web player (replay_html.py) and the
animation (replay_anim.py) draw from this one layout, so both show the same picture.

A layered drawing, left to right: the inputs and the data in the first column, each
computed node in the column after its deepest operand, the output alone in the last
column. Within a column the order is chosen to cross fewer edges: a few sweeps that set
each node at the mean position of its neighbours in the columns before it, then after
it (the barycentre heuristic). Numbers written in the program are left out, as eval's
forward table leaves them out: they never get a value frame or a gradient.

Every pass is a plain loop over the nodes or the edges (no recursion): a graph of
thousands of edges is laid out in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.graph import Graph

SWEEPS = 4  # down-and-up barycentre sweeps: most of the gain comes in the first two


@dataclass(frozen=True)
class Edge:
    """One use of an operand: `source` → `target`, the operand in `slot` of the target."""

    source: int
    target: int
    slot: int


@dataclass(frozen=True)
class Layout:
    """The drawn nodes (graph indices, in graph order), each one's column and its row
    within the column (0 at the top), and the edges between drawn nodes, one per use."""

    nodes: tuple[int, ...]
    column: dict[int, int]
    row: dict[int, int]
    edges: tuple[Edge, ...]

    @property
    def columns(self) -> list[list[int]]:
        """The nodes of each column, top to bottom."""
        cols: list[list[int]] = [[] for _ in range(max(self.column.values(), default=-1) + 1)]
        for i in self.nodes:
            cols[self.column[i]].append(i)
        for col in cols:
            col.sort(key=self.row.__getitem__)
        return cols

    @property
    def height(self) -> int:
        """The most nodes any column holds."""
        return max((len(c) for c in self.columns), default=0)

    def crossings(self) -> int:
        """How many pairs of edges between neighbouring columns cross (for the tests; an
        edge spanning several columns is not counted)."""
        by_gap: dict[int, list[tuple[int, int]]] = {}
        for e in self.edges:
            if self.column[e.target] == self.column[e.source] + 1:
                by_gap.setdefault(self.column[e.source], []).append(
                    (self.row[e.source], self.row[e.target]))
        count = 0
        for pairs in by_gap.values():
            for k, (a, b) in enumerate(pairs):
                count += sum(1 for c, d in pairs[k + 1:] if (a - c) * (b - d) < 0)
        return count


def drawn(graph: Graph) -> list[int]:
    """The nodes a picture shows: every node but a number written in the program (data
    read from a file is shown), as eval's forward table."""
    return [i for i, n in enumerate(graph.nodes) if not n.is_const or n.is_data]


def layout(graph: Graph) -> Layout:
    """The layered layout of the graph (see the module's docstring)."""
    nodes = drawn(graph)
    shown = set(nodes)
    edges = tuple(Edge(j, i, k) for i in nodes for k, j in enumerate(graph.nodes[i].args)
                  if j in shown)
    column: dict[int, int] = {}
    for i in nodes:  # graph order is topological: every operand's column is known
        args = [column[j] for j in graph.nodes[i].args if j in shown]
        column[i] = max(args) + 1 if args else 0
    out = graph.output
    if out in shown:  # the output alone at the far side, whatever else is as deep
        last = max(column.values())
        column[out] = last + 1 if any(column[i] == last for i in nodes if i != out) else last
    return Layout(tuple(nodes), column, _order(nodes, column, edges), edges)


def _order(nodes: list[int], column: dict[int, int], edges: tuple[Edge, ...]) -> dict[int, int]:
    """Rows within each column: graph order first, then barycentre sweeps, forwards (by
    the operands) and backwards (by the users), keeping the order with fewest crossings
    between neighbouring columns."""
    width = max(column.values(), default=-1) + 1
    cols: list[list[int]] = [[] for _ in range(width)]
    for i in nodes:
        cols[column[i]].append(i)
    before: dict[int, list[int]] = {i: [] for i in nodes}
    after: dict[int, list[int]] = {i: [] for i in nodes}
    for e in edges:
        before[e.target].append(e.source)
        after[e.source].append(e.target)
    pos = _positions(cols)
    best, fewest = dict(pos), _crossings(cols, before, pos)
    for _ in range(SWEEPS):
        for sweep, neighbours in ((range(1, width), before),
                                  (range(width - 2, -1, -1), after)):
            for c in sweep:
                cols[c] = _sorted(cols[c], neighbours, pos)
                pos.update(_centred(cols[c]))
            found = _crossings(cols, before, pos)
            if found < fewest:
                best, fewest = dict(pos), found
    # rows 0, 1, ... in each column, in the best order found
    rows: dict[int, int] = {}
    for col in cols:
        for r, i in enumerate(sorted(col, key=best.__getitem__)):
            rows[i] = r
    return rows


def _centred(col: list[int]) -> dict[int, float]:
    """Positions of a column's nodes, centred on 0, so that columns of different heights
    are compared about their middles."""
    half = (len(col) - 1) / 2
    return {i: r - half for r, i in enumerate(col)}


def _positions(cols: list[list[int]]) -> dict[int, float]:
    pos: dict[int, float] = {}
    for col in cols:
        pos.update(_centred(col))
    return pos


def _sorted(col: list[int], neighbours: dict[int, list[int]],
            pos: dict[int, float]) -> list[int]:
    """The column ordered by the mean position of each node's neighbours (a node with
    none keeps its own place); ties keep the present order, as sorted() is stable."""
    def key(i: int) -> float:
        near = neighbours[i]
        return sum(pos[j] for j in near) / len(near) if near else pos[i]

    return sorted(col, key=key)


def _crossings(cols: list[list[int]], before: dict[int, list[int]],
               pos: dict[int, float]) -> int:
    """Crossings between neighbouring columns, counted by sorting: for each gap, the
    edges by their upper end, then inversions of their lower ends (a merge count)."""
    col_of = {i: c for c, col in enumerate(cols) for i in col}
    total = 0
    for c in range(1, len(cols)):
        pairs = sorted((pos[j], pos[i]) for i in cols[c] for j in before[i]
                       if col_of[j] == c - 1)
        total += _inversions([b for _, b in pairs])
    return total


def _inversions(seq: list[float]) -> int:
    """Pairs out of order in seq, by a bottom-up merge sort (no recursion); equal
    values are not counted."""
    items, count, size = list(seq), 0, 1
    while size < len(items):
        merged: list[float] = []
        for lo in range(0, len(items), 2 * size):
            left, right = items[lo:lo + size], items[lo + size:lo + 2 * size]
            a = b = 0
            while a < len(left) and b < len(right):
                if right[b] < left[a]:
                    merged.append(right[b])
                    count += len(left) - a
                    b += 1
                else:
                    merged.append(left[a])
                    a += 1
            merged += left[a:] + right[b:]
        items, size = merged, size * 2
    return count
