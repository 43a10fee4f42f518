"""Made-up problems for `backprop quiz --random`: small networks with numbers a person
can work through by hand.

Five levels, each a step past the one before:
  1  one gate: add, multiply or max of two whole numbers
  2  the article's circuit f = x*y; g = f + z
  3  a sigmoid neuron σ(w0·x0 + w1·x1 + w2); the bias is chosen so that the sum is 0,
     where σ = 1/2 and σ' = 1/4, so that every number stays exact (quarters)
  4  a node used twice (its gradients add up), with a division or a power
  5  a small vector layer: sum(relu(W @ x + b)) with a 2×2 W
Values are whole numbers from -5 to 5 (none 0 where a 0 would make a product
trivial, no tie at max, no relu exactly at its kink); so every value, local gradient
and gradient is whole, or has one decimal (halves, in level 4's divisions), or is a
quarter (level 3). The same level and seed make the same problem
(numpy's default_rng(seed)); without a seed one is drawn, and shown, so that the
problem can be made again.
"""

from __future__ import annotations

import secrets

import numpy as np

from ..core.errors import UsageError, param
from .quiz import Problem

PROBLEM_LEVELS = range(1, 6)  # the levels of made-up problems, --level 1 to 5
LEVEL = 2  # the default: the article's circuit
SEEDS = 1_000_000  # a drawn seed is below this: short enough to type again


def new_seed() -> int:
    return secrets.randbelow(SEEDS)


def make_problem(level: int = LEVEL, seed: int | None = None) -> Problem:
    """The problem of this level and seed (a drawn seed when None)."""
    if level not in PROBLEM_LEVELS:
        raise UsageError(f"{param('level')} {level}: choose 1 (one gate) to 5 (a vector layer)")
    seed = new_seed() if seed is None else seed
    rng = np.random.default_rng(seed)
    program, values = _MAKERS[level - 1](rng)
    return Problem(level, seed, program, values)


def _whole(rng: np.random.Generator, top: int = 5, zero: bool = False) -> float:
    choices = [n for n in range(-top, top + 1) if zero or n != 0]
    return float(rng.choice(choices))


def _gate(rng: np.random.Generator) -> tuple[str, dict]:
    op = ["+", "*", "max"][int(rng.integers(3))]
    x = _whole(rng)
    y = _whole(rng)
    while op == "max" and y == x:  # a tie splits the gradient in halves: not this level
        y = _whole(rng)
    program = "f = max(x, y)" if op == "max" else f"f = x {op} y"
    return program, {"x": x, "y": y}


def _circuit(rng: np.random.Generator) -> tuple[str, dict]:
    return "f = x * y; g = f + z", {"x": _whole(rng), "y": _whole(rng), "z": _whole(rng)}


def _neuron(rng: np.random.Generator) -> tuple[str, dict]:
    values = {name: _whole(rng, 3) for name in ("w0", "x0", "w1", "x1")}
    values["w2"] = -(values["w0"] * values["x0"] + values["w1"] * values["x1"]) + 0.0
    return "dot = w0*x0 + w1*x1 + w2; f = sigmoid(dot)", values


def _reuse(rng: np.random.Generator) -> tuple[str, dict]:
    kind = int(rng.integers(4))
    if kind == 0:  # x feeds a product and a power
        return "f = x * y + x^2", {"x": _whole(rng, 4), "y": _whole(rng, 4)}
    if kind == 1:  # x is divided and then multiplies the quotient: halves at most
        x = float(rng.choice([-8, -6, -4, -2, 2, 4, 6, 8]))
        return "q = x / y; f = q * x", {"x": x, "y": float(rng.choice([-2, 2]))}
    if kind == 2:  # a feeds b twice, and b feeds c twice (samples/reuse.bp)
        return "b = a + a; c = b * b", {"a": _whole(rng, 3)}
    # y is divided by and squared: -x/y² is whole when x is a multiple of 4
    x = float(rng.choice([-8, -4, 4, 8]))
    return "h = x / y + y^2", {"x": x, "y": float(rng.choice([-2, 2]))}


def _layer(rng: np.random.Generator) -> tuple[str, dict]:
    while True:
        w = np.array([[_whole(rng, 2, zero=True) for _ in range(2)] for _ in range(2)])
        x = np.array([_whole(rng, 2) for _ in range(2)])
        b = np.array([_whole(rng, 2, zero=True) for _ in range(2)])
        t = w @ x + b
        if np.all(t != 0) and np.any(t > 0):  # off relu's kink, and some gradient flows
            break
    return ("h = relu(W @ x + b); L = sum(h)",
            {"W": w.tolist(), "x": x.tolist(), "b": b.tolist()})


_MAKERS = (_gate, _circuit, _neuron, _reuse, _layer)
