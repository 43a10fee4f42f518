"""`backprop history`: the entries a session keeps, as text and as JSON; a new eval starts a
new history, and reset ends it (reset's careless and hostile uses: test_reset.py)."""

from __future__ import annotations

import json

import pytest

WORKED = ["eval", "g = x*y + z", "--x", "3", "--y", "-4", "--z", "2"]


def test_history_and_reset(cli):
    cli(*WORKED)
    cli("step")
    cli("step")
    code, out, _ = cli("history", "--json")
    hist = json.loads(out)["history"]
    assert [h["step"] for h in hist] == [0, 1, 2]
    assert hist[1]["value"] == pytest.approx(-12.72)
    code, out, _ = cli("history")
    assert "-12.72" in out and "-2.72" in out
    assert cli("reset")[0] == 0
    code, _, err = cli("step")
    assert code == 2 and "no session" in err


def test_a_new_eval_starts_a_new_history(cli):
    cli(*WORKED)
    cli("step")
    cli(*WORKED)
    _, out, _ = cli("history", "--json")
    assert len(json.loads(out)["history"]) == 1


def test_an_entry_left_without_its_value_shows_none(cli, tmp_path):
    # a hand-edited session whose entry lost its value: the value is null, not "array"
    path = tmp_path / "s.json"
    path.write_text(json.dumps({
        "schema": "backprop-session/1",
        "point": {"schema": "backprop/1", "program": "g = x*2", "output": "g",
                  "inputs": {"x": 1.0}, "params": ["x"]},
        "history": [{"step": 0, "lr": None, "change": None, "watched": {}}]}))
    code, out, _ = cli("history", "--state", str(path))
    assert code == 0 and "array" not in out
    code, out, _ = cli("history", "--state", str(path), "--json")
    assert code == 0 and json.loads(out)["history"][0]["value"] is None


def test_an_empty_state_path_is_refused_without_a_traceback(cli):
    code, _, err = cli("step", "--state", "")
    assert code == 2 and "--state PATH" in err
