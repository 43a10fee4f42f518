"""Gradient descent to an optimum: the loop behind `backprop descend`.

Each step evaluates the compiled program (value and gradient in one call) and moves
every param against its gradient, by one of three rules:

    sgd        x ← x − lr·g
    momentum   v ← μ·v + g;            x ← x − lr·v                 (μ = 0.9)
    adam       m ← β₁m + (1−β₁)g;  s ← β₂s + (1−β₂)g²;
               x ← x − lr·m̂ / (√ŝ + ε), with m̂, ŝ corrected for their start at 0

with the learning rate constant, or decaying linearly to a tenth of itself over the
run (lr·(1 − 0.9·k/steps), micrograd's demo schedule). The run stops after --steps
steps, when the value changes by less than --tol, or when it diverges: a value that is
not finite, or that has risen for `patience` steps in a row above where it started.
On divergence the result keeps the best point seen, so nothing good is lost.

The values on the way are kept in a Trace: every step of a run up to LIMIT steps,
and for longer runs LIMIT points or fewer, evenly spread, with the first, the best and
the last step always among them; so memory stays flat however many steps are asked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .compiled import Compiled
from .graph import Graph

OPTIMIZERS = ("sgd", "momentum", "adam")
SCHEDULES = ("constant", "linear")
LIMIT = 10_000  # points a trace keeps evenly spread, besides the best and the last step


@dataclass(frozen=True)
class Settings:
    lr: float = 0.1
    steps: int = 1000
    optimizer: str = "sgd"
    schedule: str = "constant"
    tol: float = 0.0  # stop when |value change| < tol (0: never)
    ascend: bool = False
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    patience: int = 50  # rising steps in a row that count as diverging


class Point(NamedTuple):
    """One step of a run as a trace keeps it."""

    step: int
    value: float  # the output's value after `step` steps
    change: float | None  # since the step before (None at step 0)
    watched: tuple[float, ...] = ()  # the watched nodes' values, in the trace's order


@dataclass
class Trace:
    """The values of a run at a bounded number of steps, evenly spread over it.

    It keeps every `gap`-th step (gap = every · stride). When a step would make more
    than `limit` of them, every other one goes and the stride doubles: the points are
    then the multiples of the new gap, still evenly spread, and the first (step 0, a
    multiple of every gap) stays. So a run of any length keeps between limit/2 and
    limit of them, and a run of `limit` steps keeps every one. The last step is
    always among the points read, and so is the best once the trace has been thinned
    (thinning must not lose the lowest value; before it, the points are exactly the
    multiples of `every` and the last, as --every has always given). The last joins
    the others only once a later step comes, so that a run of exactly `limit` steps
    is not thinned for its last one.
    """

    names: tuple[str, ...] = ()  # the watched nodes
    every: int = 1  # only multiples of this (--every K)
    limit: int = LIMIT
    stride: int = 1
    kept: list[Point] = field(default_factory=list)  # the evenly spread ones, by step
    best: Point | None = None
    last: Point | None = None

    @property
    def gap(self) -> int:
        return self.every * self.stride

    def add(self, point: Point, best: bool = False) -> None:
        """Record the next step (steps come in order: 0, 1, 2, ...)."""
        if self.last is not None and self.last.step % self.gap == 0:
            self._keep(self.last)
        self.last = point
        if best:
            self.best = point

    def _keep(self, point: Point) -> None:
        if len(self.kept) >= self.limit:
            del self.kept[1::2]  # the kept steps are 0, g, 2g, ...: 0, 2g, 4g, ... remain
            self.stride *= 2
            if point.step % self.gap:
                return
        self.kept.append(point)

    def points(self) -> list[Point]:
        """The recorded steps in order: the evenly spread ones, the best (if thinned)
        and the last."""
        best = self.best if self.stride > 1 else None
        extra = [p for p in (best, self.last) if p is not None]
        if not extra:
            return list(self.kept)
        by_step = {p.step: p for p in self.kept}
        by_step.update((p.step, p) for p in extra)
        return [by_step[k] for k in sorted(by_step)]

    @property
    def steps(self) -> list[int]:
        return [p.step for p in self.points()]

    @property
    def values(self) -> list[float]:
        return [p.value for p in self.points()]

    @property
    def watched(self) -> dict[str, list[float]]:
        points = self.points()
        return {name: [p.watched[j] for p in points] for j, name in enumerate(self.names)}


@dataclass(frozen=True)
class Run:
    inputs: dict[str, object]  # where the run ended (the best point, if it diverged)
    trace: Trace  # the output's value (and the watched nodes') at steps 0 ... as far as it went
    history: Trace  # the same at multiples of --every K (the trace itself when K = 1)
    stopped: str = "steps"  # "steps" | "converged" | "diverged"
    reason: str = ""  # why it stopped, for people
    best_step: int = 0

    @property
    def steps(self) -> int:
        """The last step evaluated (-1 if not even step 0 had a finite value)."""
        return -1 if self.trace.last is None else self.trace.last.step

    @property
    def values(self) -> list[float]:
        """The recorded values: those of every step, in a run of up to LIMIT steps."""
        return self.trace.values

    @property
    def watched(self) -> dict[str, list[float]]:
        return self.trace.watched


def default_watch(graph: Graph, limit: int = 4) -> list[int]:
    """Named nodes the output does not depend on — an accuracy beside a loss — are
    worth watching during a descent; the first few are, unless --watch says otherwise."""
    feeds = graph.ancestors(graph.output)
    named = set(graph.names.values())
    found = [i for i, n in enumerate(graph.nodes)
             if n.computed and i in named and not feeds[i]]
    return found[:limit]


def learning_rate(settings: Settings, k: int) -> float:
    if settings.schedule == "linear":
        return settings.lr * (1.0 - 0.9 * k / max(settings.steps, 1))
    return settings.lr


def run(
    compiled: Compiled,
    inputs: dict[str, object],
    params: Sequence[str],
    settings: Settings,
    on_step: Callable[[int, float], None] | None = None,
    every: int = 1,
    limit: int = LIMIT,
) -> Run:
    """Descend from `inputs`; `on_step(k, value)` is told of every evaluated step.
    The run's history keeps the multiples of `every`; both it and the trace keep at
    most `limit` points evenly spread, the first and the last (and, once thinned,
    the best)."""
    f = compiled.value_and_grad
    names = compiled.inputs
    xs = compiled.args(inputs)
    moving = [k for k, n in enumerate(names) if n in params]
    direction = -1.0 if settings.ascend else 1.0
    state: dict[int, tuple] = {}
    watch = tuple(compiled.watch)
    trace = Trace(watch, limit=limit)
    history = trace if every == 1 else Trace(watch, every=every, limit=limit)
    # Divergence is judged on these, never on the (thinned) trace.
    start = previous = None
    best_value, best_xs, best_step = None, list(xs), 0
    rising = 0
    stopped, reason = "steps", f"ran {settings.steps} steps"

    with np.errstate(all="ignore"):
        for k in range(settings.steps + 1):
            value, grads, extra = f(*xs)
            total = float(np.sum(value))
            if not (np.isfinite(total) and all(np.isfinite(grads[j]).all() for j in moving)):
                stopped = "diverged"
                reason = (f"at step {k} the value or its gradient is not finite "
                          f"({_show(total)})")
                break
            change = None if previous is None else total - previous
            previous = total
            if on_step is not None:
                on_step(k, total)
            score = -total if settings.ascend else total
            if start is None:
                start = score
            best = best_value is None or score < best_value
            if best:
                best_value, best_xs, best_step = score, list(xs), k
            point = Point(k, total, change, tuple(float(np.mean(v)) for v in extra))
            trace.add(point, best)
            if history is not trace:
                history.add(point, best)
            if change is not None:
                worse = change < 0 if settings.ascend else change > 0
                rising = rising + 1 if worse else 0
                if settings.tol and abs(change) < settings.tol:
                    stopped = "converged"
                    reason = f"the value changed by less than {settings.tol:g} at step {k}"
                    break
                if rising >= settings.patience and score > start:
                    stopped = "diverged"
                    reason = f"the value rose for {rising} steps in a row, up to {_show(total)}"
                    break
            if k == settings.steps:
                break
            lr = learning_rate(settings, k) * direction
            for j in moving:
                xs[j] = _update(settings, state, j, xs[j], grads[j], lr, k + 1)

    final = best_xs if stopped == "diverged" else xs
    return Run(
        inputs=dict(zip(names, final, strict=True)),
        trace=trace,
        history=history,
        stopped=stopped,
        reason=reason,
        best_step=best_step,
    )


def history(result: Run, settings: Settings) -> list[dict]:
    """The run step by step, for the session and JSON: every --every K-th step and the
    last (for long runs thinned, with the best); each with the value, the learning rate
    and the change that led to it (from the step before), and the watched nodes."""
    names = result.history.names
    return [{
        "step": p.step, "value": p.value,
        "lr": learning_rate(settings, p.step - 1) if p.step else None,
        "change": p.change,
        **dict(zip(names, p.watched, strict=True)),
    } for p in result.history.points()]


def summary(result: Run, settings: Settings) -> dict:
    """The run for the JSON document's "descend" key."""
    first, last = result.trace.points()[:1], result.trace.last
    return {
        "optimizer": settings.optimizer, "lr": settings.lr, "schedule": settings.schedule,
        "steps": result.steps, "stopped": result.stopped, "reason": result.reason,
        "first": first[0].value if first else None,
        "last": last.value if last else None,
        "best_step": result.best_step,
        "history": history(result, settings),
    }


def _update(settings: Settings, state: dict, j: int, x, g, lr: float, t: int):
    if settings.optimizer == "sgd":
        return x - lr * g
    if settings.optimizer == "momentum":
        v = settings.momentum * state.get(j, 0.0) + g
        state[j] = v
        return x - lr * v
    # adam
    m, s = state.get(j, (0.0, 0.0))
    m = settings.beta1 * m + (1 - settings.beta1) * g
    s = settings.beta2 * s + (1 - settings.beta2) * g * g
    state[j] = (m, s)
    m_hat = m / (1 - settings.beta1**t)
    s_hat = s / (1 - settings.beta2**t)
    return x - lr * m_hat / (np.sqrt(s_hat) + settings.eps)


def _show(v: float) -> str:
    from . import fmt

    return fmt.number(v)
