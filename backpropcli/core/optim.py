"""How params move: gradient descent and its two classic refinements, and the learning
rate over a run. One rule per optimizer, written as the update it is:

    sgd        x ← x − lr·g
    momentum   v ← μ·v + g;            x ← x − lr·v                 (μ = 0.9)
    adam       m ← β₁m + (1−β₁)g;  s ← β₂s + (1−β₂)g²;
               x ← x − lr·m̂ / (√ŝ + ε), with m̂, ŝ corrected for their start at 0

A negative lr climbs (gradient ascent). The schedule is constant, or decays linearly
to a tenth of lr over the run (lr·(1 − 0.9·k/steps), micrograd's demo schedule).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .graph import Value

LR = 0.1  # the learning rate of a step, a descent and the quiz's step questions by default
STEPS = 1000  # a descent's steps at most, by default
# Steps of one descent at most: a step of the smallest program takes a few µs, so 10**7
# is a minute or so; --steps 10**30 would never end, and holding the session's lock
# meanwhile. A longer run is several descents, each going on from the session.
MAX_STEPS = 10**7

OPTIMIZERS = ("sgd", "momentum", "adam")
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
