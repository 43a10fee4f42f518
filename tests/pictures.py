"""The graphs the drawing tests draw (tests/unit/test_graphviz.py, test_mermaid.py,
test_picture.py, test_tree.py): a program's evaluation, the samples, and a graph built by
hand with names no program could have."""

from __future__ import annotations

import shutil

import numpy as np

from backpropcli.core.engine import evaluate
from backpropcli.core.graph import Graph, Node
from backpropcli.tasks.program import start
from tests.helpers import SAMPLES

HAS_DOT = shutil.which("dot") is not None


def run(text: str, **values):
    graph, point = start(text, {k: str(v) for k, v in values.items()})
    return evaluate(graph, point.inputs)


def sample(name: str):
    return run((SAMPLES / name).read_text())


def seed():
    return sample("seed.bp")


def weird():
    """A graph built by hand with names no program could have: quotes, backslashes, a
    dot escape (\\N), a line break, brackets, pipes, HTML and a would-be entity."""
    a = 'we"ird\\N "a"'
    b = "x]|<b>&#1;(1)\n{2}`"
    nodes = (
        Node(a, "input"),
        Node(b, "input"),
        Node("3\\", "const", value=np.float64(3.0)),
        Node("t#1", "mul", (0, 1), text=f"{a} * {b}"),
        Node('o"ut', "add", (3, 2), text='t#1 + 3\\'),
    )
    graph = Graph(nodes, 4, "", {})
    return evaluate(graph, {a: np.float64(2.0), b: np.float64(-5.0)})
