"""The computation graph as frozen data: nodes in topological order.

A node is an input (a name the program uses but never computes), a constant (a
number or array written in the program, or data read from a file by load(...)), or
the application of an op from the op table to earlier nodes. Every pass over the
graph is a plain loop over `nodes`; an operand always comes before its user, so a
forward loop sees operands first and a reverse loop sees every user of a node
before the node itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np

# A value in the graph: a float64 number (numpy's scalar, which is a float) or a
# float64 array.
Value: TypeAlias = "np.float64 | np.ndarray"

INPUT = "input"
CONST = "const"


@dataclass(frozen=True)
class Node:
    name: str  # unique within the graph: the user's name, name#k, or t1, t2 for the unnamed
    op: str  # "input", "const", or a key of ops.OPS
    args: tuple[int, ...] = ()  # operand nodes (indices into Graph.nodes)
    static: tuple[int, ...] = ()  # static whole-number arguments: an axis, an index
    value: Value | None = None  # a constant's value; an input's default, if the program gives one
    init: tuple | None = None  # an input's starting value: (a key of ops.INITIALIZERS, shape)
    text: str = ""  # how the node reads, from its operands' names: "x * y"
    line: int = 0
    column: int = 0
    # data: a constant read from a file, X = load("file.csv", "x1", "x2"): the file as
    # written and the columns chosen. Parsing records them; values.load_data reads them.
    data: tuple[str, tuple[str, ...]] | None = None

    @property
    def is_input(self) -> bool:
        return self.op == INPUT

    @property
    def is_const(self) -> bool:
        return self.op == CONST

    @property
    def is_data(self) -> bool:
        return self.data is not None

    @property
    def computed(self) -> bool:
        return self.op not in (INPUT, CONST)


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...]
    output: int  # the node whose gradient is taken
    source: str = ""  # the program text, for error messages and the JSON document
    names: dict[str, int] = field(default_factory=dict)  # what each user name finally means

    @property
    def inputs(self) -> tuple[int, ...]:
        return tuple(i for i, n in enumerate(self.nodes) if n.is_input)

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(self.nodes[i].name for i in self.inputs)

    def find(self, name: str) -> int | None:
        """The node a name means: a node's own name (t1, c#2) or a user name's last binding."""
        if name in self.names:
            return self.names[name]
        for i, n in enumerate(self.nodes):
            if n.name == name and not n.is_const:
                return i
        return None

    def with_output(self, index: int) -> Graph:
        return Graph(self.nodes, index, self.source, self.names)

    def ancestors(self, *indices: int) -> list[bool]:
        """Which nodes the given ones depend on (themselves included): one reverse sweep."""
        needed = [False] * len(self.nodes)
        for index in indices:
            needed[index] = True
        for i in range(max(indices), -1, -1):
            if needed[i]:
                for a in self.nodes[i].args:
                    needed[a] = True
        return needed

    def requires_grad(self) -> list[bool]:
        """Which nodes depend on an input: one forward sweep. Gradients flow only along
        edges into such nodes (what frameworks call requires-grad): a part computed from
        constants alone (2^(1+1)) has no gradient, and the rule for it is never asked
        for, so ∂(a^b)/∂b, which is not a number for a < 0, cannot spoil x^(1+1)."""
        needs = [False] * len(self.nodes)
        for i, n in enumerate(self.nodes):
            needs[i] = n.is_input or (n.computed and any(needs[a] for a in n.args))
        return needs

    def users(self) -> list[list[int]]:
        """For each node, the nodes that take it as an operand (once per use)."""
        out: list[list[int]] = [[] for _ in self.nodes]
        for i, n in enumerate(self.nodes):
            for a in n.args:
                out[a].append(i)
        return out
