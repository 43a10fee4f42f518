"""Issue 19's traps: a freeze that persists silently, stdin read in a shell loop, an
ascent that looked like a descent in the history."""

from __future__ import annotations

import json

import pytest

WORKED = ["eval", "g = x*y + z", "--x", "3", "--y", "-4", "--z", "2"]
LOOP_STDIN = "1\n2\n"  # what `printf '1\n2\n' | while read i; ...` leaves the command


# --- 6: a freeze that silently persists ---------------------------------------------

@pytest.mark.parametrize("command", [["step"], ["descend", "--steps", "3"]])
def test_a_step_that_can_move_nothing_is_an_error(cli, command):
    cli(*WORKED)
    code, out, err = cli(*command, "--freeze", "x,y,z")
    assert code == 2, out
    assert "every input is frozen (x, y, z)" in err
    assert '--freeze ""' in err and "--params x" in err
    code, out, _ = cli(*command, "--freeze", "x,y,z", "--json")
    assert code == 2 and json.loads(out)["error"]["kind"] == "usage"


def test_a_frozen_point_saved_by_eval_is_refused_on_step(cli):
    cli(*WORKED, "--freeze", "x,y,z")
    code, _, err = cli("step")
    assert code == 2 and "every input is frozen" in err


def test_a_remembered_freeze_is_announced_on_every_step(cli):
    cli(*WORKED)
    code, _, err = cli("step", "--freeze", "x,y")
    assert code == 0 and "note:" not in err  # given here: nothing remembered to say
    for _ in range(2):
        code, out, err = cli("step")
        assert code == 0
        assert "note: x, y stayed where they were" in err and '--freeze ""' in err
    code, out, err = cli("step", "--json")
    assert code == 0 and err == ""  # with --json, stderr holds no talk
    assert json.loads(out)["params"] == ["z"]


@pytest.mark.parametrize("free", [["--freeze", ""], ["--params", ""]])
def test_an_empty_freeze_frees_every_input(cli, free):
    cli(*WORKED, "--freeze", "x,y")
    code, out, err = cli("step", *free, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["params"] == ["x", "y", "z"]
    assert doc["inputs"] == pytest.approx({"x": 3.4, "y": -4.3, "z": 1.9})
    code, _, err = cli("step")
    assert code == 0 and "note:" not in err


def test_step_help_says_what_a_step_remembers(cli):
    code, out, _ = cli("step", "--help")
    assert code == 0
    text = " ".join(out.split())
    for words in ("remembers", "--freeze", '--freeze "" frees', "Not --lr", "--ascend",
                  "--ignore-stdin"):
        assert words in text


# --- 7: stdin in a loop -------------------------------------------------------------

def test_loop_stdin_error_names_the_way_out(cli):
    cli(*WORKED)
    code, _, err = cli("step", "--lr", "0.1", stdin=LOOP_STDIN)
    assert code == 2
    assert "--ignore-stdin" in err and "< /dev/null" in " ".join(err.split())


def _commands_reading_stdin():
    from backpropcli.cli.commands import SPECS

    return [s for s in SPECS if s.program or s.name == "step"]


def test_every_command_that_reads_stdin_takes_ignore_stdin():
    specs = _commands_reading_stdin()
    assert {s.name for s in specs} >= {"eval", "step", "explain", "check", "graph", "export",
                                       "descend", "quiz"}
    for spec in specs:
        assert any(o.name == "ignore-stdin" for o in spec.options), spec.name


@pytest.mark.parametrize("command", [["step", "--lr", "0.1"], ["eval"], ["explain"],
                                     ["check"], ["graph"], ["export"],
                                     ["descend", "--steps", "2"]])
def test_ignore_stdin_goes_on_from_the_session(cli, command):
    cli(*WORKED)
    code, out, err = cli(*command, "--ignore-stdin", stdin=LOOP_STDIN)
    assert code in (0, 1), err  # (descend may stop unbounded: a verdict, not stdin)
    assert "stdin" not in err


def test_ignore_stdin_in_a_loop_steps_each_time(cli):
    cli(*WORKED)
    values = []
    for _ in range(2):
        code, out, err = cli("step", "--lr", "0.1", "--ignore-stdin", "--json", stdin=LOOP_STDIN)
        assert code == 0, err
        values.append(json.loads(out)["value"])
    assert values == pytest.approx([-12.72, -15.9712])


def test_quiz_ignoring_stdin_has_no_answers(cli):
    code, out, err = cli("quiz", "g = x*y", "--x", "3", "--y", "-4", "--ignore-stdin", "--json",
                         stdin="-4\n3\n")
    doc = json.loads(out)
    assert code == 1 and doc["quiz"]["score"]["right"] == 0


# --- 8: an ascent marked in the history ---------------------------------------------

def test_an_ascent_is_marked_in_the_history(cli):
    cli(*WORKED)
    cli("step", "--ascend")
    cli("step")
    code, out, _ = cli("history", "--json")
    entries = json.loads(out)["history"]
    assert [e.get("ascend", False) for e in entries] == [False, True, False]
    code, out, _ = cli("history")
    rows = [line.split() for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert rows[1][:3] == ["1", "0.1", "ascent"]
    assert "ascent" not in rows[2]


def test_descend_ascend_marks_its_steps(cli):
    code, out, _ = cli("descend", "g = -x^2", "--x", "1", "--ascend", "--steps", "2", "--json")
    history = json.loads(out)["descend"]["history"]
    assert [e.get("ascend", False) for e in history] == [False, True, True]
    code, out, _ = cli("history", "--json")
    assert [e.get("ascend", False) for e in json.loads(out)["history"]] == [False, True, True]


def test_history_entry_ascend_mark_is_read_back_and_checked():
    from backpropcli.tasks import history

    entry = {"step": 1, "value": 1.0, "lr": 0.1, "change": 0.5, "watched": {}}
    assert history.read({**entry, "ascend": True})[0]["ascend"] is True
    assert "ascend" not in history.read({**entry, "ascend": False})[0]
    assert history.read({**entry, "ascend": "yes"})[0] is None


def test_the_api_refuses_a_step_with_every_input_frozen_in_its_own_words():
    import backpropcli as bp

    r = bp.evaluate("g = x*y + z", x=3, y=-4, z=2, freeze="x,y,z")
    with pytest.raises(bp.BackpropError) as caught:
        bp.step(r)
    assert "every input is frozen (x, y, z)" in caught.value.message
    assert 'freeze=""' in caught.value.hint  # Python's spelling, not the command line's
    moved = bp.step(r, freeze="")
    assert moved.point.params == ["x", "y", "z"]
