"""`backprop check` through the real command line: the table, the document, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backpropcli.core import ops
from backpropcli.tasks import check
from tests.helpers import SAMPLES, samples

WORKED = ["check", "f = x*y; g = f + z", "--x", "3", "--y", "-4", "--z", "2"]


@pytest.fixture
def wrong_mul(monkeypatch):
    """Break the multiply gate's rule: ∂(a*b)/∂a = b + 1 instead of b."""
    rules = (lambda out, a, b, s: b + 1.0, ops.LOCAL["mul"][1])
    monkeypatch.setitem(ops.LOCAL, "mul", rules)


def test_worked_example_passes(cli):
    code, out, err = cli(*WORKED)
    assert code == 0 and err == ""
    assert out.startswith("Gradient check of g  (central differences")
    assert "eps = 1e-6; tol = 1e-5" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines()[2:5]}
    assert rows["x"][1] == "-4" and rows["x"][-1] == "ok"
    assert rows["y"][1] == "3" and rows["z"][1] == "1"
    assert "1 forward + 1 backward" in out and "6 forward (2 per element, 3 elements)" in out
    assert "passed: all 3 gradients agree within tol 1e-5" in out
    assert "relative error = |bp − fd| / max(|bp|, |fd|, 1)" in out


@pytest.mark.parametrize("sample", samples())
def test_every_sample_passes(cli, sample):
    code, out, err = cli("check", str(sample), "--json", "--seed", "0")  # a fixed random start
    assert code == 0, err
    doc = json.loads(out)["check"]
    assert doc["verdict"] == "passed" and doc["failed"] == 0
    for row in doc["rows"]:
        assert row["ok"] and row["error"] <= doc["tol"]
        assert row["numeric"] == pytest.approx(row["backprop"], rel=doc["tol"], abs=doc["tol"])


def test_json_document(cli):
    code, out, err = cli(*WORKED, "--json", "--eps", "1e-5", "--tol", "1e-4")
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert doc["schema"] == "backprop/1" and doc["command"] == "check"
    assert doc["gradients"] == {"x": -4, "y": 3, "z": 1}
    body = doc["check"]
    assert body["eps"] == 1e-5 and body["tol"] == 1e-4 and body["verdict"] == "passed"
    assert [r["input"] for r in body["rows"]] == ["x", "y", "z"]
    assert body["evaluations"] == {"backprop": {"forward": 1, "backward": 1},
                                   "finite_differences": {"forward": 6}}
    assert set(body["seconds"]) == {"backprop", "finite_differences"}
    assert "error" not in doc


def test_wrong_gradient_rule_fails(cli, wrong_mul):
    code, out, err = cli(*WORKED)
    assert code == 1
    row = next(line for line in out.splitlines() if line.startswith("  x "))
    assert "FAIL" in row and row.split()[1] == "-3"  # back-propagated with the broken rule
    assert "failed: x" in out
    assert err.startswith("error: the gradient check failed for 1 of 3 elements (x)")


def test_wrong_gradient_rule_fails_as_one_document(cli, wrong_mul):
    code, out, _ = cli(*WORKED, "--json")
    assert code == 1
    doc = json.loads(out)  # one document: the check itself, with the error in it
    assert doc["check"]["verdict"] == "failed" and doc["check"]["failed"] == 1
    assert [r["ok"] for r in doc["check"]["rows"]] == [False, True, True]
    assert doc["error"]["kind"] == "check"


def test_array_inputs_get_a_row_per_element(cli):
    code, out, _ = cli("check", "h = sum(tanh(W @ x))", "--W", "[[1, 2], [3, 4]]",
                       "--x", "[0.1, -0.2]")
    assert code == 0
    for label in ("W[0, 0]", "W[0, 1]", "W[1, 0]", "W[1, 1]", "x[0]", "x[1]"):
        assert f"  {label} " in out
    assert "12 forward (2 per element, 6 elements)" in out


def test_many_rows_are_elided_unless_full(cli):
    code, out, _ = cli("check", "y = sum(v * v)", "--v", json.dumps(list(range(50))))
    assert code == 0 and "10 elements in the middle not shown (--full shows all)" in out
    assert "v[49]" in out and "v[25]" not in out
    code, out, _ = cli("check", "y = sum(v * v)", "--v", json.dumps(list(range(50))), "--full")
    assert code == 0 and "not shown" not in out and "v[25]" in out


def test_out_of_domain_step_fails(cli):
    code, out, err = cli("check", "g = log(x)", "--x", "1e-7")
    assert code == 1
    assert "FAIL (no estimate)" in out and "x ± eps: g = log(x) is nan" in out
    assert "see the verdicts" in err


def test_goes_on_from_the_session_and_from_stdin(cli):
    cli("eval", str(SAMPLES / "neuron.bp"))
    before = Path(".backprop/session.json").read_text()
    code, out, _ = cli("check", "--json")
    assert code == 0 and len(json.loads(out)["check"]["rows"]) == 5
    assert Path(".backprop/session.json").read_text() == before
    _, doc, _ = cli("eval", "g = x*y", "--x", "2", "--y", "5", "--json")
    code, out, _ = cli("check", "--json", stdin=doc)
    assert code == 0 and json.loads(out)["gradients"] == {"x": 5, "y": 2}


@pytest.mark.parametrize(("args", "words"), [
    (["--eps", "0"], "--eps must be a positive number"),
    (["--eps", "tiny"], "--eps takes a number"),
    (["--tol", "-1"], "--tol must be a positive number"),
    (["--tol"], "--tol needs a value"),
])
def test_usage_errors(cli, args, words):
    code, out, err = cli(*WORKED, *args)
    assert code == 2 and words in err and out == "" and "Traceback" not in err


def test_help_documents_the_defaults(cli):
    code, out, _ = cli("check", "--help")
    assert code == 0
    assert f"default {check.TOL:g}".replace("e-05", "e-5") in out
    assert f"default {check.EPS:g}".replace("e-06", "e-6") in out


def test_installed_command(backprop):
    r = backprop(*WORKED, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["check"]["verdict"] == "passed"
