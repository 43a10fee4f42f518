"""The gradient as formulas (tasks/symbolic.py, tasks/formula_text.py): each formula,
read back by backprop's own parser and evaluated at the point, is the gradient eval
computes, on the worked examples, at kinks, on arrays and on random programs; and the
budgets stop a program too large with a LimitError that says the size it reached."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import backpropcli as bp
from backpropcli.core.engine import forward
from backpropcli.core.errors import BackpropError, LimitError, UsageError
from backpropcli.lang.parse import parse
from backpropcli.tasks import symbolic
from backpropcli.tasks.values import bind
from tests.helpers import SAMPLES

pytest.importorskip("sympy")

RTOL = 1e-9


def formulas(program: str, **values):
    return bp.explain(program, symbolic=True, **values).symbolic


def by_input(f) -> dict:
    return {x.input: x for x in f.formulas}


def agrees(program: str, values: dict, partial: bool = False) -> None:
    """Every formula, evaluated by backprop at the point, is eval's gradient (`partial`:
    every formula there is)."""
    r = bp.evaluate(program, **values)
    for x in formulas(program, **values).formulas:
        if partial and x.program is None:
            continue
        assert x.program is not None, x.reason
        got = value(x.program, {n: values[n] for n in x.inputs})
        want = r.gradients[x.input]
        scale = max(1.0, float(np.max(np.abs(want))))
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=RTOL * scale,
                                   err_msg=f"∂/∂{x.input} = {x.program}")


def value(program: str, values: dict):
    """The program's value by backprop's parser and forward pass (eval would also stop
    where the formula's own gradient is not finite, as 1.5 * x^0.5 at x = 0)."""
    graph = parse(program)
    return forward(graph, bind(graph, values))[0][graph.output]


def test_worked_example():
    f = by_input(formulas("f = x*y; g = f + z", x=3, y=-4, z=2))
    assert (f["x"].expression, f["y"].expression, f["z"].expression) == ("y", "x", "1")
    assert f["x"].where == () and f["x"].inputs == ("y",)


def test_neuron_reads_as_the_chain_rule():
    program = "z = w*x + b; L = (sigmoid(z) - t)^2"
    values = {"w": 0.5, "x": 2.0, "b": 0.1, "t": 1.0}
    w = by_input(formulas(program, **values))["w"]
    # SymPy 1.14 orders the factors so, and writes (σ − t)(1 − σ) as (t − σ)(σ − 1)
    assert w.expression == "2 * x * (t - sigmoid(z)) * (sigmoid(z) - 1) * sigmoid(z)"
    assert w.where == (("z", "b + w * x"),)
    issue = "z = w*x + b; 2 * (sigmoid(z) - t) * sigmoid(z) * (1 - sigmoid(z)) * x"
    for seed in range(5):
        point = dict(zip(values, np.random.default_rng(seed).normal(size=4), strict=True))
        assert bp.evaluate(w.program, **point).value == pytest.approx(
            bp.evaluate(issue, **point).value, rel=RTOL)
    agrees(program, values)


@pytest.mark.parametrize(("program", "values"), [
    ("y = relu(x) * 3", {"x": 0.0}),  # relu'(0) = 0
    ("y = relu(x) * 3", {"x": 2.0}),
    ("y = abs(x) + sign(x) * x", {"x": 0.0}),  # abs'(0) = 0; sign is flat
    ("y = max(x, w) + min(x, 2 * w)", {"x": 1.0, "w": 1.0}),  # a tie: half each
    ("y = max(x, x)", {"x": -2.0}),
    ("y = x^0.5 / 3 + e^x - pi * x + 0.1 * x^2 / 7", {"x": 2.0}),
    ("y = log(x) * sqrt(x) / (1 + x^2) - cos(x) * sin(x) + 1/x", {"x": 0.7}),
    ("a = x * y; b = a * a + x; c = tanh(b) * b", {"x": 0.3, "y": 0.2}),
    ("c = x; c = c * c; c = c + x", {"x": 1.5}),  # c#1 is inlined, not named
    ("y = x", {"x": 4.0}),
    ("k = 2 * 3; y = k * x + 1e-300 * x^2", {"x": 2.0}),  # k, made of constants, inlined
])
def test_formulas_evaluate_to_the_gradient(program, values):
    agrees(program, values)


def test_a_named_node_of_constants_is_inlined():
    f = formulas("k = 2 * 3; y = k * x * x", x=2.0)
    assert f.formulas[0].expression == "12 * x" and f.formulas[0].where == ()


def test_elementwise_arrays_get_elementwise_formulas():
    x = np.array([0.5, -1.0, 2.0])
    f = by_input(formulas("y = tanh(x) * w + x * [1, 2, 3]", x=x, w=x * 2))
    assert f["x"].expression is not None and f["w"].expression is not None
    agrees("y = tanh(x) * w + x * [1, 2, 3]", {"x": x, "w": x * 2})


def test_matrix_calculus_is_said_not_guessed():
    f = by_input(formulas("L = sum(x * v) + y * y", x=1.0, v=np.array([1.0, 2.0]), y=2.0))
    assert f["x"].expression is None and "not elementwise (sum)" in f["x"].reason
    assert f["v"].expression is None
    assert f["y"].expression == "2 * y"  # the others still get theirs
    # the value of a sum is written as the language writes it; only its gradient is not
    f = by_input(formulas("c = sum(x * v); L = c * y", x=1.0, v=np.array([1.0, 2.0]), y=2.0))
    assert f["y"].expression == "c" and f["y"].where == (("c", "sum(v * x)"),)
    agrees("L = sum(x * v, 0) * y", {"x": np.array([1.0, 3.0]), "v": np.array([1.0, 2.0]),
                                     "y": 2.0}, partial=True)
    f = by_input(formulas("L = (W @ x) * y", W=np.eye(2), x=np.ones(2), y=np.ones(2)))
    assert f["y"].expression is None and "t1 = W @ x" in f["y"].reason
    f = by_input(formulas("L = x * v", x=1.0, v=np.array([1.0, 2.0])))
    assert f["x"].expression is None and "sum over the elements" in f["x"].reason
    assert f["v"].expression == "x"


def test_swell_counted_by_hand():
    f = formulas("f = x*y; g = f + z", x=3, y=-4, z=2)
    # ∂g/∂x = 1 * y (3 nodes), ∂g/∂y = 1 * x, ∂g/∂z = 1; 4 edges backward
    assert [x.expanded for x in f.formulas] == [3, 3, 1]
    assert (f.expanded, f.products) == (7, 4)
    f = formulas("b = a + a; c = b + b", a=1)
    # four paths 1 * 1 (3 nodes each) and 3 pluses; 4 edges (each use is one)
    assert (f.formulas[0].paths, f.formulas[0].expanded, f.products) == (4, 15, 4)
    # neuron.bp, ∂f/∂w0: σ(dot)·(1 − σ(dot)) with dot's 9 nodes put in twice is 23 nodes,
    # then 1, 1, x0 and three "*": 29
    f = bp.explain(SAMPLES / "neuron.bp", symbolic=True).symbolic
    assert by_input(f)["w0"].expanded == 29 and f.products == 9


def test_a_deep_chain_is_too_large_with_the_size_it_reached():
    program = "y = " + "tanh(" * 60 + "x" + ")" * 60
    with pytest.raises(LimitError) as e:
        formulas(program, x=0.5)
    # factor k is 1 - out^2 with out k tanh deep: k + 5 nodes; 60 factors and 59 "*"
    assert f"{sum(k + 5 for k in range(1, 61)) + 59:,}" == "2,189"
    assert "written out in full, 2,189" in str(e.value) and "even simplified" in str(e.value)
    assert "--symbolic" not in str(e.value)  # the API spells the option its own way
    assert e.value.exit_code == 2 and "drop" in (e.value.hint or "")


def test_exponentially_many_paths_are_counted_not_built():
    program = "a = x\n" + "\n".join("a = a + a" for _ in range(60))
    # 2^60 paths, each 60 factors "1" and 59 "*", and a "+" between each two paths
    with pytest.raises(LimitError, match=f"{2**60 * 119 + 2**60 - 1:,} nodes"):
        formulas(program, x=1.0)


def test_the_time_budget_stops_simplifying():
    ev = bp.evaluate("a = x * y; b = tanh(a) * sigmoid(a + x); c = b * b + exp(b)",
                     x=0.3, y=0.2).evaluation
    with pytest.raises(LimitError, match="took more than"):
        symbolic.formulas(ev, seconds=1e-6)


def test_sympy_recursing_too_deep_is_too_large(monkeypatch):
    def deep(expr, sympy):
        raise RecursionError
    monkeypatch.setattr(symbolic, "_simplest", deep)
    with pytest.raises(LimitError, match="too deeply nested"):
        formulas("y = x * x", x=1.0)


def test_without_sympy_the_error_names_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sympy", None)  # import sympy raises ImportError
    with pytest.raises(UsageError) as e:
        formulas("y = x * x", x=1.0)
    assert "symbolic=True" not in e.value.message and "SymPy" in e.value.message
    assert "pip install 'backpropcli[symbolic]'" in (e.value.hint or "")
    assert bp.explain("y = x * x", x=1.0).symbolic is None  # without the option: no SymPy


def test_symbolic_takes_a_flag():
    with pytest.raises(BackpropError, match="symbolic"):
        bp.explain("y = x", x=1.0, symbolic="yes")


# ---------------------------------------------------------------------------
# random scalar programs: the formula, read back, is eval's gradient

UNARY = ("exp", "tanh", "sigmoid", "relu", "abs", "sin", "cos", "sign")
BINARY = ("+", "-", "*")


@st.composite
def programs(draw):
    names = ["x", "y", "z"]
    lines = []
    for n in range(draw(st.integers(1, 4))):
        a, b = draw(st.sampled_from(names)), draw(st.sampled_from(names))
        kind = draw(st.integers(0, 3))
        if kind == 0:
            expr = f"{draw(st.sampled_from(UNARY))}({a})"
        elif kind == 1:
            expr = f"{a} {draw(st.sampled_from(BINARY))} {b}"
        elif kind == 2:
            expr = f"{draw(st.sampled_from(('max', 'min')))}({a}, {b})"
        else:
            expr = f"{a}^{draw(st.sampled_from((2, 3)))} * {draw(st.sampled_from((0.5, 2, -1.25)))}"
        names.append(f"v{n}")
        lines.append(f"v{n} = {expr}")
    lines.append("out = " + " + ".join(names[3:]) + " * x")
    values = {k: draw(st.sampled_from((0.0, 1.0, -0.5, 0.25, 2.0))) for k in "xyz"}
    return "\n".join(lines), values


@settings(max_examples=25, deadline=None)
@given(programs())
def test_random_programs_read_back_to_the_gradient(case):
    program, values = case
    values = {k: v for k, v in values.items() if re.search(rf"\b{k}\b", program)}
    try:
        bp.evaluate(program, **values)
    except BackpropError:  # not finite at this point (0^-1.25 ...): eval refuses it too
        assume(False)
    agrees(program, values)


def test_a_registered_op_gets_its_formula_from_its_row():
    from backpropcli.core import ops

    ops.register(ops.Op("softplus", 1, "log(1 + exp(a))", local=("1 / (1 + exp(-a))",),
                        doc="log(1 + exp(a))", level=3))
    try:
        f = formulas("y = softplus(x) * softplus(w)", x=0.3, w=-1.2)
        assert by_input(f)["x"].expression == "softplus(w) / (1 + exp(-x))"
        agrees("y = softplus(x) * softplus(w)", {"x": 0.3, "w": -1.2})
    finally:
        ops.unregister("softplus")


def test_exp_and_log_are_sympys_own_and_a_form_the_language_lacks_is_passed_over():
    # e^x's derivative is exp(x) (log(e) is 1), exp(log(x)) is x; simplify would make
    # cosh(x) of the second, which the language cannot write: the other form is kept
    assert by_input(formulas("y = e^x", x=1))["x"].expression == "exp(x)"
    assert by_input(formulas("y = exp(log(x)) * 3", x=2))["x"].expression == "3"
    f = by_input(formulas("y = (exp(x) - exp(-x)) / 2", x=1))["x"]
    assert f.expression is not None and "cosh" not in f.expression
    agrees("y = (exp(x) - exp(-x)) / 2 + log(x * e)", {"x": 1.5})
