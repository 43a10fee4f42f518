"""`backprop step --newton` and `descend --optimizer newton` through the real command
line: the Newton step beside the gradient step, the eigenvalues, the refusals (exit 1
naming the Hessian, exit 2 for input that is wrong), the session's history."""

from __future__ import annotations

import json

BOWL = ["g = (x-1)^2 + 10*(y+2)^2", "--x", "5", "--y", "7"]


def test_one_newton_step_from_the_session(cli):
    assert cli("eval", *BOWL)[0] == 0
    code, out, err = cli("step", "--newton")
    assert code == 0, err
    assert "Newton step x ← x − H⁻¹·∇g, beside a gradient step (lr = 0.1)" in out
    assert "Hessian eigenvalues: 2, 20" in out
    assert "g: 826 → 0 by Newton's step (decreased by 826); the gradient step would give" in out
    doc = json.loads(cli("history", "--json")[1])
    assert doc["history"][-1] == {"step": 1, "value": 0.0, "lr": None, "change": -826.0,
                                  "watched": {}, "newton": True}
    assert "newton" in cli("history")[1]


def test_the_document(cli):
    assert cli("eval", *BOWL)[0] == 0
    code, out, _ = cli("step", "--newton", "--damping", "2", "--json")
    step = json.loads(out)["step"]
    assert code == 0 and step["update"] == "param - (H + damping * I)^-1 gradient"
    n = step["newton"]
    assert n["damping"] == 2.0 and n["params"] == ["x", "y"]
    assert n["hessian"] == [[2.0, 0.0], [0.0, 20.0]] and n["eigenvalues"] == [2.0, 20.0]
    assert n["gradient_step"]["inputs"] == {"x": 4.2, "y": -11.0}
    assert json.loads(out)["inputs"]["x"] == 3.0  # 5 − 8/(2 + 2)


def test_an_indefinite_hessian_is_exit_1_naming_it(cli):
    assert cli("eval", "g = x*y + z", "--x", "3", "--y", "-4", "--z", "2")[0] == 0
    code, _, err = cli("step", "--newton")
    assert code == 1
    assert "the Hessian is indefinite (eigenvalues -1, 0, 1): Newton's step would climb " \
           "toward a saddle" in " ".join(err.split())
    assert "--damping 2" in err and "step without --newton" in err
    code, out, _ = cli("step", "--newton", "--json")
    assert code == 1 and json.loads(out)["error"]["kind"] == "math"
    assert json.loads(cli("history", "--json")[1])["history"][-1]["step"] == 0  # not moved


def test_a_singular_hessian(cli):
    code, _, err = cli("step", "--newton", stdin=_document(cli, "g = (x + y)^2"))
    assert code == 1 and "singular (eigenvalues 0, 4)" in err


def _document(cli, program: str) -> str:
    return cli("eval", program, "--x", "1", "--y", "1", "--json")[1]


def test_bad_input(cli):
    code, _, err = cli("step", "--newton")
    assert code == 2 and "no session" in err and "backprop eval" in err
    assert cli("eval", *BOWL)[0] == 0
    for args, words in ((["--damping", "1"], "give --newton too"),
                        (["--newton", "--damping", "-1"], "--damping must be a positive"),
                        (["--newton", "--damping", "lots"], "--damping takes a number"),
                        (["--newton", "--ascend"], "--newton and --ascend")):
        code, _, err = cli("step", *args)
        assert code == 2 and words in err, (args, err)
    code, _, err = cli("step", "--newton", stdin=cli("eval", "L = sum(w*w)", "--w",
                                                     json.dumps([1] * 401), "--json")[1])
    assert code == 2 and "at most 400" in err


def test_descend_newton(cli):
    code, out, err = cli("descend", "L = exp(a) - 2*a + (b + 1)^2", "--a", "3", "--b", "2",
                         "--optimizer", "newton", "--steps", "10", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["descend"]["optimizer"] == "newton" and doc["descend"]["lr"] == 1.0
    assert abs(doc["inputs"]["a"] - 0.6931471805599453) < 1e-12
    code, out, err = cli("descend", "L = x*y", "--x", "1", "--y", "2", "--optimizer", "newton")
    assert code == 1 and "the Hessian is indefinite" in err and "--optimizer sgd" in err
    code, _, err = cli("descend", "L = sum(w*w)", "--w", json.dumps([1] * 401),
                       "--optimizer", "newton")
    assert code == 2 and "at most 400" in err
    code, _, err = cli("descend", "L = x^2", "--x", "1", "--damping", "1")
    assert code == 2 and "--optimizer newton" in err
