"""What each way to the derivatives costs on one program: `backprop cost`.

Three methods, each run on the calculator's own engine (the interpreter's passes, so
that they are compared on equal terms):
- numerical: central differences, 2 forward evaluations per input element;
- forward mode: one sweep on dual numbers per input element (core/jvp.py);
- reverse mode: one forward pass (values and local derivatives) and one backward pass.

What they compute: for a number output, its gradient. For an array output of m
elements the gradient eval shows is that of its sum, which reverse mode gets from
one backward pass; but the output's derivatives are a Jacobian of m rows, and the
question the methods answer differently is that whole matrix: central differences
and forward mode give a column per input element (all m outputs at once), reverse
mode a row per output element, one backward sweep each. So for an array output cost
compares the full Jacobian, and says so; there, forward mode wins where there are
more outputs than inputs.

Op evaluations are counted as the passes run (core/counting.py: the op table's rules
wrapped in counters, handed to the engine's loops), never worked out from the
program's size. The backward pass's terms (one per edge it sends a gradient along:
upstream × local, or a vector-Jacobian product) are counted from its own record of
them. Times are measured on the plain passes, the methods taking turns, a few
repeats; the median is shown with the spread between repeats (the machine's noise).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..core.counting import Tally, counting
from ..core.engine import RULES, Evaluation, Rules, backward, forward
from ..core.errors import LimitError, MathError, param
from ..core.graph import Graph, Value
from ..core.jvp import MAX_SWEEPS, Element, check_sweeps, elements, jvp, unit
from .check import EPS
from .program import refuse_constant

REPEATS = 5  # timed runs of each method; the median is shown


@dataclass(frozen=True)
class Method:
    """One method's passes, the op evaluations it ran (by kind) and its time."""

    name: str  # "numerical", "forward", "reverse"
    forward_passes: int  # evaluations (numerical), sweeps (forward), 1 (reverse)
    backward_passes: int  # reverse: 1, or one per output element for a Jacobian
    values: int  # op functions applied (a value each)
    tangents: int  # forward mode: tangent terms ∂node/∂operand · operanḋ
    locals: int  # reverse mode: local derivatives ∂node/∂operand, in the forward pass
    terms: int  # reverse mode: the backward pass's terms (upstream × local, or a VJP share)
    vjps: int  # of those terms, vector-Jacobian products (matrix products, reductions, ...)
    seconds: float  # the median of the timed runs
    spread: float  # (slowest − fastest) / median of the timed runs

    @property
    def evaluations(self) -> int:
        """Every op evaluation: values, tangent terms, local derivatives, backward terms."""
        return self.values + self.tangents + self.locals + self.terms


@dataclass(frozen=True)
class Cost:
    """The three methods on one program, and what reverse mode keeps for its backward pass."""

    evaluation: Evaluation
    inputs: tuple[Element, ...]  # the input elements (n)
    outputs: int  # the output's elements (m)
    numerical: Method
    forward: Method
    reverse: Method
    saved_values: int  # numbers reverse mode keeps: every node's value ...
    saved_locals: int  # ... and every local derivative
    saved_bytes: int
    repeats: int
    failed: int = 0  # numerical evaluations whose value was not finite (stopped early)

    @property
    def jacobian(self) -> bool:
        """An array output: the methods are compared on the whole Jacobian."""
        return self.outputs > 1 or np.ndim(self.evaluation.value) > 0

    @property
    def methods(self) -> tuple[Method, Method, Method]:
        return self.numerical, self.forward, self.reverse

    @property
    def noise(self) -> float:
        return max(m.spread for m in self.methods)

    def ratio(self, method: Method) -> float:
        """How many times reverse mode's op evaluations `method` ran."""
        return method.evaluations / max(self.reverse.evaluations, 1)

    @property
    def cheapest(self) -> Method:
        """The method of fewest op evaluations (an exact one, on a tie)."""
        order = {"reverse": 0, "forward": 1, "numerical": 2}
        return min(self.methods, key=lambda m: (m.evaluations, order[m.name]))

    def sentence(self) -> str:
        """The verdict, in op evaluations counted: which exact mode wins and by how much,
        and where central differences run fewer, that they do (they are approximate)."""
        n, m = len(self.inputs), self.outputs
        reverse, forward, numerical = self.reverse, self.forward, self.numerical
        if reverse.evaluations <= forward.evaluations:
            said = (f"for this program, reverse mode is {times(self.ratio(forward))} cheaper "
                    "than forward")
            if numerical.evaluations >= reverse.evaluations:
                said += f" and {times(self.ratio(numerical))} cheaper than numerical"
            if self.jacobian:
                said += f" (for the whole Jacobian, {m} outputs by {n} inputs)"
        else:
            k = times(reverse.evaluations / max(forward.evaluations, 1))
            if self.jacobian:
                said = (f"for this program, forward mode wins: with {m} outputs and "
                        f"{_n(n, 'input')}, its {_n(n, 'sweep')} cost {k} less than reverse "
                        f"mode's {m} backward sweeps for the whole Jacobian")
            else:
                said = (f"for this program, forward mode is {k} cheaper than reverse: with "
                        f"{_n(n, 'input element')}, its {_n(n, 'sweep')} cost less than "
                        "reverse mode's forward and backward pass")
        best = min(reverse.evaluations, forward.evaluations)
        if numerical.evaluations < best:
            said += (f"; central differences run fewer still "
                     f"({times(best / max(numerical.evaluations, 1))} fewer), but their "
                     "derivatives are approximate")
        return said


def _n(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def times(ratio: float) -> str:
    """A ratio as people say it: 12×, 3.4×."""
    return f"{ratio:.0f}×" if ratio >= 10 else f"{ratio:.2g}×"


def cost(ev: Evaluation, repeats: int = REPEATS) -> Cost:
    """Count and time the three methods on the program at the evaluation's point."""
    graph = ev.graph
    refuse_constant(graph, "no derivative to compare the cost of")
    inputs = ev.inputs()
    elems = elements(inputs, graph.input_names)
    check_sweeps(len(elems), "every input element")
    out = ev.value
    m = int(np.size(out))
    if m > MAX_SWEEPS:
        raise LimitError(f"the Jacobian of {ev.output.name}, an array of {m:,} elements, takes "
                         f"reverse mode {m:,} backward sweeps (one per element); at most "
                         f"{MAX_SWEEPS} are allowed",
                         hint=f"choose a smaller output with {param('output')}, or sum it: "
                              f"L = sum({ev.output.name})")
    shifted = _shifted(inputs, elems)
    units = [unit(inputs, e) for e in elems]
    seeds = _seeds(out)

    rules, tally = counting()
    failed = sum(not _evaluate(graph, x, rules) for x in shifted)
    numerical = _counted(tally)
    for u in units:
        jvp(graph, inputs, u, rules)
    by_forward = _counted(tally)
    saved = _reverse(graph, inputs, seeds, rules, tally)
    by_reverse = _counted(tally)

    runs: dict[str, list[float]] = {"numerical": [], "forward": [], "reverse": []}
    plain: dict[str, Callable[[], object]] = {
        "numerical": lambda: [_evaluate(graph, x, RULES) for x in shifted],
        "forward": lambda: [jvp(graph, inputs, u) for u in units],
        "reverse": lambda: _reverse(graph, inputs, seeds, RULES),
    }
    for _ in range(repeats):  # the methods take turns: the machine's noise falls on each
        for name, run in plain.items():
            start = time.perf_counter()
            run()
            runs[name].append(time.perf_counter() - start)

    n = len(elems)
    return Cost(ev, tuple(elems), m,
                _method("numerical", 2 * n, 0, numerical, runs),
                _method("forward", n, 0, by_forward, runs),
                _method("reverse", 1, len(seeds), by_reverse, runs),
                *saved, repeats=repeats, failed=failed)


def _counted(tally: Tally) -> tuple[int, int, int, int, int]:
    """The tally so far (values, tangents, locals, vjps, terms), and a fresh start."""
    got = (tally.values, tally.tangents, tally.locals, tally.vjps, tally.terms)
    tally.clear()
    return got


def _method(name: str, forward_passes: int, backward_passes: int,
            counted: tuple[int, int, int, int, int], runs: dict[str, list[float]]) -> Method:
    values, tangents, locals_, vjps, terms = counted
    median = statistics.median(runs[name])
    spread = (max(runs[name]) - min(runs[name])) / median if median > 0 else 0.0
    return Method(name, forward_passes, backward_passes, values, tangents, locals_, terms,
                  vjps, median, spread)


def _shifted(inputs: dict[str, Value], elems: list[Element]) -> list[dict[str, Value]]:
    """The 2n points central differences evaluate: x ± h along each element (h as
    `check` takes it: eps · max(1, |x|))."""
    points = []
    for e in elems:
        for sign in (1.0, -1.0):
            v = np.array(inputs[e.name], dtype=float)
            v[e.index] += sign * EPS * max(1.0, abs(float(v[e.index])))
            points.append({**inputs, e.name: v[()] if v.ndim == 0 else v})
    return points


def _evaluate(graph: Graph, x: dict[str, Value], rules: Rules) -> bool:
    """One forward evaluation (values only); False where a value was not finite there
    (the pass stops at it: what ran is what is counted)."""
    try:
        forward(graph, x, rules=rules)
    except MathError:
        return False
    return True


def _seeds(out) -> list:
    """Where the backward sweeps start: ones (the gradient of a number, or of an array's
    sum) for a number; a unit at each element (a row of the Jacobian each) for an array."""
    if np.ndim(out) == 0:
        return [None]
    seeds = []
    for index in np.ndindex(np.shape(out)):
        s = np.zeros(np.shape(out))
        s[index] = 1.0
        seeds.append(s)
    return seeds


def _reverse(graph: Graph, inputs: dict[str, Value], seeds: list, rules: Rules,
             tally: Tally | None = None) -> tuple[int, int, int]:
    """One forward pass and a backward sweep per seed; with a `tally`, the backward
    pass records its terms and they are added to it. What the backward pass reads from
    the forward pass: (values, local derivatives, bytes)."""
    record = tally is not None
    needs = graph.requires_grad()
    values, local = forward(graph, inputs, needs, rules=rules)
    terms = 0
    for seed in seeds:
        _, made = backward(graph, values, local, needs, record=record, rules=rules, seed=seed)
        terms += sum(len(t) for t in made)
    if tally is not None:
        tally.terms += terms
    kept = [v for v in values if v is not None]
    derivatives = [d for row in local if row is not None for d in row if d is not None]
    return (sum(int(np.size(v)) for v in kept), sum(int(np.size(d)) for d in derivatives),
            sum(np.asarray(v).nbytes for v in (*kept, *derivatives)))
