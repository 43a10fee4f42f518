"""explain.py and explain_formats.py: the chain rule path by path, as data and as Markdown
and LaTeX text."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import numpy as np
import pytest

from backpropcli.core.engine import evaluate
from backpropcli.lang.parse import parse
from backpropcli.output import document, latex, markdown, text
from backpropcli.tasks import explain as x
from backpropcli.tasks.values import bind
from tests.helpers import SAMPLES


def run(text: str, **values):
    graph = parse(text)
    given = {k: np.asarray(v, dtype=float) if isinstance(v, list) else np.float64(v)
             for k, v in values.items()}
    return evaluate(graph, bind(graph, given))


def explained(text: str, paths: int = x.PATHS, **values):
    ev = run(text, **values)
    return ev, x.explain(ev, paths)


def derivation(exp: x.Explanation, name: str) -> x.Derivation:
    return next(d for d in exp.derivations if d.input == name)


WORKED = "f = x*y; g = f + z"
POINT = {"x": 3, "y": -4, "z": 2}


# ---------------------------------------------------------------------------
# the worked example

def test_worked_example_derivation_as_data():
    ev, exp = explained(WORKED, **POINT)
    dx = derivation(exp, "x")
    assert dx.count == 1 and dx.complete and len(dx.paths) == 1
    path = dx.paths[0]
    assert [f.symbol for f in path.factors] == ["∂g/∂f", "∂f/∂x"]  # from the output down
    assert [f.formula for f in path.factors] == ["1", "y"]
    assert [f.value for f in path.factors] == [1, -4]
    assert path.product == -4 and path.nodes == ("g", "f", "x")
    assert dx.gradient == -4


def test_worked_example_equations():
    ev, exp = explained(WORKED, **POINT)
    lines = [text.single_equation(exp, d) for d in exp.derivations]
    assert lines == [
        "∂g/∂x = ∂g/∂f · ∂f/∂x = 1 · y = 1 · (-4) = -4",
        "∂g/∂y = ∂g/∂f · ∂f/∂y = 1 · x = 1 · 3 = 3",
        "∂g/∂z = 1",  # ∂g/∂z = ∂g/∂z = 1 = 1 = 1 says each stage once
    ]


def test_gate_notes_on_the_worked_example():
    ev, exp = explained(WORKED, **POINT)
    notes = {g.op: g for g in exp.gates}
    assert set(notes) == {"add", "mul"}
    assert notes["mul"].node == "f" and "swaps its inputs' values" in notes["mul"].gate
    assert text.gate_text(notes["mul"]) == "∂f/∂x = y = -4, ∂f/∂y = x = 3"
    assert "unchanged to both inputs" in notes["add"].gate
    assert text.gate_text(notes["add"]) == "∂g/∂f = 1, ∂g/∂z = 1"
    assert [g.op for g in exp.gates] == ["add", "mul"]  # from the output down


def test_max_gate_routes_to_the_larger_input():
    ev, exp = explained("m = max(x, y)", x=3, y=-4)
    (note,) = exp.gates
    assert note.op == "max" and "larger input" in note.gate
    assert text.gate_text(note) == "∂m/∂x = 1, ∂m/∂y = 0"


def test_no_gate_note_where_no_gate_applies():
    ev, exp = explained("g = exp(x)", x=1)
    assert exp.gates == () and exp.reuses == ()


def test_unnamed_nodes_are_defined():
    ev, exp = explained("g = x*y + z", **POINT)
    assert exp.where == (("t1", "x * y"),)
    assert text.single_equation(exp, derivation(exp, "x")) == \
        "∂g/∂x = ∂g/∂t1 · ∂t1/∂x = 1 · y = 1 · (-4) = -4"


def test_earlier_versions_of_a_name_are_defined():
    ev, exp = explained("c = a + 1; c = c * a", a=2)
    assert ("c", "a + 1") in exp.where and exp.output == "c#1"


# ---------------------------------------------------------------------------
# several paths

def test_reused_node_lists_every_path_and_their_sum():
    ev, exp = explained("b = a + a; c = b + b", a=1)
    da = derivation(exp, "a")
    assert da.count == 4 and len(da.paths) == 4 and da.complete
    for p in da.paths:
        assert text.chain(p) == "∂c/∂b · ∂b/∂a" and p.product == 1
    # each path takes a different pair of uses (slots) of b in c and of a in b
    assert {tuple(f.slot for f in p.factors) for p in da.paths} == {(0, 0), (0, 1), (1, 0),
                                                                    (1, 1)}
    assert text.total(exp, da) == "∂c/∂a = 1 + 1 + 1 + 1 = 4"
    assert da.path_sum == 4 == ev.gradients()["a"]
    assert [(r.node, r.operand, r.times) for r in exp.reuses] == [("c", "b", 2), ("b", "a", 2)]


PROGRAMS = [
    (WORKED, POINT),
    ("b = a + a; c = b + b", {"a": 1}),
    ("b = a + a; c = b * b", {"a": 3}),
    ("h = sigmoid(w0*x0 + w1*x1 + w2)", {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3}),
    ("y = x * x * x - 2 * x / (1 + x^2)", {"x": 0.7}),
    ("y = max(x, z) * min(x, z) + relu(x - z) + abs(z)", {"x": 1.5, "z": -0.5}),
    ("y = tanh(exp(x) * log(x + 2)) + sqrt(x + 1) ^ sin(x)", {"x": 0.3}),
    ("y = sum(x) * mean(x) + x", {"x": 2}),  # ops known by their vector-Jacobian product
    ("q = u*v; r = q + u; s = r * q - v; t = s * r", {"u": 1.3, "v": -0.4}),
    ("y = w", {"w": 5}),  # the output is an input: one path with no factor
]


@pytest.mark.parametrize(("text", "values"), PROGRAMS, ids=[p[0][:24] for p in PROGRAMS])
def test_sum_over_the_paths_is_the_backward_pass(text, values):
    ev, exp = explained(text, paths=10_000, **values)
    grads = ev.gradients()
    for der in exp.derivations:
        assert der.complete and der.numeric
        assert der.path_sum == pytest.approx(grads[der.input], rel=1e-12, abs=1e-12)
        assert der.gradient == grads[der.input]


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.bp")), ids=lambda p: p.name)
def test_sum_over_the_paths_on_every_sample(sample):
    from backpropcli.tasks.program import start

    graph, point = start(sample.read_text(), {}, base=sample.parent, seed=0)
    ev = evaluate(graph, point.inputs)
    exp = x.explain(ev, paths=10_000)
    for der in exp.derivations:
        assert der.complete
        if der.numeric:  # scalars: the products along the paths add up to the gradient
            assert der.path_sum == pytest.approx(ev.gradients()[der.input], rel=1e-12)
        else:  # arrays: the derivation states the back-propagated gradient
            assert np.array_equal(der.gradient, ev.gradients()[der.input])


def test_micrograd_paths_are_counted_and_cut_at_the_limit():
    graph = parse((SAMPLES / "micrograd.bp").read_text())
    ev = evaluate(graph, bind(graph, {}))
    exp = x.explain(ev)
    da = derivation(exp, "a")
    assert da.count == 24 and len(da.paths) == x.PATHS and not da.complete
    assert "… and 8 more paths" in text.rest(da)
    assert text.total(exp, da) == "∂g#1/∂a = the sum over all 24 paths = 138.8338"


def test_unused_input_has_no_path():
    graph = parse("a = x * 2; b = w + 1; y = a")
    ev = evaluate(graph, bind(graph, {"x": np.float64(1), "w": np.float64(1)}))
    exp = x.explain(ev)
    dw = derivation(exp, "w")
    assert dw.count == 0 and dw.paths == ()
    assert text.total(exp, dw) == "∂a/∂w = 0   (no path leads from a down to w)"


# ---------------------------------------------------------------------------
# counting with dynamic programming: exponentially many paths, never enumerated

def doubling(n: int) -> str:
    return "\n".join(f"a{i + 1} = a{i} + a{i}" for i in range(n))


def test_path_counts_by_dynamic_programming_match_enumeration():
    for program, values in PROGRAMS:
        ev = run(program, **values)
        counts = x.path_counts(ev.graph)
        exp = x.explain(ev, paths=10_000)
        for i, der in zip(ev.graph.inputs, exp.derivations, strict=True):
            assert counts[i] == der.count == len(der.paths)


def test_two_to_the_forty_paths():
    ev, exp = explained(doubling(40), a0=1)
    (der,) = exp.derivations
    assert der.count == 2**40
    assert len(der.paths) == x.PATHS  # written out: a bounded number
    assert der.gradient == 2**40  # the sum over all of them, from the backward pass
    assert "1,099,511,627,760 more paths" in text.rest(der)
    assert text.total(exp, der) == "∂a40/∂a0 = the sum over all 1,099,511,627,776 paths = " \
                                "1099511627776"
    assert document.count_json(der.count) == 2**40


def test_long_path_keeps_its_first_and_last_factors():
    ev, exp = explained(doubling(40), paths=1, a0=1)
    (path,) = exp.derivations[0].paths
    assert path.length == 40 and path.elided == 40 - x.FACTORS
    assert len(path.factors) == x.FACTORS and path.product == 1
    assert path.nodes[0] == "a40" and path.nodes[-1] == "a0"
    assert "…(28 more)…" in text.chain(path) and " → … → " in text.route(path)
    full = x.explain(ev, paths=1, factors=None).derivations[0].paths[0]
    assert full.elided == 0 and len(full.nodes) == 41


def test_paths_zero_counts_only():
    ev, exp = explained(WORKED, paths=0, **POINT)
    assert all(d.paths == () and d.count == 1 for d in exp.derivations)
    assert "the sum over its path = -4" in text.total(exp, derivation(exp, "x"))


def test_budget_bounds_the_walk():
    # a sum of 3000 terms: 3000 paths, the longest 2999 factors long
    program = "y = " + " + ".join(["x"] * 3000)
    ev = run(program, x=1)
    exp = x.explain(ev, paths=16, budget=5000)
    (der,) = exp.derivations
    assert der.count == 3000 and der.budget_ran_out
    assert 0 < len(der.paths) < 16
    assert "--full" in text.rest(der)
    unlimited = x.explain(ev, paths=3, budget=None).derivations[0]
    assert len(unlimited.paths) == 3 and not unlimited.budget_ran_out


def written(der: x.Derivation) -> int:
    return sum(len(p.factors) for p in der.paths)


@pytest.mark.parametrize("factors", [x.FACTORS, None])
def test_budget_counts_the_factors_written_not_only_the_steps(factors):
    # After the first path of the doubling chain, the next is one or two steps away
    # but writes a whole path: the budget pays for what is written.
    ev = run(doubling(40), a0=1)
    (der,) = x.explain(ev, paths=10**8, factors=factors, budget=2000).derivations
    assert der.budget_ran_out and not der.complete
    assert written(der) <= 2000
    assert written(der) > 0.8 * 2000  # most of it went on factors: two steps up a path
    whole = 40 if factors is None else x.FACTORS
    assert all(len(p.factors) == whole for p in der.paths)  # none cut short
    assert "budget" in text.rest(der)


def test_a_spent_full_budget_does_not_offer_full():
    # with --full's budget spent, "--full raises it" would send the reader in a circle
    ev = run(doubling(40), a0=1)
    (der,) = x.explain(ev, paths=10**8, factors=None, budget=x.FULL_BUDGET).derivations
    assert der.budget_ran_out
    assert "--full" not in text.rest(der) and "whole budget" in text.rest(der)


def test_a_whole_path_longer_than_the_budget_keeps_its_ends():
    ev = run("\n".join(f"a{i + 1} = a{i} * 2" for i in range(300)), a0=1)
    (der,) = x.explain(ev, paths=16, factors=None, budget=400).derivations
    (path,) = der.paths
    assert path.length == 300 and len(path.factors) == 100 and path.elided == 200
    assert path.nodes[0] == "a300" and path.nodes[-1] == "a0" and path.product == 2.0**300
    (der,) = x.explain(ev, paths=16, factors=None, budget=600).derivations
    assert der.paths[0].elided == 0  # 300 steps up, 300 factors written


def test_budget_is_shared_by_the_inputs():
    ev = run(" + ".join(f"x{i}" for i in range(50)), **{f"x{i}": 1 for i in range(50)})
    exp = x.explain(ev, paths=16, factors=None, budget=200)
    assert sum(written(d) for d in exp.derivations) <= 200 + x.FACTORS
    assert exp.derivations[-1].budget_ran_out and exp.derivations[-1].paths == ()
    assert [d.gradient for d in exp.derivations] == [1.0] * 50  # still every gradient


def test_enormous_counts_are_said_approximately():
    n = 2**5000
    assert text.count_text(2**40) == "1,099,511,627,776"
    assert text.count_text(n).startswith("about 1.41e1505")
    assert isinstance(document.count_json(2**60), str) and document.count_json(2**60) == str(2**60)
    assert document.count_json(n).startswith("about")


def test_deep_doubling_chain():
    ev, exp = explained(doubling(1000), a0=1e-300, paths=2)
    (der,) = exp.derivations
    assert der.count == 2**1000 and len(der.paths) == 2
    assert text.total(exp, der).startswith("∂a1000/∂a0 = the sum over all about 1.07e301 paths")


# ---------------------------------------------------------------------------
# arrays: the factors are Jacobians

def test_arrays_write_the_chain_and_the_gradient():
    ev, exp = explained("h = sum(tanh(W @ v))", W=[[1, 2], [3, 4]], v=[0.1, -0.2])
    dw = derivation(exp, "W")
    assert dw.count == 1 and not dw.numeric and dw.shape == (2, 2)
    assert dw.paths[0].product is None
    line = text.single_equation(exp, dw)
    assert line.startswith("∂h/∂W = ∂h/∂t2 · ∂t2/∂t1 · ∂t1/∂W = [[")
    assert line.endswith("shape (2, 2)")
    assert exp.has_jacobians
    np.testing.assert_allclose(dw.gradient, ev.gradients()["W"])


def test_array_with_several_paths():
    ev, exp = explained("y = sum(v * v)", v=[1, 2, 3])
    (der,) = exp.derivations
    assert der.count == 2 and der.path_sum is None
    assert text.total(exp, der) == "∂y/∂v = the sum over all 2 paths = [2, 4, 6], shape (3,)"


# ---------------------------------------------------------------------------
# plain-text details

@pytest.mark.parametrize(("formula", "alone", "want"), [
    ("y", False, "y"),
    ("1 - tanh(x)^2", False, "(1 - tanh(x)^2)"),
    ("1 / 2", False, "(1 / 2)"),
    ("-x / y^2", False, "(-x / y^2)"),
    ("(1 if x > 0 else 0)", False, "(1 if x > 0 else 0)"),
    ("1 - tanh(x)^2", True, "1 - tanh(x)^2"),
])
def test_grouped(formula, alone, want):
    assert text.grouped(formula, alone) == want


def test_json_shape():
    ev, exp = explained("b = a + a; c = b * b", a=3)
    doc = document.explain_fields(exp)
    (der,) = doc["derivations"]
    assert der["input"] == "a" and der["path_count"] == 4 and der["paths_written"] == 4
    assert der["sum"] == 24 and der["gradient"] == 24 and der["complete"]
    path = der["paths"][0]
    assert path["nodes"] == ["c", "b", "a"] and path["product"] == 6
    assert path["factors"][0] == {"symbol": "∂c/∂b", "of": "c", "wrt": "b", "slot": 0,
                                  "formula": "b", "value": 6.0}
    assert doc["reuses"][0] == {"node": "c", "expr": "b * b", "operand": "b", "times": 2}


# ---------------------------------------------------------------------------
# Markdown

def test_markdown_worked_example():
    ev, exp = explained(WORKED, **POINT)
    md = markdown.markdown(exp)
    assert md.startswith("## Chain rule, from the output g down to each input\n")
    assert "- `∂g/∂x = ∂g/∂f · ∂f/∂x = 1 · y = 1 · (-4) = -4`\n" in md
    assert "**Gates on these paths**" in md and "multiply gate" in md


def test_markdown_escapes_text_outside_code():
    ev, exp = explained("b = a * a; c = b + b", a=2)
    md = markdown.markdown(exp)
    for line in md.splitlines():
        outside = re.sub(r"`[^`]*`", "", line)
        assert not re.search(r"(?<!\\)[*_](?!\*)", outside.replace("**", "")), line


# ---------------------------------------------------------------------------
# LaTeX

LATEX_CASES = [
    (WORKED, POINT),
    ("b = a + a; c = b + b", {"a": 1}),
    ("g = x*y + z", POINT),
    ("y = max(x, z) * min(x, z) + relu(x - z) + abs(z)", {"x": 1.5, "z": -0.5}),
    ("y = tanh(exp(x) * log(x + 2)) + sqrt(x + 1) ^ sin(x) / x^2", {"x": 0.3}),
    ("my_var = 2; c = my_var + 1; c = c * my_var; d = sigmoid(c) - 1e-12 * c", {}),
    ("h = sum(tanh(W @ v))", {"W": [[1, 2], [3, 4]], "v": [0.1, -0.2]}),
    (doubling(40), {"a0": 1}),
]


def _latex(text: str, values: dict) -> str:
    return latex.latex(explained(text, **values)[1])


def _balanced(tex: str) -> bool:
    depth = 0
    for m in re.finditer(r"\\.|[{}]", tex):
        if m.group(0) == "{":
            depth += 1
        elif m.group(0) == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


@pytest.mark.parametrize(("text", "values"), LATEX_CASES, ids=[c[0][:20] for c in LATEX_CASES])
def test_latex_is_balanced_ascii(text, values):
    exp = explained(text, **values)[1]
    for tex in (latex.latex(exp), latex.latex(exp, standalone=True)):
        assert _balanced(tex), tex
        assert tex.isascii(), [ch for ch in tex if not ch.isascii()]
        # an align* per input, so that each is as wide as its own rows need
        assert tex.count(r"\begin{align*}") == tex.count(r"\end{align*}") == \
            len(exp.derivations)
        assert tex.count(r"\begin{itemize}") == tex.count(r"\end{itemize}")
        for block in re.findall(r"\\begin\{align\*\}(.*?)\\end\{align\*\}", tex, re.S):
            for row in block.split("\\\\"):  # every row of an align* balances its braces
                assert _balanced(row), row


def test_latex_worked_example():
    tex = _latex(WORKED, POINT)
    assert (r"\frac{\partial g}{\partial x} &= \frac{\partial g}{\partial f} \cdot "
            r"\frac{\partial f}{\partial x} = 1 \cdot y = 1 \cdot (-4) = -4") in tex
    assert r"\frac{\partial g}{\partial z} &= 1" in tex


@pytest.mark.parametrize(("formula", "want"), [
    ("2 * x^(2 - 1)", r"2 \cdot x ^ { 2 - 1 }"),
    ("1 / (2 * sqrt(x))", r"1 / ( 2 \cdot \sqrt { x } )"),
    ("x^y * log(x)", r"x ^{y} \cdot \log ( x )"),
    ("sigmoid(t1)", r"\operatorname{sigmoid} ( t_{1} )"),
    ("c#1 + my_var", r"\mathit{c\#1} + \mathit{my\_var}"),
    ("(1 if a == b else 0)", r"( 1 \text{ if } a = b \text{ else } 0 )"),
    ("1e-05 * x", r"1 \cdot 10^{-5} \cdot x"),
])
def test_tex_formula(formula, want):
    assert latex.tex_formula(formula) == want


def _engine() -> str | None:
    return next((e for e in ("pdflatex", "lualatex", "xelatex") if shutil.which(e)), None)


@pytest.mark.parametrize(("text", "values"), LATEX_CASES, ids=[c[0][:20] for c in LATEX_CASES])
@pytest.mark.parametrize("size", ["10pt", "12pt"])
def test_latex_compiles(text, values, size, tmp_path):
    """The fragment, pasted into an article as the comment says, fits its pages."""
    if _engine() is None:
        if os.environ.get("CI", "").lower() == "true":  # .ci/run installs pdflatex
            pytest.fail("no LaTeX engine in CI")
        pytest.skip("no LaTeX engine installed")
    doc = (f"\\documentclass[{size}]{{article}}\n\\usepackage{{amsmath}}\n\\begin{{document}}\n"
           + _latex(text, values) + "\\end{document}\n")
    (tmp_path / "d.tex").write_text(doc)
    r = subprocess.run([_engine(), "-interaction=nonstopmode", "-halt-on-error", "d.tex"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-2000:]
    log = (tmp_path / "d.log").read_text(encoding="latin-1")
    over = re.findall(r"Overfull \\[hv]box \((\d+(?:\.\d+)?)pt", log)
    assert all(float(pt) <= 5 for pt in over), over
