"""What `backprop explain` returns, as data: the factors of a path (one local gradient
per edge), the paths from the output down to an input, the derivation of each input's
gradient as their sum, and the notes on gates and reused operands.

tasks/explain.py computes these; the views (output/text.py, terminal/explain.py,
output/markdown.py, output/latex.py, output/document.py) only read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..core.graph import Value

if TYPE_CHECKING:
    from .symbolic import Formulas


@dataclass(frozen=True)
class Factor:
    """One edge of a path: the local gradient ∂top/∂bottom."""

    top: str  # the node that uses the operand
    bottom: str  # the operand
    slot: int  # which operand of `top` it is (b = a + a uses a in slots 0 and 1)
    formula: str  # the local gradient in the program's notation: "y" for f = x * y
    value: Value | None  # its number, where both nodes are scalars; None for Jacobians
    twice: bool = False  # `top` takes `bottom` more than once (b = a + a): say which use

    @property
    def symbol(self) -> str:
        return f"∂{self.top}/∂{self.bottom}"


@dataclass(frozen=True)
class Path:
    """One path from the output down to an input, and the product of its factors."""

    factors: tuple[Factor, ...]  # from the output down; the middle left out when `elided`
    length: int  # factors in the whole path
    product: Value | None  # the product of all its local gradients, where they are numbers
    gap: int = 0  # where the left-out factors were: after the first `gap` factors

    @property
    def elided(self) -> int:
        return self.length - len(self.factors)

    @property
    def nodes(self) -> tuple[str, ...]:
        """The nodes along the path, output first (the same gap as the factors)."""
        head, tail = self.factors[: self.gap], self.factors[self.gap :]
        out: list[str] = []
        for part in (head, tail) if self.elided else (self.factors,):
            if part:
                out += [f.top for f in part] + [part[-1].bottom]
        return tuple(out)


@dataclass(frozen=True)
class Derivation:
    """∂output/∂input: how many paths, the ones written out, and the gradient."""

    input: str
    count: int  # paths from the output down to the input (a Python int: any size)
    paths: tuple[Path, ...]  # the first few of them
    gradient: Value  # the back-propagated gradient: the sum over ALL paths
    shape: tuple[int, ...]
    budget_ran_out: bool = False  # the budget cut the walk short: fewer paths than asked
    budget_raisable: bool = True  # a larger budget (--full) was there to ask for

    @property
    def complete(self) -> bool:
        return len(self.paths) == self.count

    @property
    def numeric(self) -> bool:
        """Every written path has a number for each factor (scalars all along)."""
        return all(p.product is not None for p in self.paths)

    @property
    def single(self) -> bool:
        """Written as one equation: one path, written out."""
        return self.count == 1 and len(self.paths) == 1

    @property
    def path_sum(self):
        """The sum of the written paths' products, where they are numbers."""
        if not self.paths or not self.numeric:
            return None
        total = np.float64(0.0)
        for p in self.paths:
            total = total + p.product
        return total


@dataclass(frozen=True)
class GateNote:
    """A gate pattern that applies here: the op's rule and an example node on the paths."""

    op: str
    gate: str  # the op table's sentence: "multiply gate: swaps its inputs' values, ..."
    node: str  # the first such node from the output down
    expr: str  # what it computes: "x * y"
    local: tuple[Factor, ...]  # its local gradients
    others: tuple[str, ...]  # further nodes of the same op on the paths (the first few)
    more: int = 0  # how many more besides those


@dataclass(frozen=True)
class ReuseNote:
    """A node that takes the same operand more than once: one edge, and path, per use."""

    node: str
    expr: str
    operand: str
    times: int


@dataclass(frozen=True)
class Explanation:
    output: str
    value: Value
    inputs: tuple[tuple[str, Value], ...]  # the point the program is explained at
    derivations: tuple[Derivation, ...]
    gates: tuple[GateNote, ...]
    reuses: tuple[ReuseNote, ...]
    more_reuses: int
    where: tuple[tuple[str, str], ...]  # unnamed nodes on the written paths: ("t1", "x * y")
    more_where: int
    paths: int  # the limit of paths written per input
    symbolic: Formulas | None = None  # each gradient as a formula (explain --symbolic)

    @property
    def has_jacobians(self) -> bool:
        """Some factor is a Jacobian (arrays), not a number."""
        return any(not der.numeric for der in self.derivations)
