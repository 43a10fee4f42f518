"""The gradient as a formula (`backprop explain --symbolic`): for each input, ∂output/∂input
as one simplified expression in the program's own language, and the lesson of
expression swell (tasks/swell.py counts it).

How the formula is made, with the op table's rules and SymPy (imported here only):
1. a SymPy expression per node, in one loop over the graph in topological order: an op
   written with a symbol (+, -, *, /, ^, unary minus) by its own `fwd` rule applied to
   SymPy operands, a function (exp, sigmoid, relu, max, ...) as a SymPy function of that
   name that SymPy knows nothing about, so that it can neither rewrite it into
   something the language lacks nor change its value at a kink. A node the program
   names (z = w*x + b) stands for itself in the formulas, as in the program, and is
   given with its definition: `z = b + w * x; 2 * (sigmoid(z) - t) * ...`.
2. the backward pass, symbolically: one reverse loop, each edge adding upstream ×
   local to its operand, the local derivative being the op's rule (the one the quiz
   writes numbers into, read by the program's own parser) with the operands put in.
   The kinks keep eval's conventions because the rules are eval's: relu'(a) is
   sign(relu(a)), 0 at 0; max's is ½(1 + sign(a - b)), ½ at a tie.
3. SymPy's simplify, with a budget on time (SECONDS, by a timer that interrupts it),
   before any of it on the size of the expanded formulas (LIMIT), and after it on the
   size of each simplified formula (LONGEST: past it no one reads it, and 60 nested
   tanh give 60 factors each up to 60 tanh deep): past any of them the command stops
   with a LimitError (exit 2: the program is too large for this option, as for the
   other limits, not a failure of the mathematics), saying the size it reached.

Nothing here recurses; SymPy does, on deep expressions, and a RecursionError it
raises is reported as the program being too large, like the budgets.
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.engine import Evaluation
from ..core.errors import LimitError, UsageError, give, param
from ..core.graph import Graph
from ..core.ops import FWD, OPS
from .formula_text import UNWRITABLE, Unwritable, count, score, written
from .swell import no_formula, rule_graph, swell

LIMIT = 20_000  # nodes of the expanded formulas, all inputs together (micrograd's: 7 821)
LONGEST = 1000  # nodes of one simplified formula
SECONDS = 4.0  # for building and simplifying every formula
SIMPLIFY = 300  # nodes of a formula past which SymPy's simplify is not tried
ARRAY = 32  # a constant array of at most this many elements is written out in a formula
INSTALL = "pip install 'backpropcli[symbolic]'"
HINT = (f"explain a smaller part of the program ({give('output', 'NAME')}, a node nearer the "
        f"inputs), or drop {param('symbolic')}: the path-by-path explanation has no such "
        "limit")


@dataclass(frozen=True)
class Formula:
    """∂output/∂input as a formula, or why there is none."""

    input: str
    expression: str | None  # over the inputs and the named nodes in `where`
    where: tuple[tuple[str, str], ...]  # the named nodes it uses, defined in order
    reason: str  # why there is no formula ("" when there is)
    expanded: int  # nodes of the formula written out with nothing shared (swell.py)
    paths: int  # paths from the output down to the input
    size: int  # nodes of the simplified formula (0 for none)
    inputs: tuple[str, ...] = ()  # the program's inputs the formula uses, in its order

    @property
    def program(self) -> str | None:
        """The formula as a program backprop reads: the definitions, then the expression."""
        if self.expression is None:
            return None
        return "; ".join([*(f"{n} = {t}" for n, t in self.where), self.expression])


@dataclass(frozen=True)
class Formulas:
    """Every input's formula, and the counts of the lesson."""

    output: str
    formulas: tuple[Formula, ...]
    products: int  # edges of the backward pass: back-propagation's shared products
    expanded: int  # nodes of every expanded formula together
    limit: int = LIMIT
    longest: int = LONGEST


class _OutOfTime(BaseException):
    """The timer rang. A BaseException, as KeyboardInterrupt is, so that no `except
    Exception` inside SymPy swallows it and lets the work run on."""


def sympy_module() -> Any:
    """SymPy, or a usage error (exit 2) that says how to install it."""
    try:
        import sympy  # noqa: PLC0415  (~0.3 s: with --symbolic only)
    except ImportError:
        raise UsageError(f"{param('symbolic')} needs SymPy, which is not installed",
                         hint=f"{INSTALL} (or pip install sympy)") from None
    return sympy


def formulas(ev: Evaluation, limit: int = LIMIT, seconds: float | None = SECONDS,
             longest: int = LONGEST) -> Formulas:
    """The gradient of the evaluated program as formulas, one per input."""
    sympy = sympy_module()
    graph = ev.graph
    counted = swell(graph)
    if counted.total > limit:
        raise LimitError(
            f"the gradient written out in full would have {counted.total:,} nodes, over the "
            f"limit of {limit:,} for {param('symbolic')}: too large to simplify in a few "
            "seconds", hint=HINT)
    blocked = no_formula(graph, ev.values)
    reached = 0
    try:
        with _deadline(seconds):
            built = _Built(graph, ev.values, sympy)
            grads = built.backward()
            out = []
            for x in graph.inputs:
                name = graph.nodes[x].name
                if x in blocked:
                    out.append(Formula(name, None, (), blocked[x], counted.expanded[x],
                                       counted.paths[x], 0))
                    continue
                reached = max(reached, count(grads[x]))
                simple = _simplest(grads[x], sympy)
                size = count(simple)
                if size > longest:
                    raise LimitError(
                        f"∂{graph.nodes[graph.output].name}/∂{name} has {size:,} nodes even "
                        f"simplified (written out in full, {counted.expanded[x]:,}), over the "
                        f"limit of {longest:,} for {param('symbolic')}: too large to read",
                        hint=HINT)
                out.append(built.formula(name, simple, counted.expanded[x], counted.paths[x]))
    except _OutOfTime:
        where = f"a formula had reached {reached:,} nodes before simplifying; " if reached else ""
        raise LimitError(
            f"making and simplifying the gradient's formulas took more than {seconds:g} s "
            f"({where}written out in full, {counted.total:,} nodes)", hint=HINT) from None
    except RecursionError:
        raise LimitError(
            f"the gradient's formulas are too deeply nested for SymPy (written out in full, "
            f"{counted.total:,} nodes)", hint=HINT) from None
    return Formulas(graph.nodes[graph.output].name, tuple(out), counted.products,
                    counted.total, limit, longest)


def _simplest(expr: Any, sympy: Any) -> Any:
    """The form of the gradient that reads best (formula_text.score): the common factors
    taken out of the sums (which keeps the chain rule's factors, 2 * p * (1 - p) * x),
    or SymPy's simplify, which also cancels and combines (only on a formula of at most
    SIMPLIFY nodes: its time grows much faster than the formula); the first at a tie.
    A form the language cannot write is passed over (simplify makes sinh(x) of
    (exp(x) - exp(-x)) / 2), unless no form can be written."""
    forms = [expr]
    for way in (sympy.factor_terms, sympy.simplify):
        if way is sympy.simplify and count(expr) > SIMPLIFY:
            continue
        try:
            forms.append(way(expr))
        except RecursionError:
            raise
        except Exception:
            continue
    said = [f for f in forms[1:] if _writable(f)]
    return min(said or forms[1:] or forms, key=score)


def _writable(expr: Any) -> bool:
    try:
        written(expr)
    except Unwritable:
        return False
    return True


@contextmanager
def _deadline(seconds: float | None) -> Iterator[None]:
    """Interrupt the work after `seconds` (SIGALRM): only in the main thread of a system
    that has the timer; elsewhere the size limit alone bounds the work."""
    if (seconds is None or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return

    def ring(signum: int, frame: object) -> None:
        raise _OutOfTime

    before = signal.signal(signal.SIGALRM, ring)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)


class _Built:
    """The program's nodes as SymPy expressions (a loop in topological order)."""

    def __init__(self, graph: Graph, values: Any, sympy: Any) -> None:
        self.graph, self.sympy = graph, sympy
        self.functions: dict[str, Any] = {}
        nodes = graph.nodes
        # a node the program names stands for itself (an earlier binding c#1 does not:
        # its name is no name of the language; nor does a node made of constants alone,
        # whose definition, k = 6, would read as an input)
        needs = graph.requires_grad()
        self.named = {i for i, n in enumerate(nodes) if n.computed and i != graph.output
                      and needs[i] and graph.names.get(n.name) == i
                      and n.name.isidentifier()}
        self.symbols: dict[Any, int] = {}  # a named node's symbol → the node
        self.defined: list[Any] = [None] * len(nodes)  # each node from its operands
        self.expr: list[Any] = [None] * len(nodes)  # each node as its users see it
        for i, node in enumerate(nodes):
            if node.is_input:
                e = sympy.Symbol(node.name)
            elif node.is_const:
                e = self._constant(node, values[i])
            elif OPS[node.op].elementwise:
                e = self._apply(node.op, [self.expr[j] for j in node.args])
            elif OPS[node.op].called:
                # sum(x * v, 1): its value is a call the language writes (an input whose
                # gradient passes through it is refused, by no_formula, not here)
                e = self._apply(node.op, [*(self.expr[j] for j in node.args),
                                          *map(sympy.Integer, node.static)])
            else:  # W @ x, x[0]: a formula that needs its value is refused (Unwritable)
                e = sympy.Symbol(UNWRITABLE + f"{node.name} = {node.text}")
            self.defined[i] = e
            if i in self.named:
                e = sympy.Symbol(node.name)
                self.symbols[e] = i
            self.expr[i] = e

    def _constant(self, node: Any, v: Any) -> Any:
        sympy = self.sympy
        if np.ndim(v) == 0 and math.isfinite(v):
            if v == math.pi:
                return sympy.pi
            if v == math.e:
                return sympy.E
            return sympy.Rational(repr(float(v)))
        if node.is_data or np.size(v) > ARRAY or not np.all(np.isfinite(v)):
            return sympy.Symbol(UNWRITABLE + f"the constant {node.name}")
        return sympy.Symbol(str(np.asarray(v, dtype=float).tolist()))  # [1.0, 2.0]

    def _apply(self, op: str, args: list[Any]) -> Any:
        row = OPS[op]
        if row.called:
            f = self.functions.get(op)
            if f is None:  # exp and log are SymPy's own (log(e) is 1, exp(log(x)) is
                # x); every other function of the table stays opaque, as it defines it
                f = self.functions[op] = getattr(self.sympy, op) if op in ("exp", "log") \
                    else self.sympy.Function(op)
            return f(*args)
        return FWD[op](args[0], args[1] if len(args) > 1 else None, ())

    def local(self, i: int, k: int) -> Any:
        """∂node_i/∂operand_k: the op's rule with the operands' expressions put in."""
        node = self.graph.nodes[i]
        rule = rule_graph(node.op, k)
        assert rule is not None  # no_formula has refused the inputs below it
        leaves = {"out": self.expr[i], "a": self.expr[node.args[0]],
                  "b": self.expr[node.args[1]] if len(node.args) > 1 else None}
        made: list[Any] = [None] * len(rule.nodes)
        for r, n in enumerate(rule.nodes):
            if n.is_input and n.value is None:
                made[r] = leaves[n.name]
            elif not n.computed:  # a number (a rule that is one, "1", reads as out = 1)
                made[r] = self.sympy.Rational(repr(float(np.asarray(n.value))))
            else:
                made[r] = self._apply(n.op, [made[j] for j in n.args])
        return made[rule.output]

    def backward(self) -> list[Any]:
        """∂output/∂node for every node: upstream × local summed over the edges."""
        graph = self.graph
        nodes, needs = graph.nodes, graph.requires_grad()
        grads: list[Any] = [self.sympy.Integer(0)] * len(nodes)
        grads[graph.output] = self.sympy.Integer(1)
        for i in range(graph.output, -1, -1):
            node = nodes[i]
            # a node with no rule the language reads is above blocked inputs only
            if not node.computed or grads[i] == 0 or any(
                    rule_graph(node.op, k) is None for k in range(len(node.args))):
                continue
            for k, j in enumerate(node.args):
                if needs[j]:
                    grads[j] = grads[j] + grads[i] * self.local(i, k)
        return grads

    def formula(self, name: str, expr: Any, expanded: int, paths: int) -> Formula:
        """The simplified gradient written out, with the named nodes it uses defined."""
        used: set[int] = set()
        todo = [self.symbols[s] for s in expr.free_symbols if s in self.symbols]
        while todo:
            i = todo.pop()
            if i not in used:
                used.add(i)
                todo += [self.symbols[s] for s in self.defined[i].free_symbols
                         if s in self.symbols]
        try:
            text = written(expr)
            where = tuple((self.graph.nodes[i].name, written(self.defined[i]))
                          for i in sorted(used))
        except Unwritable as e:
            return Formula(name, None, (), f"it would need {e}, which a formula here cannot "
                           "say", expanded, paths, 0)
        names = set().union(expr.free_symbols, *(self.defined[i].free_symbols for i in used))
        uses = tuple(self.graph.nodes[x].name for x in self.graph.inputs
                     if self.sympy.Symbol(self.graph.nodes[x].name) in names)
        return Formula(name, text, where, "", expanded, paths, count(expr), uses)
