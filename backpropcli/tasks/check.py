"""The gradient check of `backprop check`: back-propagation beside central differences.

For every element of every input, the derivative of the output is estimated from two
forward evaluations, (f(x + h) − f(x − h)) / 2h, whose error is of order h² (the h¹
terms of the two Taylor expansions cancel) plus the rounding of f divided by h. The
step is h = eps · max(1, |x|): for a large x a fixed step would drown in the rounding
of x + eps and of f(x) (at x = 1e8, x² carries an error of 2 that a step of 1e-6 turns
into 1e6); relative to x it keeps the same accuracy as near 1.

Back-propagation gets every element at once from one forward and one backward pass;
finite differences need 2 forward evaluations per element, which is why training
uses the former and tests use the latter.

The two are compared by their relative error |bp − fd| / max(|bp|, |fd|, 1): relative
for gradients above 1, absolute below, because near a zero gradient the rounding noise
of finite differences (about 1e-16·|f| / h) is all there is to compare. An output
that is an array is checked as its sum, as the backward pass seeds it with ones.

The forward function is one call (`Forward`): the compiled program by default, or the
interpreter's forward pass, which gives the same values.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from ..core import fmt
from ..core.compiled import compile_graph
from ..core.engine import Evaluation, evaluate, forward
from ..core.errors import CheckFailed, MathError, UsageError, param
from ..core.graph import Graph, Value
from ..core.plural import counted
from .program import refuse_constant

EPS = 1e-6
TOL = 1e-5  # every sample passes with eps = 1e-6 by orders of magnitude (tests/unit/test_check.py)
FLOOR = 1.0  # the relative error's denominator is at least this

Forward = Callable[[Mapping[str, Value]], Value]  # input values → the output's value


def interpreter(graph: Graph) -> Forward:
    """The output's value by the interpreter: engine.forward over the already-parsed graph."""

    def run(inputs: Mapping[str, Value]):
        values, _ = forward(graph, inputs)
        return values[graph.output]

    return run


def compiled(graph: Graph, inputs: Mapping[str, Value]) -> Forward:
    """The output's value by the compiled program (compiled.py): straight-line code made
    once for these shapes, so the 2 evaluations per element cost no parsing and no
    bookkeeping. Where it is not finite the interpreter runs again to say which node
    failed and why (a MathError), exactly as without compiling."""
    code = compile_graph(graph, inputs)
    slow = interpreter(graph)

    def run(values: Mapping[str, Value]):
        with np.errstate(all="ignore"):
            out = code.value(*code.args(values))
        return out if np.isfinite(out).all() else slow(values)

    return run


@dataclass(frozen=True)
class ElementCheck:
    """One element of one input: both derivatives, their relative error, the verdict."""

    input: str
    index: tuple[int, ...]  # () for a scalar input
    backprop: float
    numeric: float | None  # None where f(x ± eps) is not finite
    error: float | None
    ok: bool

    @property
    def label(self) -> str:
        if not self.index:
            return self.input
        return f"{self.input}[{', '.join(map(str, self.index))}]"


@dataclass(frozen=True)
class Cost:
    """What a method needed: how many passes over the graph, and how long it took."""

    forward: int
    backward: int
    seconds: float


@dataclass(frozen=True)
class Check:
    rows: tuple[ElementCheck, ...]
    eps: float
    tol: float
    backprop: Cost  # one forward and one backward pass, for every element at once
    numeric: Cost  # two forward passes per element
    output: str
    evaluation: Evaluation = field(repr=False, compare=False)  # the back-propagation
    problems: tuple[str, ...] = ()  # why some rows have no numeric estimate

    @property
    def failures(self) -> tuple[ElementCheck, ...]:
        return tuple(r for r in self.rows if not r.ok)

    @property
    def passed(self) -> bool:
        return not self.failures


def relative_error(a: float, b: float) -> float:
    """|a − b| / max(|a|, |b|, 1): relative above 1, absolute below."""
    return abs(a - b) / max(abs(a), abs(b), FLOOR)


def central_difference(run: Forward, inputs: Mapping[str, Value], name: str,
                       index: tuple[int, ...], eps: float) -> float:
    """∂f/∂(inputs[name][index]) ≈ (f(x + h) − f(x − h)) / (x₊ − x₋), h = eps · max(1, |x|).

    Dividing by the step actually taken, x₊ − x₋ as floats, rather than by 2h also
    removes the error of x ± h rounding to a neighbouring float."""
    x = inputs[name]
    h = eps * max(1.0, abs(float(np.asarray(x)[index])))
    if index:
        up, down = np.array(x, dtype=float), np.array(x, dtype=float)
        up[index] += h
        down[index] -= h
        step = up[index] - down[index]
    else:
        up, down = np.float64(x + h), np.float64(x - h)
        step = up - down
    f_up = np.sum(run({**inputs, name: up}))
    f_down = np.sum(run({**inputs, name: down}))
    with np.errstate(all="ignore"):  # an overflow is said by the caller, not by numpy
        return float((f_up - f_down) / step)


def refuse_eps(inputs: Mapping[str, Value], eps: float) -> None:
    """Refuse an eps that cannot make a step at some element: x ± eps·max(1, |x|) that
    rounds back to x (eps = 1e-17 at x = 1: the difference would be 0/0) or is not
    finite. That is the input's fault, said with the element and a range that works."""
    for name, x in inputs.items():
        x = np.asarray(x, dtype=float)
        with np.errstate(all="ignore"):
            h = eps * np.maximum(1.0, np.abs(x))
            up, down = x + h, x - h
            bad = (up == x) | (down == x) | ~np.isfinite(up) | ~np.isfinite(down)
        if not bad.any():
            continue
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        label = f"{name}[{', '.join(map(str, index))}]" if index else name
        small = bool(np.isfinite(up[index]) and np.isfinite(down[index]))
        raise UsageError(
            f"{param('eps')} {fmt.number(eps)} is too {'small' if small else 'large'} to take "
            f"a step at {label} = {fmt.number(float(x[index]))}: x ± eps·max(1, |x|) "
            + ("rounds back to x" if small else "is not a finite number"),
            hint=f"give an {param('eps')} between 1e-10 and 1e-2 (the default {fmt.number(EPS)} "
                 "suits most programs: float64 holds about 16 digits, and central "
                 "differences lose about half of them)")


def gradient_check(
    graph: Graph,
    inputs: Mapping[str, Value],
    eps: float = EPS,
    tol: float = TOL,
    run: Forward | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Check:
    """Compare back-propagation with central differences for every element of every input.

    `run` computes the output from the inputs (the compiled program unless given);
    `progress(done, total)` is told after each element."""
    refuse_constant(graph, "no gradient to check")
    refuse_eps(inputs, eps)
    run = run or compiled(graph, inputs)
    start = time.perf_counter()
    ev = evaluate(graph, inputs)
    bp_seconds = time.perf_counter() - start
    grads = ev.gradients()
    elements = [(name, index) for name in graph.input_names
                for index in np.ndindex(np.shape(inputs[name]))]
    rows: list[ElementCheck] = []
    problems: list[str] = []
    start = time.perf_counter()
    for done, (name, index) in enumerate(elements, 1):
        bp = float(np.asarray(grads[name])[index])
        row, problem = _compare(run, inputs, name, index, bp, eps, tol)
        rows.append(row)
        if problem:
            problems.append(problem)
        if progress is not None:
            progress(done, len(elements))
    fd_seconds = time.perf_counter() - start
    return Check(
        rows=tuple(rows), eps=eps, tol=tol,
        backprop=Cost(forward=1, backward=1, seconds=bp_seconds),
        numeric=Cost(forward=2 * len(elements), backward=0, seconds=fd_seconds),
        output=ev.output.name, evaluation=ev, problems=tuple(problems),
    )


def _compare(run: Forward, inputs: Mapping[str, Value], name: str, index: tuple[int, ...],
             bp: float, eps: float, tol: float) -> tuple[ElementCheck, str | None]:
    """One element: back-propagation's derivative `bp` beside the central difference, and
    why there is no estimate, if x ± eps left the function's domain (log of a negative)."""
    try:
        fd = central_difference(run, inputs, name, index, eps)
    except MathError as e:
        problem = f"{name}{list(index) if index else ''} ± eps: {e.message}"
        return ElementCheck(name, index, bp, None, None, False), problem
    if not np.isfinite(fd):  # f(x + h) − f(x − h) overflowed, or the step underflowed
        problem = (f"{name}{list(index) if index else ''} ± eps: the difference quotient "
                   f"is {fd}, too large for float64")
        return ElementCheck(name, index, bp, None, None, False), problem
    err = relative_error(bp, fd)
    return ElementCheck(name, index, bp, fd, err, bool(err <= tol)), None


def failure(check: Check) -> CheckFailed | None:
    """The error a failed check ends with (after its table or document), or None."""
    if check.passed:
        return None
    bad = check.failures
    names = fmt.names([r.label for r in bad], more="...")
    why = (f"back-propagation and central differences differ by more than tol "
           f"{fmt.number(check.tol)}") if all(r.numeric is not None for r in bad) else \
        "see the verdicts"
    return CheckFailed(
        f"the gradient check failed for {len(bad)} of {counted(len(check.rows), 'element')} "
        f"({names}): "
        f"{why}",
        hint="a wrong local-gradient rule; a point at a kink (relu(0), abs(0), max(a, a)), "
             "where the two sides differ; x ± eps outside the function's domain; or an eps "
             "too small or too large for this output")
