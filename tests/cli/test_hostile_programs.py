"""Hostile programs and documents, through the real `backprop` in subprocesses: the known
internal-error cases are clear messages, and our own hostile inputs (NUL bytes, deep
nesting, very long names, a session holding deep JSON) fail cleanly. The shared checks
are tests/hostile.py's."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from tests.hostile import (
    SESSION,
    checked,
    clean,
    doc_text,
    in_parallel,
    raw_controls,
    result,
    run,
    session_doc,
    worked_session,
)

# ---------------------------------------------------------------------------
# 10. Named internal-error cases: clear messages

def _setup_npz(folder: Path) -> None:
    np.savez(folder / "a.npz", w=np.ones(3))
    os.rename(folder / "a.npz", folder / "a.npy")


def _setup_history(folder: Path) -> None:
    worked_session(folder)
    doc = session_doc(folder / SESSION)
    doc["history"] = [{"step": "x"}]
    (folder / SESSION).write_text(json.dumps(doc))


BIG = doc_text("g = x*y + z", inputs={"x": int("9" * 400), "y": -4, "z": 2})

NAMED = {
    # id: (setup, args, stdin, exit code, words the message holds)
    "empty-npy": (lambda folder: (folder / "empty.npy").write_bytes(b""),
                  ["eval", "g = sum(W)", "--W", "@empty.npy"], "", 2, ["empty.npy"]),
    "npz-as-npy": (_setup_npz, ["eval", "g = sum(W)", "--W", "@a.npy"], "", 2,
                   ["a.npy", "npy"]),
    "negative-seed": (None, ["eval", "W = randn(2, 2); g = sum(W)", "--seed", "-1"], "", 2,
                      ["seed"]),
    "400-digits": (None, ["step"], BIG, 2, ["x", "too large"]),
    "history-edited": (_setup_history, ["history"], "", 2, ["history", "session.json"]),
    "history-edited-step": (_setup_history, ["step"], "", 2, ["session.json"]),
    "load-a-directory": (lambda folder: (folder / "no such file").mkdir(),
                         ["eval", 'X = load("no such file"); g = sum(X)'], "", 2,
                         ["no such file", "directory"]),
    "lr-1e308": (worked_session, ["step", "--lr", "1e308"], "", 1, ["step", "lr"]),
}
NAMED_RUNS = [(case, False) for case in NAMED] + [
    ("400-digits", True), ("history-edited", True), ("lr-1e308", True)]


def _named_case(case: str, as_json: bool):
    def run_case(folder: Path):
        setup, args, stdin, code, words = NAMED[case]
        if setup is not None:
            setup(folder)
        session = folder / SESSION
        before = session.read_bytes() if session.exists() else None
        r = run(*args, *(["--json"] if as_json else []), stdin=stdin, cwd=folder)
        return r, before, session.read_bytes() if session.exists() else None
    return run_case


@pytest.fixture(scope="module")
def named_results(tmp_path_factory):
    return in_parallel(tmp_path_factory, "named", {
        f"{case}-{as_json}": _named_case(case, as_json) for case, as_json in NAMED_RUNS})


@pytest.mark.parametrize(("case", "as_json"), NAMED_RUNS)
@pytest.mark.slow  # named_results: 2.5 to 4.5 s
def test_named_internal_errors_are_clear_messages(named_results, case, as_json):
    r, before, after = result(named_results, f"{case}-{as_json}")
    code, words = NAMED[case][3], NAMED[case][4]
    said = checked(r, code, as_json)
    for word in words:
        assert word in said, (word, said)
    assert "vertical tangent" not in said
    assert after == before  # a failed command leaves the session as it was

# ---------------------------------------------------------------------------
# Our own hostile inputs

OWN = {
    # id: (args, stdin, exit code)
    "nul-in-program-stdin": (["eval", "-", "--x", "1"], "g = x\x00 + 1", 2),
    "nul-in-a-comment": (["eval", "-", "--x", "1"], "g = x # \x00\n", 0),
    "utf16-program-stdin": (["eval", "-", "--x", "1"], "g = x".encode("utf-16"), 2),
    "nul-in-load-name": (["step"], doc_text('X = load("a\x00b"); y = sum(X)', output="y",
                                        inputs={}), 2),
    "nul-in-piped-program": (["step"], doc_text("g = x\x00"), 2),
    "5000-parentheses": (["eval", "g = " + "(" * 5000 + "x" + ")" * 5000, "--x", "1"], "", 0),
    "3000-exp-overflow": (["eval", "g = " + "exp(" * 3000 + "x" + ")" * 3000, "--x", "0"],
                          "", 1),
    "2000-statements": (["eval", "\n".join(["a = x"] + ["a = a + 1"] * 2000), "--x", "1"],
                        "", 0),
    "100k-option-name": (["eval", "g = x", "--x", "1", "--" + "a" * 100_000, "1"], "", 2),
    "lr-nan": (["step", "--lr", "nan"], "", 2),
    "lr-1e-400": (["step", "--lr", "1e-400"], "", 2),
    "huge-index": (["eval", "y = sum(x[99999999999999999999999])", "--x", "[1, 2]"], "", 2),
    "35-axes": (["eval", "W = zeros(" + ", ".join(["1"] * 35) + "); y = sum(W)"], "", 2),
    "deep-json-stdin": (["step"], "[" * 100_000 + "]" * 100_000, 2),
    "deep-json-input": (["step"], '{"schema": "backprop/1", "program": "g = x", "output": "g",'
                        ' "params": ["x"], "inputs": {"x": ' + "[" * 100_000 + "1"
                        + "]" * 100_000 + "}}", 2),
    "stored-array-lies": (["step"], doc_text("g = sum(x)", inputs={
        "x": {"dtype": "float64", "shape": [10**12], "base64": ""}}), 2),
    "state-under-a-file": (["eval", "g = x", "--x", "1", "--state", "afile/s.json"], "", 2),
}
OWN_RUNS = [(case, False) for case in OWN] + [
    ("deep-json-stdin", True), ("100k-option-name", True)]


def _own_case(case: str, as_json: bool):
    def run_case(folder: Path):
        args, stdin, code = OWN[case]
        (folder / "afile").write_text("a file, not a folder\n")
        return run(*args, *(["--json"] if as_json else []), stdin=stdin, cwd=folder)
    return run_case


def _deep_session_case(folder: Path):
    (folder / SESSION).parent.mkdir()
    (folder / SESSION).write_text("[" * 100_000 + "]" * 100_000)
    runs = [(args, run(*args, cwd=folder))
            for args in (["step"], ["history"], ["step", "--json"], ["eval"])]
    reset = run("reset", cwd=folder)  # what is in .backprop/ and broken can be reset
    return runs, reset, (folder / SESSION).exists()


@pytest.fixture(scope="module")
def own_results(tmp_path_factory):
    cases = {f"{case}-{as_json}": _own_case(case, as_json) for case, as_json in OWN_RUNS}
    cases["deep-session"] = _deep_session_case
    return in_parallel(tmp_path_factory, "own", cases)


@pytest.mark.slow  # own_results: some 25 runs of backprop, 7 s
@pytest.mark.parametrize(("case", "as_json"), OWN_RUNS)
def test_own_hostile_inputs_fail_cleanly(own_results, case, as_json):
    r = result(own_results, f"{case}-{as_json}")
    checked(r, OWN[case][2], as_json)
    assert not raw_controls(r.stdout) and not raw_controls(r.stderr)


@pytest.mark.slow
def test_a_session_holding_deep_json_is_broken_not_a_crash(own_results):
    runs, reset, left = result(own_results, "deep-session")
    for args, r in runs:
        said = checked(r, 2, "--json" in args)
        assert str(SESSION) in said, (args, said)
    clean(reset, 0)
    assert not left
