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

Everything here is data (dataclasses) and the plain text that every view shares; the
Rich view is in render.py, Markdown and LaTeX in explain_formats.py.
For arrays the factors are Jacobians (vector-Jacobian products in the backward pass):
their chain is written symbolically, with the gradient's shape and value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import fmt
from .engine import Evaluation
from .graph import Graph
from .ops import OPS, VJP, substitute
from .report import jsonable

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
EXACT = 2**53  # path counts up to here are JSON numbers (exact in every JSON reader)


@dataclass(frozen=True)
class Factor:
    """One edge of a path: the local gradient ∂top/∂bottom."""

    top: str  # the node that uses the operand
    bottom: str  # the operand
    slot: int  # which operand of `top` it is (b = a + a uses a in slots 0 and 1)
    formula: str  # the local gradient in the program's notation: "y" for f = x * y
    value: object | None  # its number, where both nodes are scalars; None for Jacobians
    twice: bool = False  # `top` takes `bottom` more than once (b = a + a): say which use

    @property
    def symbol(self) -> str:
        return f"∂{self.top}/∂{self.bottom}"


@dataclass(frozen=True)
class Path:
    """One path from the output down to an input, and the product of its factors."""

    factors: tuple[Factor, ...]  # from the output down; the middle left out when `elided`
    length: int  # factors in the whole path
    product: object | None  # the product of all its local gradients, where they are numbers
    gap: int = 0  # where the left-out factors were: after the first `gap` factors

    @property
    def elided(self) -> int:
        return self.length - len(self.factors)

    @property
    def nodes(self) -> tuple[str, ...]:
        """The nodes along the path, output first (the same gap as the factors)."""
        head, tail = self.factors[: self.gap], self.factors[self.gap :]
        out: list[str] = []
        for part in (head, tail) if self.elided else (self.factors,):
            if part:
                out += [f.top for f in part] + [part[-1].bottom]
        return tuple(out)


@dataclass(frozen=True)
class Derivation:
    """∂output/∂input: how many paths, the ones written out, and the gradient."""

    input: str
    count: int  # paths from the output down to the input (a Python int: any size)
    paths: tuple[Path, ...]  # the first few of them
    gradient: object  # the back-propagated gradient: the sum over ALL paths
    shape: tuple[int, ...]
    budget_ran_out: bool = False  # the budget cut the walk short: fewer paths than asked

    @property
    def complete(self) -> bool:
        return len(self.paths) == self.count

    @property
    def numeric(self) -> bool:
        """Every written path has a number for each factor (scalars all along)."""
        return all(p.product is not None for p in self.paths)

    @property
    def path_sum(self):
        """The sum of the written paths' products, where they are numbers."""
        if not self.paths or not self.numeric:
            return None
        total = np.float64(0.0)
        for p in self.paths:
            total = total + p.product
        return total


@dataclass(frozen=True)
class GateNote:
    """A gate pattern that applies here: the op's rule and an example node on the paths."""

    op: str
    gate: str  # the op table's sentence: "multiply gate: swaps its inputs' values, ..."
    node: str  # the first such node from the output down
    expr: str  # what it computes: "x * y"
    local: tuple[Factor, ...]  # its local gradients
    others: tuple[str, ...]  # further nodes of the same op on the paths (the first few)
    more: int = 0  # how many more besides those


@dataclass(frozen=True)
class ReuseNote:
    """A node that takes the same operand more than once: one edge, and path, per use."""

    node: str
    expr: str
    operand: str
    times: int


@dataclass(frozen=True)
class Explanation:
    output: str
    value: object
    inputs: tuple[tuple[str, object], ...]  # the point the program is explained at
    derivations: tuple[Derivation, ...]
    gates: tuple[GateNote, ...]
    reuses: tuple[ReuseNote, ...]
    more_reuses: int
    where: tuple[tuple[str, str], ...]  # unnamed nodes on the written paths: ("t1", "x * y")
    more_where: int
    paths: int  # the limit of paths written per input


# ---------------------------------------------------------------------------
# computing the derivation

def path_counts(graph: Graph) -> list[int]:
    """For each node, how many paths lead from the output down to it: one reverse loop.

    A node's count is the sum of its users' counts, one term per use (b = a + a
    counts b's paths twice for a); constants are no part of any path.
    """
    nodes = graph.nodes
    counts = [0] * len(nodes)
    counts[graph.output] = 1
    for i in range(graph.output, -1, -1):
        c = counts[i]
        if c and nodes[i].computed:
            for j in nodes[i].args:
                if not nodes[j].is_const:
                    counts[j] += c
    return counts


def local_formula(graph: Graph, i: int, k: int, upstream: str = "1") -> str:
    """∂node_i/∂(its operand k) in the operands' names: "y" for f = x * y.

    A rule that mentions the arriving gradient g (a vector-Jacobian product) gets
    `upstream` for it: 1 for the Jacobian itself."""
    node = graph.nodes[i]
    names = {"out": node.name, "g": upstream, "s": ", ".join(map(str, node.static))}
    for var, j in zip("ab", node.args, strict=False):
        names[var] = graph.nodes[j].name
    return substitute(OPS[node.op].shown(k), names)


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
    nodes = graph.nodes
    counts = path_counts(graph)
    # The edges up from each node, to users that lie on a path to the output. Walking
    # up these from an input never meets a dead end: every such user reaches the output.
    ups: list[list[tuple[int, int]]] = [[] for _ in nodes]
    for i in range(graph.output + 1):
        if counts[i] and nodes[i].computed:
            for k, j in enumerate(nodes[i].args):
                if not nodes[j].is_const:
                    ups[j].append((i, k))
    edges = _Edges(ev)
    left = budget
    derivations = []
    for x in graph.inputs:
        written, left, ran_out = _walk(graph, ups, edges, x, paths, factors, left)
        derivations.append(Derivation(nodes[x].name, counts[x], tuple(written), ev.grad(x),
                                      np.shape(ev.values[x]), ran_out))
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
                       local_formula(graph, i, k), self.value(i, k),
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
            room = factors
            if budget is not None:
                whole = len(climbed) if factors is None else min(factors, len(climbed))
                if whole > budget and found:  # what is left cannot pay for this one
                    ran_out = True
                    break
                cap = max(budget, FACTORS)  # the first may be written in part
                room = cap if room is None else min(room, cap)
            path = _path(edges, climbed, product[-1], room)
            found.append(path)
            if budget is not None:
                budget -= len(path.factors)
            if len(found) >= limit:
                break
            cursor.pop(), at.pop(), product.pop()
            if climbed:
                climbed.pop()
            continue
        options = ups[node]
        c = cursor[-1]
        if c >= len(options):  # every way up from here is done: step back down
            cursor.pop(), at.pop(), product.pop()
            if climbed:
                climbed.pop()
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
    found: dict[str, list[int]] = {}
    for i in range(graph.output, -1, -1):
        node = nodes[i]
        if counts[i] and node.computed and OPS[node.op].gate:
            found.setdefault(node.op, []).append(i)
    notes = []
    for op, where in found.items():
        i = where[0]
        node = nodes[i]
        # one factor per operand: b + b has the one local gradient ∂c/∂b = 1, used twice
        slots = {j: k for k, j in reversed(list(enumerate(node.args))) if not nodes[j].is_const}
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
    """What the nodes without a name of their own (t1, c#1) on the written paths stand for."""
    on_paths = {name for d in derivations for p in d.paths for name in p.nodes}
    out = []
    for i, node in enumerate(graph.nodes):
        if node.computed and node.name in on_paths and graph.names.get(node.name) != i:
            out.append((node.name, node.text))
    return out


# ---------------------------------------------------------------------------
# plain text: shared by the Rich view, Markdown, and the JSON

def count_text(n: int) -> str:
    """A path count as a person reads it: 1,099,511,627,776; about 1.2e+301 past 15 digits."""
    if n < 10**15:
        return f"{n:,}"
    exponent = math.log10(n)  # works for an int of any size, unlike float(n)
    whole = math.floor(exponent)
    return f"about {10 ** (exponent - whole):.2f}e{whole}"


def count_json(n: int) -> int | str:
    """A path count for JSON: a number while exact in every reader, else its text."""
    return n if n < EXACT else (str(n) if n.bit_length() < 3000 else count_text(n))


def d(top: str, bottom: str) -> str:
    return f"∂{top}/∂{bottom}"


def grouped(formula: str, alone: bool = False) -> str:
    """A formula as a factor of a product: in parentheses when it is more than one term
    or starts with a minus, so `1 · (1 - tanh(t)^2)` and `1 · (1 / 2)` read right.
    `alone`: the only factor, which needs no parentheses."""
    if alone:
        return formula
    if formula.startswith("-"):
        return f"({formula})"
    depth = 0
    for ch in formula:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and ch == " ":
            return f"({formula})"
    return formula


def _joined(path: Path, part) -> str:
    items = [part(f) for f in path.factors]
    if path.elided:
        items.insert(path.gap, f"…({path.elided} more)…")
    return " · ".join(items) if items else "1"


def chain(path: Path) -> str:
    """The symbolic product: ∂g/∂f · ∂f/∂x."""
    return _joined(path, lambda f: f.symbol)


def formulas(path: Path) -> str | None:
    """The product of the local gradients as formulas (1 · y), where they are numbers."""
    if path.product is None:
        return None
    alone = path.length == 1
    return _joined(path, lambda f: grouped(f.formula, alone))


def numbers(path: Path) -> str | None:
    """The product with numbers: 1 · (-4)."""
    if path.product is None:
        return None
    return _joined(path, lambda f: fmt.paren(f.value))


_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def route(path: Path) -> str:
    """The nodes along the path, output first: c → b → a. Where a node takes the same
    operand twice (b = a + a), the arrow says through which operand: c →₁ b →₂ a."""
    def arrow(f: Factor) -> str:
        return f" →{str(f.slot + 1).translate(_SUBSCRIPT)} " if f.twice else " → "

    parts = (path.factors[: path.gap], path.factors[path.gap :]) if path.elided else \
        (path.factors,)
    return " → … → ".join(part[0].top + "".join(arrow(f) + f.bottom for f in part)
                          for part in parts if part)


def stages(path: Path, lhs: str | None = None, gradient=None) -> list[str]:
    """The equation for one path, stage by stage: the symbolic product, the same with the
    local formulas, with numbers, and the result; a stage equal to the one before it
    is said once (∂g/∂z = 1, not ∂g/∂z = ∂g/∂z = 1 = 1 = 1). Where the factors are
    Jacobians, the chain is followed by `gradient` (the path's whole sum), if given."""
    parts = [lhs] if lhs else []
    result = fmt.number(path.product) if path.product is not None else \
        (None if gradient is None else value_text(gradient))
    for stage in (chain(path), formulas(path), numbers(path), result):
        if stage is not None and (not parts or stage != parts[-1]):
            parts.append(stage)
    return parts


def equation(path: Path, lhs: str | None = None, gradient=None) -> str:
    """One line: ∂g/∂x = ∂g/∂f · ∂f/∂x = 1 · y = 1 · (-4) = -4."""
    return " = ".join(stages(path, lhs, gradient))


def single_equation(exp: Explanation, der: Derivation) -> str:
    """The equation of a derivation with one path, written out."""
    return equation(der.paths[0], d(exp.output, der.input), der.gradient)


JACOBIANS = ("With arrays, each factor is a Jacobian matrix; the backward pass never forms "
             "it, but multiplies the arriving gradient by it (a vector-Jacobian product) "
             "from the output down.")


def has_jacobians(exp: Explanation) -> bool:
    return any(not der.numeric for der in exp.derivations)


def value_text(v) -> str:
    """A gradient: the number, or an array's shape and (abbreviated) value."""
    if np.ndim(v) == 0:
        return fmt.number(v)
    return f"{fmt.brief(v)}, shape {fmt.shape(np.shape(v))}"


def total(exp: Explanation, der: Derivation) -> str:
    """The last line of a derivation with several paths (or none): what they sum to."""
    lhs = d(exp.output, der.input)
    if der.count == 0:
        return f"{lhs} = 0   (no path leads from {exp.output} down to {der.input})"
    if der.complete and der.numeric:
        terms = [fmt.number(p.product) if k == 0 else fmt.paren(p.product)
                 for k, p in enumerate(der.paths)]
        return f"{lhs} = {' + '.join(terms)} = {fmt.number(der.path_sum)}"
    what = "the sum over its path" if der.count == 1 else \
        f"the sum over all {count_text(der.count)} paths"
    return f"{lhs} = {what} = {value_text(der.gradient)}"


def single(der: Derivation) -> bool:
    """A derivation written as one equation: one path, written out."""
    return der.count == 1 and len(der.paths) == 1


def heading(der: Derivation, exp: Explanation) -> str:
    """The line above the paths of a derivation that has more than one (or none written)."""
    n = count_text(der.count)
    lhs = d(exp.output, der.input)
    if der.count == 1:
        return f"{lhs}: 1 path from {exp.output} down to {der.input}"
    if der.complete:
        return f"{lhs} is the sum over {n} paths from {exp.output} down to {der.input}:"
    if der.paths:
        first = "the first" if len(der.paths) == 1 else f"the first {len(der.paths)}"
        return (f"{lhs} is the sum over {n} paths from {exp.output} down to {der.input}; "
                f"{first}:")
    return f"{lhs} is the sum over {n} paths from {exp.output} down to {der.input}"


def rest(der: Derivation) -> str | None:
    """What is said about the paths not written out."""
    if der.complete or der.count == 0:
        return None
    left = der.count - len(der.paths)
    why = ("the walk over the paths has a budget of steps; --full raises it"
           if der.budget_ran_out else "--paths N writes out more")
    return (f"… and {count_text(left)} more path{'s' * (left != 1)} ({why}). The backward pass "
            f"adds up every one of them without listing them: one product per edge, "
            f"summed at each node.")


def gate_text(note: GateNote) -> str:
    """A gate note's local gradients: ∂f/∂x = y = -4, ∂f/∂y = x = 3."""
    parts = []
    for f in note.local:
        items = [f.symbol]
        if " " not in f.formula:
            items.append(f.formula)
        if f.value is not None and fmt.number(f.value) != items[-1]:
            items.append(fmt.number(f.value))
        parts.append(" = ".join(items))
    return ", ".join(parts)


def also_text(note: GateNote) -> str:
    """The other nodes a gate note applies to: "same gate at b", "same gate at t1, t2, t3, t4
    and 9 more"."""
    if not note.others:
        return ""
    more = f" and {note.more} more" if note.more else ""
    return "same gate at " + ", ".join(note.others) + more


def reuse_detail(note: ReuseNote) -> str:
    times = "twice" if note.times == 2 else f"{note.times} times"
    return (f"takes {note.operand} {times}: each use is an edge of its own, so the paths "
            f"through {note.node} split there")


def reuse_text(note: ReuseNote) -> str:
    return f"{note.node} = {note.expr} {reuse_detail(note)}"


def at_text(exp: Explanation) -> str:
    """The point, where it is short: x = 3, y = -4, z = 2."""
    if len(exp.inputs) > 8 or any(np.ndim(v) for _, v in exp.inputs):
        return ""
    return ", ".join(f"{name} = {fmt.number(v)}" for name, v in exp.inputs)


# ---------------------------------------------------------------------------
# JSON

def to_json(exp: Explanation) -> dict:
    """The derivation as data, for the `explain` document (added to report.document)."""
    def factor(f: Factor) -> dict:
        return {"symbol": f.symbol, "of": f.top, "wrt": f.bottom, "slot": f.slot,
                "formula": f.formula, "value": None if f.value is None else jsonable(f.value)}

    def path(p: Path) -> dict:
        doc = {"nodes": list(p.nodes), "factors": [factor(f) for f in p.factors],
               "length": p.length,
               "product": None if p.product is None else jsonable(p.product)}
        if p.elided:
            doc["elided"] = {"after": p.gap, "factors": p.elided}
        return doc

    return {
        "derivations": [{
            "input": der.input,
            "shape": list(der.shape),
            "gradient": jsonable(der.gradient),
            "path_count": count_json(der.count),
            "paths_written": len(der.paths),
            "paths": [path(p) for p in der.paths],
            "sum": None if der.path_sum is None else jsonable(der.path_sum),
            "complete": der.complete,
            "budget_ran_out": der.budget_ran_out,
        } for der in exp.derivations],
        "gates": [{"op": g.op, "gate": g.gate, "node": g.node, "expr": g.expr,
                   "local": [factor(f) for f in g.local], "also": list(g.others),
                   "also_more": g.more}
                  for g in exp.gates],
        "reuses": [{"node": r.node, "expr": r.expr, "operand": r.operand, "times": r.times}
                   for r in exp.reuses],
        "where": dict(exp.where),
        "paths_limit": exp.paths,
    }
