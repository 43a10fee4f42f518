"""Forward mode and second derivatives, by the engine's own passes run on dual numbers.

jvp: the forward pass (engine.forward) on Duals whose tangents are a direction in the
inputs: each node's tangent is ∂node/∂direction, its Jacobian-vector product. One
sweep per direction; the gradient of a scalar output takes one sweep per input
element (`sweeps` says how many), where reverse mode takes one backward sweep.

hvp: forward-over-reverse. The forward and the backward pass (engine.forward,
engine.backward) on Duals: the value of each input's gradient is ∂g/∂input, and its
tangent is the derivative of that gradient along the direction, H·v, a Hessian-vector
product, without the matrix. hessian: one HVP per param element (a column each).

Nothing here knows an op: the tangents come from the rules of the op table through
dual.py, so an op gets forward mode and second derivatives from its one row. Every
pass is the engine's loop over the nodes (no recursion). The values are computed
first on plain numbers (engine.evaluate), so a value or gradient that is not finite
fails with the engine's own error before any tangent is taken.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import fmt
from .dual import Dual, finite_tangent, seed
from .engine import RULES, Rules, backward, forward
from .errors import LimitError, MathError, param
from .graph import Graph, Value
from .ops import OPS

MAX_SWEEPS = 1000  # forward-mode sweeps of one run: one per input element
MAX_HESSIAN = 400  # param elements of a Hessian (a matrix of 160 000 entries, 400 HVPs)


@dataclass(frozen=True)
class Element:
    """One element of an input: the input's name and the index in it (() for a number)."""

    name: str
    index: tuple[int, ...]

    @property
    def label(self) -> str:
        return self.name + ("[" + ", ".join(map(str, self.index)) + "]" if self.index else "")


def elements(inputs: Mapping[str, Value], names: Sequence[str]) -> list[Element]:
    """Every element of the named inputs, in order (an array's in numpy's order)."""
    return [Element(name, tuple(int(i) for i in index))
            for name in names for index in np.ndindex(np.shape(inputs[name]))]


def unit(inputs: Mapping[str, Value], e: Element) -> dict[str, Value]:
    """The direction along one element: 1 there, 0 in every other element of its input
    (the other inputs are left as constants)."""
    t = np.zeros(np.shape(inputs[e.name]))
    t[e.index] = 1.0
    return {e.name: t[()] if t.ndim == 0 else t}


def jvp(graph: Graph, inputs: Mapping[str, Value],
        direction: Mapping[str, Value], rules: Rules = RULES) -> tuple[list, list]:
    """One forward sweep along `direction` (input name → tangent of the input's shape, or
    a number spread over it; an input not named is a constant): every node's value and
    tangent (ṅode = ∂node/∂direction; 0 for a node that does not move along it).
    Raises MathError naming the first node whose tangent is not finite. (`rules`: the
    op table's, or counting ones: core/counting.py.)"""
    duals = _seeded(inputs, direction)
    values, _ = forward(graph, duals, rules=rules)
    out_values = [_primal(v) for v in values]
    bad = next((i for i, v in enumerate(values) if not finite_tangent(v)), None)
    if bad is not None:
        raise _not_finite(graph, bad, "its derivative", out_values)
    return out_values, [_tangent(v) for v in values]


def hvp(graph: Graph, inputs: Mapping[str, Value],
        direction: Mapping[str, Value]) -> tuple[dict[str, Value], dict[str, Value]]:
    """Forward-over-reverse along `direction` (as for jvp): the gradient of the output
    (every input's) and H·v, the derivative of that gradient along the direction.
    Raises MathError naming the node whose second derivative is not finite."""
    duals = _seeded(inputs, direction)
    needs = graph.requires_grad()
    values, local = forward(graph, duals, needs)
    grads, _ = backward(graph, values, local, needs, record=False)
    names = graph.input_names
    if not all(finite_tangent(grads[i]) for i in graph.inputs if grads[i] is not None):
        raise _second_failure(graph, values, local, grads)
    gradient, product = {}, {}
    for i, name in zip(graph.inputs, names, strict=True):
        g = grads[i]
        zero = np.zeros_like(_primal(values[i]))[()]
        gradient[name] = zero if g is None else _primal(g)
        product[name] = zero if g is None else _tangent(g)
    return gradient, product


def hessian(graph: Graph, inputs: Mapping[str, Value], params: Sequence[str],
            progress: Callable[[int, int], None] | None = None) -> tuple[list[Element], np.ndarray]:
    """The matrix of second derivatives over the params' elements, H[i, j] =
    ∂²output/∂p_i∂p_j: one HVP per element (column j is H·e_j). Raises LimitError past
    MAX_HESSIAN elements, MathError where a second derivative is not finite."""
    elems = elements(inputs, params)
    check_hessian_size(len(elems))
    h = np.zeros((len(elems), len(elems)))
    for j, e in enumerate(elems):
        _, product = hvp(graph, inputs, unit(inputs, e))
        h[:, j] = [np.asarray(product[f.name])[f.index] + 0.0 for f in elems]
        if progress is not None:
            progress(j + 1, len(elems))
    return elems, h


def check_hessian_size(n: int) -> None:
    if n > MAX_HESSIAN:
        raise LimitError(f"the Hessian over {n} param elements would take {n} sweeps and "
                         f"{n * n:,} entries; at most {MAX_HESSIAN} elements are allowed",
                         hint=f"choose fewer params ({param('params')} or {param('freeze')}), "
                              f"or ask for one product H·v with {param('hvp')}")


def check_sweeps(n: int, what: str) -> None:
    if n > MAX_SWEEPS:
        raise LimitError(f"forward mode over {what} takes {n:,} sweeps (one per element); "
                         f"at most {MAX_SWEEPS} are allowed",
                         hint=f"name one input with {param('wrt')}, or give one direction "
                              f"with {param('direction')}")


# ---------------------------------------------------------------------------

def _seeded(inputs: Mapping[str, Value], direction: Mapping[str, Value]) -> dict[str, Any]:
    """The inputs as Duals along the direction; one it does not name stays a constant."""
    return {k: (seed(v, direction[k]) if k in direction else v) for k, v in inputs.items()}


def _primal(v):
    return v.value if isinstance(v, Dual) else v


def _tangent(v):
    if isinstance(v, Dual):
        return v.tangent + 0.0  # -0.0 (a product with a negative zero) reads as 0
    return np.zeros_like(v)[()] if v is not None else None


def _second_failure(graph: Graph, values: list, local: list, grads: list) -> MathError:
    """The node where the second derivative stops being finite: the first whose value
    or local derivative has a non-finite tangent (forward), else the last whose gradient
    has one (the backward pass meets it first)."""
    plain = [_primal(v) for v in values]
    for i, v in enumerate(values):
        if not finite_tangent(v):
            return _not_finite(graph, i, "its derivative", plain)
        if local[i] is not None and not all(finite_tangent(x) for x in local[i]):
            return _not_finite(graph, i, "its second derivative", plain)
    for i in range(len(grads) - 1, -1, -1):
        if grads[i] is not None and not finite_tangent(grads[i]):
            user = next((u for u in range(i + 1, len(grads))
                         if i in graph.nodes[u].args and graph.nodes[u].computed), i)
            return _not_finite(graph, user, "its second derivative", plain)
    return MathError("a second derivative is not finite")


def _not_finite(graph: Graph, i: int, what: str, values: list) -> MathError:
    node = graph.nodes[i]
    op = OPS.get(node.op)
    at = ", ".join(f"{graph.nodes[j].name} = {fmt.brief(values[j])}" for j in node.args
                   if not graph.nodes[j].is_const)
    return MathError(
        f"{what} is not finite at {node.name} = {node.text}" + (f" ({op.name})" if op else "")
        + (f" where {at}" if at else ""),
        line=node.line, column=node.column, source=graph.source,
        hint=(f"{op.name} has no finite derivative of that order there; "
              "move the point away from it") if op else None)


def max_asymmetry(h: np.ndarray) -> float:
    """max |H − Hᵀ| (0 for an empty matrix)."""
    return float(np.max(np.abs(h - h.T))) if h.size else 0.0


def finite_number(v) -> bool:
    return math.isfinite(v) if isinstance(v, float) else bool(np.isfinite(v).all())
