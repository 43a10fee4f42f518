"""The recipe of CONTRIBUTING.md, proved: an op added as one row (through
ops.register, at test time) works in every command with nothing else changed, and
the property test of tests/unit/test_ops.py covers it once it has a sampler.

softplus(a) = log(1 + exp(a)), a smooth relu; its derivative is σ(a), the sigmoid.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backpropcli.core import ops
from backpropcli.core.ops import FUNCTIONS, OPS, Op
from tests.unit import test_ops

SOFTPLUS = Op(
    "softplus", 1, "log(1 + exp(a))",
    local=("1 / (1 + exp(-a))",),  # σ(a) = e^a / (1 + e^a)
    shows=("sigmoid(a)",),
    latex=r"\mathrm{softplus}",
    doc="log(1 + exp(a)), a smooth relu",
    hint="softplus overflows above about 709",
    gate="softplus gate: scales the gradient by the sigmoid of its input, between 0 and 1",
    level=3,  # like the sigmoid neuron's
)


def sigmoid(z: float) -> float:
    return 1 / (1 + np.exp(-z))


@pytest.fixture
def softplus():
    """The table with softplus in it, for this test only."""
    ops.register(SOFTPLUS)
    try:
        yield SOFTPLUS
    finally:
        if SOFTPLUS.name in OPS:
            ops.unregister(SOFTPLUS.name)


W, X, B = 0.5, 2.0, -0.3
PROGRAM = "z = w*x + b\nL = softplus(z)"
VALUES = ("--w", str(W), "--x", str(X), "--b", str(B))


def test_registering_adds_a_function_and_unregistering_takes_it_out(softplus):
    assert OPS["softplus"] is softplus and "softplus" in FUNCTIONS
    ops.unregister("softplus")
    assert "softplus" not in OPS and "softplus" not in FUNCTIONS
    assert "softplus" not in ops.FWD and "softplus" not in ops.LOCAL  # no stale rules
    ops.register(softplus)  # for the fixture to take out again


def test_eval_gives_the_value_and_the_gradient(cli, softplus):
    code, out, err = cli("eval", PROGRAM, *VALUES, "--json")
    assert code == 0, err
    doc = json.loads(out)
    z = W * X + B
    assert doc["value"] == pytest.approx(np.log1p(np.exp(z)), rel=1e-12)
    s = sigmoid(z)  # ∂L/∂z
    assert doc["gradients"] == pytest.approx({"w": s * X, "x": s * W, "b": s}, rel=1e-12)
    node = next(n for n in doc["nodes"] if n["name"] == "L")
    assert (node["op"], node["expr"]) == ("softplus", "softplus(z)")


def test_eval_tables_show_the_rule_as_the_row_writes_it(cli, softplus):
    code, out, err = cli("eval", PROGRAM, *VALUES)
    assert code == 0, err
    assert "softplus(z) = softplus(0.7)" in out  # the forward table puts in the numbers
    assert "sigmoid(z)" in out  # the local gradient, from `shows`


def test_explain_latex_uses_the_rows_latex(cli, softplus):
    code, out, err = cli("explain", PROGRAM, *VALUES, "--format", "latex")
    assert code == 0, err
    assert r"\operatorname{sigmoid} ( z )" in out  # ∂L/∂z as the row shows it
    assert r"$L = \mathrm{softplus} ( z )$: softplus gate: scales" in out  # its gate note
    assert out.count("{") == out.count("}")


def test_check_agrees_with_finite_differences(cli, softplus):
    code, out, err = cli("check", PROGRAM, *VALUES, "--json")
    assert code == 0, err
    assert json.loads(out)["check"]["verdict"] == "passed"


def test_graph_draws_the_node(cli, softplus):
    code, out, err = cli("graph", PROGRAM, *VALUES)
    assert code == 0, err
    assert "L = softplus(z)" in out


def test_descend_reaches_the_minimum(cli, softplus):
    # (softplus(w) - 2)^2 is least where softplus(w) = 2, at w = log(e^2 - 1).
    code, out, err = cli("descend", "L = (softplus(w) - 2)^2", "--w", "0", "--lr", "0.5",
                         "--steps", "300", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["inputs"]["w"] == pytest.approx(np.log(np.expm1(2.0)), rel=1e-6)
    assert doc["value"] == pytest.approx(0.0, abs=1e-12)


def test_a_value_that_overflows_gives_the_rows_hint(cli, softplus):
    code, out, err = cli("eval", "L = softplus(w)", "--w", "1000")
    assert code == 1
    assert "softplus overflows above about 709" in err


def test_an_unknown_function_lists_it_among_the_known_ones(cli, softplus):
    code, out, err = cli("eval", "L = softplux(w)", "--w", "1")
    assert code == 2
    assert "did you mean softplus?" in err


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_the_property_test_covers_it_given_a_sampler(data):
    # (Hypothesis runs this body many times; a function-scoped fixture would not be
    # set up again for each, so the row is registered here.)
    ops.register(SOFTPLUS)
    try:
        case = data.draw(test_ops.elementwise(test_ops.MODERATE), label="case")
        test_ops.check("softplus", case, test_ops.floats(-2, 2), data.draw)
    finally:
        ops.unregister(SOFTPLUS.name)


def test_rows_the_program_could_not_use_are_refused():
    with pytest.raises(ValueError, match="the name is taken"):
        ops.register(Op("exp", 1, "exp(a)", local=("out",), level=1))
    with pytest.raises(ValueError, match="grammar rule"):
        ops.register(Op("cube", 1, "a ** 3", local=("3 * a**2",), reads="{0}³", level=1))
    with pytest.raises(ValueError, match="unknown names"):
        ops.register(Op("cube", 1, "cube_of(a)", local=("3 * a**2",), level=1))
    with pytest.raises(ValueError, match="one rule"):
        ops.register(Op("cube", 1, "a ** 3", local=("3 * a**2", "0"), level=1))
    with pytest.raises(ValueError, match="one shows and numbers"):
        ops.register(Op("cube", 1, "a ** 3", local=("3 * a**2",), numbers=("", ""), level=1))
    with pytest.raises(ValueError, match="level must be a whole number"):
        ops.register(Op("cube", 1, "a ** 3", local=("3 * a**2",), level=0))
    with pytest.raises(TypeError, match="level"):  # no default: a new op chooses
        Op("cube", 1, "a ** 3", local=("3 * a**2",))  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="was not added by register"):
        ops.unregister("exp")
    assert "cube" not in OPS


def test_a_missed_local_gradient_of_a_new_op_practises_the_level_its_row_gives(softplus):
    from backpropcli.tasks import grading
    from tests.unit.test_quiz import make

    quiz = make("f = softplus(x)", kinds=("local",), x=0.5)
    result = grading.grade(quiz, {q.id: q.right + 1 for q in quiz.questions})
    practice = result.practice()
    assert (practice.topic, practice.op, practice.level) == ("local", "softplus", softplus.level)
    # the derivation puts the numbers in the local rule (the row gives no `numbers`)
    from backpropcli.output import hints

    assert hints.derivation(quiz, quiz.questions[0]) == \
        "∂f/∂x = sigmoid(x) = 1 / (1 + exp(-0.5)) = 0.6225"
