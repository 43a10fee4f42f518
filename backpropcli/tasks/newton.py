"""Newton's step, beside the gradient step: `backprop step --newton` and the update of
`descend --optimizer newton`.

The step is x ← x − (H + λI)⁻¹∇g over every param element at once: H the Hessian by
forward-over-reverse (core/jvp.py, one Hessian-vector product per element, so small
programs only: MAX_HESSIAN elements), λ the damping (0 by default). Where the output
is a quadratic with a positive definite Hessian, one undamped step lands exactly on
its minimum: the quadratic model Newton's method minimises is then the output itself.
The gradient step with the same start is taken too, so that both new points and
values can be shown side by side. H + λI that is singular or not positive definite
is refused with its eigenvalues (core/optim.newton_move), never solved into a NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..core import fmt
from ..core.engine import Evaluation, evaluate
from ..core.errors import MathError, param
from ..core.graph import Graph, Value
from ..core.jvp import Element, check_hessian_size, elements, hessian
from ..core.optim import newton_move
from .point import Point
from .program import refuse_constant, refuse_frozen, take_step

# what newton_point found on the way: the elements, H, its eigenvalues, the move
Found = tuple[list[Element], np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Newton:
    """A Newton step and the gradient step beside it, from the same point."""

    before: Evaluation
    after: Evaluation  # at the Newton step's point
    gradient: Evaluation  # at the gradient step's point (lr)
    lr: float
    damping: float
    elements: tuple[Element, ...]
    matrix: np.ndarray  # H over the elements
    eigenvalues: np.ndarray  # H's, ascending
    move: np.ndarray  # −(H + λI)⁻¹∇g, per element

    @property
    def labels(self) -> list[str]:
        return [e.label for e in self.elements]


def moved(inputs: dict[str, Value], elems: Sequence[Element], move: np.ndarray,
          scale: float = 1.0) -> dict[str, Value]:
    """The inputs with each element moved by scale · its share of `move`."""
    out = dict(inputs)
    arrays = {name: np.array(inputs[name], dtype=float) for name in {e.name for e in elems}}
    for e, m in zip(elems, move, strict=True):
        arrays[e.name][e.index] += scale * m
    for name, a in arrays.items():
        out[name] = a[()] if a.ndim == 0 else a
    return out


def flat(grads: dict[str, Value], elems: Sequence[Element]) -> np.ndarray:
    """The gradient's entries in the order of the elements."""
    return np.array([np.asarray(grads[e.name])[e.index] for e in elems], dtype=float)


def newton_point(graph: Graph, inputs: dict[str, Value], params: Sequence[str],
                 gradients: dict[str, Value], damping: float, scale: float = 1.0,
                 instead: str = "step without NEWTON") -> tuple[dict[str, Value], Found]:
    """Where Newton's step (times `scale`) goes from `inputs`, and the elements, H, its
    eigenvalues and the move; a MathError for a Hessian it cannot step by, or a move
    past what a number holds."""
    elems, h = hessian(graph, inputs, params)
    move, eig = newton_move(h, flat(gradients, elems), damping, instead)
    with np.errstate(all="ignore"):
        new = moved(inputs, elems, move, scale)
    if not all(np.isfinite(new[n]).all() for n in params):
        raise MathError("Newton's step moves a param beyond what a number can hold "
                        f"(the smallest eigenvalue of H + λI is {fmt.number(eig[0] + damping)})",
                        hint=f"damp it with a larger {param('damping')}")
    return new, (elems, h, eig, move)


def step(graph: Graph, point: Point, lr: float, damping: float) -> tuple[Newton, Point]:
    """Newton's step from the point (and the gradient step at `lr` beside it); the new
    point is the Newton step's."""
    refuse_constant(graph, "a step has nothing to move")
    refuse_frozen(graph, point.params, "a step has nothing to move")
    check_hessian_size(len(elements(point.inputs, point.params)))
    before, by_gradient, _ = take_step(graph, point, lr)
    new, (elems, h, eig, move) = newton_point(graph, before.inputs(), point.params,
                                              before.gradients(), damping)
    after = evaluate(graph, new)
    done = Newton(before, after, by_gradient, lr, damping, tuple(elems), h, eig, move)
    return done, Point(point.program, point.output, after.inputs(), point.params, point.base)
