"""`backprop quiz --ask tangent`: forward-mode questions (each node's tangent along the
first param), graded like the others, with the rule shown when an answer is wrong; on
a sheet and in the document."""

from __future__ import annotations

import json

WORKED = ["f = x*y; g = f + z", "--x", "3", "--y", "-4", "--z", "2"]


def test_tangent_questions_right_and_wrong(cli):
    code, out, err = cli("quiz", *WORKED, "--ask", "tangent", stdin="-4\n1\n5\n")
    assert code == 1, err
    assert "Forward mode: each node's tangent along one input" in out
    assert "[1/2] f = x * y, forward mode along x (ẋ = 1); ẋ = 1, y = -4" in out
    assert "ḟ along x = -4" in out and "right" in out
    # a wrong answer: the rule first, then (after the last try) the derivation with numbers
    assert "Hint: forward mode: a node's tangent is the sum over its operands" in out
    assert "ġ = ḟ + ż" in out and "ġ = ḟ + ż = -4 + 0 = -4" in out
    assert "backprop quiz --random --level 2 --ask local,tangent" in out


def test_a_sheet_of_tangents_graded(cli, tmp_path):
    code, out, _ = cli("quiz", *WORKED, "--ask", "local,tangent", "--sheet", "--json")
    sheet = json.loads(out)
    asked = [q for q in sheet["quiz"]["questions"] if q["kind"] == "tangent"]
    assert [q["id"] for q in asked] == ["tangent:f:x", "tangent:g:x"]
    assert asked[0]["wrt"] == "x" and asked[0]["asks"] == "ḟ along x"
    assert sheet["quiz"]["given"]["tangent:x:x"] == 1.0
    assert sheet["quiz"]["given"]["tangent:y:x"] == 0.0
    forwarded = json.loads(cli("forward", *WORKED, "--direction", "x=1", "--json")[1])
    rows = {r["name"]: r["tangents"][0] for r in forwarded["forward"]["rows"]}
    sheet["answers"].update({"tangent:f:x": rows["f"], "tangent:g:x": rows["g"],
                             "local:f:x": -4, "local:f:y": 3, "local:g:f": 1, "local:g:z": 1})
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(sheet))
    code, out, err = cli("quiz", "--answers", str(path), "--json")
    assert code == 0, err
    assert json.loads(out)["quiz"]["score"]["right"] == 6


def test_arrays_and_a_node_that_does_not_move(cli):
    # h does not depend on w: no question for it; t's tangent is an array
    code, out, err = cli("quiz", "t = w * [1, 2]; h = c * 3; L = sum(t) + h", "--w", "2",
                         "--c", "1", "--ask", "tangent", "--key", "--json")
    assert code == 0, err
    ids = [q["id"] for q in json.loads(out)["quiz"]["questions"]]
    assert ids == ["tangent:t:w", "tangent:t1:w", "tangent:L:w"]  # t1 = sum(t)
    answers = json.loads(out)["answers"]
    assert answers["tangent:t:w"] == [1.0, 2.0] and answers["tangent:L:w"] == 3.0


def test_bad_ask(cli):
    code, _, err = cli("quiz", *WORKED, "--ask", "tangnet")
    assert code == 2 and "did you mean --ask tangent?" in err
