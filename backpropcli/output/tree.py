"""The terminal tree of the computation graph, planned: which nodes are drawn in full,
which are references, what is left out and how much, from the output down to the inputs.
Planned here, without Rich, so its arithmetic can be tested on its own; the terminal
view (terminal/graph.py) dresses the rows.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ..core.engine import Evaluation

TREE_LINES = 60  # rows the default tree may use, about a screen
TREE_DEPTH = 10  # levels below the output the default tree opens
FOLD = 12  # deeper than this, a subtree is continued below at the left margin

# TreeLine kinds
FULL = "full"  # a node drawn in full; its operands follow one level deeper
CUT = "cut"  # a node drawn, its operands left out (row.hidden counts what they add)
REF = "ref"  # a node already drawn above: a short reference
CONST = "const"  # a constant, one short line
FOLDED = "folded"  # a node drawn in full whose operands are continued below
RESUME = "resume"  # the head of such a continuation, at the left margin


@dataclass(frozen=True)
class TreeLine:
    node: int
    kind: str
    lead: str  # tree guides before the label: "│  ├─ "
    hidden: int = 0  # CUT: nodes left out below it and not counted anywhere else


@dataclass(frozen=True)
class TreePlan:
    rows: tuple[TreeLine, ...]
    total: int  # nodes the output depends on (constants not counted)
    shown: int  # of these, drawn (in full or cut)
    hidden: int  # of these, left out: total - shown, the sum of the CUT rows' counts
    unused: tuple[int, ...]  # nodes the output does not depend on (not drawn)


def tree_plan(ev: Evaluation, full: bool = False, lines: int = TREE_LINES,
              depth: int = TREE_DEPTH, fold: int = FOLD) -> TreePlan:
    """Plan the tree: which nodes open, in which order the rows come, what is left out.

    Which nodes open is decided breadth-first from the output, so that what is near the
    output is seen first: a node opens while its operands' rows fit in `lines` and it is
    less than `depth` levels down (unless `full`). The rows then follow depth-first, in
    the order they are printed: a node reached again is a reference to its first row
    (always above it); a node that does not open is drawn with a count of the hidden
    nodes below it, each hidden node counted by one such row only. Rows deeper than
    `fold` continue at the left margin after the tree, because a terminal (and Rich's
    Tree) has no room for a hundred levels of guides.
    """
    graph = ev.graph
    nodes = graph.nodes
    used = graph.ancestors(graph.output)
    opens = _opening(nodes, graph.output, None if full else lines, None if full else depth)
    rows, drawn = _walk(nodes, graph.output, opens, fold)
    rows = _count_hidden(nodes, rows, _reached(nodes, opens))
    counted = [i for i, node in enumerate(nodes) if not node.is_const]  # constants aren't
    return TreePlan(tuple(rows),
                    total=sum(1 for i in counted if used[i]),
                    shown=sum(drawn),
                    hidden=sum(r.hidden for r in rows),
                    unused=tuple(i for i in counted if not used[i]))


def _reached(nodes, opens: list[bool]) -> list[bool]:
    """The nodes drawn somewhere: those that open, and every operand of those."""
    reached = list(opens)
    for i, node in enumerate(nodes):
        if opens[i]:
            for j in node.args:
                reached[j] = True
    return reached


def _walk(nodes, root: int, opens: list[bool], fold: int) -> tuple[list[TreeLine], list[bool]]:
    """The rows in print order, depth-first from the root (with a stack: a graph may be
    100 000 levels deep), and which nodes were drawn. A node drawn before is a
    reference; one that does not open is cut; one deeper than `fold` is drawn and its
    operands continued later at the left margin (a RESUME row heads them)."""
    rows: list[TreeLine] = []
    drawn = [False] * len(nodes)
    later: deque[int] = deque()  # nodes whose operands are continued below
    # Stack entries: (node, level, lead of the row, lead of its operands' rows).
    stack: list[tuple[int, int, str, str]] = [(root, 0, "", "")]
    while stack or later:
        if not stack:
            i = later.popleft()
            rows.append(TreeLine(i, RESUME, ""))
            _push_operands(stack, nodes[i].args, 1, "")
            continue
        i, level, lead, inner = stack.pop()
        node = nodes[i]
        if node.is_const:
            rows.append(TreeLine(i, CONST, lead))
        elif drawn[i]:
            rows.append(TreeLine(i, REF, lead))
        elif not opens[i]:
            drawn[i] = True
            rows.append(TreeLine(i, CUT if node.args else FULL, lead))
        elif level >= fold:
            drawn[i] = True
            rows.append(TreeLine(i, FOLDED, lead))
            later.append(i)
        else:
            drawn[i] = True
            rows.append(TreeLine(i, FULL, lead))
            _push_operands(stack, node.args, level + 1, inner)
    return rows, drawn


def _count_hidden(nodes, rows: list[TreeLine], drawn: list[bool]) -> list[TreeLine]:
    """Give each CUT row the number of hidden nodes it leads to, counting each once.

    A hidden operand belongs to the first CUT row (in print order) that uses it directly;
    then, in print order, each CUT row walks down from the operands it owns and takes every
    hidden node not yet taken. So the counts add up to all hidden nodes, and a row whose
    own operand is hidden always counts it.
    """
    owner: dict[int, int] = {}  # hidden node → the row that counts it
    cuts = [r for r, row in enumerate(rows) if row.kind == CUT]
    for r in cuts:
        for j in nodes[rows[r].node].args:
            if not drawn[j] and not nodes[j].is_const and j not in owner:
                owner[j] = r
    out = list(rows)
    for r in cuts:
        stack = [j for j in set(nodes[rows[r].node].args) if owner.get(j) == r]
        count = len(stack)
        while stack:
            for a in nodes[stack.pop()].args:
                if not drawn[a] and not nodes[a].is_const and a not in owner:
                    owner[a] = r
                    count += 1
                    stack.append(a)
        out[r] = TreeLine(rows[r].node, CUT, rows[r].lead, count)
    return out


def _push_operands(stack: list, args: tuple[int, ...], level: int, inner: str) -> None:
    # Pushed last to first, so that the first operand is popped (printed) first.
    for k in range(len(args) - 1, -1, -1):
        last = k == len(args) - 1
        stack.append((args[k], level, inner + ("└─ " if last else "├─ "),
                      inner + ("   " if last else "│  ")))


def _opening(nodes, root: int, lines: int | None, depth: int | None) -> list[bool]:
    """Breadth-first from the output: the nodes that open while the budget lasts.

    Opening a node costs one row per operand (each use is a row: a node, a reference or
    a constant), and the output's own row costs one.
    """
    opens = [False] * len(nodes)
    used = 1
    seen = {root}
    queue: deque[tuple[int, int]] = deque([(root, 0)])
    while queue:
        i, level = queue.popleft()
        node = nodes[i]
        if not node.computed:
            continue
        if depth is not None and level >= depth:
            break  # breadth-first: every node after this one is as deep or deeper
        if lines is not None and used + len(node.args) > lines:
            break
        opens[i] = True
        used += len(node.args)
        for j in node.args:
            if j not in seen:
                seen.add(j)
                queue.append((j, level + 1))
    return opens
