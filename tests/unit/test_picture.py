"""output/picture.py, what every drawing shares: node ids and labels (an array's shape said
once), text that is the same from run to run, and a 100 000-node program drawn (dot,
mermaid and the terminal tree) without recursion."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from backpropcli.core.engine import Evaluation
from backpropcli.core.graph import Graph, Node
from backpropcli.output import graphviz, mermaid, picture, tree
from tests.pictures import run, sample


def test_text_is_the_same_from_run_to_run():
    assert graphviz.dot(sample("micrograd.bp")) == graphviz.dot(sample("micrograd.bp"))
    assert mermaid.mermaid(sample("micrograd.bp")) == mermaid.mermaid(sample("micrograd.bp"))


@pytest.mark.slow
def test_a_100_000_node_program_draws_without_recursion():
    n = 100_000
    nodes = [Node("x", "input")] + [Node(f"t{k}", "add", (k - 1, 0), text="…")
                                    for k in range(1, n + 1)]
    graph = Graph(tuple(nodes), n, "", {})
    # The evaluation such a graph has (t_k = k + 1, every local derivative 1), made
    # directly: this test is about drawing, and the engine has its own big-graph test.
    values = tuple(np.float64(k + 1) for k in range(n + 1))
    local = (None, *([(1, 1)] * n))
    grads = (np.float64(n + 1), *([np.float64(1.0)] * n))
    ev = Evaluation(graph, values, local, grads, ((),) * (n + 1))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(200, len(__import__("inspect").stack()) + 100))
    try:
        dot_text = graphviz.dot(ev)
        mermaid_text = mermaid.mermaid(ev)
        plan = tree.tree_plan(ev)
        full = tree.tree_plan(ev, full=True)
    finally:
        sys.setrecursionlimit(limit)
    assert dot_text.count(" -> ") == 2 * n
    assert mermaid_text.count("-->") == 2 * n
    assert f"∂t{n}/∂x = 1" in dot_text and f"∂t{n}/∂x = {n + 1}" in dot_text
    assert plan.total == n + 1 and plan.shown + plan.hidden == plan.total
    assert full.hidden == 0 and full.shown == n + 1


# ---------------------------------------------------------------------------


def test_an_array_label_says_its_shape_once():
    ev = run("h = W @ x; L = sum(h)", W="[[1, 2, 3], [4, 5, 6], [7, 8, 9]]", x="[1, -1, 2]")
    w = ev.graph.find("W")
    assert picture.label_lines(ev, w) == ["W = (3, 3) array in [1, 9]",
                                          "∂L/∂W = (3, 3) array in [-1, 2]"]
    assert picture.label_lines(ev, ev.graph.find("h")) == [
        "h = W @ x", "= [5, 11, 17]", "shape (3,)", "∂L/∂h = [1, 1, 1]"]
