"""The Python API (`import backpropcli as bp`): every call of the issue as written, with
the worked example's numbers; types (floats for numbers, numpy arrays for arrays);
errors as BackpropError, never SystemExit; the displays; and a light import."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import backpropcli as bp
from backpropcli import BackpropError
from tests.helpers import ROOT, SAMPLES

SEED = "f = x*y; g = f + z"


@pytest.fixture
def r():
    return bp.evaluate("g = x*y + z", x=3, y=-4, z=2)


# ---------------------------------------------------------------------------
# evaluate

def test_evaluate_the_worked_example(r):
    assert r.value == -10.0
    assert r.gradients == {"x": -4.0, "y": 3.0, "z": 1.0}
    assert r.inputs == {"x": 3.0, "y": -4.0, "z": 2.0}
    assert r.output == "g"
    assert r.params == ["x", "y", "z"]
    assert r.program == "g = x*y + z"


def test_numbers_come_back_as_python_floats(r):
    assert type(r.value) is float
    assert all(type(v) is float for v in r.gradients.values())
    assert all(type(v) is float for v in r.inputs.values())
    for node in r.nodes:
        assert type(node.value) is float and type(node.grad) is float
        assert all(type(v) is float for v in node.local)


def test_nodes_give_name_op_expr_value_local_grad():
    r = bp.evaluate(SEED, x=3, y=-4, z=2)
    f, g = r.nodes
    assert (f.name, f.op, f.args, f.expr, f.value, f.local, f.grad) == \
        ("f", "mul", ("x", "y"), "x * y", -12.0, (-4.0, 3.0), 1.0)
    assert (g.name, g.op, g.args, g.expr, g.value, g.local, g.grad) == \
        ("g", "add", ("f", "z"), "f + z", -10.0, (1.0, 1.0), 1.0)


def test_a_constant_operand_has_no_local_gradient():
    (node,) = bp.evaluate("g = 3 * x", x=2).nodes
    assert node.local == (None, 3.0)


def test_arrays_come_back_as_numpy_arrays():
    r = bp.evaluate("g = sum(W @ x)", W=[[1, 2], [3, 4]], x="[1, -1]")
    assert type(r.value) is float and r.value == -2.0
    assert isinstance(r.inputs["W"], np.ndarray) and isinstance(r.inputs["x"], np.ndarray)
    assert r.inputs["W"].dtype == np.float64
    np.testing.assert_array_equal(r.gradients["W"], [[1, -1], [1, -1]])
    np.testing.assert_array_equal(r.gradients["x"], [4, 6])
    (mm, total) = r.nodes
    assert isinstance(mm.value, np.ndarray) and isinstance(mm.grad, np.ndarray)
    assert mm.local is None  # a matrix product has a vector-Jacobian product, not a local


def test_text_values_as_on_the_command_line():
    r = bp.evaluate("g = sum(x * x)", x="[1, 2]")
    assert r.value == 5.0
    np.testing.assert_array_equal(r.gradients["x"], [2.0, 4.0])
    assert bp.evaluate("g = x * 2", x="-1e-3").value == -0.002


def test_values_as_a_dict_for_names_that_clash_with_options():
    assert bp.evaluate("g = seed * 2", {"seed": 3}).value == 6.0
    assert bp.evaluate("g = lr * output", {"lr": 2, "output": 5}).gradients == \
        {"lr": 5.0, "output": 2.0}
    assert bp.evaluate("g = x * y", {"x": 3}, y=-4).value == -12.0


def test_a_value_given_twice_is_an_error():
    with pytest.raises(BackpropError, match="given both") as e:
        bp.evaluate("g = x * y", {"x": 3}, x=4, y=1)
    assert e.value.kind == "usage"


def test_arrays_given_and_returned_are_copies():
    w = np.array([1.0, 2.0])
    r = bp.evaluate("g = sum(w * w)", w=w)
    w[0] = 100  # the caller's array changes afterwards
    r.inputs["w"][1] = 50  # and so does one handed back
    np.testing.assert_array_equal(r.inputs["w"], [1.0, 2.0])
    assert bp.step(r, lr=0.1).previous.value == 5.0


def test_defaults_in_the_program_and_values_that_override_them():
    assert bp.evaluate("x = 3\ny = -4\ng = x*y").value == -12.0
    assert bp.evaluate("x = 3\ny = -4\ng = x*y", x=1).value == -4.0


def test_evaluate_again_with_new_values(r):
    again = bp.evaluate(r, x=1)
    assert again.value == 1 * -4 + 2
    assert bp.evaluate(r).value == r.value


def test_output_chooses_the_node_whose_gradient_is_taken():
    r = bp.evaluate(SEED, x=3, y=-4, z=2, output="f")
    assert r.output == "f" and r.value == -12.0
    assert r.gradients == {"x": -4.0, "y": 3.0, "z": 0.0}


def test_params_and_freeze_choose_what_a_step_moves():
    assert bp.evaluate(SEED, x=3, y=-4, z=2, params=["x", "z"]).params == ["x", "z"]
    assert bp.evaluate(SEED, x=3, y=-4, z=2, freeze="x,y").params == ["z"]  # as on the CLI
    s = bp.step(SEED, x=3, y=-4, z=2, lr=0.1, freeze=["x"])
    assert s.inputs == pytest.approx({"x": 3.0, "y": -4.3, "z": 1.9})
    s = bp.step(bp.evaluate(SEED, x=3, y=-4, z=2, params=["y"]), lr=0.1)
    assert s.inputs == pytest.approx({"x": 3.0, "y": -4.3, "z": 2.0})


def test_seed_makes_random_starts_repeatable():
    program = "W = randn(3, 2); b = uniform(2); L = sum(tanh(x @ W + b))"
    one = bp.evaluate(program, x=[1, 2, 3], seed=1)
    two = bp.evaluate(program, x=[1, 2, 3], seed=1)
    other = bp.evaluate(program, x=[1, 2, 3], seed=2)
    np.testing.assert_array_equal(one.inputs["W"], two.inputs["W"])
    np.testing.assert_array_equal(one.inputs["b"], two.inputs["b"])
    assert one.value == two.value
    assert not np.array_equal(one.inputs["W"], other.inputs["W"])
    d1 = bp.descend(program, x=[1, 2, 3], seed=7, steps=5)
    d2 = bp.descend(program, x=[1, 2, 3], seed=7, steps=5)
    assert d1.value == d2.value


def test_base_is_the_folder_load_reads_data_from():
    text = (SAMPLES / "twolayer.bp").read_text()
    with pytest.raises(BackpropError) as e:  # from the test's own (empty) folder
        bp.evaluate(text)
    assert e.value.kind == "value" and "twolayer.csv" in e.value.message
    r = bp.evaluate(text, base=SAMPLES)
    assert r.output == "L" and r.value > 0
    assert set(r.inputs) == {"W1", "b1", "W2", "b2"}  # X and y are data, not inputs
    assert bp.evaluate(text, base=str(SAMPLES)).value == r.value
    s = bp.step(r, lr=0.5)  # the step finds the data again
    assert s.value < r.value


def test_a_program_file_as_a_path_reads_its_data_next_to_it():
    r = bp.evaluate(SAMPLES / "twolayer.bp")
    assert r.value == bp.evaluate((SAMPLES / "twolayer.bp").read_text(), base=SAMPLES).value
    assert bp.evaluate(SAMPLES / "seed.bp").gradients == {"x": -4.0, "y": 3.0, "z": 1.0}


# ---------------------------------------------------------------------------
# step

def test_step_the_worked_example(r):
    s = bp.step(r, lr=0.1)
    assert s.inputs == pytest.approx({"x": 3.4, "y": -4.3, "z": 1.9}, abs=1e-12)
    assert s.value == pytest.approx(-12.72, abs=1e-12)
    assert s.change == pytest.approx(-2.72, abs=1e-12)
    assert (s.lr, s.ascend) == (0.1, False)
    assert s.previous.value == -10.0 and s.previous.inputs == r.inputs
    assert s.gradients == pytest.approx({"x": -4.3, "y": 3.4, "z": 1.0})  # at the new point
    assert r.value == -10.0  # the result stepped from is unchanged


def test_step_from_a_program_text_evaluates_then_steps():
    s = bp.step("g = x*y + z", x=3, y=-4, z=2, lr=0.1)
    assert s.value == pytest.approx(-12.72, abs=1e-12)
    assert s.previous.value == -10.0
    assert bp.step("g = x*y + z", {"x": 3, "y": -4, "z": 2}).value == s.value  # lr 0.1


def test_steps_chain(r):
    two = bp.step(bp.step(r, lr=0.1), lr=0.1)
    assert two.previous.value == pytest.approx(-12.72, abs=1e-12)
    assert two.inputs == pytest.approx({"x": 3.4 + 0.43, "y": -4.3 - 0.34, "z": 1.8})


def test_ascend_climbs_the_gradient(r):
    a = bp.step(r, lr=0.1, ascend=True)
    assert a.inputs == pytest.approx({"x": 2.6, "y": -3.7, "z": 2.1})
    assert a.value == pytest.approx(2.6 * -3.7 + 2.1) and a.change > 0
    assert (a.lr, a.ascend) == (0.1, True)
    assert "Gradient-ascent step, lr = 0.1" in repr(a)
    d = bp.descend("L = -(a - 3)^2", a=0, lr=0.1, steps=200, ascend=True)
    assert d.inputs["a"] == pytest.approx(3)


def test_lr_is_a_keyword():
    with pytest.raises(BackpropError, match="dict of names") as e:
        bp.step(bp.evaluate("g = x", x=1), 0.1)
    assert e.value.kind == "usage" and "lr=0.1" in e.value.hint


# ---------------------------------------------------------------------------
# descend

def test_descend_to_the_minimum_with_its_history():
    d = bp.descend("L = (a - 3)^2", a=0, lr=0.1, steps=200)
    assert d.inputs["a"] == pytest.approx(3, abs=1e-9)
    assert d.value == pytest.approx(0, abs=1e-12)
    assert d.run.stopped == "steps"
    h = d.history
    assert len(h) == 201
    assert [e["step"] for e in h] == list(range(201))
    assert h[0]["value"] == 9.0 and h[0]["lr"] is None
    assert h[1]["value"] == pytest.approx(5.76) and h[1]["lr"] == 0.1
    values = [e["value"] for e in h]
    assert all(b <= a for a, b in itertools.pairwise(values))
    assert values[-1] < values[0]
    assert d.start.inputs == {"a": 0.0}


def test_descend_stops_when_it_settles_and_reports_divergence_without_raising():
    d = bp.descend("L = (a - 3)^2", a=0, lr=0.1, tol=1e-12)
    assert d.run.stopped == "converged" and len(d.history) < 1001
    bad = bp.descend("L = a^2", a=1, lr=10, steps=500)
    assert bad.run.stopped == "diverged" and bad.run.reason
    assert bad.value <= 1.0  # it ends at the best point it saw


def test_descend_options(r):
    seen = []
    d = bp.descend("L = (a - 3)^2 + (b + 1)^2", a=0, b=0, lr=0.1, steps=300,
                   optimizer="adam", watch=["a"], every=10,
                   on_step=lambda k, v: seen.append(k))
    assert d.inputs == pytest.approx({"a": 3, "b": -1}, abs=1e-2)
    assert [e["step"] for e in d.history][:3] == [0, 10, 20]
    assert d.history[0]["watched"] == {"a": 0.0}
    assert seen and seen[-1] == 300
    assert bp.descend(r, steps=3).history[-1]["step"] == 3  # from a result
    assert bp.evaluate("g = x", x=1).history == []  # no descent, no history


# ---------------------------------------------------------------------------
# check and explain

def test_check_passes_with_rows(r):
    c = bp.check(r)
    assert isinstance(c, bp.Check)
    assert c.passed and not c.failures
    assert [row.input for row in c.rows] == ["x", "y", "z"]
    for row, grad in zip(c.rows, [-4.0, 3.0, 1.0], strict=True):
        assert row.backprop == grad and row.numeric == pytest.approx(grad)
        assert row.ok and row.error < c.tol
    assert bp.check("g = x*y + z", x=3, y=-4, z=2).passed


def test_check_of_arrays_has_a_row_per_element():
    c = bp.check("h = sum(tanh(W @ x))", W="[[1, 2], [3, 4]]", x=[0.1, -0.2])
    assert c.passed
    assert [row.label for row in c.rows] == ["W[0, 0]", "W[0, 1]", "W[1, 0]", "W[1, 1]",
                                             "x[0]", "x[1]"]


def test_a_failed_check_is_a_result_not_an_error():
    c = bp.check("g = x^2", x=1e6, eps=1e-15, tol=1e-15)
    assert not c.passed and c.failures


def test_explain_the_chain_rule_of_the_article():
    e = bp.explain(SEED, x=3, y=-4, z=2)
    assert isinstance(e, bp.Explanation)
    assert e.output == "g" and e.value == -10.0
    by = {d.input: d for d in e.derivations}
    assert list(by) == ["x", "y", "z"]
    (px,) = by["x"].paths
    assert [f.symbol for f in px.factors] == ["∂g/∂f", "∂f/∂x"]  # ∂g/∂x = ∂g/∂f · ∂f/∂x
    assert [f.formula for f in px.factors] == ["1", "y"]
    assert [f.value for f in px.factors] == [1.0, -4.0] and px.product == -4.0
    assert by["x"].gradient == -4.0 and by["y"].gradient == 3.0 and by["z"].gradient == 1.0
    assert [f.symbol for f in by["y"].paths[0].factors] == ["∂g/∂f", "∂f/∂y"]
    assert [f.symbol for f in by["z"].paths[0].factors] == ["∂g/∂z"]


def test_explain_counts_paths():
    e = bp.explain("b = a + a; c = b + b", a=1)
    (d,) = e.derivations
    assert d.count == 4 and d.gradient == 4.0
    assert len(bp.explain("b = a + a; c = b + b", a=1, paths=1).derivations[0].paths) == 1


# ---------------------------------------------------------------------------
# errors

def test_a_syntax_error_has_its_place():
    with pytest.raises(BackpropError) as e:
        bp.evaluate("g = x*", x=1)
    assert e.value.kind == "syntax"
    assert (e.value.line, e.value.column) == (1, 7)
    assert e.value.message
    assert not isinstance(e.value, SystemExit)
    with pytest.raises(BackpropError) as e:
        bp.evaluate("f = x*y\ng = f + * z", x=1, y=2, z=3)
    assert (e.value.kind, e.value.line, e.value.column) == ("syntax", 2, 9)
    assert "^" in e.value.context()


def test_a_missing_value_names_every_missing_input():
    with pytest.raises(BackpropError) as e:
        bp.evaluate("g = x*y + z", x=3)
    assert e.value.kind == "value"
    assert "y" in e.value.message and "z" in e.value.message


def test_a_non_finite_result_is_a_math_error():
    with pytest.raises(BackpropError) as e:
        bp.evaluate("g = log(x)", x=-1)
    assert e.value.kind == "math" and e.value.line == 1
    with pytest.raises(BackpropError) as e:
        bp.evaluate("g = 1 / x", x=0)
    assert e.value.kind == "math"


@pytest.mark.parametrize(("call", "kind"), [
    (lambda: bp.evaluate(3), "usage"),
    (lambda: bp.evaluate("g = x", 5), "usage"),
    (lambda: bp.evaluate("g = x", {1: 2}), "usage"),
    (lambda: bp.evaluate("g = x", x=object()), "value"),
    (lambda: bp.evaluate("g = x", x="abc"), "value"),
    (lambda: bp.evaluate("g = x", x=[1, [2]]), "value"),
    (lambda: bp.evaluate("g = x", x=1, w=2), "value"),
    (lambda: bp.evaluate("g = x", x=1, output="nope"), "usage"),
    (lambda: bp.evaluate("g = x", x=1, params=["nope"]), "usage"),
    (lambda: bp.evaluate("g = x", x=1, params=[1]), "usage"),
    (lambda: bp.evaluate("g = frob(x)", x=1), "program"),
    (lambda: bp.evaluate("g = W @ x", W=[[1, 2]], x=[1, 2, 3]), "shape"),
    (lambda: bp.evaluate(Path("no-such.bp")), "usage"),
    (lambda: bp.evaluate("W = randn(2); g = sum(W)", seed=-1), "usage"),
    (lambda: bp.evaluate("W = randn(2); g = sum(W)", seed=1.5), "usage"),
    (lambda: bp.step(bp.evaluate("g = x", x=1), lr=-1), "usage"),
    (lambda: bp.step(bp.evaluate("g = x", x=1), lr="fast"), "usage"),
    (lambda: bp.step(bp.evaluate("g = x^2", x=1e200), lr=1e200), "math"),
    (lambda: bp.descend("g = x", x=1, steps=-1), "usage"),
    (lambda: bp.descend("g = x", x=1, steps=2.5), "usage"),
    (lambda: bp.descend("g = x", x=1, optimizer="rmsprop"), "usage"),
    (lambda: bp.step("g = x^2", x=1, newton=True, damping=-1), "usage"),
    (lambda: bp.step("g = x^2 - y^2", x=1, y=1, newton=True), "math"),
    (lambda: bp.cost("g = x^2", x=1, repeats=0), "usage"),
    (lambda: bp.descend("g = x", x=1, schedule="sometimes"), "usage"),
    (lambda: bp.descend("g = x", x=1, every=0), "usage"),
    (lambda: bp.descend("g = x", x=1, every=2.5), "usage"),
    (lambda: bp.descend("g = x", x=1, steps=True), "usage"),
    (lambda: bp.explain("g = x", x=1, paths="all"), "usage"),
    (lambda: bp.descend("g = x", x=1, watch=["nope"]), "usage"),
    (lambda: bp.check("g = x", x=1, eps=0), "usage"),
    (lambda: bp.explain("g = x", x=1, paths=-1), "usage"),
])
def test_every_error_is_a_backprop_error_never_system_exit(call, kind):
    # BaseException: a SystemExit or a TypeError would be caught too, and fail below
    with pytest.raises(BaseException) as e:  # noqa: PT011
        call()
    assert isinstance(e.value, BackpropError), f"{type(e.value).__name__}: {e.value}"
    assert not isinstance(e.value, SystemExit)
    assert e.value.kind == kind, e.value.message
    assert e.value.message


# ---------------------------------------------------------------------------
# display: the CLI's tables, as text in a REPL and as HTML in Jupyter

def test_a_result_shows_the_eval_tables(r):
    text = repr(r)
    for words in ("Forward pass", "Local gradients", "Backward pass", "∂g/∂x", "← output",
                  "Gradient of g"):
        assert words in text
    assert str(r) == text
    assert all(line == line.rstrip() for line in text.splitlines())
    html = r._repr_html_()
    assert html.lstrip().startswith("<!DOCTYPE html>") or "<pre" in html
    for words in ("Forward pass", "Backward pass", "∂g/∂x"):
        assert words in html


def test_a_step_shows_the_step_table(r):
    text = repr(bp.step(r, lr=0.1))
    assert text.splitlines()[0] == "Gradient-descent step, lr = 0.1"
    assert "g: -10 → -12.72   (decreased by 2.72)" in text
    assert "Forward pass" not in text
    assert "Gradient-descent step" in bp.step(r, lr=0.1)._repr_html_()


def test_a_descent_shows_its_report():
    d = bp.descend("L = (a - 3)^2", a=0, lr=0.1, steps=200)
    text = repr(d)
    assert text.startswith("Gradient descent: sgd, lr 0.1, 200 steps")
    assert "L by step" in text
    assert "Gradient descent" in d._repr_html_()


def test_a_check_and_an_explanation_show_their_reports(r):
    c = bp.check(r)
    assert repr(c).startswith("Gradient check of g")
    assert "passed" in repr(c) and "Gradient check" in c._repr_html_()
    e = bp.explain(SEED, x=3, y=-4, z=2)
    assert "∂g/∂x = ∂g/∂f · ∂f/∂x = 1 · y = 1 · (-4) = -4" in repr(e)
    assert "Chain rule" in e._repr_html_()


def test_rich_draws_a_result_as_a_renderable(r):
    from rich.console import Console

    console = Console(record=True, width=100, color_system=None)
    console.print(bp.step(r, lr=0.1))
    assert "Gradient-descent step, lr = 0.1" in console.export_text()


def test_full_shows_every_row():
    r = bp.evaluate("g = sum(x)", x=list(range(200)))
    assert len(repr(r)) < len(str(_text(r.view(full=True))))


def _text(renderable) -> str:
    from backpropcli.terminal import views

    return views.text(renderable)


# ---------------------------------------------------------------------------
# the package

def test_import_is_light_and_the_api_loads_on_first_use():
    code = (
        "import sys\n"
        "import backpropcli as bp\n"
        "heavy = [m for m in ('numpy', 'lark', 'rich', 'typer') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "r = bp.evaluate('g = x*y + z', x=3, y=-4, z=2)\n"
        "assert r.gradients == {'x': -4.0, 'y': 3.0, 'z': 1.0}, r.gradients\n"
        "assert 'rich' not in sys.modules  # drawn only when shown\n"
        "print('ok')\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=ROOT, timeout=60)
    assert p.returncode == 0 and p.stdout == "ok\n", p.stderr


def test_the_api_names():
    assert set(bp.__all__) <= set(dir(bp))
    for name in bp.__all__:
        assert getattr(bp, name) is not None
    with pytest.raises(AttributeError):
        bp.nothing_here  # noqa: B018
    from backpropcli.core.errors import BackpropError as Base

    assert bp.BackpropError is Base
    for fn in (bp.evaluate, bp.step, bp.descend, bp.check, bp.explain):
        assert fn.__doc__


@pytest.mark.parametrize(("call", "meant"), [
    (lambda r: bp.step(r, lrr=0.1), "lr"),
    (lambda r: bp.descend(r, stepz=3), "steps"),
    (lambda r: bp.check(r, epss=1e-6), "eps"),
    (lambda r: bp.explain(r, pathz=3), "paths"),
    (lambda r: bp.evaluate(r, ouptut="g"), "output"),
])
def test_a_mistyped_keyword_is_named_with_the_one_meant(r, call, meant):
    with pytest.raises(bp.api.UnknownNames) as caught:
        call(r)
    assert f"did you mean {meant}?" in caught.value.hint
    assert "--" not in caught.value.message + caught.value.hint  # Python's words


def test_a_name_no_setting_is_close_to_stays_an_unknown_input(r):
    with pytest.raises(bp.api.UnknownNames) as caught:
        bp.step(r, learning_rate=0.1)
    assert caught.value.message == "the program does not use learning_rate"
    assert caught.value.hint == "its inputs are x, y, z"


@pytest.mark.parametrize("call", [
    lambda r: bp.step(r, lr=10**400),
    lambda r: bp.check(r, eps=10**400),
    lambda r: bp.descend(r, tol=10**400),
    lambda r: bp.descend(r, lr=float("inf")),
])
def test_numbers_past_a_float_are_backprop_errors(r, call):
    with pytest.raises(BackpropError, match=r"below about 1\.8e308"):
        call(r)


def test_a_session_error_says_how_in_python(tmp_path):
    broken = tmp_path / "s.json"
    broken.write_text("{}")
    with pytest.raises(BackpropError) as caught:
        bp.Session(broken).history  # noqa: B018 (reading it is the point)
    assert "Session(PATH)" in caught.value.hint and "--state" not in caught.value.hint


@pytest.mark.parametrize(("call", "wrong", "valid"), [
    (lambda: bp.history(state="s.json"), "state", "session"),
    (lambda: bp.precision(digit=3), "digit", "digits, full"),
])
def test_a_wrong_keyword_of_a_function_without_inputs_names_the_valid_ones(call, wrong, valid):
    with pytest.raises(TypeError) as caught:
        call()
    assert repr(wrong) in str(caught.value) and str(caught.value).endswith(f"it takes {valid}")


# ---------------------------------------------------------------------------
# forward and hessian

def test_forward_and_hessian_from_a_result(r):
    f = bp.forward(r)
    assert f.gradient == {"x": -4.0, "y": 3.0, "z": 1.0} and f.agrees
    assert bp.forward(r, direction={"x": 1, "y": 0.5}).jvp == -2.5
    assert bp.forward(r, wrt="y").gradient == {"y": 3.0}
    h = bp.hessian(r, explain="x,y")
    assert h.matrix.tolist() == [[0, 1, 0], [1, 0, 0], [0, 0, 0]] and h.symmetric
    assert h.entry is not None and h.entry.formula == "y"
    assert bp.hessian(r, hvp={"y": 2}).product == {"x": 2.0, "y": 0.0, "z": 0.0}
    assert "Hessian of g" in repr(h) and "Forward mode" in repr(f)


@pytest.mark.parametrize(("call", "said"), [
    (lambda r: bp.forward(r, wrt="q"), "wrt: q is not an input"),
    (lambda r: bp.forward(r, direction=3), "direction takes NAME=NUMBER pairs"),
    (lambda r: bp.hessian(r, hvp="x=nope"), "hvp: x=nope is not a number"),
])
def test_forward_and_hessian_errors_name_the_parameter(r, call, said):
    with pytest.raises(BackpropError, match=said):
        call(r)
