"""Newton's step (core/optim.newton_move, tasks/newton.py, the API's step(newton=True)
and descend(optimizer="newton")): one step lands on a quadratic's minimum, damping
shortens it as it should, a singular, indefinite or negative definite Hessian is refused
by name, and a Newton descent converges on a small convex program."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import backpropcli as bp
from backpropcli.core.errors import LimitError, MathError, UsageError
from backpropcli.core.optim import newton_move
from backpropcli.tasks.history import read

BOWL = "g = (x-1)^2 + 10*(y+2)^2"
coordinate = st.floats(-1e3, 1e3, allow_nan=False)


@pytest.mark.parametrize(("x", "y"), [(5, 7), (0, 0), (-3, 100), (1, -2)])
def test_one_step_lands_on_the_bowls_minimum_exactly(x, y):
    r = bp.step(BOWL, x=x, y=y, newton=True)
    assert r.inputs == {"x": 1.0, "y": -2.0} and r.value == 0.0
    assert list(r.newton.eigenvalues) == [2.0, 20.0]


@settings(max_examples=30, deadline=None)
@given(coordinate, coordinate)
def test_one_step_lands_on_the_bowls_minimum_from_anywhere(x, y):
    r = bp.step(BOWL, x=x, y=y, newton=True)
    assert math.isclose(r.inputs["x"], 1.0, abs_tol=1e-12)
    assert math.isclose(r.inputs["y"], -2.0, abs_tol=1e-12)


def test_a_bowl_with_a_cross_term_and_an_array_param():
    # H = [[4, 1], [1, 2]]; the minimum solves H·(x, y) = (3, -1): (1, -1)
    r = bp.step("g = 2*x^2 + x*y + y^2 - 3*x + y", x=10, y=-7, newton=True)
    assert np.allclose([r.inputs["x"], r.inputs["y"]], [1.0, -1.0], atol=1e-12)
    r = bp.step("L = sum((w - [1, 2, 3])^2)", w=[0, 0, 0], newton=True)
    assert np.allclose(r.inputs["w"], [1.0, 2.0, 3.0], atol=1e-12)
    assert r.newton.labels == ["w[0]", "w[1]", "w[2]"]


def test_the_gradient_step_beside_it():
    r = bp.step(BOWL, x=5, y=7, newton=True, lr=0.1)
    assert r.newton.gradient.inputs() == {"x": pytest.approx(4.2), "y": pytest.approx(-11.0)}
    assert r.previous.inputs == {"x": 5.0, "y": 7.0}
    assert r.change == -826.0


@pytest.mark.parametrize("damping", [0.5, 2.0, 100.0])
def test_damping_shortens_the_step_as_h_plus_lambda_i_says(damping):
    # along x: H = 2, so the step covers 2/(2 + λ) of the way to x = 1
    r = bp.step(BOWL, x=5, y=-2, newton=True, damping=damping)
    assert r.inputs["x"] == pytest.approx(5 - 4 * 2 / (2 + damping))
    assert r.newton.damping == damping


def test_damping_makes_an_indefinite_hessian_usable():
    r = bp.step("g = x^2 - y^2", x=1, y=1, newton=True, damping=3)
    # H + 3I = diag(5, 1); gradient (2, -2)
    assert r.inputs == {"x": pytest.approx(1 - 2 / 5), "y": pytest.approx(3.0)}


@pytest.mark.parametrize(("text", "said"), [
    ("g = x^2 - y^2", "the Hessian is indefinite (eigenvalues -2, 2): Newton's step would "
                      "climb toward a saddle"),
    ("g = (x + y)^2", "the Hessian is singular (eigenvalues 0, 4): Newton's step is not "
                      "defined"),
    ("g = -x^2 - 3*y^2", "the Hessian is negative definite (eigenvalues -6, -2)"),
    ("g = x + y", "the Hessian is singular (eigenvalues 0, 0)"),
])
def test_a_hessian_newton_cannot_step_by_is_named(text, said):
    with pytest.raises(MathError) as e:
        bp.step(text, x=1, y=1, newton=True)
    assert said in e.value.message and "damping" in e.value.hint


def test_too_little_damping_is_named_with_the_damped_eigenvalues():
    with pytest.raises(MathError, match=r"plus λI \(λ = 1\) is indefinite \(eigenvalues -1, 3\)"):
        bp.step("g = x^2 - y^2", x=1, y=1, newton=True, damping=1)


def test_newton_move_never_returns_nan():
    for h in (np.zeros((2, 2)), np.array([[1.0, 1.0], [1.0, 1.0]]), np.diag([1e-300, 1.0])):
        with pytest.raises(MathError):
            newton_move(h, np.ones(2))


def test_bad_arguments():
    with pytest.raises(UsageError, match="damping damps Newton's step"):
        bp.step(BOWL, x=1, y=1, damping=1)
    with pytest.raises(UsageError, match="must be a positive number"):
        bp.step(BOWL, x=1, y=1, newton=True, damping=-1)
    with pytest.raises(UsageError, match="newton and ascend"):
        bp.step(BOWL, x=1, y=1, newton=True, ascend=True)
    with pytest.raises(LimitError, match="at most 400"):
        bp.step("L = sum(w*w)", w=[1.0] * 401, newton=True)


def test_a_newton_descent_converges_on_a_convex_program():
    r = bp.descend("L = exp(a) - 2*a + (b + 1)^2", a=3, b=2, optimizer="newton", steps=10)
    assert r.inputs["a"] == pytest.approx(math.log(2), abs=1e-12)
    assert r.inputs["b"] == pytest.approx(-1.0, abs=1e-12)
    assert r.run.stopped == "steps" and r.settings.lr == 1.0
    assert all(e.get("newton") for e in r.history[1:]) and "newton" not in r.history[0]


def test_a_newton_descent_with_a_fraction_of_the_step():
    r = bp.descend(BOWL, x=5, y=7, optimizer="newton", lr=0.5, steps=1)
    assert r.inputs == {"x": 3.0, "y": 2.5}


def test_a_newton_descent_stops_where_the_hessian_turns_indefinite():
    r = bp.descend("L = x*y", x=1, y=2, optimizer="newton")
    assert r.run.stopped == "hessian" and "indefinite (eigenvalues -1, 1)" in r.run.reason
    failure = r.failure()
    assert failure is not None and failure.exit_code == 1 and "damping" in failure.hint


def test_a_newton_descent_refuses_before_the_run():
    with pytest.raises(LimitError, match="at most 400"):
        bp.descend("L = sum(w*w)", w=[1.0] * 401, optimizer="newton")
    with pytest.raises(UsageError, match="optimizer newton"):
        bp.descend(BOWL, x=1, y=1, damping=1)
    with pytest.raises(UsageError, match="newton and ascend"):
        bp.descend(BOWL, x=1, y=1, optimizer="newton", ascend=True)
    with pytest.raises(UsageError, match="choose sgd, momentum or adam"):
        bp.export(BOWL, x=1, y=1, to="jax", descend=True, optimizer="newton")


def test_history_reads_the_newton_mark():
    entry, problem = read({"step": 1, "value": 0.0, "lr": None, "change": -3.0,
                           "watched": {}, "newton": True})
    assert problem is None and entry["newton"] is True
    assert read({"step": 1, "value": 0.0, "lr": None, "change": 0.0, "watched": {},
                 "newton": "yes"})[1] == "has a 'newton' that is not true or false"
