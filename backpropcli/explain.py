"""The chain rule written out, path by path: the data of `backprop explain`, and its
Markdown and LaTeX writers.

∂out/∂x is a sum over every path that leads from the output down to x: each path
contributes the product of the local gradients along it, one factor ∂user/∂operand per
edge. Back-propagation computes the same sum without listing the paths: walking the
nodes from the output down, a node's gradient is the sum over its uses, so the common
part of many paths is multiplied once (dynamic programming over the graph).

Paths can be exponentially many (`a1 = a0 + a0; a2 = a1 + a1; ...` has 2^40 of them
after 40 lines), so they are counted, by the same dynamic programming in one loop,
and only a bounded number is written out; the sum over all of them is the gradient
the backward pass computed, which is taken from the engine. Long paths keep their
first and last factors; the walk over the paths has a budget of steps so that a
100 000-node program explains in time.

Everything here is data (dataclasses) and plain text; the Rich view is in render.py.
For arrays the factors are Jacobians (vector-Jacobian products in the backward pass):
their chain is written symbolically, with the gradient's shape and value.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from . import fmt
from .engine import Evaluation
from .graph import Graph
from .ops import OPS, VJP, substitute
from .report import jsonable

PATHS = 16  # paths written out per input (--paths N)
FACTORS = 12  # factors written out per path; a longer one keeps its first and last (--full: all)
BUDGET = 100_000  # steps of the walk over the paths, for the whole explanation
FULL_BUDGET = 5_000_000  # the same with --full: a few seconds, still an end
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
    budget_ran_out: bool = False  # fewer paths written than asked, to keep the walk bounded

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
    names = {"out": node.name, "g": upstream}
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
                       local_formula(graph, i, k), self.value(i, k))
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
    the factors so far is kept per depth, so a path's product costs nothing extra."""
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
            found.append(_path(edges, climbed, product[-1], factors))
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


def route(path: Path) -> str:
    names = list(path.nodes)
    if path.elided:
        names.insert(path.gap + 1, "…")
    return " → ".join(names)


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


# ---------------------------------------------------------------------------
# Markdown

def markdown(exp: Explanation) -> str:
    """The derivation for notes: a list with one equation per input (or per path)."""
    at = at_text(exp)
    lines = [f"## Chain rule, from the output {exp.output} down to each input", ""]
    if at:
        lines += [f"At {at}, where {exp.output} = {fmt.number(exp.value)}.", ""]
    for der in exp.derivations:
        if single(der):
            lines.append(f"- `{single_equation(exp, der)}`")
            continue
        if der.count == 0:
            lines.append(f"- `{total(exp, der)}`")
            continue
        lines.append(f"- {_md(heading(der, exp))}")
        if der.paths:
            lines.append("")
        for n, p in enumerate(der.paths, 1):
            lines.append(f"   {n}. {_md(route(p))}: `{equation(p)}`")
        more = rest(der)
        if more:
            lines += ["", f"   {_md(more)}"]
        if der.count:
            lines += ["", f"   `{total(exp, der)}`", ""]
    if has_jacobians(exp):
        lines += ["", _md(JACOBIANS)]
    lines += _md_notes(exp)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).rstrip("\n") + "\n"


def _md(text: str) -> str:
    """Plain text in Markdown: escape what would become emphasis or markup."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


def _md_notes(exp: Explanation) -> list[str]:
    lines: list[str] = []
    if exp.gates or exp.reuses:
        lines += ["", "**Gates on these paths**", ""]
        for g in exp.gates:
            also = f" ({_md(also_text(g))})" if g.others else ""
            lines.append(f"- `{g.node} = {g.expr}`: {_md(g.gate)}: `{gate_text(g)}`{also}")
        for r in exp.reuses:
            lines.append(f"- `{r.node} = {r.expr}` {_md(reuse_detail(r))}")
        if exp.more_reuses:
            lines.append(f"- … and {exp.more_reuses} more nodes that take an operand twice")
    if exp.where:
        more = f" and {exp.more_where} more" if exp.more_where else ""
        lines += ["", "Where " + ", ".join(f"`{n} = {t}`" for n, t in exp.where) + more + "."]
    return lines


# ---------------------------------------------------------------------------
# LaTeX

_TOKEN = re.compile(r"\s+|(\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
                    r"|([A-Za-z_][A-Za-z0-9_]*(?:#\d+)?)|(\*\*|==|>=|<=|.)")
_TEX_FUNCTIONS = {"exp": r"\exp", "log": r"\log", "sin": r"\sin", "cos": r"\cos",
                  "tanh": r"\tanh", "max": r"\max", "min": r"\min"}
_TEX_TEXT = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "#": r"\#", "$": r"\$",
             "%": r"\%", "&": r"\&", "_": r"\_", "~": r"\textasciitilde{}",
             "^": r"\textasciicircum{}"}


def tex_text(text: str) -> str:
    """Plain text for \\text{...} or a paragraph: LaTeX's special characters escaped."""
    text = "".join(_TEX_TEXT.get(ch, ch) for ch in text)
    return (text.replace("∂", r"$\partial$").replace("·", r"$\cdot$")
            .replace("→", r"$\to$").replace("…", r"\ldots{}"))


def tex_name(name: str) -> str:
    """A node name in math: x, w_{0} for w0, \\mathit{dot}, \\mathit{c\\#1}."""
    m = re.fullmatch(r"([A-Za-z])(\d+)", name)
    if m:
        return f"{m.group(1)}_{{{m.group(2)}}}"
    if re.fullmatch(r"[A-Za-z]", name):
        return name
    if re.fullmatch(r"-?[\d.]+(?:[eE][-+]?\d+)?", name):  # a constant operand
        return tex_number(name)
    return r"\mathit{" + tex_text(name) + "}"


def tex_number(text: str) -> str:
    """1.2e-11 → 1.2 \\cdot 10^{-11}; other numbers as they are."""
    if text.startswith("(") and text.endswith(")"):
        return f"({tex_number(text[1:-1])})"
    mantissa, e, exponent = text.partition("e")
    return f"{mantissa} \\cdot 10^{{{int(exponent)}}}" if e and exponent else text


def tex_formula(formula: str) -> str:
    """A formula in the program's notation (y, 2 * x^(2 - 1), sigmoid(t) * (1 - sigmoid(t)))
    as LaTeX math. One pass with a stack of what each ')' closes: a power's or a square
    root's parentheses become braces, so the result always balances."""
    tokens = [t for t in (m.group(0) for m in _TOKEN.finditer(formula)) if not t.isspace()]
    out: list[str] = []
    closers: list[str] = []
    brace_next = False  # the next "(" opens ^{...} or \sqrt{...}
    pos = 0
    while pos < len(tokens):
        tok = tokens[pos]
        nxt = tokens[pos + 1] if pos + 1 < len(tokens) else ""
        pos += 1
        if tok == "(":
            out.append("{" if brace_next else "(")
            closers.append("}" if brace_next else ")")
            brace_next = False
        elif tok == ")":
            out.append(closers.pop() if closers else ")")
        elif tok in ("^", "**"):
            if nxt == "(":
                out.append("^")
                brace_next = True
            else:
                out.append("^{" + (tex_name(nxt) if nxt else "") + "}")
                pos += 1
        elif tok == "*":
            out.append(r"\cdot")
        elif tok == "==":
            out.append("=")
        elif tok in ("if", "else"):
            out.append(r"\text{ " + tok + " }")
        elif re.fullmatch(r"[A-Za-z_]", tok[0]) and nxt == "(":  # a function
            if tok == "sqrt":
                out.append(r"\sqrt")
                brace_next = True
            else:
                out.append(_TEX_FUNCTIONS.get(tok, r"\operatorname{" + tex_text(tok) + "}"))
        elif re.fullmatch(r"[A-Za-z_]", tok[0]):
            out.append(tex_name(tok))
        elif tok[0].isdigit() or tok[0] == ".":
            out.append(tex_number(tok))
        elif tok in "+-/,<>=@[]":
            out.append(tok)
        else:
            out.append(r"\text{" + tex_text(tok) + "}")
    out += reversed(closers)  # never happens for the op table's rules; keeps braces balanced
    return " ".join(out)


def tex_partial(top: str, bottom: str) -> str:
    return rf"\frac{{\partial {tex_name(top)}}}{{\partial {tex_name(bottom)}}}"


def _tex_joined(path: Path, part) -> str:
    items = [part(f) for f in path.factors]
    if path.elided:
        items.insert(path.gap, rf"\cdots_{{\text{{{path.elided} more}}}}")
    return r" \cdot ".join(items) if items else "1"


def _tex_value(v) -> str:
    if np.ndim(v) == 0:
        return tex_number(fmt.number(v))
    return r"\text{" + tex_text(value_text(v)) + "}"


def tex_stages(path: Path, lhs: str | None = None) -> list[str]:
    """The stages of `stages` in LaTeX, leaving out the same repeats (`lhs`, in plain
    text, is what the equation's left side says)."""
    plain = [lhs] if lhs else []
    parts: list[str] = []
    candidates = [(chain(path), _tex_joined(path, lambda f: tex_partial(f.top, f.bottom)))]
    if path.product is not None:
        candidates += [
            (formulas(path), _tex_joined(
                path, lambda f: tex_formula(grouped(f.formula, path.length == 1)))),
            (numbers(path), _tex_joined(path, lambda f: tex_number(fmt.paren(f.value)))),
            (fmt.number(path.product), tex_number(fmt.number(path.product))),
        ]
    for text, tex in candidates:
        if not plain or text != plain[-1]:
            plain.append(text)
            parts.append(tex)
    return parts


LONG = 70  # characters of an equation (in plain text) that fit on one row of a slide


def latex(exp: Explanation) -> str:
    """The derivation for slides and notes: an align* environment (amsmath), then the
    gate notes as a list. A fragment to paste into a document. A long equation gets a
    row per stage: the chain, the local gradients, the numbers and the result."""
    at = at_text(exp)
    lines = [f"% backprop explain: the chain rule from the output {exp.output} down to each "
             "input (needs \\usepackage{amsmath})"]
    if at:
        lines.append(f"% at {at}, where {exp.output} = {fmt.number(exp.value)}")
    out = tex_name(exp.output)
    rows: list[str] = []
    for der in exp.derivations:
        lhs = tex_partial(exp.output, der.input)
        if der.count == 0:
            rows.append(lhs + r" &= 0 && \text{no path leads from $" + out + r"$ down to $"
                        + tex_name(der.input) + "$}")
            continue
        if single(der):
            path = der.paths[0]
            parts = tex_stages(path, d(exp.output, der.input))
            if path.product is None:
                parts.append(_tex_value(der.gradient))
            rows += _tex_rows(lhs + " &= ", "&= ", parts,
                              len(single_equation(exp, der)) > LONG)
            continue
        first = "the first " + str(len(der.paths)) + " of " if not der.complete and der.paths \
            else ""
        rows.append(lhs + rf" &= \sum_{{\text{{{first}{tex_text(count_text(der.count))} "
                    rf"path{'s' * (der.count != 1)}}}}} \text{{ from ${out}$ down to "
                    rf"${tex_name(der.input)}$:}}")
        for p in der.paths:
            parts = tex_stages(p)
            long = len(equation(p)) > LONG
            # a long path's chain already names its nodes: no room for the route beside it
            rows += _tex_rows(r"&\qquad ", r"&\qquad\quad = ", parts, long,
                              "" if long else r" && " + tex_route(p))
        more = rest(der)
        if more:
            rows.append(r"&\qquad \text{" + tex_text(more.split(" (")[0]) + "}")
        rows.append("&= " + _tex_total(exp, der))
    lines += [r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]
    if has_jacobians(exp):
        lines += [tex_text(JACOBIANS), ""]
    items = [rf"\item ${tex_name(g.node)} = {tex_formula(g.expr)}$: {tex_text(g.gate)}: "
             + ", ".join(_tex_local(f) for f in g.local)
             + (" (same gate at " + ", ".join(f"${tex_name(n)}$" for n in g.others)
                + (f" and {g.more} more" if g.more else "") + ")" if g.others else "")
             for g in exp.gates]
    items += [rf"\item ${tex_name(r.node)} = {tex_formula(r.expr)}$ takes "
              rf"${tex_name(r.operand)}$ {'twice' if r.times == 2 else f'{r.times} times'}: "
              rf"each use is an edge of its own, so the paths through ${tex_name(r.node)}$ "
              "split there" for r in exp.reuses]
    if exp.more_reuses:
        items.append(rf"\item \ldots{{}} and {exp.more_reuses} more nodes that take an "
                     "operand twice")
    if items:
        lines += [r"\begin{itemize}", *items, r"\end{itemize}"]
    if exp.where:
        lines.append("Where " + ", ".join(f"${tex_name(n)} = {tex_formula(t)}$"
                                          for n, t in exp.where)
                     + (f" and {exp.more_where} more" if exp.more_where else "") + ".")
    return "\n".join(lines) + "\n"


def _tex_rows(first: str, then: str, parts: list[str], long: bool, tail: str = "") -> list[str]:
    """An equation's stages on one row, or (long) the chain on the first row, the local
    gradients on the next, and the numbers with the result on the last."""
    if not long or len(parts) < 3:
        return [first + " = ".join(parts) + tail]
    rows = [first + parts[0] + tail]
    middle, last = parts[1:-2], parts[-2:]
    rows += [then + p for p in middle]
    rows.append(then + " = ".join(last))
    return rows


def tex_route(path: Path) -> str:
    """The route of a path in math: c \\to b \\to a."""
    names = [tex_name(n) for n in path.nodes]
    if path.elided:
        names.insert(path.gap + 1, r"\cdots")
    return r" \to ".join(names)


def _tex_local(f: Factor) -> str:
    items = [tex_partial(f.top, f.bottom)]
    if " " not in f.formula:
        items.append(tex_formula(f.formula))
    if f.value is not None and fmt.number(f.value) != f.formula:
        items.append(tex_number(fmt.number(f.value)))
    return "$" + " = ".join(items) + "$"


def _tex_total(exp: Explanation, der: Derivation) -> str:
    if der.complete and der.numeric:
        terms = [tex_number(fmt.number(p.product) if k == 0 else fmt.paren(p.product))
                 for k, p in enumerate(der.paths)]
        return " + ".join(terms) + " = " + tex_number(fmt.number(der.path_sum))
    what = "the sum over its path" if der.count == 1 else \
        f"the sum over all {count_text(der.count)} paths"
    return r"\text{" + tex_text(what) + "} = " + _tex_value(der.gradient)
