"""check.py: central differences beside back-propagation, element by element."""

from __future__ import annotations

import numpy as np
import pytest

from backpropcli.core import ops
from backpropcli.lang.parse import parse
from backpropcli.output import document
from backpropcli.tasks import check as c
from backpropcli.tasks.values import bind
from tests.helpers import samples


def point(text: str, **values):
    graph = parse(text)
    given = {k: np.asarray(v, dtype=float) if isinstance(v, list) else np.float64(v)
             for k, v in values.items()}
    return graph, bind(graph, given)


def checked(text: str, **values) -> c.Check:
    graph, inputs = point(text, **values)
    return c.gradient_check(graph, inputs)


@pytest.mark.parametrize("sample", samples())
def test_every_sample_agrees(sample):
    from backpropcli.tasks.program import start

    graph, at = start(sample.read_text(), {}, base=sample.parent, seed=0)
    result = c.gradient_check(graph, at.inputs)
    assert result.passed, [(r.label, r.backprop, r.numeric, r.error) for r in result.rows]
    assert len(result.rows) == sum(np.size(v) for v in at.inputs.values())  # every element
    for r in result.rows:
        assert r.numeric == pytest.approx(r.backprop, rel=c.TOL, abs=c.TOL)
        # the default tol leaves a wide margin: the samples agree to about 1e-9
        assert r.error < c.TOL / 100


PROGRAMS = [
    ("g = x*y + z", {"x": 3, "y": -4, "z": 2}),
    ("y = tanh(exp(x) * log(x + 2)) + sqrt(x + 1) ^ sin(x) / x^2", {"x": 0.3}),
    ("y = max(x, z) * min(x, z) + relu(x - z) + abs(z) - sigmoid(x) / z", {"x": 1.5, "z": -0.5}),
    ("h = sum(tanh(W @ v))", {"W": [[1, 2], [3, 4]], "v": [0.1, -0.2]}),
    ("y = logsumexp(v) + sum(softmax(v) * v) + mean(v * v)", {"v": [0.5, -1, 2]}),
    ("y = v * v", {"v": [1, -2, 3]}),  # an array output is checked as its sum
    ("y = x * x", {"x": 1e8}),  # a large x: the step actually taken is used
]


@pytest.mark.parametrize(("text", "values"), PROGRAMS, ids=[p[0][:24] for p in PROGRAMS])
def test_programs_agree(text, values):
    result = checked(text, **values)
    assert result.passed, [(r.label, r.backprop, r.numeric, r.error) for r in result.rows]


def test_one_row_per_element_and_the_costs():
    result = checked("h = sum(tanh(W @ v))", W=[[1, 2], [3, 4]], v=[0.1, -0.2])
    assert [r.label for r in result.rows] == ["W[0, 0]", "W[0, 1]", "W[1, 0]", "W[1, 1]",
                                              "v[0]", "v[1]"]
    assert result.numeric.forward == 2 * 6 and result.numeric.backward == 0
    assert (result.backprop.forward, result.backprop.backward) == (1, 1)
    assert result.backprop.seconds >= 0 and result.numeric.seconds >= 0  # measured, not judged


def test_forward_function_is_one_call_that_can_be_swapped():
    graph, inputs = point("g = x*y + z", x=3, y=-4, z=2)
    interpreted = c.interpreter(graph)
    calls = []

    def counting(values):
        calls.append(dict(values))
        return interpreted(values)

    result = c.gradient_check(graph, inputs, run=counting)
    assert result.passed and len(calls) == 2 * 3
    assert {k for call in calls for k in call} == {"x", "y", "z"}


def test_progress_is_told_after_every_element():
    graph, inputs = point("y = sum(v * v)", v=[1, 2, 3, 4])
    told = []
    c.gradient_check(graph, inputs, progress=lambda done, total: told.append((done, total)))
    assert told == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_a_wrong_local_gradient_fails(monkeypatch):
    # ∂(a*b)/∂a = b is the rule; make it b + 1 and the check must see it
    wrong = (lambda out, a, b, s: b + 1.0, ops.LOCAL["mul"][1])
    monkeypatch.setitem(ops.LOCAL, "mul", wrong)
    result = checked("g = x*y + z", x=3, y=-4, z=2)
    assert not result.passed
    verdicts = {r.label: r.ok for r in result.rows}
    assert verdicts == {"x": False, "y": True, "z": True}
    bad = result.failures[0]
    assert bad.backprop == -3 and bad.numeric == pytest.approx(-4)
    assert bad.error == pytest.approx(0.25)


def test_relative_error_definition():
    assert c.relative_error(-4.0, -4.0) == 0
    assert c.relative_error(100.0, 101.0) == pytest.approx(1 / 101)  # relative above 1
    assert c.relative_error(1e-9, 3e-9) == pytest.approx(2e-9)  # absolute below 1
    assert c.relative_error(0.0, 0.0) == 0


def test_tolerance_and_eps_are_used():
    graph, inputs = point("y = exp(x)", x=1)
    loose = c.gradient_check(graph, inputs, eps=1e-2, tol=1e-3)
    assert loose.passed  # the central error is eps²/6 · e ≈ 4.5e-5
    strict = c.gradient_check(graph, inputs, eps=1e-2, tol=1e-6)
    assert not strict.passed
    assert strict.eps == 1e-2 and strict.tol == 1e-6


def test_a_step_out_of_the_domain_is_a_failure_with_a_reason():
    result = checked("g = log(x)", x=1e-7)
    (row,) = result.rows
    assert row.numeric is None and row.error is None and not row.ok
    assert "x ± eps" in result.problems[0] and "log" in result.problems[0]


def test_json_shape():
    doc = document.check_fields(checked("g = x*y + z", x=3, y=-4, z=2))["check"]
    assert doc["eps"] == c.EPS and doc["tol"] == c.TOL and doc["verdict"] == "passed"
    assert doc["failed"] == 0
    assert doc["evaluations"] == {"backprop": {"forward": 1, "backward": 1},
                                  "finite_differences": {"forward": 6}}
    assert set(doc["seconds"]) == {"backprop", "finite_differences"}
    row = doc["rows"][0]
    assert row["input"] == "x" and row["index"] == [] and row["backprop"] == -4
    assert row["numeric"] == pytest.approx(-4) and row["ok"] is True
