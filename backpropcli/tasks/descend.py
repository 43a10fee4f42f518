"""Gradient descent to an optimum: the loop behind `backprop descend`.

Each step evaluates the compiled program (value and gradient in one call) and moves
every param against its gradient by the optimizer's rule (core/optim.py), with the
learning rate of its schedule. The run stops after --steps
steps, or earlier by the stopping rules (`Stopping`, judged on the values alone): when
the value changes by less than --tol, or when it diverges: a value that is not finite,
or that has risen for `patience` steps in a row above where it started. On divergence
the result keeps the best point seen, so nothing good is lost.

The values on the way are kept in a Trace (trace.py), bounded however long the run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from ..core import fmt
from ..core.compiled import Compiled
from ..core.errors import MathError, param
from ..core.graph import Graph, Value
from ..core.optim import (
    LR,
    MAX_STEPS,
    NEWTON,
    OPTIMIZERS,
    SCHEDULES,
    STEPS,
    CurvatureError,
    Flat,
    Optimizer,
)
from ..core.optim import learning_rate as scheduled
from ..core.plural import counted
from .program import refuse_constant, refuse_frozen
from .trace import LIMIT, Trace, TraceEntry

__all__ = ["LIMIT", "MAX_STEPS", "OPTIMIZERS", "SCHEDULES", "Run", "Settings", "Stop",
           "Stopping", "Trace", "run"]


@dataclass(frozen=True)
class Settings:
    lr: float = LR
    steps: int = STEPS
    optimizer: str = "sgd"
    schedule: str = "constant"
    tol: float = 0.0  # stop when |value change| < tol (0: never)
    ascend: bool = False
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    patience: int = 50  # rising steps in a row that count as diverging
    damping: float = 0.0  # newton: the λ of H + λI


@dataclass(frozen=True)
class Run:
    inputs: dict[str, Value]  # where the run ended (the best point, if it diverged)
    trace: Trace  # the output's value (and the watched nodes') at steps 0 ... as far as it went
    history: Trace  # the same at multiples of --every K (the trace itself when K = 1)
    stopped: str = "steps"  # "steps" | "converged" | "diverged" | "unbounded" | "hessian"
    reason: str = ""  # why it stopped, for people
    best_step: int = 0
    warnings: tuple = ()  # learning.Warning: dead units, a vanishing layer (api.descend adds them)
    # where the followed params went (run(follow=...)): a trace whose watched values are
    # theirs, step by step, bounded as the trace is; None when nothing was followed
    path: Trace | None = None
    plateau: str = ""  # that learning has stopped, when the value has been flat (FLAT)
    hint: str = ""  # what to do about it ("hessian": the damping to give)

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


RUNAWAY = 1e6  # a fall this many times the start's size past it is no approach to a minimum
# Flat: the value changed by at most FLAT relative (|change| <= FLAT · |value before|, or
# exactly not at all at 0) at each of the last FLAT_WINDOW steps. A run ending flat has
# stopped learning: stuck on a plateau, or at its optimum (the value alone cannot tell).
FLAT = 1e-9
FLAT_WINDOW = 100


@dataclass(frozen=True)
class Stop:
    """A stopping rule's verdict: how the run ended ("converged", "diverged" or
    "unbounded") and why, for people."""

    stopped: str
    reason: str
    hint: str = ""


@dataclass(slots=True)
class Stopping:
    """The rules that end a descent before its last step, judged one step at a time on
    the output's value alone (so they read, and are tested, apart from the loop):

    - converged: the value changed by less than `tol` since the step before (0: never);
    - diverged: a value or gradient that is not finite (`not_finite`), or a value that
      got worse (rose; fell, when ascending) for `patience` steps in a row and stands
      worse than where the run started, so that a climb out of a dip is not a failure;
    - unbounded: a value that keeps getting better (10 steps in a row or more) and has
      gone RUNAWAY times its start's size past it (or stopped being finite on the way):
      the program has no minimum along this path (g = x·y + z falls forever), and a
      descent to −7.5e83 that "succeeds" would teach the wrong thing.

    Divergence is judged on every step's value, never on the thinned trace. The rules
    also keep the best step so far, where a diverged run ends. Unlike most of the
    package this object changes as it judges: the loop carries it from step to step, and
    a new object per step would cost more than the judging (a scalar step takes ~9 µs)."""

    tol: float = 0.0
    patience: int = 50
    ascend: bool = False
    output: str = "the value"  # the output's name, for the verdict
    change: float | None = field(default=None, init=False)  # value − the one before, or None
    improved: bool = field(default=False, init=False)  # the step just judged is the best yet
    best_step: int = field(default=0, init=False)
    _previous: float | None = field(default=None, init=False, repr=False)
    _start: float = field(default=0.0, init=False, repr=False)  # the first step's score
    _best: float | None = field(default=None, init=False, repr=False)  # the lowest score
    _rising: int = field(default=0, init=False, repr=False)  # steps in a row that were worse
    _falling: int = field(default=0, init=False, repr=False)  # ... that were better
    flat: int = field(default=0, init=False)  # steps in a row whose change was flat (FLAT)

    @classmethod
    def of(cls, settings: Settings, output: str = "the value") -> Stopping:
        return cls(settings.tol, settings.patience, settings.ascend, output)

    def judge(self, k: int, value: float) -> Stop | None:
        """Step k's (finite) value: the verdict if the run stops here, else None."""
        score = -value if self.ascend else value  # lower is better, either way
        self.improved = self._best is None or score < self._best
        if self.improved:
            self._best, self.best_step = score, k
        if self._previous is None:  # the first step: where the run starts, nothing to compare
            self._previous, self._start = value, score
            return None
        change = self.change = value - self._previous
        self.flat = self.flat + 1 if abs(change) <= FLAT * abs(self._previous) else 0
        self._previous = value
        worse = change < 0 if self.ascend else change > 0
        self._rising = self._rising + 1 if worse else 0
        self._falling = self._falling + 1 if self.improved else 0
        if self.tol and abs(change) < self.tol:
            return Stop("converged", f"the value changed by less than {self.tol:g} at step {k}")
        if self._rising >= self.patience and score > self._start:
            return Stop("diverged", f"the value rose for {self._rising} steps in a row, "
                                    f"up to {_show(value)}")
        if self._falling >= 10 and self._start - score > RUNAWAY * max(1.0, abs(self._start)):
            return Stop("unbounded", self._unbounded(f"{self.output} = {fmt.rough(value)} "
                                                     f"after {counted(k, 'step')}"))
        return None

    def _unbounded(self, where: str) -> str:
        way, end = ("increases", "maximum") if self.ascend else ("decreases", "minimum")
        return f"{self.output} {way} without bound: it has no {end} along this path ({where})"

    def not_finite(self, k: int, value: float) -> Stop:
        """The verdict on step k, whose value or gradient is not finite: the run stops
        before recording it."""
        if self._falling >= 10:  # it ran away to infinity rather than stopping short
            return Stop("unbounded", self._unbounded(f"{self.output} is {_show(value)} "
                                                     f"after {counted(k, 'step')}"))
        return Stop("diverged", f"at step {k} the value or its gradient is not finite "
                                f"({_show(value)})")


def default_watch(graph: Graph, limit: int = 4) -> list[int]:
    """Named nodes the output does not depend on — an accuracy beside a loss — are
    worth watching during a descent; the first few are, unless --watch says otherwise."""
    feeds = graph.ancestors(graph.output)
    named = set(graph.names.values())
    found = [i for i, n in enumerate(graph.nodes)
             if n.computed and i in named and not feeds[i]]
    return found[:limit]


def learning_rate(settings: Settings, k: int) -> float:
    return scheduled(settings.lr, settings.schedule, k, settings.steps)


def run(
    compiled: Compiled,
    inputs: dict[str, Value],
    params: Sequence[str],
    settings: Settings,
    on_step: Callable[[int, float], None] | None = None,
    every: int = 1,
    limit: int = LIMIT,
    follow: Sequence[str] = (),
) -> Run:
    """Descend from `inputs`; `on_step(k, value)` is told of every evaluated step.
    The run's history keeps the multiples of `every`; both it and the trace keep at
    most `limit` points evenly spread, the first and the last (and, once thinned,
    the best). `follow` names number inputs whose values at each step the run's `path`
    keeps (a picture of the descent on its loss surface draws them)."""
    refuse_constant(compiled.graph, "a descent has nothing to move")
    refuse_frozen(compiled.graph, list(params), "a descent has nothing to move")
    names = compiled.inputs
    xs = compiled.args(inputs)
    moving = [k for k, n in enumerate(names) if n in params]
    direction = -1.0 if settings.ascend else 1.0
    watch = tuple(compiled.watch)
    trace = Trace(watch, limit=limit)
    history = trace if every == 1 else Trace(watch, every=every, limit=limit)
    followed = [names.index(n) for n in follow]
    path = Trace(tuple(follow), limit=limit) if followed else None
    rules = Stopping.of(settings, compiled.graph.nodes[compiled.graph.output].name)
    judge = rules.judge  # looked up once: a scalar step takes a few µs
    stop: Stop | None = None
    best_xs = list(xs)
    before_xs = best_xs  # the point of the step before this one

    # The loop is the whole cost of a step besides the compiled function, so it keeps
    # to Python floats, moves the params in place all at once (optim.Flat; Newton's
    # step its own way) and works a constant learning rate out once.
    flat = Flat(xs, moving, Optimizer(settings.optimizer, settings.momentum, settings.beta1,
                                      settings.beta2, settings.eps))
    xs = flat.xs()
    newton = _newton(compiled, params, settings.damping) if settings.optimizer == NEWTON \
        else None
    written = newton is None  # the gradients written where the optimizer reads them
    f = partial(compiled.into(moving), *flat.g_views) if written else compiled.value_and_grad
    constant = settings.schedule == "constant"
    lr = settings.lr * direction
    with np.errstate(all="ignore"):
        for k in range(settings.steps + 1):
            value, grads, extra = f(*xs)
            total = float(value) if type(value) is np.float64 else float(np.sum(value))
            if not (math.isfinite(total)
                    and (flat.finite() if written else flat.gradients_finite(grads))):
                stop = rules.not_finite(k, total)
                break
            stop = judge(k, total)
            if on_step is not None:
                on_step(k, total)
            best = rules.improved
            if best:
                best_xs = list(xs)
                flat.keep_best()
            if stop is not None and stop.stopped == "unbounded" and k > 0:
                # this step ran away: the run keeps the one before, the last that had not
                # (as the verdict says); one that ran away to infinity is not kept anyway
                best_xs, rules.best_step = before_xs, k - 1
                flat.best_is_before()
            point = TraceEntry(k, total, rules.change, tuple(map(_mean, extra)))
            trace.add(point, best)
            if history is not trace or path is not None:
                _record(history if history is not trace else None, path, point, best,
                        [xs[j] for j in followed])
            if stop is not None or k == settings.steps:
                break
            before_xs = list(xs)
            if not constant:
                lr = learning_rate(settings, k) * direction
            if newton is None:
                xs = flat.step(lr, k + 1)
            else:
                stop = newton(xs, grads, lr, k)
                if stop is not None:
                    break

    stop = stop or Stop("steps", f"ran {counted(settings.steps, 'step')}")
    plateau = "" if rules.flat < FLAT_WINDOW or stop.stopped in ("diverged", "unbounded") \
        else (f"{rules.output} has not changed by more than {FLAT:g} relative in the last "
              f"{counted(rules.flat, 'step')}: learning has stopped (a plateau, or the optimum)")
    final = best_xs if stop.stopped in ("diverged", "unbounded") else xs
    return Run(
        inputs=dict(zip(names, final, strict=True)),
        trace=trace,
        history=history,
        stopped=stop.stopped,
        reason=stop.reason,
        best_step=rules.best_step,
        path=path,
        plateau=plateau,
        hint=stop.hint,
    )


def _record(history: Trace | None, path: Trace | None, point: TraceEntry, best: bool,
            followed: list) -> None:
    """A step into the --every history (when it is not the trace itself) and into the
    path, whose entries hold the followed params' values in place of the watched ones."""
    if history is not None:
        history.add(point, best)
    if path is not None:
        path.add(point._replace(watched=tuple(map(float, followed))), best)


Update = Callable[[list, list, float, int], "Stop | None"]


def _newton(compiled: Compiled, params: Sequence[str], damping: float) -> Update:
    """lr times Newton's step (tasks/newton.py), in place; the verdict on a Hessian it
    cannot step by (exit code 1, the eigenvalues named)."""
    from .newton import newton_point  # the Hessian's machinery, with newton only

    names = compiled.inputs

    def update(xs: list, grads: list, lr: float, k: int) -> Stop | None:
        try:
            new, _ = newton_point(compiled.graph, dict(zip(names, xs, strict=True)), params,
                                  dict(zip(names, grads, strict=True)), damping, lr,
                                  instead=f"{param('optimizer')} sgd or adam")
        except CurvatureError as e:
            return Stop("hessian", f"at step {k}, {e.problem}", e.advice)
        xs[:] = [new[n] for n in names]
        return None

    return update


def _mean(v) -> float:
    """A watched value as one number (an array's mean)."""
    return float(v) if type(v) is np.float64 else float(np.mean(v))


def history(result: Run, settings: Settings) -> list[dict]:
    """The run step by step, for the session and JSON: every --every K-th step and the
    last (for long runs thinned, with the best); each with the value, the learning rate
    and the change that led to it (from the step before), and the watched nodes' values
    under their own key: a node may be named `step` or `value`, and must not replace
    the entry's own keys."""
    names = result.history.names
    return [{
        "step": p.step, "value": p.value,
        "lr": learning_rate(settings, p.step - 1) if p.step else None,
        "change": p.change,
        "watched": dict(zip(names, p.watched, strict=True)),
        **({"ascend": True} if settings.ascend and p.step else {}),  # a step up, not down
        **({"newton": True} if settings.optimizer == NEWTON and p.step else {}),
    } for p in result.history.points()]


def failure(result: Run, settings: Settings, data: dict | None = None) -> MathError | None:
    """The error a diverged run ends with (after its report), or None. The session keeps
    the best point, which the hint says; `data` goes into the JSON error document."""
    if result.stopped == "hessian":
        return MathError(f"the descent stopped: {result.reason}", hint=result.hint or None,
                         data=data)
    if result.stopped == "unbounded":
        return MathError(
            result.reason,
            hint=f"add a term that grows (a square, a regularisation) or bound the params; "
                 f"the session keeps the point of step {result.best_step}, the last before "
                 "the run away", data=data)
    if result.stopped != "diverged":
        return None
    return MathError(
        f"the descent diverged: {result.reason}",
        hint=f"try a smaller {param('lr')} (say {fmt.number(settings.lr / 10)}); the session "
             f"keeps the best point, from step {result.best_step}",
        data=data)


def _show(v: float) -> str:
    return fmt.number(v)
