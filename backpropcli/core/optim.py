"""How params move: gradient descent and its two classic refinements, and the learning
rate over a run. One rule per optimizer, written as the update it is:

    sgd        x ← x − lr·g
    momentum   v ← μ·v + g;            x ← x − lr·v                 (μ = 0.9)
    adam       m ← β₁m + (1−β₁)g;  s ← β₂s + (1−β₂)g²;
               x ← x − lr·m̂ / (√ŝ + ε), with m̂, ŝ corrected for their start at 0

A negative lr climbs (gradient ascent). The schedule is constant, or decays linearly
to a tenth of lr over the run (lr·(1 − 0.9·k/steps), micrograd's demo schedule).

Newton's method is not a rule per param: its step x ← x − (H + λI)⁻¹∇g takes every
param element at once, through the Hessian H (core/jvp.py), so it is `newton_move`
here and not a row of OPTIMIZERS; tasks/newton.py takes the step and tasks/descend.py
runs it. It goes where the quadratic model of the output has its stationary point,
which is a minimum only when H + λI is positive definite: a singular or indefinite
matrix is refused by name (a MathError), never solved into NaN or toward a saddle.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import fmt
from .errors import MathError, param
from .graph import Value

LR = 0.1  # the learning rate of a step, a descent and the quiz's step questions by default
STEPS = 1000  # a descent's steps at most, by default
# Steps of one descent at most: a step of the smallest program takes a few µs, so 10**7
# is a minute or so; --steps 10**30 would never end, and holding the session's lock
# meanwhile. A longer run is several descents, each going on from the session.
MAX_STEPS = 10**7

OPTIMIZERS = ("sgd", "momentum", "adam")
NEWTON = "newton"  # descend's optimizer beside OPTIMIZERS (small programs: core/jvp.py's cap)
# An eigenvalue of H + λI this small relative to the largest in size counts as 0: the
# Hessian comes from forward-over-reverse, exact but for rounding near 1e-16.
SINGULAR = 1e-10
SHOWN = 6  # eigenvalues named in a message; more are summarised by the smallest and largest
SCHEDULES = ("constant", "linear")


def sgd(x, g, lr: float):
    """One plain gradient step: x − lr·g."""
    return x - lr * g


def step(inputs: Mapping[str, Value], gradients: Mapping[str, Value],
         params: list[str], lr: float) -> dict[str, Value]:
    """One gradient-descent step of every param (lr < 0 climbs); other inputs stay."""
    with np.errstate(all="ignore"):
        return {name: sgd(value, gradients[name], lr) if name in params else value
                for name, value in inputs.items()}


def learning_rate(lr: float, schedule: str, k: int, steps: int) -> float:
    """The learning rate of step k (from 0) of a run of `steps` steps."""
    if schedule == "linear":
        return lr * (1.0 - 0.9 * k / max(steps, 1))
    return lr


@dataclass
class Optimizer:
    """A rule with its state: the velocity (momentum), or the moments (adam), per param."""

    name: str = "sgd"
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    state: dict[int, Any] = field(default_factory=dict)  # a velocity, or two moments

    def update(self, j: int, x, g, lr: float, t: int):
        """Param j moved by its gradient g at step t (from 1)."""
        if self.name == "sgd":
            return sgd(x, g, lr)
        if self.name == "momentum":
            v = self.momentum * self.state.get(j, 0.0) + g
            self.state[j] = v
            return x - lr * v
        m, s = self.state.get(j, (0.0, 0.0))  # adam
        m = self.beta1 * m + (1 - self.beta1) * g
        s = self.beta2 * s + (1 - self.beta2) * g * g
        self.state[j] = (m, s)
        m_hat = m / (1 - self.beta1**t)
        s_hat = s / (1 - self.beta2**t)
        return x - lr * m_hat / (np.sqrt(s_hat) + self.eps)


class Flat:
    """The moving params of a descent as views into one flat float64 array, their
    gradients copied into another, so that a step is a few whole-array operations in
    place (sgd two, adam ten) whatever the number of params, and the finiteness check
    one sum. The numbers are Optimizer.update's, bit for bit: the same operations on
    the same operands, in the same order (a test holds them to that).

    The loop keeps earlier points (the one before, the best) as lists of the views it
    was given, so a step never writes where they are: the params live in four arrays
    in turn, and a step writes into one that holds none of the current, the one before
    and the best. A param that is a number is given as a float64 (its view's value),
    keeping numpy's fast scalar path."""

    def __init__(self, xs: list, moving: list[int], optimizer: Optimizer):
        self.rule = optimizer
        self.moving = moving
        shapes = [np.shape(xs[j]) for j in moving]
        ends = np.cumsum([0, *(int(np.prod(s)) for s in shapes)])
        size = int(ends[-1])
        self.arrays = [np.empty(size) for _ in range(4)]
        spans = list(zip(ends[:-1], ends[1:], shapes, strict=True))
        self.views = [[a[s:e].reshape(shape) for s, e, shape in spans] for a in self.arrays]
        self.g = np.empty(size)
        self.g_views = [self.g[s:e].reshape(shape) for s, e, shape in spans]
        self.tmp, self.tmp2 = np.empty(size), np.empty(size)
        self.state = (np.zeros(size), np.zeros(size))  # velocity; or the two moments
        # the inputs at each of the four points, made once: the array params as views;
        # the number params are read out at every step (a float64 is a copy)
        self.points = []
        for views in self.views:
            point = list(xs)
            for view, j in zip(views, moving, strict=True):
                point[j] = view
            self.points.append(point)
        self.numbers = [(j, view_at) for view_at, (j, shape) in
                        enumerate(zip(moving, shapes, strict=True)) if shape == ()]
        self.current = self.before = self.best = 0
        for view, j in zip(self.views[0], moving, strict=True):
            view[...] = xs[j]

    def xs(self) -> list:
        """The inputs at the current point: the moving ones as views (numbers as float64)."""
        xs = list(self.points[self.current])
        views = self.views[self.current]
        for j, k in self.numbers:
            xs[j] = views[k][()]
        return xs

    def gradients_finite(self, grads) -> bool:
        """Copy the moving params' gradients in; whether every element is finite."""
        for view, j in zip(self.g_views, self.moving, strict=True):
            view[...] = grads[j]
        return self.finite()

    def finite(self) -> bool:
        """Whether every element of the gradients is finite (written in by
        gradients_finite, or by the compiled code: Compiled.into(moving) given g_views)."""
        return math.isfinite(_sum(self.g, None)) or bool(np.isfinite(self.g).all())

    def step(self, lr: float, t: int) -> list:
        """Move every param by the rule with learning rate lr at step t (from 1); the
        point before is the current one; returns the new point's inputs."""
        x = self.arrays[self.current]
        new = 0
        while new in (self.current, self.before, self.best):
            new += 1
        out, g, tmp, r = self.arrays[new], self.g, self.tmp, self.rule
        if r.name == "sgd":  # x − lr·g
            np.multiply(g, lr, out=tmp)  # (lr·g and g·lr are the same number)
        elif r.name == "momentum":  # v ← μ·v + g;  x − lr·v
            v = self.state[0]
            v *= r.momentum
            v += g
            np.multiply(v, lr, out=tmp)
        else:  # adam: x − lr·m̂ / (√ŝ + ε)
            m, s = self.state
            m *= r.beta1
            np.multiply(g, 1 - r.beta1, out=tmp)
            m += tmp
            s *= r.beta2
            np.multiply(g, 1 - r.beta2, out=tmp)
            tmp *= g
            s += tmp
            np.divide(m, 1 - r.beta1**t, out=tmp)
            tmp *= lr
            np.divide(s, 1 - r.beta2**t, out=self.tmp2)
            np.sqrt(self.tmp2, out=self.tmp2)
            self.tmp2 += r.eps
            tmp /= self.tmp2
        np.subtract(x, tmp, out=out)
        self.before, self.current = self.current, new
        return self.xs()

    def keep_best(self) -> None:
        """The current point is the best so far."""
        self.best = self.current

    def best_is_before(self) -> None:
        """The point before the current one is the best (a run that ran away)."""
        self.best = self.before


_sum = np.add.reduce


class CurvatureError(MathError):
    """H + λI cannot be stepped by: `problem` and `advice` as raised (parameters marked,
    so that a descent can say them again under its own words)."""

    def __init__(self, problem: str, advice: str) -> None:
        super().__init__(problem, hint=advice)
        self.problem, self.advice = problem, advice


def newton_move(h: np.ndarray, g: np.ndarray, damping: float = 0.0,
                instead: str = "step without NEWTON") -> tuple[np.ndarray, np.ndarray]:
    """Newton's move −(H + λI)⁻¹g over the flattened param elements, and H's eigenvalues
    (ascending). Raises MathError, naming the eigenvalues, where H + λI is singular
    (no unique step), indefinite (the step heads for a saddle) or negative definite
    (for a maximum). `instead` names the gradient step ("NEWTON": the parameter)."""
    sym = (h + h.T) / 2  # H is symmetric up to rounding; eigvalsh reads one triangle
    eig = np.linalg.eigvalsh(sym) if sym.size else np.zeros(0)
    damped = eig + damping
    refuse_curvature(damped, damping, instead)
    move = -np.linalg.solve(sym + damping * np.eye(len(g)), g)
    return move, eig


def refuse_curvature(eig: np.ndarray, damping: float = 0.0,
                     instead: str = "step without NEWTON") -> None:
    """Raise the MathError that names what is wrong with eigenvalues of H + λI that are
    not all clearly positive; return for a positive definite matrix."""
    scale = float(np.max(np.abs(eig), initial=0.0))
    zero = np.abs(eig) <= SINGULAR * scale if scale else np.ones(len(eig), bool)
    negative = (eig < 0) & ~zero
    positive = (eig > 0) & ~zero
    if not zero.any() and not negative.any():
        return
    what = "the Hessian" if not damping else f"the Hessian plus λI (λ = {fmt.number(damping)})"
    if negative.any() and positive.any():
        kind = (f"is indefinite ({_eigenvalues(eig, zero)}): Newton's step would climb "
                "toward a saddle")
    elif negative.any() and not zero.any():
        kind = (f"is negative definite ({_eigenvalues(eig, zero)}): Newton's step would "
                "climb toward a maximum")
    else:
        kind = f"is singular ({_eigenvalues(eig, zero)}): Newton's step is not defined"
    lowest = float(eig.min(initial=0.0))
    suggested = max(1.0, float(np.ceil(abs(lowest - damping))) + 1.0) if negative.any() \
        else max(damping * 10, 1e-3 * scale, 1.0)
    raise CurvatureError(f"{what} {kind}",
                         f"damp it with {param('damping')} {fmt.number(suggested)} (any λ "
                         f"above {fmt.number(max(0.0, -(lowest - damping)))} makes H + λI "
                         "positive definite), or take a gradient step instead ("
                         + instead.replace("NEWTON", param("newton")) + ")")


def _eigenvalues(eig: np.ndarray, zero: np.ndarray) -> str:
    shown = [0.0 if z else float(e) for e, z in zip(eig, zero, strict=True)]
    if len(shown) > SHOWN:
        half = SHOWN // 2
        return ("eigenvalues " + ", ".join(map(fmt.number, shown[:half])) + ", …, "
                + ", ".join(map(fmt.number, shown[-half:])))
    one = len(shown) == 1
    return f"eigenvalue{'' if one else 's'} " + ", ".join(map(fmt.number, shown))
