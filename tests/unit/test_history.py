"""tasks/history.py: a history entry as saved, made whole; older sessions' flat entries."""

from __future__ import annotations

import json

import pytest

from backpropcli.core.errors import SessionError
from backpropcli.tasks import session
from backpropcli.tasks.history import read

WHOLE = {"step": 3, "value": 1.5, "lr": 0.1, "change": -0.5, "watched": {"acc": 0.75}}


def test_a_whole_entry_is_read_as_it_is():
    assert read(WHOLE) == (WHOLE, None)
    # a watched node may have the name of any of the entry's own keys
    odd = {**WHOLE, "watched": {"step": 2.5, "value": -1.0, "watched": 0.0}}
    assert read(odd) == (odd, None)


@pytest.mark.parametrize(("flat", "watched"), [
    ({"step": 0, "value": -10.0, "lr": None, "change": None}, {}),  # what sessions held
    ({"step": 1, "value": 2.0, "lr": 0.1, "change": -1.0, "accuracy": 0.5}, {"accuracy": 0.5}),
    ({"step": 1, "value": 2.0, "lr": 0.1, "change": -1.0, "watched": 3.0}, {"watched": 3.0}),
])
def test_an_older_flat_entry_moves_its_watched_values_under_watched(flat, watched):
    entry, problem = read(flat)
    assert problem is None
    assert entry == {**{k: flat[k] for k in ("step", "value", "lr", "change")},
                     "watched": watched}


def test_missing_keys_are_filled_with_null():
    assert read({"step": 2}) == ({"step": 2, "value": None, "lr": None, "change": None,
                                  "watched": {}}, None)


@pytest.mark.parametrize(("raw", "words"), [
    ([1], "is not an object"),
    ({"value": 1.0}, "no whole-number step"),
    ({"step": 1.5, "value": 1.0}, "no whole-number step"),  # what a node named step wrote
    ({"step": True}, "no whole-number step"),
    ({"step": -1}, "no whole-number step"),
    ({"step": 0, "value": "1"}, "a 'value' that is not a finite number"),
    ({"step": 0, "value": 10**400}, "a 'value' that is not a finite number"),
    ({"step": 0, "lr": float("nan")}, "a 'lr' that is not a finite number"),
    ({"step": 0, "watched": {"acc": [1]}}, "a watched 'acc' that is not a finite number"),
    ({"step": 0, "acc": "high"}, "a watched 'acc' that is not a finite number"),
    ({"step": 0, "watched": {}, "acc": 1.0}, "a key 'acc' that a history entry does not have"),
])
def test_a_broken_entry_says_what_is_wrong(raw, words):
    entry, problem = read(raw)
    assert entry is None and words in problem


def test_an_older_session_file_is_read_and_written_in_the_new_layout(tmp_path):
    path = tmp_path / "session.json"
    path.write_text(json.dumps({
        "schema": "backprop-session/1",
        "point": {"schema": "backprop/1", "program": "L = (a - 3)^2", "output": "L",
                  "inputs": {"a": 0.6}, "params": ["a"]},
        "history": [{"step": 0, "value": 9.0, "lr": None, "change": None},
                    {"step": 1, "value": 5.76, "lr": 0.1, "change": -3.24}]}),
        encoding="utf-8")
    old = session.load(path)
    assert [h["watched"] for h in old.history] == [{}, {}]
    session.save(path, old)
    assert json.loads(path.read_text(encoding="utf-8"))["history"][1] == \
        {"step": 1, "value": 5.76, "lr": 0.1, "change": -3.24, "watched": {}}


def test_a_session_broken_by_a_node_named_step_names_the_file_and_reset(tmp_path):
    path = tmp_path / "session.json"
    path.write_text(json.dumps({
        "schema": "backprop-session/1",
        "point": {"schema": "backprop/1", "program": "L = (a - 3)^2\nstep = a * 2.5",
                  "output": "L", "inputs": {"a": 0.6}, "params": ["a"]},
        "history": [{"step": 0.0, "value": 9.0, "lr": None, "change": None}]}),
        encoding="utf-8")
    with pytest.raises(SessionError) as e:
        session.load(path)
    assert str(path) in e.value.message and "entry 0" in e.value.message
    assert f"Session({str(path)!r}).reset()" in e.value.hint  # backprop reset --state, in the CLI
