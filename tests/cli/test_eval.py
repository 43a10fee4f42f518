"""`backprop eval` through the real command line: tables, JSON, errors, exit codes."""

from __future__ import annotations

import json

import pytest

from tests.helpers import SAMPLES

WORKED = ["eval", "f = x*y; g = f + z", "--x", "3", "--y", "-4", "--z", "2"]


def test_worked_example_tables(cli):
    code, out, err = cli(*WORKED)
    assert code == 0, err
    assert "x * y = 3 · (-4)" in out and "-12" in out
    assert "f + z = -12 + 2" in out and "← output" in out
    assert "∂g/∂x = ∂g/∂f · ∂f/∂x" not in out  # the table splits symbol and numbers
    for line in ("∂g/∂x", "∂g/∂f · ∂f/∂x", "1 · (-4)"):
        assert line in out
    assert "Gradient of g:" in out and "∂g/∂x = -4" in out and "∂g/∂y = 3" in out
    assert "∂g/∂z = 1" in out
    assert err == ""


@pytest.mark.parametrize("command", ["eval", "explain", "check"])
def test_text_for_a_pipe_has_no_trailing_spaces(cli, command):
    # Rich pads every row of a table to its width; in a file or a pipe that padding is
    # noise (diffs, copies, golden files), so it is taken off every line
    code, out, _ = cli(command, *WORKED[1:])
    assert code == 0 and out.count("\n") > 5
    assert [line for line in out.split("\n") if line != line.rstrip()] == []


def test_worked_example_json(cli):
    code, out, _ = cli(*WORKED, "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == "backprop/1" and doc["command"] == "eval"
    assert doc["value"] == -10 and doc["output"] == "g"
    assert doc["inputs"] == {"x": 3, "y": -4, "z": 2}
    assert doc["gradients"] == {"x": -4, "y": 3, "z": 1}
    assert doc["params"] == ["x", "y", "z"]
    f = next(n for n in doc["nodes"] if n["name"] == "f")
    assert f == {"name": "f", "op": "mul", "args": ["x", "y"], "expr": "x * y", "value": -12,
                 "shape": [], "local": [-4, 3], "grad": 1}


@pytest.mark.parametrize("args", [
    ["eval", "g = x*y + z", "--x", "3", "--y", "-4", "--z", "2"],
    ["eval", "--x", "3", "g = x*y + z", "--y=-4", "--z", "2"],
    ["eval", "--set", "x=3", "--set", "y=-4", "--z", "2", "g = x*y + z"],
    ["eval", "g = x*y + z", "--x", "3e0", "--y", "-4.0", "--z", ".2e1"],
])
def test_value_forms(cli, args):
    code, out, err = cli(*args, "--json")
    assert code == 0, out + err
    assert json.loads(out)["gradients"] == {"x": -4, "y": 3, "z": 1}


def test_set_reaches_an_input_named_like_an_option(cli):
    code, out, _ = cli("eval", "y = json * 2", "--set", "json=4", "--json")
    assert code == 0 and json.loads(out)["value"] == 8


def test_program_from_file_and_stdin(cli):
    code, out, _ = cli("eval", str(SAMPLES / "seed.bp"), "--json")
    assert code == 0 and json.loads(out)["value"] == -10
    code, out, _ = cli("eval", "-", "--x", "2", "--json", stdin="y = x^2")
    assert code == 0 and json.loads(out)["gradients"] == {"x": 4}


def test_output_option(cli):
    code, out, _ = cli(*WORKED, "--output", "f", "--json")
    doc = json.loads(out)
    assert doc["output"] == "f" and doc["gradients"] == {"x": -4, "y": 3, "z": 0}


@pytest.mark.parametrize(("args", "code", "words"), [
    (["eval", "g = x*y + )"], 2, "line 1, column 11"),
    (["eval", "g = x*y", "--x", "3"], 2, "no value for y"),
    (["eval", "g = x*y*w", "--x", "3"], 2, "no value for y, w"),
    (["eval", "g = x*y", "--x", "3", "--y", "1", "--q", "2"], 2, "does not use q"),
    (["eval", "f = x*y; g = f + 1", "--x", "1", "--y", "1", "--f", "2"], 2, "computed"),
    (["eval", "g = x", "--x", "abc"], 2, "not a number"),
    (["eval", "g = x", "--x"], 2, "needs a value"),
    (["eval", "g = log(x)", "--x", "0"], 1, "g = log(x) is -inf where x = 0"),
    (["eval", "g = 1/x", "--x", "0"], 1, "inf"),
    (["eval", "g = exp(x)", "--x", "1000"], 1, "exp"),
    (["eval", "g = foo(x)", "--x", "1"], 2, "unknown function foo"),
    (["eval", "g = max(x)", "--x", "1"], 2, "takes 2 arguments"),
    (["eval", "missing.bp"], 2, "no such program file"),
    (["eval"], 2, "no session"),
    (["eval", "g = x", "--x", "1", "--output", "nope"], 2, "no 'nope'"),
    (["eval", "g = x", "--x", "1", "--params", "q"], 2, "not an input"),
])
def test_errors(cli, args, code, words):
    got, out, err = cli(*args)
    assert got == code
    assert words in err
    assert out == ""
    assert "Traceback" not in err


def test_errors_as_json(cli):
    code, out, err = cli("eval", "g = x*y + )", "--json")
    assert code == 2
    doc = json.loads(out)
    assert doc["error"]["kind"] == "syntax"
    assert (doc["error"]["line"], doc["error"]["column"]) == (1, 11)
    code, out, _ = cli("eval", "g = log(x)", "--x", "0", "--json")
    assert code == 1 and json.loads(out)["error"]["kind"] == "math"


def test_installed_command_worked_example(backprop):
    r = backprop("eval", "g = x*y + z", "--x", "3", "--y", "-4", "--z", "2", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["gradients"] == {"x": -4, "y": 3, "z": 1}
    assert r.stderr == ""


def test_installed_command_bad_input_has_no_traceback(backprop):
    for args in (["eval", "(" * 10_000], ["eval", "__import__('os')"], ["eval", "\x01\xff"],
                 ["eval", "g = x", "--x", "[" * 5000]):
        r = backprop(*args)
        assert r.returncode == 2, (args[1][:20], r.stderr)
        assert "Traceback" not in r.stderr and r.stderr.startswith("error:")


@pytest.mark.slow
def test_hundred_thousand_term_sum(backprop, tmp_path):
    prog = tmp_path / "big.bp"
    prog.write_text("y = " + " + ".join(["x"] * 100_000))
    r = backprop("eval", str(prog), "--x", "1", "--json")
    assert r.returncode == 0, r.stderr[-500:]
    assert json.loads(r.stdout)["gradients"] == {"x": 100_000}
    r = backprop("eval", str(prog), "--x", "1")
    assert r.returncode == 0 and "nodes in the middle not shown (--full shows all)" in r.stdout
