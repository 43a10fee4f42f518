"""The parser's working records, and their freezing into a Graph with final names.

While the program is read (lang/parse.py), each node is a record that may still
change: a name may be bound to it, an input may get its default later. At the end,
freeze() gives every node its final name and the text it reads as, and makes the
frozen Graph. The other records are operands not yet placed in the graph: a literal
may yet declare an input (`x = 3`), a random start or load(...) only means something
as a whole assignment.

Named tuples and a slotted class rather than dataclasses: they are made once per token
of a 100 000-statement program, and each dataclass costs start-up time to build.
"""

from __future__ import annotations

from typing import NamedTuple

from ..core.graph import CONST, INPUT, Graph, Node, Value
from ..core.ops import OPS


class Lit(NamedTuple):
    """A number or array literal not yet placed in the graph (it may declare an input)."""

    value: Value
    text: str
    line: int
    column: int


class Init(NamedTuple):
    """uniform(...) or randn(...): a random start, only meaningful as a whole assignment."""

    kind: str
    shape: tuple[int, ...]
    line: int
    column: int


class Ref(NamedTuple):
    """A name where it is used: the node it means, and the place it is written there
    (an error in `y = x[5]` points at this x, not at the line that declared x)."""

    node: int
    line: int
    column: int


class Str(NamedTuple):
    """A string in quotes: only meaningful as an argument of load(...)."""

    value: str
    line: int
    column: int


class Data(NamedTuple):
    """load("file", "col", ...): data from a file, only meaningful as a whole assignment."""

    file: str
    columns: tuple[str, ...]
    text: str  # as written, for the tables: load("data.csv", "x1")
    line: int
    column: int


class Rec:
    """A node while the program is still being read; frozen into a Node at the end."""

    __slots__ = ("args", "column", "data", "init", "line", "name", "op", "static", "text",
                 "value")

    def __init__(self, op: str, args: tuple[int, ...] = (), static: tuple[int, ...] = (),
                 value: Value | None = None, init: tuple | None = None, line: int = 0,
                 column: int = 0, name: str | None = None, text: str = "",
                 data: tuple | None = None) -> None:
        self.op, self.args, self.static = op, args, static
        self.value, self.init = value, init
        self.line, self.column = line, column
        self.name = name  # inputs: their name; computed: the name bound to them, if any
        self.text = text  # constants: the literal as written; data: the load(...) call
        self.data = data  # data: (file, columns)


def freeze(recs: list[Rec], env: dict[str, int], output: int, source: str) -> Graph:
    """Give every node its final name and text, and freeze the records into a Graph."""
    names = final_names(recs, env)
    nodes = tuple(_node(r, names[i], names) for i, r in enumerate(recs))
    return Graph(nodes, output, source, dict(env))


def final_names(recs: list[Rec], env: dict[str, int]) -> list[str]:
    """Each node's name in the tables and the JSON. An input is its name, a constant
    the literal as written. A name assigned several times shows its earlier versions
    as name#1, name#2, ...; the last keeps the plain name, unless the name is also an
    input, which always keeps it. Unnamed intermediate results are t1, t2, ...
    (skipping taken names)."""
    inputs = {r.name or "" for r in recs if r.op == INPUT}
    names = [(r.name or "") if r.op == INPUT else r.text if r.op == CONST else ""
             for r in recs]
    bindings = _bindings(recs)
    for name, where in bindings.items():
        for k, i in enumerate(where, 1):
            last = k == len(where) and name not in inputs
            names[i] = name if last else f"{name}#{k}"
    _number_unnamed(names, taken=inputs | set(bindings) | set(env))
    return names


def _bindings(recs: list[Rec]) -> dict[str, list[int]]:
    """The nodes each name was bound to by an assignment, in order: the computed nodes
    and the data that load(...) reads (constants and inputs keep names of their own)."""
    bindings: dict[str, list[int]] = {}
    for i, r in enumerate(recs):
        if (r.op not in (INPUT, CONST) or r.data is not None) and r.name is not None:
            bindings.setdefault(r.name, []).append(i)
    return bindings


def _number_unnamed(names: list[str], taken: set[str]) -> None:
    counter = 0
    for i, name in enumerate(names):
        if not name:
            counter += 1
            while f"t{counter}" in taken:
                counter += 1
            names[i] = f"t{counter}"


def _node(r: Rec, name: str, names: list[str]) -> Node:
    """The frozen node of a record; a computed one reads in its operands' final names."""
    text = r.text if r.data is not None else ""
    if r.op not in (INPUT, CONST):
        text = OPS[r.op].read([names[a] for a in r.args], r.static)
    return Node(name, r.op, r.args, r.static, r.value, r.init, text, r.line, r.column, r.data)
