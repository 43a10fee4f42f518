"""What a picture of the computation graph says: each node's label (what it computes,
its value and its gradient ∂output/∂node), each edge (operand → user, one edge per use)
with the local derivative ∂user/∂operand where the op has one, and each node's kind.
Graphviz (graphviz.py), Mermaid (mermaid.py), the terminal tree and the JSON all draw
from these.

Node ids come from the node's position in the graph (n0, n1, ...), never from id() or
hashing, so the same program gives the same text on every run. Everything is a plain
loop over the graph: a 100 000-node program is drawn without recursion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core import fmt
from ..core.engine import Evaluation
from .text import d

# ---------------------------------------------------------------------------
# What a node and an edge say, as lines of plain text (escaped later, per language).


def node_id(i: int) -> str:
    """The stable id of node i in dot and mermaid: its position in the graph."""
    return f"n{i}"


def shape_shown(v, text: str) -> bool:
    """Whether a value's text already tells its shape: a number, or a big array's summary
    "(3, 4) array in [-1, 2]"; a small array's elements ([1, -2]) do not say it."""
    return _scalar(v) or text.startswith(fmt.shape(np.shape(v)))


def _scalar(v) -> bool:
    # float64 and the rules' plain 1 and -1 are the common case: answered without numpy,
    # which matters for a 100 000-node picture.
    return isinstance(v, (int, float)) or np.ndim(v) == 0


def needed(ev: Evaluation) -> list[bool]:
    """Which nodes the output depends on (itself included)."""
    return ev.graph.ancestors(ev.graph.output)


def label_lines(ev: Evaluation, i: int, used: bool = True) -> list[str]:
    """A node's label: what it computes, its value (and shape), its gradient.

    f = x * y      an op node reads as its formula,
    = -12          then its value,
    ∂g/∂f = 1      then ∂output/∂node.
    An input reads `x = 3`; a constant is just its number.
    """
    node = ev.graph.nodes[i]
    v = ev.values[i]
    if node.is_const:
        return [node.name]
    out = ev.output.name
    value = fmt.brief(v)
    lines = [f"{node.name} = {value}"] if node.is_input else [
        f"{node.name} = {node.text}", f"= {value}"]
    if not shape_shown(v, value):
        lines.append(f"shape {fmt.shape(np.shape(v))}")
    g = ev.grad(i)
    if g is None:
        lines.append("made of constants: no gradient")
    elif used:
        lines.append(f"{d(out, node.name)} = {fmt.brief(g)}")
    else:
        lines.append(f"{out} does not depend on {node.name}")
    return lines


@dataclass(frozen=True)
class Edge:
    """One use of an operand: operand → user, with ∂user/∂operand where it is one number
    or array (elementwise ops); a matrix product or a reduction only has the product."""

    source: int
    target: int
    slot: int
    local: object = None
    label: str = ""


def edges(ev: Evaluation) -> list[Edge]:
    """Every use of every operand, in the order the users are computed."""
    nodes = ev.graph.nodes
    out: list[Edge] = []
    for i, node in enumerate(nodes):
        for k, j in enumerate(node.args):
            loc = None if ev.local[i] is None else ev.local[i][k]  # none into a constant
            label = "" if loc is None else f"{d(node.name, nodes[j].name)} = {fmt.brief(loc)}"
            out.append(Edge(j, i, k, loc, label))
    return out


def kind(ev: Evaluation, i: int, used: bool) -> str:
    """The style class of a node: output, input, constant, unused, or plain (an op)."""
    node = ev.graph.nodes[i]
    if i == ev.graph.output:
        return "output"
    if node.is_const:
        return "constant"
    if not used:
        return "unused"
    return "input" if node.is_input else "op"
