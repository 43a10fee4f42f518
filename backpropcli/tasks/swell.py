"""Expression swell, counted: how large the gradient is when written out with nothing
shared, against the products back-propagation computes. No SymPy here: plain loops
over the graph with Python's whole numbers, which grow as large as the count needs.

The expanded formula of ∂output/∂x is the chain rule written as one expression with
nothing shared: the sum, over every path from the output down to x, of the product of
the local derivatives along it, each local derivative written as its op-table rule
with the operands' own formulas put in, whole (a formula used twice is written twice).
Its size is the number of nodes of that expression tree: a name, a number, an
operator or a function call is one node each. For `f = x*y; g = f + z`, ∂g/∂x is the
one path g → f → x, with the factors 1 (∂g/∂f) and y (∂f/∂x): `1 * y`, 3 nodes.

Back-propagation computes all the gradients at once with one product (upstream ×
local) per edge of the backward pass, sharing each node's gradient among every path
through it: that count is the other number of the lesson.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..core.errors import ProgramError
from ..core.graph import Graph
from ..core.ops import OPS
from ..lang.parse import parse


def rule_text(op: str, k: int) -> str:
    """The local derivative of operand k as the language writes it: the quiz's `numbers`
    rule where there is one (it is over the language's own functions, never a kernel),
    else the `local` rule; ** becomes ^."""
    row = OPS[op]
    text = row.numbers[k] if row.numbers and row.numbers[k] else row.local[k]
    return text.replace("**", "^")


def rule_graph(op: str, k: int) -> Graph | None:
    """The rule for operand k parsed by the program's own parser, over the names a, b
    and out; None for an op that is not elementwise or whose rule the language cannot
    read (a kernel of its own)."""
    if not OPS[op].elementwise:
        return None
    return _parsed(rule_text(op, k))


@lru_cache(maxsize=256)
def _parsed(text: str) -> Graph | None:
    """A rule parsed once, by its text (not by the op's name: ops.register may give a
    name another row after unregister)."""
    try:
        return parse(text)
    except ProgramError:
        return None


def no_formula(graph: Graph, values) -> dict[int, str]:
    """Why an input gets no elementwise formula, for each input that gets none: a node
    on a path from the output down to it is not elementwise (a matrix product, a sum,
    an index, ...), or has another shape than the input, so that its gradient sums over
    the elements broadcast (a scalar times a vector). One reverse loop marks, for each
    node, the first such obstacle above it."""
    nodes = graph.nodes
    needs = graph.requires_grad()
    reached = [False] * len(nodes)
    blocked: list[str] = [""] * len(nodes)  # why the gradient arriving here is no formula
    reached[graph.output] = needs[graph.output]
    for i in range(graph.output, -1, -1):
        if not reached[i] or not nodes[i].computed:
            continue
        node = nodes[i]
        why = blocked[i]
        if not why:
            if not OPS[node.op].elementwise:
                why = (f"its gradient passes through {node.name} = {node.text}, which is not "
                       f"elementwise ({node.op}): a formula would need matrix calculus")
            elif any(rule_graph(node.op, k) is None for k in range(len(node.args))):
                why = f"the rule of {node.op} is not written in the language"
        for j in node.args:
            if not needs[j]:
                continue
            reason = why
            if not reason and np.shape(values[j]) != np.shape(values[i]):
                reason = (f"{node.name} = {node.text} broadcasts {nodes[j].name}: its "
                          "gradient is a sum over the elements")
            if reason and not blocked[j]:
                blocked[j] = reason
            reached[j] = True
    return {i: blocked[i] for i in graph.inputs if blocked[i]}


@dataclass(frozen=True)
class Swell:
    """The expanded size of each input's gradient and the products of the backward pass."""

    expanded: dict[int, int]  # input index → nodes of its expanded formula (1 for "0")
    paths: dict[int, int]  # input index → paths from the output down to it
    products: int  # edges of the backward pass: one product upstream × local each

    @property
    def total(self) -> int:
        return sum(self.expanded.values())


def swell(graph: Graph) -> Swell:
    """Count the expanded formulas and the backward products: two loops, no formula made."""
    nodes = graph.nodes
    needs = graph.requires_grad()
    tree = [1] * len(nodes)  # nodes of each node's forward formula written out whole
    for i, node in enumerate(nodes):
        if node.computed:
            tree[i] = 1 + sum(tree[j] for j in node.args)
    count = [0] * len(nodes)  # paths from the output down to each node
    size = [0] * len(nodes)  # nodes of all those paths' products together
    out = graph.output
    count[out] = 1 if needs[out] else 0
    products = 0
    for i in range(out, -1, -1):
        node = nodes[i]
        if not count[i] or not node.computed:
            continue
        for k, j in enumerate(node.args):
            if not needs[j]:
                continue
            products += 1
            local = _local_size(graph, i, k, tree)
            # each path through this edge gets the local factor, and a "*" joining it to
            # the factors above (none above the output: the path begins here)
            joins = count[i] if i != out else 0
            size[j] += size[i] + count[i] * local + joins
            count[j] += count[i]
    expanded = {}
    for x in graph.inputs:
        if x == out:
            expanded[x] = 1  # ∂x/∂x = 1
        elif count[x]:
            expanded[x] = size[x] + count[x] - 1  # and a "+" between each two paths
        else:
            expanded[x] = 1  # "0": no path
    return Swell(expanded, {x: count[x] for x in graph.inputs}, products)


def _local_size(graph: Graph, i: int, k: int, tree: list[int]) -> int:
    """Nodes of the rule for ∂node_i/∂operand_k with the operands' formulas put in whole.
    An op whose rule the language cannot read counts as one node (it has no formula)."""
    rule = rule_graph(graph.nodes[i].op, k)
    if rule is None:
        return 1
    node = graph.nodes[i]
    leaves = {"out": tree[i], "a": tree[node.args[0]],
              "b": tree[node.args[1]] if len(node.args) > 1 else 1}
    sizes = [1] * len(rule.nodes)
    for r, n in enumerate(rule.nodes):
        if n.is_input and n.value is None:  # a rule that is a number, "1", reads as out = 1
            sizes[r] = leaves.get(n.name, 1)
        elif n.computed:
            sizes[r] = 1 + sum(sizes[j] for j in n.args)
    return sizes[rule.output]
