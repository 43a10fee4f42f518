"""The calls that make an input's starting value rather than a node: `W = uniform(2, 3)`,
`W = randn(2, 3)`, `b = zeros(3)` (the parser reads them, tasks/values.py draws them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Initializer:
    """A call that makes an input's starting value, `W = uniform(2, 3)`, rather than a
    node: the numpy call that makes a value of a shape from a random generator."""

    name: str
    make: Callable[[np.random.Generator, tuple[int, ...]], np.ndarray]
    doc: str


# Calls that make a starting value for an input rather than a node.
INITIALIZERS: dict[str, Initializer] = {init.name: init for init in (
    Initializer("uniform", lambda rng, shape: rng.uniform(-1.0, 1.0, size=shape),
                "uniform on [-1, 1]"),
    Initializer("randn", lambda rng, shape: rng.standard_normal(size=shape), "standard normal"),
    Initializer("zeros", lambda rng, shape: np.zeros(shape), "zeros"),
)}
