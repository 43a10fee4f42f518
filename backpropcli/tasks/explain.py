"""The chain rule written out, path by path: the data of `backprop explain`.

∂out/∂x is a sum over every path that leads from the output down to x: each path
contributes the product of the local gradients along it, one factor ∂user/∂operand per
edge. Back-propagation computes the same sum without listing the paths: walking the
nodes from the output down, a node's gradient is the sum over its uses, so the common
part of many paths is multiplied once (dynamic programming over the graph).

Paths can be exponentially many (`a1 = a0 + a0; a2 = a1 + a1; ...` has 2^40 of them
after 40 lines), so they are counted, by the same dynamic programming in one loop,
and only a bounded number is written out; the sum over all of them is the gradient
the backward pass computed, which is taken from the engine. Long paths keep their
first and last factors. The walk over the paths has a budget that bounds both the
work and the output: each step up an edge costs one, and each path written costs
the factors it writes (a path of 40 factors found after one step still writes 40),
so neither --paths 100000000 nor a 100 000-node program can make it run for long.

What it returns is data (tasks/derivation.py); the words every view shares are in
output/text.py, the views in output/terminal/explain.py, output/markdown.py and
output/latex.py, the JSON in output/document.py.
For arrays the factors are Jacobians (vector-Jacobian products in the backward pass):
their chain is written symbolically, with the gradient's shape and value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from ..core.engine import Evaluation
from ..core.graph import Graph
from ..core.ops import OPS, VJP
from .derivation import Derivation, Explanation, Factor, GateNote, Path, ReuseNote
from .program import refuse_constant

PATHS = 16  # paths written out per input (--paths N)
FACTORS = 12  # factors written out per path; a longer one keeps its first and last (--full: all)
# The budget of the walk over the paths, for the whole explanation: one per step up an
# edge and one per factor written. What costs most is the writing (a factor is a few
# dozen characters in every view, some 20 µs in the terminal, and a dict in the JSON),
# so these keep the walk and what it writes to about 3 s and 100-150 MB whatever
# --paths asks; and at 100 000 steps, the one path of a 100 000-node chain is found.
BUDGET = 100_000
FULL_BUDGET = 150_000  # with --full, whose paths are written whole
OTHERS = 4  # further nodes named in a gate note
NOTES = 4  # reuse notes listed before "and N more"
WHERE = 16  # definitions of unnamed nodes listed before "and N more"


# ---------------------------------------------------------------------------
# computing the derivation

def path_counts(graph: Graph) -> list[int]:
    """For each node, how many paths lead from the output down to it: one reverse loop.

    A node's count is the sum of its users' counts, one term per use (b = a + a
    counts b's paths twice for a); constants, and nodes made of constants alone, are no
    part of any path (no gradient flows into them: Graph.requires_grad).
    """
    nodes = graph.nodes
    needs = graph.requires_grad()
    counts = [0] * len(nodes)
    counts[graph.output] = 1 if needs[graph.output] else 0  # made of constants: no paths
    for i in range(graph.output, -1, -1):
        c = counts[i]
        if c and nodes[i].computed:
            for j in nodes[i].args:
                if needs[j]:
                    counts[j] += c
    return counts


def local_formula(graph: Graph, i: int, k: int, upstream: str = "1", *,
                  values: Sequence) -> str:
    """∂node_i/∂(its operand k) in the operands' names: "y" for f = x * y.

    A rule that mentions the arriving gradient g (a vector-Jacobian product) gets
    `upstream` for it: 1 for the Jacobian itself. Given the nodes' values, the rule is
    the one for the operands' shapes (outer(g, x) for W @ x with a vector x)."""
    node = graph.nodes[i]
    operands = [graph.nodes[j].name for j in node.args]
    ranks = [np.ndim(values[j]) for j in node.args]
    return OPS[node.op].derivative(k, operands, node.name, node.static, upstream, ranks)


def explain(
    ev: Evaluation,
    paths: int = PATHS,
    factors: int | None = FACTORS,
    budget: int | None = BUDGET,
) -> Explanation:
    """The chain rule for every input of the evaluated program, path by path.

    At most `paths` paths per input are written out, each with at most `factors`
    factors (None: all), walking at most `budget` steps in all (None: no limit).
    """
    graph = ev.graph
    refuse_constant(graph, "no chain rule to explain")
    nodes = graph.nodes
    counts = path_counts(graph)
    # The edges up from each node, to users that lie on a path to the output. Walking
    # up these from an input never meets a dead end: every such user reaches the output.
    ups: list[list[tuple[int, int]]] = [[] for _ in nodes]
    for i in range(graph.output + 1):
        if counts[i] and nodes[i].computed:
            for k, j in enumerate(nodes[i].args):
                if counts[j]:
                    ups[j].append((i, k))
    edges = _Edges(ev)
    left = budget
    derivations = []
    for x in graph.inputs:
        written, left, ran_out = _walk(graph, ups, edges, x, paths, factors, left)
        derivations.append(Derivation(nodes[x].name, counts[x], tuple(written), ev.grad(x),
                                      np.shape(ev.values[x]), ran_out,
                                      budget is not None and budget < FULL_BUDGET))
    reuses = _reuses(graph, counts)
    where = _where(graph, derivations)
    return Explanation(
        output=ev.output.name,
        value=ev.value,
        inputs=tuple(ev.inputs().items()),
        derivations=tuple(derivations),
        gates=_gates(graph, counts, edges),
        reuses=tuple(reuses[:NOTES]),
        more_reuses=max(0, len(reuses) - NOTES),
        where=tuple(where[:WHERE]),
        more_where=max(0, len(where) - WHERE),
        paths=paths,
    )


class _Edges:
    """Each edge's local gradient and factor, made once however many paths pass through
    it (the factor, with its formula, only for edges on a path that is written out)."""

    def __init__(self, ev: Evaluation) -> None:
        self.ev = ev
        self.made: dict[tuple[int, int], Factor] = {}
        self.values: dict[tuple[int, int], object] = {}

    def factor(self, i: int, k: int) -> Factor:
        f = self.made.get((i, k))
        if f is None:
            graph = self.ev.graph
            node = graph.nodes[i]
            f = Factor(node.name, graph.nodes[node.args[k]].name, k,
                       local_formula(graph, i, k, values=self.ev.values), self.value(i, k),
                       twice=node.args.count(node.args[k]) > 1)
            self.made[(i, k)] = f
        return f

    def value(self, i: int, k: int):
        """∂node_i/∂operand_k as a number, where both are scalars; None for a Jacobian."""
        key = (i, k)
        if key in self.values:
            return self.values[key]
        ev = self.ev
        node = ev.graph.nodes[i]
        j = node.args[k]
        if np.ndim(ev.values[i]) or np.ndim(ev.values[j]):
            v = None
        elif ev.local[i] is not None:
            v = np.float64(ev.local[i][k])
        else:
            # An op known by its vector-Jacobian product (sum, mean, ... of a scalar):
            # for scalars, the product with g = 1 is the local derivative itself.
            a = ev.values[node.args[0]]
            b = ev.values[node.args[1]] if len(node.args) > 1 else None
            with np.errstate(all="ignore"):
                v = np.float64(VJP[node.op][k](np.float64(1.0), ev.values[i], a, b, node.static))
        self.values[key] = v
        return v


def _walk(graph: Graph, ups, edges: _Edges, start: int, limit: int, factors: int | None,
          budget: int | None) -> tuple[list[Path], int | None, bool]:
    """The first `limit` paths from the output down to `start`, found by walking up
    from `start` with an explicit stack (depth-first, no recursion). The product of
    the factors so far is kept per depth, so a path's product costs nothing extra.

    Each step up costs one of the budget, each path the factors it writes: after
    the first path, the next one is often a step or two away (in the doubling
    chain, half of them are one step away), so counting steps alone would let a
    huge --paths write millions of whole paths. A path that what is left of the
    budget cannot pay for ends the walk, except the first path to `start`: that one
    is written with as many factors as are left (FACTORS at least, its first and
    last), so that a path longer than the budget still shows, and the budget is
    overrun by FACTORS at most."""
    out = graph.output
    found: list[Path] = []
    if limit <= 0:
        return found, budget, False
    climbed: list[tuple[int, int]] = []  # the edges from `start` up to the current node
    at = [start]  # the node at each depth
    cursor = [0]  # at each depth, the next edge up to try
    product = [np.float64(1.0)]  # at each depth, the product of the factors below it
    ran_out = False
    while at:
        node = at[-1]
        if node == out:
            fits, room = _room(factors, budget, len(climbed), first=not found)
            if not fits:  # what is left cannot pay for this one
                ran_out = True
                break
            path = _path(edges, climbed, product[-1], room)
            found.append(path)
            if budget is not None:
                budget -= len(path.factors)
            if len(found) >= limit:
                break
            _step_down(climbed, at, cursor, product)
            continue
        options = ups[node]
        c = cursor[-1]
        if c >= len(options):  # every way up from here is done: step back down
            _step_down(climbed, at, cursor, product)
            continue
        if budget is not None:
            if budget <= 0:
                ran_out = True
                break
            budget -= 1
        cursor[-1] = c + 1
        i, k = options[c]
        value = edges.value(i, k)
        below = product[-1]
        climbed.append((i, k))
        at.append(i)
        cursor.append(0)
        product.append(None if value is None or below is None else below * value)
    return found, budget, ran_out


def _room(factors: int | None, budget: int | None, length: int,
          first: bool) -> tuple[bool, int | None]:
    """Whether a path of `length` factors, just found, is written, and with at most how
    many factors (None: all). The budget pays for what is written; the first path is
    written even where it cannot pay, with FACTORS at least (its first and last)."""
    if budget is None:
        return True, factors
    whole = length if factors is None else min(factors, length)
    if whole > budget and not first:
        return False, None
    cap = max(budget, FACTORS)
    return True, cap if factors is None else min(factors, cap)


def _step_down(climbed: list, at: list, cursor: list, product: list) -> None:
    """Leave the current node for the one below it on the path."""
    cursor.pop(), at.pop(), product.pop()
    if climbed:
        climbed.pop()


def _path(edges: _Edges, climbed: list[tuple[int, int]], product, factors: int | None) -> Path:
    n = len(climbed)
    if factors is None or n <= factors:
        kept = [edges.factor(i, k) for i, k in reversed(climbed)]
        return Path(tuple(kept), n, product, gap=n)
    head = factors // 2
    tail = factors - head
    # `climbed` runs from the input up; the path is written from the output down.
    top = [edges.factor(i, k) for i, k in reversed(climbed[n - head :])]
    bottom = [edges.factor(i, k) for i, k in reversed(climbed[:tail])]
    return Path(tuple(top + bottom), n, product, gap=head)


def _gates(graph: Graph, counts: list[int], edges: _Edges) -> tuple[GateNote, ...]:
    """One note per gate pattern that occurs on the paths, with its first node from the
    output down as the example."""
    nodes = graph.nodes
    needs = graph.requires_grad()
    found: dict[str, list[int]] = {}
    for i in range(graph.output, -1, -1):
        node = nodes[i]
        if counts[i] and node.computed and OPS[node.op].gate:
            found.setdefault(node.op, []).append(i)
    notes = []
    for op, where in found.items():
        i = where[0]
        node = nodes[i]
        # one factor per operand: b + b has the one local gradient ∂c/∂b = 1, used twice;
        # none for an operand made of constants alone (no gradient flows into it)
        slots = {j: k for k, j in reversed(list(enumerate(node.args))) if needs[j]}
        local = tuple(edges.factor(i, k) for k in sorted(slots.values()))
        others = tuple(nodes[j].name for j in where[1:1 + OTHERS])
        notes.append(GateNote(op, OPS[op].gate, node.name, node.text, local, others,
                              max(0, len(where) - 1 - OTHERS)))
    return tuple(notes)


def _reuses(graph: Graph, counts: list[int]) -> list[ReuseNote]:
    nodes = graph.nodes
    out = []
    for i in range(graph.output, -1, -1):
        node = nodes[i]
        if not (counts[i] and node.computed) or len(set(node.args)) == len(node.args):
            continue
        seen: dict[int, int] = {}
        for j in node.args:
            if not nodes[j].is_const:
                seen[j] = seen.get(j, 0) + 1
        out += [ReuseNote(node.name, node.text, nodes[j].name, n)
                for j, n in seen.items() if n > 1]
    return out


def _where(graph: Graph, derivations: list[Derivation]) -> list[tuple[str, str]]:
    """What the nodes without a name of their own (t1, c#1) on the written paths stand
    for, and those their factors name (t1 in ∂t2/∂x = t1, for t1 = (-3)^2)."""
    on_paths = {name for d in derivations for p in d.paths for name in p.nodes}
    on_paths |= {name for d in derivations for p in d.paths for f in p.factors
                 for name in re.findall(r"[A-Za-z_]\w*(?:#\d+)?", f.formula)}
    out = []
    for i, node in enumerate(graph.nodes):
        if node.computed and node.name in on_paths and graph.names.get(node.name) != i:
            out.append((node.name, node.text))
    return out
