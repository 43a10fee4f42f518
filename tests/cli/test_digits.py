"""Numbers as typed and as asked for (issue 19, items 4 and 9): inputs shown as typed,
`--digits N` and `--full` on every command that shows numbers, pi and e as constants,
and values typed as arithmetic (`--x 1/2`, `--x 2*pi`, `--x "[1/2, pi]"`)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

WORKED = ["eval", "g = x*y + z", "--x", "3", "--y", "-4", "--z", "2"]


def test_inputs_show_as_typed_and_rows_recompute(cli):
    code, out, _ = cli("eval", "g = x + y", "--x", "0.99999", "--y", "0.00001")
    assert code == 0
    assert "x     input" in out and "0.99999" in out.split("\n")[2]
    assert "x + y = 0.99999 + 1e-5" in out
    code, out, _ = cli("eval", "g = x*y", "--x", "0.00012345", "--y", "123456.7")
    assert "x * y = 0.00012345 · 123456.7" in out and "15.2407" in out


def test_the_worked_example_prints_as_before(cli):
    code, out, _ = cli(*WORKED)
    assert "t1    x * y = 3 · (-4)    -12" in out
    assert "∂g/∂x     = ∂g/∂t1 · ∂t1/∂x  = 1 · (-4)     -4" in out
    code, out, _ = cli("step", "--lr", "0.1")
    assert "  x          3         -4           +0.4        3.4" in out
    assert "g: -10 → -12.72   (decreased by 2.72)" in out


SIGMOID = ("0.6457", "0.645656", "0.6456563062257954")  # σ(0.6)
SLOPE = ("0.2288", "0.228784", "0.22878424")  # σ'(0.6)


@pytest.mark.parametrize(("command", "number"), [
    (["eval", "g = sigmoid(x*y)", "--x", "0.3", "--y", "2"], SIGMOID),
    (["explain", "g = sigmoid(x*y)", "--x", "0.3", "--y", "2"], SLOPE),
    (["graph", "g = sigmoid(x*y)", "--x", "0.3", "--y", "2"], SIGMOID),
    (["quiz", "g = sigmoid(x*y)", "--x", "0.3", "--y", "2", "--sheet", "--ask", "local"],
     SIGMOID),
    (["descend", "g = sigmoid(x*y)", "--x", "0.3", "--y", "2", "--steps", "2"], SIGMOID),
])
def test_digits_sets_the_precision_everywhere(cli, command, number):
    default, six, every = number
    code, out, _ = cli(*command)
    assert code == 0 and default in out and six not in out
    code, out, _ = cli(*command, "--digits", "6")
    assert code == 0 and six in out
    code, out, _ = cli(*command, "--full")
    assert code == 0 and every in out


def test_digits_reaches_the_check(cli):
    code, out, _ = cli("check", "g = sigmoid(x*y)", "--x", "0.3", "--y", "2")
    assert code == 0 and "0.45756848 " in out  # 8 decimals by default
    code, out, _ = cli("check", "g = sigmoid(x*y)", "--x", "0.3", "--y", "2", "--digits", "12")
    assert code == 0 and "0.457568480913" in out


def test_digits_reaches_step_and_history(cli):
    cli("eval", "g = x^2", "--x", "1/3")
    code, out, _ = cli("step", "--lr", "0.1", "--digits", "8")
    assert code == 0 and "0.26666667" in out  # 1/3 − 0.1 · 2/3
    code, out, _ = cli("history", "--full")
    assert code == 0 and "0.07111111111111111" in out  # (4/15)^2


def test_json_keeps_every_digit_whatever_the_digits(cli):
    code, out, _ = cli("eval", "g = x*y", "--x", "0.1", "--y", "3", "--digits", "1", "--json")
    assert code == 0 and json.loads(out)["value"] == 0.1 * 3


@pytest.mark.parametrize("digits", ["0", "18", "two", "-3", "1.5"])
def test_digits_out_of_range_is_a_usage_error(cli, digits):
    code, out, err = cli(*WORKED, "--digits", digits)
    assert code == 2 and "--digits takes a whole number from 1 to 17" in err
    code, out, _ = cli(*WORKED, "--digits", digits, "--json")
    assert code == 2 and json.loads(out)["error"]["kind"] == "usage"


# --- pi and e ---------------------------------------------------------------

def test_pi_and_e_are_constants(cli):
    code, out, _ = cli("eval", "g = sin(pi*x) + e", "--x", "0.5", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["value"] == pytest.approx(1 + math.e)
    assert doc["inputs"] == {"x": 0.5} and set(doc["gradients"]) == {"x"}
    code, out, _ = cli("eval", "g = sin(pi*x)", "--x", "0.5")
    assert "pi * x = 3.1416 · 0.5" in out


@pytest.mark.parametrize(("program", "value", "inputs"), [
    ("e = 3; g = e * x", 6.0, {"e": 3.0, "x": 2.0}),  # a declared input named e
    ("pi = 3\ng = pi * x", 6.0, {"pi": 3.0, "x": 2.0}),
    ("g = e * x; e = g + 1; h = e * 2", 2 * (2 * math.e + 1), {"x": 2.0}),  # e before and after
    ("e = x; e += 1; g = e^2", 9.0, {"x": 2.0}),
])
def test_a_program_that_assigns_a_constant_has_its_own_from_then_on(cli, program, value, inputs):
    # micrograd's example says `e = c - d`: a program written for people reads as written
    code, out, _ = cli("eval", program, "--x", "2", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["value"] == pytest.approx(value) and doc["inputs"] == inputs


def test_a_declared_e_takes_a_value(cli):
    code, out, _ = cli("eval", "e = 3; g = e * x", "--x", "2", "--e", "5", "--json")
    assert code == 0 and json.loads(out)["value"] == 10.0


def test_a_value_for_a_constant_is_refused(cli):
    code, _, err = cli("eval", "g = e * x", "--x", "1", "--e", "3")
    assert code == 2 and "e is a constant" in err


# --- values typed as arithmetic ---------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("1/2", 0.5), ("2*pi", 2 * math.pi), ("-sqrt(2)", -math.sqrt(2)), ("exp(1)", math.e),
    ("e", math.e), ("[1/2, pi]", [0.5, math.pi]), ("[[1, -1/4], [max(1, 2), 3]]",
                                                    [[1, -0.25], [2, 3]]),
])
def test_values_may_be_constant_expressions(cli, text, value):
    code, out, err = cli("eval", "g = sum(x)", "--x", text, "--json")
    assert code == 0, err
    assert np.allclose(json.loads(out)["inputs"]["x"], value, rtol=1e-15)
    code, out, err = cli("eval", "g = sum(x)", "--set", f"x={text}", "--json")
    assert code == 0, err


@pytest.mark.parametrize(("text", "caret"), [
    ("1/", 6), ("x+1", 4), ("1/0", 4), ("[1, x]", 8), ("[1,,2]", 7), ("2 ** ** 3", 9),
    ("import os", 11), ("١٢", 4),
])
def test_a_value_that_does_not_read_points_at_itself(cli, text, caret):
    code, _, err = cli("eval", "g = sum(x)", "--x", text)
    assert code == 2 and "Traceback" not in err
    lines = err.splitlines()
    shown = next(k for k, line in enumerate(lines) if line.strip() == f"--x {text}")
    assert lines[shown + 1].index("^") - lines[shown].index("--x") == caret
    code, out, _ = cli("eval", "g = sum(x)", "--x", text, "--json")
    assert code == 2 and json.loads(out)["error"]["kind"] == "value"
