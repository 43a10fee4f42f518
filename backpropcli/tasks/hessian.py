"""Second derivatives of a program: the Hessian over its params, a Hessian-vector
product without the matrix, and one entry explained.

Both come from forward-over-reverse on the program's own graph (core/jvp.py): the
forward and backward pass run on dual numbers, so each gradient's tangent is H·v. The
matrix is one such product per param element; its symmetry (max |H − Hᵀ|) is measured,
not assumed. An entry ∂²g/∂x∂y is explained as the derivative along y of ∂g/∂x, whose
formula is written from the op table's derivative rules path by path where it is
short enough to read (tasks/explain.py), and its number is the matrix's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..core import fmt
from ..core.engine import Evaluation
from ..core.graph import Value
from ..core.jvp import Element, elements, hessian, hvp, max_asymmetry
from .explain import explain
from .program import refuse_constant, refuse_frozen

SYMMETRIC = 1e-9  # |H − Hᵀ| at most this, relative to H's largest entry: rounding alone
FORMULA_PATHS = 4  # paths of ∂g/∂x written as a formula; more: written as ∂g/∂x alone


@dataclass(frozen=True)
class Entry:
    """One entry explained: ∂²g/∂first∂second = ∂(∂g/∂first)/∂second = ∂(formula)/∂second."""

    first: str  # element labels
    second: str
    formula: str | None  # ∂g/∂first in the program's names, where it is written
    where: tuple[tuple[str, str], ...]  # unnamed nodes in the formula: ("t1", "x * y")
    value: float
    transposed: float  # the entry ∂²g/∂second∂first, for the symmetry

    def said(self, output: str) -> str:
        """∂²g/∂x∂y = ∂(∂g/∂x)/∂y = ∂(y)/∂y = 1 (without the formula where there is none)."""
        second = f"∂{self.first}²" if self.first == self.second else \
            f"∂{self.first}∂{self.second}"
        steps = [f"∂²{output}/{second}",
                 f"∂(∂{output}/∂{self.first})/∂{self.second}"]
        if self.formula is not None:
            steps.append(f"∂({self.formula})/∂{self.second}")
        return " = ".join([*steps, fmt.number(self.value)])


@dataclass(frozen=True)
class Hessian:
    """The second derivatives over the params' elements: the matrix (None for --hvp
    alone), its asymmetry, a product H·v along a direction, an entry explained."""

    evaluation: Evaluation
    elements: tuple[Element, ...]
    matrix: np.ndarray | None
    asymmetry: float | None
    direction: dict[str, Value] | None = None  # --hvp: v, by param
    product: dict[str, Value] | None = None  # H·v, by param
    missing: tuple[str, ...] = ()  # params the direction left out (taken as 0)
    entry: Entry | None = None

    @property
    def output(self) -> str:
        return self.evaluation.output.name

    @property
    def symmetric(self) -> bool | None:
        """Whether H − Hᵀ is rounding alone (relative to H's largest entry); None for
        a product without the matrix."""
        if self.matrix is None or self.asymmetry is None:
            return None
        scale = max(1.0, float(np.abs(self.matrix).max(initial=0.0)))
        return self.asymmetry <= SYMMETRIC * scale

    @property
    def labels(self) -> list[str]:
        return [e.label for e in self.elements]


def matrix(ev: Evaluation, params: Sequence[str],
           progress: Callable[[int, int], None] | None = None) -> Hessian:
    """The matrix over the params' elements (of sum(output), for an array output)."""
    refuse(ev, params)
    elems, h = hessian(ev.graph, ev.inputs(), params, progress)
    return Hessian(ev, tuple(elems), h, max_asymmetry(h))


def product(ev: Evaluation, params: Sequence[str], direction: Mapping[str, Value],
            missing: Sequence[str]) -> Hessian:
    """H·v, one forward-over-reverse sweep; the product restricted to the params."""
    refuse(ev, params)
    _, hv = hvp(ev.graph, ev.inputs(), direction)
    return Hessian(ev, tuple(elements(ev.inputs(), params)), None, None,
                   direction=dict(direction), product={p: hv[p] for p in params},
                   missing=tuple(missing))


def refuse(ev: Evaluation, params: Sequence[str]) -> None:
    """A constant output, or every input frozen: no second derivative to take (exit 2)."""
    refuse_constant(ev.graph, "no second derivative to take")
    refuse_frozen(ev.graph, list(params), "no second derivative to take")


def explained(h: Hessian, first: Element, second: Element) -> Hessian:
    """The Hessian with the entry (first, second) explained."""
    assert h.matrix is not None
    labels = h.labels
    i, j = labels.index(first.label), labels.index(second.label)
    formula, where = _formula(h.evaluation, first)
    entry = Entry(first.label, second.label, formula, where, float(h.matrix[i, j]),
                  float(h.matrix[j, i]))
    return Hessian(h.evaluation, h.elements, h.matrix, h.asymmetry, entry=entry)


def _formula(ev: Evaluation, e: Element) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """∂output/∂(input) as a formula: the sum over its paths of the product of each
    path's local derivatives (factors of 1 left out), where the input is a number and
    every path is written; else None."""
    if e.index:
        return None, ()
    done = explain(ev, FORMULA_PATHS)
    derivation = next(d for d in done.derivations if d.input == e.name)
    if not derivation.complete or not derivation.numeric:
        return None, ()
    if not derivation.paths:
        return "0", ()
    terms = []
    for path in derivation.paths:
        factors = [f.formula for f in path.factors if f.formula != "1"]
        if len(factors) > 1:
            factors = [_wrapped(f) for f in factors]
        terms.append(" · ".join(factors) if factors else "1")
    return " + ".join(terms), done.where


def _wrapped(text: str) -> str:
    return text if text.replace("_", "").isalnum() else f"({text})"
