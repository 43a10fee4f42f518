"""session.py: the saved session, its atomic writes, and broken files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from backpropcli.core.errors import LimitError, SessionError
from backpropcli.tasks import session
from backpropcli.tasks.point import Point
from backpropcli.tasks.session import Session, clear, load, location, save

HISTORY = [{"step": 0, "value": -10.0, "lr": None, "change": None, "watched": {}},
           {"step": 1, "value": -12.72, "lr": 0.1, "change": -2.72, "watched": {"h": 10.0}}]


def a_session(base: Path | None = None) -> Session:
    point = Point("g = x*y + z\nh = sum(W)", "g",
                  {"x": np.float64(3), "y": np.float64(-4), "z": np.float64(2),
                   "W": np.array([[1.0, 2.0], [3.0, 4.0]])},
                  ["x", "z"], base)
    return Session(point, list(HISTORY))


def test_save_and_load_round_trip(tmp_path):
    path = tmp_path / "deep" / "er" / "session.json"  # folders are made as needed
    saved = a_session(base=tmp_path)
    save(path, saved)
    back = load(path)
    p, q = saved.point, back.point
    assert (q.program, q.output, q.params, q.base) == (p.program, p.output, p.params, p.base)
    assert set(q.inputs) == set(p.inputs)
    for name in p.inputs:
        assert np.array_equal(q.inputs[name], p.inputs[name])
    assert back.history == HISTORY


def test_the_file_is_json_with_a_schema(tmp_path):
    path = tmp_path / "s.json"
    save(path, a_session())
    doc = json.loads(path.read_text())
    assert doc["schema"] == session.SCHEMA == "backprop-session/1"
    assert doc["point"]["inputs"]["W"] == [[1.0, 2.0], [3.0, 4.0]]
    assert "base" not in doc["point"]


def test_a_write_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "s.json"
    for _ in range(3):
        save(path, a_session())
    assert sorted(os.listdir(tmp_path)) == [".s.json.lock", "s.json"]  # no temporary


def test_a_failed_write_keeps_the_old_session(tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    save(path, a_session())
    before = path.read_text()

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(session.os, "replace", refuse)
    changed = Session(a_session().point, [])
    with pytest.raises(SessionError) as e:
        save(path, changed)
    assert str(path) in e.value.message and "No space left" in e.value.message
    assert path.read_text() == before
    assert sorted(os.listdir(tmp_path)) == [".s.json.lock", "s.json"]  # no temporary


def test_without_file_locking_the_session_is_refused_not_raced(tmp_path, monkeypatch):
    monkeypatch.setattr(session, "fcntl", None)  # as on Windows
    with pytest.raises(SessionError, match="no file locking"):
        save(tmp_path / "session.json", a_session())
    assert not (tmp_path / "session.json").exists()


def test_saving_where_a_folder_cannot_be_made(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(SessionError) as e:
        save(tmp_path / "file" / "s.json", a_session())
    assert "cannot lock the session" in e.value.message and e.value.hint


@pytest.mark.parametrize(("content", "words"), [
    ("", "is broken"),
    ("{", "is broken"),
    ("[" * 100_000, "is broken"),
    ("[]", "is not a backprop session file"),
    (json.dumps({"schema": "backprop/1"}), "is not a backprop session file"),
    (json.dumps({"schema": "backprop-session/1", "point": None, "history": []}), "not a JSON"),
    (json.dumps({"schema": "backprop-session/1",
                 "point": {"schema": "backprop/1", "program": "g = x", "output": "g",
                           "inputs": {"x": "nan"}, "params": ["x"]},
                 "history": []}), "expected a number"),
    (json.dumps({"schema": "backprop-session/1",
                 "point": {"schema": "backprop/1", "program": "g = x", "output": "g",
                           "inputs": {"x": 1}, "params": ["x"]},
                 "history": {"step": 0}}), "broken history"),
    (json.dumps({"schema": "backprop-session/1",
                 "point": {"schema": "backprop/1", "program": "g = x", "output": "g",
                           "inputs": {"x": 1}, "params": ["x"]},
                 "history": [1, 2]}), "broken history"),
])
def test_a_broken_file_is_an_error_naming_it_and_is_kept(tmp_path, content, words):
    path = tmp_path / "s.json"
    path.write_text(content)
    with pytest.raises(SessionError) as e:
        load(path)
    assert str(path) in e.value.message, e.value.message
    assert words in e.value.message, e.value.message
    assert e.value.exit_code == 2
    assert path.read_text() == content  # never replaced, never reset


def test_a_file_that_is_not_text(tmp_path):
    path = tmp_path / "s.json"
    path.write_bytes(b"\xff\xfe{")
    with pytest.raises(SessionError, match=r"cannot read .* not UTF-8 text"):
        load(path)


def test_no_session(tmp_path):
    with pytest.raises(SessionError) as e:
        load(tmp_path / "none.json")
    assert "no session at" in e.value.message and "backprop eval" in e.value.hint


def test_clear(tmp_path):
    path = tmp_path / "s.json"
    save(path, a_session())
    assert clear(path) is True and not path.exists()
    assert clear(path) is False


def test_location(monkeypatch):
    assert location() == Path(".backprop") / "session.json"
    monkeypatch.setenv("BACKPROP_STATE", "/tmp/elsewhere.json")
    assert location() == Path("/tmp/elsewhere.json")
    assert location("mine.json") == Path("mine.json")  # --state wins


def test_a_broken_session_is_not_replaced_by_step(cli, tmp_path):
    path = tmp_path / "s.json"
    path.write_text("{ not json")
    code, out, err = cli("step", "--state", str(path))
    # not in a .backprop folder, not beginning like a session: maybe not ours at all
    assert code == 2 and str(path) in err and "left as it is" in err
    assert path.read_text() == "{ not json"
    ours = tmp_path / ".backprop" / "session.json"
    ours.parent.mkdir()
    ours.write_text("{ not json")
    code, out, err = cli("step", "--state", str(ours))
    assert code == 2 and str(ours) in err and "backprop reset" in err
    assert ours.read_text() == "{ not json"


# ---------------------------------------------------------------------------
# issue 17: whose session, what is written, what is read

@pytest.mark.parametrize("where", ["file", "folder"])
def test_a_session_others_may_write_is_never_read_locked_or_removed(tmp_path, where):
    path = tmp_path / ".backprop" / "session.json"
    save(path, a_session())
    os.chmod(path if where == "file" else path.parent, 0o666 if where == "file" else 0o777)
    before = path.read_bytes()
    for act in (lambda: load(path), lambda: save(path, a_session()), lambda: clear(path)):
        with pytest.raises(SessionError) as e:
            act()
        said = f"{e.value.message} {e.value.hint}"
        assert str(path) in said and ("0666" if where == "file" else "0777") in said, said
        assert "Session(PATH)" in said and "BACKPROP_STATE" in said, said  # (--state in the CLI)
    assert path.read_bytes() == before


def test_a_session_is_saved_private_whatever_its_mode(tmp_path):
    path = tmp_path / "new" / "session.json"
    save(path, a_session())
    assert (os.stat(path).st_mode & 0o777, os.stat(path.parent).st_mode & 0o777) == (0o600, 0o700)
    os.chmod(path, 0o644)
    save(path, a_session())
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_a_session_too_big_to_read_back_is_not_saved(tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    save(path, a_session())
    before = path.read_bytes()
    monkeypatch.setenv("BACKPROP_MAX_BYTES", str(len(before)))  # what is there is read
    big = Session(a_session().point, list(HISTORY) * 2)
    with pytest.raises(LimitError, match="would be") as e:
        save(path, big)
    assert "BACKPROP_MAX_BYTES" in e.value.hint and path.read_bytes() == before
    assert clear(path) is True  # and reset still removes it, whatever the limit


@pytest.mark.parametrize("key", ["value", "lr", "change"])
def test_a_history_number_past_a_float_is_a_broken_history(tmp_path, key):
    path = tmp_path / "s.json"
    save(path, a_session())
    doc = json.loads(path.read_text())
    doc["history"][1][key] = -10**400
    path.write_text(json.dumps(doc))
    with pytest.raises(SessionError, match=f"entry 1 has a '{key}' that is not a finite"):
        load(path)
    assert clear(path) is True


@pytest.mark.parametrize("key", ["step", "value", "lr", "change"])
def test_a_history_entry_missing_a_key(tmp_path, key):
    path = tmp_path / "s.json"
    save(path, a_session())
    doc = json.loads(path.read_text())
    del doc["history"][1][key]
    path.write_text(json.dumps(doc))
    if key == "step":  # no stand-in for a step number
        with pytest.raises(SessionError, match="entry 1 has no whole-number step"):
            load(path)
    else:  # null: none recorded
        entry = load(path).history[1]
        assert entry[key] is None
        assert {k: v for k, v in entry.items() if k != key} == \
            {k: v for k, v in HISTORY[1].items() if k != key}
