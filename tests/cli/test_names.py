"""A program's names never replace a key of the tool's own (issue 17, section 2).

A node named `step` once overwrote the step number of every history entry: the session
broke for every command after it. Here every node, and then every input, is named after
a key of a document the tool writes: every key the JSON Schema lists (so a key added
to the schema is tried at once) and every key of a session file. Every command then
runs: exit 0, documents valid (the `cli` fixture holds each to the schema), histories
read back, and the numbers right.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from backpropcli import schemas
from backpropcli.tasks import session
from backpropcli.tasks.point import Point
from tests.exported import run_scripts

STEPS, LR = 5, 0.1


def _keys_in(doc, keys: set[str]) -> set[str]:
    """Every key of every object in a JSON value (loops over a stack: no recursion)."""
    stack = [doc]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            keys.update(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return keys


def schema_keys() -> set[str]:
    """Every key the schema names for an object: its `properties` and `required`."""
    keys: set[str] = set()
    stack = [json.loads(schemas.text())]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("properties"), dict):
                keys.update(item["properties"])
            if isinstance(item.get("required"), list):
                keys.update(item["required"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return keys


def session_keys() -> set[str]:
    """Every key of a session file: its point (with an array large enough to be stored
    as bytes, and a base folder) and a history entry."""
    point = Point("g = sum(W)", "g", {"W": np.zeros(100), "x": np.float64(1)}, ["W"],
                  Path("/tmp"))
    entry = {"step": 0, "value": 1.0, "lr": None, "change": None, "watched": {"h": 1.0}}
    keys = _keys_in(json.loads(session.text(session.Session(point, [entry]))), set())
    return keys - {"W", "x", "h"}  # the program's own names


KEYS = sorted(k for k in schema_keys() | session_keys() if k.isidentifier())


def test_the_keys_are_read_from_the_documents():
    # the list is made, not written out: it holds what every kind of document has
    assert {"step", "value", "lr", "change", "watched", "schema", "command", "history",
            "point", "dtype", "base64", "descend", "quiz", "error", "nodes"} <= set(KEYS)
    assert len(KEYS) > 100


def _run(cli, *args: str, code: int = 0) -> dict:
    got, out, err = cli(*args, "--json")
    assert got == code, f"{args}: exit {got}\n{err}\n{out[:2000]}"
    return json.loads(out)


def _history_right(history: list[dict], want_values: list[float],
                   want_watched: list[dict[str, float]]) -> None:
    assert [h["step"] for h in history] == list(range(len(want_values)))
    assert [h["lr"] for h in history] == [None] + [LR] * (len(want_values) - 1)
    assert [h["value"] for h in history] == pytest.approx(want_values, rel=1e-12)
    for h, watched in zip(history, want_watched, strict=True):
        assert set(h) == {"step", "value", "lr", "change", "watched"}
        assert h["watched"] == pytest.approx(watched, rel=1e-12)


def _every_command(cli, tmp_path: Path, program: Path, args: list[str], values: list[float],
                   watched: list[dict[str, float]]) -> dict:
    """eval, step, descend, history, the other program commands and an exported
    descent, on `program`; the descent's document."""
    watch = ["--watch", ",".join(watched[0])] if watched[0] else []
    doc = _run(cli, "eval", str(program), *args)
    assert doc["value"] == pytest.approx(values[0])
    doc = _run(cli, "step", "--lr", str(LR))
    assert doc["step"]["lr"] == LR and doc["value"] == pytest.approx(values[1])
    history = _run(cli, "history")["history"]
    _history_right(history, values[:2], [{}, {}])

    descent = _run(cli, "descend", str(program), *args, "--steps", str(STEPS), *watch)
    _history_right(descent["descend"]["history"], values, watched)
    # the session's history is the descent's; and every command goes on from it
    assert _run(cli, "history")["history"] == descent["descend"]["history"]
    for command in (["history"], ["eval"], ["step"], ["explain"], ["check"], ["graph"]):
        code, _, err = cli(*command)
        assert code == 0, f"{command}: {err}"
    history = _run(cli, "history")["history"]
    assert len(history) == STEPS + 2 and history[-1]["step"] == STEPS + 1
    assert history[-1]["watched"] == {}
    for command in (["eval"], ["explain"], ["check"], ["graph"]):
        _run(cli, *command)

    sheet = _run(cli, "quiz", "--sheet")
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(sheet), encoding="utf-8")
    graded = _run(cli, "quiz", "--answers", str(answers), code=1)  # none answered
    sheet["answers"] = {q["id"]: q["right"] for q in graded["quiz"]["questions"]}
    answers.write_text(json.dumps(sheet), encoding="utf-8")
    assert _run(cli, "quiz", "--answers", str(answers))["quiz"]["score"]["all_right"]

    script = tmp_path / "script.py"
    code, _, err = cli("export", str(program), *args, "--descend", "--steps", str(STEPS),
                       *watch, "-o", str(script))
    assert code == 0, err
    (printed,) = run_scripts([script])
    _history_right(printed["descend"]["history"], values, watched)
    return descent


def test_nodes_named_after_every_key(cli, tmp_path):
    # L = (a - 3)^2 with a starting at 0: a step of lr 0.1 takes a to 3 - 3·0.8^k,
    # and the node named after the i-th key is a·(i + 1)/8
    factor = {key: (i + 1) / 8 for i, key in enumerate(KEYS)}
    program = tmp_path / "nodes.bp"
    program.write_text("L = (a - 3)^2\n" + "".join(f"{key} = a * {m}\n"
                                                   for key, m in factor.items()),
                       encoding="utf-8")
    a = [3 - 3 * 0.8**k for k in range(STEPS + 1)]
    values = [(x - 3) ** 2 for x in a]
    watched = [{key: x * m for key, m in factor.items()} for x in a]
    doc = _every_command(cli, tmp_path, program, ["--a", "0", "--output", "L"], values,
                         watched)
    assert {n["name"] for n in doc["nodes"]} >= set(KEYS)
    assert doc["inputs"] == pytest.approx({"a": a[-1]})


@pytest.mark.slow
def test_inputs_named_after_every_key(cli, tmp_path):
    # each key an input starting at 0.5 (declared in the program), in L as 0.5·key^2:
    # its gradient is itself, and a step of lr 0.1 takes it to 0.9 of itself
    program = tmp_path / "inputs.bp"
    program.write_text("".join(f"{key} = 0.5\n" for key in KEYS) + "L = (a - 3)^2 + 0.5 * ("
                       + " + ".join(f"{key}^2" for key in KEYS) + ")\n", encoding="utf-8")
    n = len(KEYS)
    values = [(3 * 0.8**k) ** 2 + 0.5 * n * (0.5 * 0.9**k) ** 2 for k in range(STEPS + 1)]
    doc = _every_command(cli, tmp_path, program, ["--a", "0"], values, [{}] * (STEPS + 1))
    assert doc["inputs"] == pytest.approx({**{k: 0.5 * 0.9**STEPS for k in KEYS},
                                           "a": 3 - 3 * 0.8**STEPS})
    assert doc["gradients"] == pytest.approx({**{k: 0.5 * 0.9**STEPS for k in KEYS},
                                              "a": -6 * 0.8**STEPS})
    assert math.isclose(doc["value"], values[-1], rel_tol=1e-12)
