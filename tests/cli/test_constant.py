"""A node that depends on no input has no gradient (issue 19, item 3): null in the JSON,
not 0; an output made of constants alone is said to have nothing to differentiate, and
the commands that need a gradient refuse it (exit 2) rather than step or check nothing."""

from __future__ import annotations

import json

import pytest

CONSTANT = ("y1 = log(2); act = 2^y1",)


def test_a_node_made_of_constants_gets_no_gradient_in_the_json(cli):
    code, out, _ = cli("eval", *CONSTANT, "--json")
    assert code == 0
    doc = json.loads(out)
    assert {n["name"]: n["grad"] for n in doc["nodes"]} == {"y1": None, "act": None}
    assert doc["gradients"] == {}


def test_inputs_keep_a_zero_gradient_where_the_output_does_not_depend_on_them(cli):
    code, out, _ = cli("eval", "c = log(2) * 3; g = x * 2 + c; u = y * 1; g = g + 0",
                       "--x", "1", "--y", "5", "--output", "g#1", "--json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["gradients"] == {"x": 2.0, "y": 0.0}
    grads = {n["name"]: n["grad"] for n in doc["nodes"]}
    assert grads["c"] is None and grads["u"] == 0.0 and grads["g"] == 1.0


@pytest.mark.parametrize("program", ["g = 3 + 4", CONSTANT[0]])
def test_eval_says_there_is_nothing_to_differentiate(cli, program):
    code, out, _ = cli("eval", program)
    assert code == 0
    assert "depends on no input" in out and "nothing to differentiate" in out
    assert "Gradient of" not in out and "Next:" not in out


@pytest.mark.parametrize(("command", "what"), [
    (("step", "--lr", "0.1"), "a step has nothing to move"),
    (("descend", "g = 3 + 4", "--steps", "3"), "a descent has nothing to move"),
    (("check", "g = 3 + 4"), "no gradient to check"),
    (("explain", "g = 3 + 4"), "no chain rule to explain"),
    (("quiz", "g = 3 + 4"), "no gradient to ask about"),
])
def test_commands_that_need_a_gradient_refuse_a_constant_output(cli, command, what):
    assert cli("eval", "g = 3 + 4")[0] == 0
    code, out, err = cli(*command, stdin="")
    assert code == 2, (out, err)
    assert "g depends on no input" in err and what in err
    code, out, _ = cli(*command, "--json", stdin="")
    assert code == 2
    assert what in json.loads(out)["error"]["message"]


def test_graph_shows_no_gradient_for_a_constant_part(cli):
    code, out, _ = cli("graph", "c = log(2); g = x * c", "--x", "3", "--json")
    assert code == 0
    grads = {n["name"]: n["grad"] for n in json.loads(out)["nodes"]}
    assert grads["c"] is None and grads["x"] == pytest.approx(0.6931471805599453)


def test_explain_names_no_gradient_for_a_constant_part_and_says_what_it_is(cli):
    code, out, _ = cli("explain", "g = (-3)^2*x + (-2)^3*x", "--x", "3")
    assert code == 0
    assert "nan" not in out  # ∂t4/∂t3 was shown as "x = nan": t3 gets no gradient
    assert "t1 = (-3)^2" in out and "t3 = (-2)^3" in out  # the factors name them
