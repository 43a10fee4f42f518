"""`backprop step`: the session and the JSON pipe (history and reset: test_history.py,
test_reset.py)."""

from __future__ import annotations

import json

import pytest

WORKED = ["eval", "g = x*y + z", "--x", "3", "--y", "-4", "--z", "2"]


def test_step_after_eval(cli):
    assert cli(*WORKED)[0] == 0
    code, out, err = cli("step", "--lr", "0.1")
    assert code == 0, err
    for text in ("3.4", "-4.3", "1.9", "+0.4", "-0.3", "-0.1", "-10 → -12.72", "decreased by 2.72"):
        assert text in out


def test_step_json_and_chained_steps(cli):
    cli(*WORKED)
    code, out, _ = cli("step", "--lr", "0.1", "--json")
    doc = json.loads(out)
    assert doc["command"] == "step"
    assert doc["inputs"] == pytest.approx({"x": 3.4, "y": -4.3, "z": 1.9})
    assert doc["value"] == pytest.approx(-12.72)
    assert doc["gradients"] == pytest.approx({"x": -4.3, "y": 3.4, "z": 1})
    assert doc["step"]["change"] == pytest.approx(-2.72)
    assert doc["step"]["previous"]["value"] == -10
    assert doc["step"]["previous"]["gradients"] == {"x": -4, "y": 3, "z": 1}
    code, out, _ = cli("step", "--lr", "0.1", "--json")
    assert json.loads(out)["inputs"]["x"] == pytest.approx(3.4 + 0.43)


def test_ascend(cli):
    cli(*WORKED)
    code, out, _ = cli("step", "--lr", "0.1", "--ascend", "--json")
    assert json.loads(out)["inputs"] == pytest.approx({"x": 2.6, "y": -3.7, "z": 2.1})


def test_params_and_freeze(cli):
    cli(*WORKED, "--freeze", "x")
    code, out, _ = cli("step", "--json")
    assert json.loads(out)["inputs"] == pytest.approx({"x": 3, "y": -4.3, "z": 1.9})
    cli(*WORKED, "--params", "z")
    code, out, _ = cli("step", "--json")
    assert json.loads(out)["inputs"] == pytest.approx({"x": 3, "y": -4, "z": 1.9})
    code, out, _ = cli("step", "--params", "x,y", "--json")
    assert json.loads(out)["inputs"] == pytest.approx({"x": 3.4, "y": -4.3, "z": 1.9})


def test_step_reads_a_document_from_stdin(cli):
    _, doc, _ = cli(*WORKED, "--json")
    cli("reset")
    code, out, err = cli("step", "--lr", "0.1", "--json", stdin=doc)
    assert code == 0, err
    assert json.loads(out)["value"] == pytest.approx(-12.72)


def test_pipeline_through_the_installed_command(backprop):
    first = backprop(*WORKED, "--json")
    second = backprop("step", "--lr", "0.1", "--json", stdin=first.stdout)
    third = backprop("step", "--lr", "0.1", "--json", stdin=second.stdout)
    assert third.returncode == 0, third.stderr
    doc = json.loads(third.stdout)
    assert doc["step"]["previous"]["value"] == pytest.approx(-12.72)
    assert doc["inputs"]["x"] == pytest.approx(3.83)


@pytest.mark.parametrize(("stdin", "words"), [
    ("{not json", "not a valid JSON document"),
    ('{"schema": "other"}', "not a backprop/1 document"),
    ("[1, 2]", "not a backprop document"),
    ('{"schema": "backprop/1", "error": {"message": "boom"}}', "boom"),
])
def test_bad_documents_on_stdin(cli, stdin, words):
    code, out, err = cli("step", stdin=stdin)
    assert code == 2 and words in err


def test_broken_session_is_an_error_naming_the_file(cli, tmp_path):
    cli(*WORKED)
    path = tmp_path / ".backprop" / "session.json"
    path.write_text("{broken")
    code, _, err = cli("step")
    assert code == 2 and str(path.name) in err and "broken" in err
    assert path.read_text() == "{broken"  # never silently replaced


def test_failed_step_leaves_the_session_as_it_was(cli, tmp_path):
    cli("eval", "y = exp(x)", "--x", "700")
    path = tmp_path / ".backprop" / "session.json"
    before = path.read_text()
    code, _, err = cli("step", "--lr", "1", "--ascend")  # exp(700 + 1.0e304) overflows
    assert code == 1 and ("not finite" in err or "inf" in err)
    assert path.read_text() == before


def test_state_option_and_environment(cli, tmp_path, monkeypatch):
    cli(*WORKED, "--state", "s1.json")
    assert (tmp_path / "s1.json").exists()
    monkeypatch.setenv("BACKPROP_STATE", str(tmp_path / "s2.json"))
    cli(*WORKED)
    assert (tmp_path / "s2.json").exists()
    code, out, _ = cli("step", "--json")
    assert code == 0


def test_bad_lr(cli):
    cli(*WORKED)
    assert cli("step", "--lr", "-1")[0] == 2
    assert cli("step", "--lr", "abc")[0] == 2


@pytest.mark.slow  # shell pipelines of backprop: 3.5 to 5.5 s
def test_a_pipeline_of_commands_never_waits_on_itself():
    # All three start at once; a step must read its document before it takes the
    # session's lock, or it would hold the lock waiting for the eval that waits for it.
    import shlex
    import subprocess

    from tests.helpers import command

    exe = shlex.join(command())
    line = (f"{exe} eval 'g = x*y + z' --x 3 --y -4 --z 2 --json"
            f" | {exe} step --lr 0.1 --json | {exe} step --lr 0.1 --json")
    for _ in range(5):
        r = subprocess.run(["sh", "-c", line], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        doc = json.loads(r.stdout)
        assert doc["inputs"]["x"] == pytest.approx(3.83) and "error" not in doc


def test_the_session_is_found_in_a_folder_above(cli, tmp_path, monkeypatch):
    # as git finds its repository: here, or the nearest folder above with .backprop/
    assert cli(*WORKED)[0] == 0
    deeper = tmp_path / "a" / "b"
    deeper.mkdir(parents=True)
    monkeypatch.chdir(deeper)
    code, out, err = cli("step", "--lr", "0.1")
    assert code == 0, err
    assert "session: ../../.backprop/session.json (found above)" in err
    assert "g: -10 → -12.72" in out
    assert not (deeper / ".backprop").exists()
    code, out, err = cli("history")
    assert code == 0 and "(2 entries)" in out


def test_no_session_says_where_it_looked(cli, tmp_path, monkeypatch):
    deeper = tmp_path / "a"
    deeper.mkdir()
    monkeypatch.chdir(deeper)
    code, out, err = cli("step")
    assert code == 2
    assert f"no session in {deeper} or the folders above it, up to {tmp_path}" in " ".join(
        err.split())
