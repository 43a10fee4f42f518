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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .compiled import Compiled
from .graph import Graph

OPTIMIZERS = ("sgd", "momentum", "adam")
SCHEDULES = ("constant", "linear")


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


@dataclass(frozen=True)
class Run:
    inputs: dict[str, object]  # where the run ended (the best point, if it diverged)
    values: list[float]  # the output's value at step 0, 1, ..., as far as it went
    watched: dict[str, list[float]] = field(default_factory=dict)  # other nodes, per step
    stopped: str = "steps"  # "steps" | "converged" | "diverged"
    reason: str = ""  # why it stopped, for people
    best_step: int = 0

    @property
    def steps(self) -> int:
        return len(self.values) - 1


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
) -> Run:
    """Descend from `inputs`; `on_step(k, value)` is told of every evaluated step."""
    f = compiled.value_and_grad
    names = compiled.inputs
    xs = compiled.args(inputs)
    moving = [k for k, n in enumerate(names) if n in params]
    direction = -1.0 if settings.ascend else 1.0
    state: dict[int, tuple] = {}
    values: list[float] = []
    watched: dict[str, list[float]] = {w: [] for w in compiled.watch}
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
            values.append(total)
            for w, v in zip(compiled.watch, extra, strict=True):
                watched[w].append(float(np.mean(v)))
            if on_step is not None:
                on_step(k, total)
            score = -total if settings.ascend else total
            if best_value is None or score < best_value:
                best_value, best_xs, best_step = score, list(xs), k
            if k:
                change = values[-1] - values[-2]
                worse = change < 0 if settings.ascend else change > 0
                rising = rising + 1 if worse else 0
                if settings.tol and abs(change) < settings.tol:
                    stopped = "converged"
                    reason = f"the value changed by less than {settings.tol:g} at step {k}"
                    break
                if rising >= settings.patience and score > _start(values, settings):
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
        values=values,
        watched=watched,
        stopped=stopped,
        reason=reason,
        best_step=best_step,
    )


def history(result: Run, settings: Settings, every: int = 1) -> list[dict]:
    """The run step by step (every k-th step, and the last), for the session and JSON:
    the value, the learning rate and change that led to it, and the watched nodes."""
    out = []
    for k, v in enumerate(result.values):
        if k % every and k != result.steps:
            continue
        out.append({
            "step": k, "value": v,
            "lr": learning_rate(settings, k - 1) if k else None,
            "change": v - result.values[k - 1] if k else None,
            **{w: values[k] for w, values in result.watched.items()},
        })
    return out


def summary(result: Run, settings: Settings, every: int = 1) -> dict:
    """The run for the JSON document's "descend" key."""
    return {
        "optimizer": settings.optimizer, "lr": settings.lr, "schedule": settings.schedule,
        "steps": result.steps, "stopped": result.stopped, "reason": result.reason,
        "first": result.values[0] if result.values else None,
        "last": result.values[-1] if result.values else None,
        "best_step": result.best_step,
        "history": history(result, settings, every),
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


def _start(values: list[float], settings: Settings) -> float:
    return -values[0] if settings.ascend else values[0]


def _show(v: float) -> str:
    from . import fmt

    return fmt.number(v)
