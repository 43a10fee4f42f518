"""drawing.py: the dot and mermaid text, SVG through Graphviz, the JSON data and the plan
of the terminal tree — checked for syntax, escaping, stable ids and the counts of what a
big tree leaves out."""

from __future__ import annotations

import html
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from backpropcli.core.engine import Evaluation, evaluate
from backpropcli.core.errors import BackpropError, UsageError
from backpropcli.core.graph import Graph, Node
from backpropcli.output import document, graphviz, mermaid, picture, tree
from backpropcli.tasks.program import start
from tests.graphcheck import check_dot, check_mermaid, dot_strings, mermaid_label
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


# ---------------------------------------------------------------------------
# dot

def test_dot_of_the_worked_example():
    ev = seed()
    text = graphviz.dot(ev)
    parsed = check_dot(text)
    labels = parsed["labels"]
    assert len(labels) == len(ev.graph.nodes)
    by_name = {lab.split(" = ")[0]: lab for lab in labels.values()}
    assert by_name["f"] == "f = x * y\n= -12\n∂g/∂f = 1"
    assert by_name["g"] == "g = f + z\n= -10\n∂g/∂g = 1"
    assert by_name["x"] == "x = 3\n∂g/∂x = -4"
    assert by_name["y"] == "y = -4\n∂g/∂y = 3"
    # edges go operand → user, labelled with the local derivative
    names = {k: v.split(" = ")[0] for k, v in labels.items()}
    edges = {(names[a], names[b]): lab for a, b, lab in parsed["edges"]}
    assert edges == {("x", "f"): "∂f/∂x = -4", ("y", "f"): "∂f/∂y = 3",
                     ("f", "g"): "∂g/∂f = 1", ("z", "g"): "∂g/∂z = 1"}


def test_dot_marks_the_output_constants_and_unused_nodes():
    ev = run("f = x * y; g = f + 2", x=3, y=-4)
    parsed = check_dot(graphviz.dot(ev))
    attrs = parsed["attrs"]
    out = picture.node_id(ev.graph.output)
    assert "penwidth" in attrs[out]
    const = next(i for i, n in enumerate(ev.graph.nodes) if n.is_const)
    assert attrs[picture.node_id(const)]["shape"] == "circle"
    assert parsed["labels"][picture.node_id(const)] == "2"
    # with the output moved to f, g is drawn dashed: f does not depend on it
    ev_f = evaluate(ev.graph.with_output(ev.graph.find("f")), ev.inputs())
    parsed = check_dot(graphviz.dot(ev_f))
    g = picture.node_id(ev.graph.find("g"))
    assert "dashed" in parsed["attrs"][g]["style"]
    assert "f does not depend on g" in parsed["labels"][g]


def test_each_use_of_a_reused_operand_is_its_own_edge():
    ev = sample("reuse.bp")  # b = a + a; c = b * b
    edges = check_dot(graphviz.dot(ev))["edges"]
    assert [(a, b) for a, b, _ in edges] == [("n0", "n1"), ("n0", "n1"), ("n1", "n2"),
                                             ("n1", "n2")]
    assert [lab for *_, lab in edges] == ["∂b/∂a = 1", "∂b/∂a = 1", "∂c/∂b = 6", "∂c/∂b = 6"]


def test_dot_escapes_what_would_break_naive_quoting():
    ev = weird()
    text = graphviz.dot(ev)
    parsed = check_dot(text)
    for i in range(len(ev.graph.nodes)):
        assert parsed["labels"][picture.node_id(i)] == "\n".join(picture.label_lines(ev, i))
    assert '\\"' in text and "\\\\N" in text  # quotes and backslashes escaped


@pytest.mark.parametrize("raw", ['a"b', "a\\b", "a\\", "\\N\\l", "two\nlines", 'x\\"y', "",
                                 "&#1; &amp; &"])
def test_dot_quote_round_trips(raw):
    assert dot_strings(graphviz.dot_quote(raw)) == [raw]


def test_dot_check_catches_broken_text():
    good = graphviz.dot(seed())
    with pytest.raises(AssertionError):
        check_dot(good.replace('label="f = x * y', 'label="f = "x" * y'))  # a bare quote
    with pytest.raises(AssertionError):
        check_dot(good.replace("\\n= -12", "\n= -12"))  # a raw line break in a label
    with pytest.raises(AssertionError):
        check_dot(good.rstrip("}\n") + "\n")
    with pytest.raises(AssertionError):
        check_dot(good.replace("n0 -> n3", "n0 -> n99"))


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot is not installed")
@pytest.mark.parametrize("which", ["seed", "micrograd", "weird", "arrays"])
def test_graphviz_accepts_the_dot_text(which):
    ev = {"seed": seed, "micrograd": lambda: sample("micrograd.bp"), "weird": weird,
          "arrays": lambda: run("h = W @ x; L = sum(h * [1, -1])", W="[[1, 2], [3, 4]]",
                                x="[1, -1]")}[which]()
    done = subprocess.run(["dot", "-Tsvg"], input=graphviz.dot(ev), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "<svg" in done.stdout


# ---------------------------------------------------------------------------
# mermaid

def test_mermaid_of_the_worked_example():
    ev = seed()
    parsed = check_mermaid(mermaid.mermaid(ev))
    labels = parsed["labels"]
    assert labels["n3"] == "f = x * y\n= -12\n∂g/∂f = 1"
    assert labels["n0"] == "x = 3\n∂g/∂x = -4"
    assert parsed["classes"]["n4"] == "output"
    assert parsed["classes"]["n0"] == "input"
    assert ("n0", "n3", "∂f/∂x = -4") in parsed["edges"]


def test_mermaid_escapes_quotes_brackets_and_entities():
    ev = weird()
    text = mermaid.mermaid(ev)
    parsed = check_mermaid(text)
    for i in range(len(ev.graph.nodes)):
        assert parsed["labels"][picture.node_id(i)] == "\n".join(picture.label_lines(ev, i))
    assert "#quot;" in text and "#93;" in text and "#35;" in text and "#124;" in text
    assert parsed["classes"][picture.node_id(2)] == "constant"


def test_mermaid_arrays_and_renamed_nodes():
    ev = run("c = x * [1, -2]; c = c + 1; h = W @ c; L = sum(h)", x=2, W="[[1, 2], [3, 4]]")
    parsed = check_mermaid(mermaid.mermaid(ev))
    assert "c = x * [1, -2]\n= [2, -4]\nshape (2,)\n∂L/∂c = [4, 6]" in \
        parsed["labels"].values()


def test_mermaid_check_catches_broken_text():
    good = mermaid.mermaid(seed())
    with pytest.raises(AssertionError):
        check_mermaid(good.replace("f = x * y", 'f = "x" * y'))
    with pytest.raises(AssertionError):
        check_mermaid(good.replace("f = x * y", "f = x[0] * y"))
    with pytest.raises(AssertionError):
        check_mermaid(good.replace("-->", "->", 1))
    with pytest.raises(AssertionError):
        mermaid_label("c#1")


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
# svg

def fake_program(tmp_path: Path, body: str) -> str:
    path = tmp_path / "fake-dot"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return str(path)


def test_svg_without_graphviz_says_how_to_install_it():
    with pytest.raises(UsageError) as caught:
        graphviz.svg("digraph {}", program="no-such-dot-program")
    err = caught.value
    assert err.exit_code == 2
    assert "format=dot" in err.hint  # the API's words; the command line's:
    from backpropcli.cli.spelling import OPTIONS

    err.spelled(OPTIONS)
    said = err.message + " " + err.hint
    for words in ("apt-get install graphviz", "brew install graphviz", "--format dot"):
        assert words in said


@pytest.mark.skipif(sys.platform == "win32", reason="a shell script stands in for dot")
def test_svg_never_hangs(tmp_path):
    slow = fake_program(tmp_path, "sleep 30")
    with pytest.raises(UsageError, match="did not finish"):
        graphviz.svg("digraph {}", program=slow, timeout=0.5)


@pytest.mark.skipif(sys.platform == "win32", reason="a shell script stands in for dot")
def test_svg_reports_a_failing_dot(tmp_path):
    broken = fake_program(tmp_path, "echo 'syntax error in line 1' >&2; exit 3")
    with pytest.raises(BackpropError, match="syntax error in line 1"):
        graphviz.svg("digraph {}", program=broken)


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot is not installed")
def test_svg_with_graphviz():
    text = graphviz.svg(graphviz.dot(seed()))
    assert text.lstrip().startswith("<?xml") and "</svg>" in text
    shown = html.unescape(text)  # Graphviz writes - as &#45;
    assert "∂g/∂x = -4" in shown and "= -12" in shown and "= -10" in shown


# ---------------------------------------------------------------------------
# data

def test_data_lists_every_node_and_edge():
    ev = run("f = x * y; g = f + 2", x=3, y=-4)
    got = document.graph_fields(ev)
    assert [n["id"] for n in got["nodes"]] == [f"n{i}" for i in range(5)]
    by_name = {n["name"]: n for n in got["nodes"]}
    assert by_name["x"] == {"id": "n0", "name": "x", "op": "input", "expr": None,
                            "value": 3.0, "shape": [], "grad": -4.0, "output": False}
    assert by_name["2"]["grad"] is None and by_name["2"]["op"] == "const"
    assert by_name["g"]["output"] is True and by_name["f"]["expr"] == "x * y"
    assert {"from": "n0", "to": "n2", "slot": 0, "local": -4.0} in got["edges"]
    assert {"from": "n3", "to": "n4", "slot": 1, "local": None} in got["edges"]


# ---------------------------------------------------------------------------
# the tree plan

def names(ev, plan, kind=None):
    return [ev.graph.nodes[r.node].name for r in plan.rows if kind is None or r.kind == kind]


def test_tree_plan_of_the_worked_example():
    ev = seed()
    plan = tree.tree_plan(ev)
    assert [(r.lead, ev.graph.nodes[r.node].name, r.kind) for r in plan.rows] == [
        ("", "g", "full"), ("├─ ", "f", "full"), ("│  ├─ ", "x", "full"),
        ("│  └─ ", "y", "full"), ("└─ ", "z", "full")]
    assert (plan.total, plan.shown, plan.hidden, plan.unused) == (5, 5, 0, ())


def test_a_reused_node_is_drawn_once_then_referred_to():
    ev = sample("reuse.bp")
    plan = tree.tree_plan(ev)
    assert [(ev.graph.nodes[r.node].name, r.kind) for r in plan.rows] == [
        ("c", "full"), ("b", "full"), ("a", "full"), ("a", "ref"), ("b", "ref")]


def test_constants_and_unused_nodes():
    ev = run("f = x * y; g = f + 2; h = g * 3", x=3, y=-4)
    ev = evaluate(ev.graph.with_output(ev.graph.find("g")), ev.inputs())
    plan = tree.tree_plan(ev)
    assert names(ev, plan, "const") == ["2"]
    assert [ev.graph.nodes[i].name for i in plan.unused] == ["h"]


def chain(n: int):
    """c = c*1.01 + y, n times: 2n + 2 nodes, n + 1 levels deep."""
    return run("c = x\n" + "c = c * 1.01 + y\n" * n, x=1, y=2)


def fan(n: int):
    """A sum of n products over 50 inputs: a deep left spine with reuse everywhere."""
    text = " + ".join(f"x{k % 50}*{k}" for k in range(n))
    return run(text, **{f"x{k}": k for k in range(50)})


def check_counts(ev, plan):
    """The plan's counts agree with its rows, and every node is drawn or counted once."""
    drawn = [r.node for r in plan.rows if r.kind in (tree.FULL, tree.CUT, tree.FOLDED)]
    assert len(drawn) == len(set(drawn)) == plan.shown
    reachable = ev.graph.ancestors(ev.graph.output)
    total = sum(1 for i, n in enumerate(ev.graph.nodes) if reachable[i] and not n.is_const)
    assert plan.total == total
    assert plan.hidden == sum(r.hidden for r in plan.rows) == total - plan.shown
    refs = {r.node for r in plan.rows if r.kind == tree.REF}
    assert refs <= set(drawn)


@pytest.mark.parametrize("make", [lambda: chain(250), lambda: fan(500),
                                  lambda: sample("micrograd.bp")])
@pytest.mark.parametrize(("lines", "depth"), [(60, 10), (20, 4), (8, 100), (1000, 3)])
def test_a_big_graph_stays_within_its_budget(make, lines, depth):
    ev = make()
    plan = tree.tree_plan(ev, lines=lines, depth=depth)
    assert len(plan.rows) <= lines + 1  # one more row at most: the last node's operand
    assert all(len(r.lead) <= 3 * depth for r in plan.rows)
    check_counts(ev, plan)


def test_a_500_node_graph_is_summarised():
    ev = fan(500)  # 1049 nodes the output depends on
    plan = tree.tree_plan(ev)
    assert plan.total == 1049
    assert len(plan.rows) <= tree.TREE_LINES
    assert plan.hidden > 900
    check_counts(ev, plan)


def test_every_cut_row_with_a_hidden_operand_counts_it():
    ev = fan(500)
    plan = tree.tree_plan(ev)
    for r in plan.rows:
        if r.kind == tree.CUT:
            hidden_operand = any(
                not n.is_const and all(q.node != j for q in plan.rows)
                for j, n in ((j, ev.graph.nodes[j]) for j in ev.graph.nodes[r.node].args))
            assert (r.hidden > 0) == hidden_operand


def test_full_draws_everything_and_folds_deep_rows():
    ev = chain(100)  # 101 levels
    plan = tree.tree_plan(ev, full=True, fold=12)
    assert plan.hidden == 0 and plan.shown == plan.total == 202
    assert all(len(r.lead) <= 3 * 13 for r in plan.rows)
    folded = [r.node for r in plan.rows if r.kind == tree.FOLDED]
    resumed = [r.node for r in plan.rows if r.kind == tree.RESUME]
    assert folded == resumed and len(folded) >= 100 // 12
    check_counts(ev, plan)


def test_an_array_label_says_its_shape_once():
    ev = run("h = W @ x; L = sum(h)", W="[[1, 2, 3], [4, 5, 6], [7, 8, 9]]", x="[1, -1, 2]")
    w = ev.graph.find("W")
    assert picture.label_lines(ev, w) == ["W = (3, 3) array in [1, 9]",
                                          "∂L/∂W = (3, 3) array in [-1, 2]"]
    assert picture.label_lines(ev, ev.graph.find("h")) == [
        "h = W @ x", "= [5, 11, 17]", "shape (3,)", "∂L/∂h = [1, 1, 1]"]
