"""Signs that a net is not learning, which `descend` warns of (the run itself is not
wrong, so these are warnings, not errors):

- dead units: a node of an elementwise op of one operand (relu, above all) over a matrix
  whose rows are the examples (`relu(X @ W + b)`), in which a share of the columns have
  a local derivative of 0 on every row at the end: those units pass no gradient back,
  so nothing will ever move them again (relu′(z) = 0 for z ≤ 0);
- a vanishing layer: at the start, one weight matrix's gradient many orders of magnitude
  below another's, so that a learning rate that moves the one leaves the other where it is
  (`backprop depth` shows why this happens in a deep stack).

Each warning names the node or the params and the numbers, and nothing is said where
neither applies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..core import fmt
from ..core.engine import Evaluation, evaluate
from ..core.errors import MathError
from ..core.graph import Graph, Value
from ..core.ops import OPS

# Half of a layer's units dead or more is worth a word: samples/moons.bp, which trains to
# an accuracy of 1, ends with up to a third of a layer dead under some seeds (5 of 16).
DEAD_SHARE = 0.5
GAP = 1e6  # six orders of magnitude between two params' gradients


@dataclass(frozen=True)
class Warning:
    kind: str  # "dead_units" or "vanishing"
    message: str
    names: tuple[str, ...]  # the node, or the params from the smallest gradient up


def warnings(graph: Graph, start: Mapping[str, Value], end: Evaluation,
             params: Sequence[str]) -> tuple[Warning, ...]:
    """The warnings of a descent from the inputs `start` to `end` that moved `params`."""
    try:
        first = evaluate(graph, start)
    except MathError:  # a start that is not finite: the run's own verdict says so
        return tuple(dead_units(end))
    return (*dead_units(end), *vanishing(first, params))


def dead_units(ev: Evaluation) -> list[Warning]:
    """The nodes of an elementwise op of one operand, over examples × units, with at least
    DEAD_SHARE of the units passing no gradient on any example."""
    found = []
    for i, node in enumerate(ev.graph.nodes):
        op = OPS.get(node.op) if node.computed else None
        value = ev.values[i]
        if (op is None or op.arity != 1 or not op.local or ev.grads[i] is None
                or np.ndim(value) != 2 or np.shape(value)[0] < 2):
            continue
        local = ev.local[i][0] if ev.local[i] else None
        if local is None:
            continue
        slope = np.broadcast_to(np.asarray(local), np.shape(value))
        dead = int(np.count_nonzero(np.all(slope == 0, axis=0)))
        units = np.shape(value)[1]
        if dead and dead >= DEAD_SHARE * units:
            found.append(Warning("dead_units", f"{node.name}: {dead} of {units} {op.name} units "
                                 f"are dead ({op.name}′ = 0 on every one of the "
                                 f"{np.shape(value)[0]} examples): they get no gradient",
                                 (node.name,)))
    return found


def vanishing(ev: Evaluation, params: Sequence[str]) -> list[Warning]:
    """The smallest and the largest gradient among the params that are matrices (by their
    norms), when the smallest that is not 0 is GAP times below the largest."""
    norms = {}
    for name, g in ev.gradients().items():
        # Weight matrices only: a scalar or a bias can sum to 0 by cancellation (the
        # moons' b3, whose terms ±1 balance to 1e-17), which is no vanishing layer.
        if name in params and g is not None and np.ndim(g) >= 2:
            n = _norm(g)
            if n > 0 and np.isfinite(n):
                norms[name] = n
    if len(norms) < 2:
        return []
    low = min(norms, key=norms.__getitem__)
    high = max(norms, key=norms.__getitem__)
    ratio = norms[high] / norms[low]
    if ratio < GAP:
        return []
    out = ev.output.name
    return [Warning("vanishing", f"at the start, ‖∂{out}/∂{low}‖ = {fmt.rough(norms[low])} is "
                    f"{fmt.rough(ratio, 2)} times below ‖∂{out}/∂{high}‖ = "
                    f"{fmt.rough(norms[high])}: a step that moves {high} leaves {low} where "
                    "it is (a vanishing gradient: backprop depth shows why)", (low, high))]


def _norm(g) -> float:
    a = np.abs(np.asarray(g, dtype=np.float64))
    top = float(a.max()) if a.size else 0.0
    return 0.0 if top == 0 else top * float(np.sqrt(np.sum(np.square(a / top))))
