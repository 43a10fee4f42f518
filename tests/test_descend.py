"""The descent loop: optimizers, schedules, stopping, divergence."""

from __future__ import annotations

import numpy as np
import pytest

from backpropcli import descend
from backpropcli.compiled import compile_graph
from backpropcli.parse import parse
from backpropcli.values import bind


def run(text: str, values: dict | None = None, params=None, **settings):
    graph = parse(text)
    inputs = bind(graph, {k: np.float64(v) for k, v in (values or {}).items()})
    c = compile_graph(graph, inputs)
    return descend.run(c, inputs, params or list(graph.input_names),
                       descend.Settings(**settings))


def test_worked_example_decreases_at_every_step():
    r = run("f = x*y; g = f + z", {"x": 3, "y": -4, "z": 2}, lr=0.01, steps=50)
    assert r.stopped == "steps" and r.steps == 50
    assert all(b < a for a, b in zip(r.values, r.values[1:], strict=False))
    assert r.values[1] == pytest.approx(3.04 * -4.03 + 1.99)  # x + 0.04, y - 0.03, z - 0.01


def test_first_sgd_step_is_the_step_command():
    r = run("g = x*y + z", {"x": 3, "y": -4, "z": 2}, lr=0.1, steps=1)
    assert r.values == pytest.approx([-10, -12.72])
    assert r.inputs == pytest.approx({"x": 3.4, "y": -4.3, "z": 1.9})


@pytest.mark.parametrize("optimizer", descend.OPTIMIZERS)
def test_each_optimizer_finds_the_minimum_of_a_bowl(optimizer):
    lr = {"sgd": 0.1, "momentum": 0.05, "adam": 0.1}[optimizer]
    r = run("y = (a - 3)^2 + (b + 1)^2", {"a": 0, "b": 0}, lr=lr, steps=500,
            optimizer=optimizer)
    assert r.inputs["a"] == pytest.approx(3, abs=1e-2)
    assert r.inputs["b"] == pytest.approx(-1, abs=1e-2)


def test_adam_first_step_moves_each_param_by_lr():
    # m̂ = g and ŝ = g² after one step, so the step is lr·g/|g| = lr in size.
    r = run("y = 5*a + 0.01*b", {"a": 0, "b": 0}, lr=0.5, steps=1, optimizer="adam")
    assert r.inputs["a"] == pytest.approx(-0.5, rel=1e-6)
    assert r.inputs["b"] == pytest.approx(-0.5, rel=1e-4)


def test_linear_schedule():
    s = descend.Settings(lr=1.0, steps=100, schedule="linear")
    assert descend.learning_rate(s, 0) == 1.0
    assert descend.learning_rate(s, 50) == pytest.approx(0.55)
    assert descend.learning_rate(s, 100) == pytest.approx(0.1)


def test_tolerance_stops_early():
    r = run("y = (a - 3)^2", {"a": 0}, lr=0.1, steps=10_000, tol=1e-12)
    assert r.stopped == "converged" and r.steps < 200


def test_divergence_on_non_finite_keeps_the_best_point():
    r = run("y = x^2", {"x": 1}, lr=1e6, steps=100)
    assert r.stopped == "diverged" and "not finite" in r.reason
    assert np.isfinite(r.inputs["x"]) and r.inputs["x"] == 1  # the start was the best


def test_divergence_on_growth():
    r = run("y = x^2", {"x": 1}, lr=1.5, steps=10_000)
    assert r.stopped == "diverged" and "rose" in r.reason
    assert r.inputs["x"] == 1


def test_ascend_climbs():
    r = run("y = -(a - 2)^2", {"a": 0}, lr=0.1, steps=200, ascend=True)
    assert r.inputs["a"] == pytest.approx(2, abs=1e-3)


def test_only_params_move():
    r = run("y = (a - 3)^2 + (b - 1)^2", {"a": 0, "b": 0}, params=["a"], lr=0.1, steps=50)
    assert r.inputs["b"] == 0


def test_default_watch_is_named_nodes_beside_the_output():
    graph = parse("score = w * x; accuracy = sign(score); loss = (score - 1)^2")
    assert [graph.nodes[i].name for i in descend.default_watch(graph)] == ["accuracy"]
