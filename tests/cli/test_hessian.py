"""`backprop hessian` through the real command line: the matrix and its symmetry, an
entry explained, H·v, and every bad input."""

from __future__ import annotations

import json

import pytest

from tests.helpers import SAMPLES

WORKED = ["hessian", "g = x*y + z", "--x", "3", "--y", "-4", "--z", "2"]


def test_the_matrix_and_its_symmetry(backprop):
    r = backprop(*WORKED)
    assert r.returncode == 0, r.stderr
    assert "Hessian of g" in r.stdout and "max |H − Hᵀ| = 0 (symmetric)" in r.stdout


def test_an_entry_explained(cli):
    code, out, err = cli(*WORKED, "--explain", "x,y")
    assert code == 0, err
    assert "∂²g/∂x∂y = ∂(∂g/∂x)/∂y = ∂(y)/∂y = 1" in out
    doc = json.loads(cli(*WORKED, "--explain", "x,y", "--json")[1])["hessian"]
    assert doc["explain"]["text"] == "∂²g/∂x∂y = ∂(∂g/∂x)/∂y = ∂(y)/∂y = 1"
    assert doc["matrix"] == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    assert doc["symmetric"] is True and doc["asymmetry"] == 0.0


def test_the_quadratic_bowl_is_exact(cli):
    code, out, _ = cli("hessian", "L = (a - 3)^2 + 2*(b + 1)^2 + a*b", "--a", "0.3", "--b",
                       "-7", "--json")
    assert code == 0 and json.loads(out)["hessian"]["matrix"] == [[2.0, 1.0], [1.0, 4.0]]


def test_hvp_without_the_matrix(cli):
    code, out, err = cli("hessian", str(SAMPLES / "neuron.bp"), "--hvp", "w1=1,w2=0",
                         "--json")
    assert code == 0, err
    doc = json.loads(out)["hessian"]
    assert doc["matrix"] is None and set(doc["hvp"]["product"]) == {"w0", "x0", "w1", "x1", "w2"}
    assert doc["missing"] == ["w0", "x0", "x1"]
    assert "w0, x0, x1: taken as 0" in cli("hessian", str(SAMPLES / "neuron.bp"), "--hvp",
                                           "w1=1,w2=0")[2]
    full = json.loads(cli("hessian", str(SAMPLES / "neuron.bp"), "--json")[1])["hessian"]
    column = [row[full["params"].index("w1")] for row in full["matrix"]]
    assert pytest.approx(column, rel=1e-12, abs=1e-15) == list(doc["hvp"]["product"].values())


def test_params_choose_the_matrix(cli):
    code, out, _ = cli(*WORKED, "--params", "x,y", "--json")
    assert code == 0 and json.loads(out)["hessian"]["params"] == ["x", "y"]


@pytest.mark.parametrize(("extra", "said"), [
    (["--explain", "x,q"], "q is not a param"),
    (["--explain", "x"], "names two params"),
    (["--hvp", "x=1,b=0"], "b is not a param"),
    (["--hvp", "x=one"], "x=one is not a number"),
    (["--hvp", "x=1", "--explain", "x,y"], "give one of them"),
    (["--params", "x", "--hvp", "y=1"], "y is not a param"),
])
def test_bad_input_is_exit_2_naming_the_fix(cli, extra, said):
    code, out, err = cli(*WORKED, *extra)
    assert code == 2 and out == "" and said in err, err


def test_too_many_params_is_exit_2(cli):
    code, _, err = cli("hessian", "g = sum(w*w)", "--w", str(list(range(401))))
    assert code == 2 and "at most 400" in err and "--hvp" in err


def test_a_second_derivative_that_is_not_finite_is_exit_1_naming_the_op(cli):
    code, out, err = cli("hessian", "g = x^1.5", "--x", "0")
    assert code == 1 and "pow" in err and "second derivative" in err
    code, out, _ = cli("hessian", "g = x^1.5", "--x", "0", "--json")
    assert code == 1 and json.loads(out)["error"]["kind"] == "math"


def test_nothing_to_differentiate_is_exit_2(cli):
    code, _, err = cli("hessian", "g = 2 + 3")
    assert code == 2 and "no second derivative to take" in err
    code, _, err = cli(*WORKED, "--freeze", "x,y,z")
    assert code == 2 and "every input is frozen" in err


def test_a_diagonal_entry_and_an_array_element(cli):
    code, out, _ = cli("hessian", "g = x*y*y", "--x", "1", "--y", "2", "--explain", "y,y")
    assert code == 0 and "∂²g/∂y² = ∂(∂g/∂y)/∂y = ∂(y · x + t1)/∂y = 2" in out
    args = ["g = sum(W*W) * x", "--W", "[[1, 2], [3, 4]]", "--x", "2"]
    code, out, _ = cli("hessian", *args, "--explain", "W[0, 1],x")
    assert code == 0 and "∂²g/∂W[0, 1]∂x = ∂(∂g/∂W[0, 1])/∂x = 4" in out
    code, _, err = cli("hessian", *args, "--explain", "W,x")
    assert code == 2 and "W[0, 0]" in err


def test_a_piped_document_is_gone_on_from(cli):
    _, out, _ = cli("eval", "g = x*y*y", "--x", "1", "--y", "2", "--json")
    code, doc, err = cli("hessian", "--json", stdin=out)
    assert code == 0, err
    assert json.loads(doc)["hessian"]["matrix"] == [[0.0, 4.0], [4.0, 2.0]]
