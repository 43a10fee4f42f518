"""output/graphviz.py: the dot text (checked for syntax, escaping and stable ids, and by
Graphviz's own dot when it is installed) and SVG through Graphviz."""

from __future__ import annotations

import html
import subprocess
import sys
from pathlib import Path

import pytest

from backpropcli.core.engine import evaluate
from backpropcli.core.errors import BackpropError, UsageError
from backpropcli.output import graphviz, picture
from tests.graphcheck import check_dot, dot_strings
from tests.pictures import HAS_DOT, run, sample, seed, weird

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
