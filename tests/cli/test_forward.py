"""`backprop forward` through the real command line: the issue's lines, the table's
rules with numbers, the gradient beside eval's, a direction, and every bad input."""

from __future__ import annotations

import json

import pytest

from tests.helpers import SAMPLES

WORKED = ["forward", "f = x*y; g = f + z", "--x", "3", "--y", "-4", "--z", "2"]


def test_every_input_swept_gives_eval_gradient(backprop):
    r = backprop(*WORKED)
    assert r.returncode == 0, r.stderr
    assert "∂/∂x" in r.stdout and "∂/∂z" in r.stdout
    assert "∂g/∂x = -4  ∂g/∂y = 3  ∂g/∂z = 1" in r.stdout
    assert "The same as eval's gradient" in r.stdout and "3 forward sweeps" in r.stdout


def test_wrt_writes_each_rule_with_its_numbers(cli):
    code, out, err = cli(*WORKED, "--wrt", "x")
    assert code == 0, err
    assert "ḟ = ẋ·y + ẏ·x = 1·(-4) + 0·3" in out
    assert "ġ = ḟ + ż = -4 + 0" in out
    assert "The same as eval's ∂g/∂x" in out


def test_the_issue_lines(cli):
    code, out, err = cli("forward", str(SAMPLES / "neuron.bp"), "--wrt", "w1")
    assert code == 0, err
    assert "∂f/∂w1 = -0.3932" in out
    code, out, err = cli("forward", str(SAMPLES / "seed.bp"), "--direction", "x=1,y=0.5,z=0")
    assert code == 0 and err == "", err
    assert "Directional derivative" in out


def test_the_document_agrees_with_eval(cli):
    code, out, _ = cli(*WORKED, "--json")
    doc = json.loads(out)
    code2, out2, _ = cli("eval", *WORKED[1:], "--json")
    assert code == code2 == 0
    f = doc["forward"]
    assert f["gradient"] == json.loads(out2)["gradients"] and f["agrees"] is True
    assert f["mode"] == "all" and len(f["sweeps"]) == 3
    rows = {r["name"]: r for r in f["rows"]}
    assert rows["f"]["tangents"] == [-4.0, 3.0, 0.0]


def test_a_direction_is_one_jvp_and_says_what_it_left_out(cli):
    code, out, err = cli(*WORKED, "--direction", "x=1,y=0.5", "--json")
    assert code == 0
    doc = json.loads(out)["forward"]
    assert doc["jvp"] == -2.5 and doc["missing"] == ["z"] and len(doc["sweeps"]) == 1
    code, out, err = cli(*WORKED, "--direction", "x=1,y=0.5")
    assert code == 0 and "z: taken as 0" in err and "-2.5" in out


def test_arrays_and_the_session(cli):
    code, _, err = cli("eval", "h = sum(tanh(W @ x))", "--W", "[[1, 2], [3, 4]]",
                       "--x", "[0.1, -0.2]")
    assert code == 0, err
    code, out, err = cli("forward", "--wrt", "x", "--json")
    assert code == 0, err
    doc = json.loads(out)["forward"]
    assert [s["label"] for s in doc["sweeps"]] == ["x[0]", "x[1]"] and doc["agrees"] is True
    code, out, err = cli("forward", "--direction", "x=[1, 0]", "--json")
    assert code == 0, err
    assert json.loads(out)["forward"]["jvp"] == doc["gradient"]["x"][0]


@pytest.mark.parametrize(("extra", "said"), [
    (["--wrt", "q"], "q is not an input of the program"),
    (["--wrt", "xx"], "did you mean x?"),
    (["--direction", "x=1,w=2"], "w is not an input"),
    (["--direction", "x=abc"], "x=abc is not a number"),
    (["--direction", "x"], "is not NAME=NUMBER"),
    (["--direction", ""], "--direction is empty"),
    (["--direction", "x=1,,y=2"], "is not NAME=NUMBER"),
    (["--direction", "x=inf"], "not a finite number"),
    (["--direction", "x=1", "--wrt", "x"], "ask for different sweeps"),
    (["--direction", "x=[1, 2]"], "has shape"),
])
def test_bad_input_is_exit_2_naming_the_fix(cli, extra, said):
    code, out, err = cli(*WORKED, *extra)
    assert code == 2 and out == "" and said in err, err
    code, out, _ = cli(*WORKED, *extra, "--json")
    assert code == 2 and "error" in json.loads(out)


def test_what_eval_refuses_forward_refuses(cli):
    for args in (["g = 2x"], ["g = x*y", "--x", "1"], ["g = log(x)", "--x", "-1"]):
        code_eval, _, err_eval = cli("eval", *args)
        code, _, err = cli("forward", *args)
        assert code == code_eval != 0 and err == err_eval


def test_a_tangent_that_is_not_finite_is_exit_1(cli):
    code, _, err = cli("forward", "g = sqrt(x) + x", "--x", "0", "--wrt", "x")
    assert code == 1 and "not finite" in err


def test_a_constant_output_is_refused_as_check_refuses_it(cli):
    code, _, err = cli("forward", "g = 2 + 3")
    assert code == 2 and "depends on no input" in err and "no tangent to carry" in err


def test_an_array_output_sums_as_eval_does(cli):
    args = ["h = W @ x", "--W", "[[1, 2], [3, 4]]", "--x", "[1, 1]"]
    code, out, err = cli("forward", *args, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["forward"]["gradient"] == doc["gradients"] and doc["forward"]["agrees"]


def test_many_sweeps_show_a_few_columns_and_count_the_rest(cli):
    code, out, _ = cli("forward", "g = sum(w*w)", "--w", "[1, 2, 3, 4, 5, 6, 7, 8]")
    assert code == 0 and "2 more tangent columns not shown" in out
    code, _, err = cli("forward", "g = sum(w*w)", "--w", str([1.0] * 1001))
    assert code == 2 and "--wrt" in err


def test_a_direction_in_matrices_keeps_their_commas(cli):
    code, out, err = cli("forward", "g = sum(W @ x)", "--W", "[[1, 2], [3, 4]]", "--x",
                         "[1, 1]", "--direction", "W=[[1, 0], [0, 1]],x=[0, 1]", "--json")
    assert code == 0, err
    assert json.loads(out)["forward"]["jvp"] == 8.0  # sum(Ẇ x) + sum(W ẋ) = 2 + 6
