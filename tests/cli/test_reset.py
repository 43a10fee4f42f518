"""`backprop reset`, careless and hostile: it removes what is left of a session (a
truncated file), refuses a JSON file that is not a session and leaves it, and when its
document cannot be written it leaves the session. Run in subprocesses; the shared checks
are tests/hostile.py's. (The plain use is in test_history.py.)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.hostile import (
    SESSION,
    checked,
    clean,
    flat,
    in_parallel,
    result,
    run,
    snapshot,
    text,
    worked_session,
)


def _reset_case(kind: str):
    def case(folder: Path):
        if kind == "truncated-in-.backprop":
            whole = worked_session(folder)
            path = folder / SESSION
            path.write_bytes(whole[: len(whole) // 2])
        elif kind == "truncated-begins-like-one":
            whole = worked_session(folder, "mine.json")
            path = folder / "mine.json"
            path.write_bytes(whole[: len(whole) // 2])
        else:
            content = kind.removeprefix("in-.backprop:")
            path = folder / ("other.json" if content == kind else ".backprop/notes.json")
            path.parent.mkdir(exist_ok=True)
            path.write_text(content)
        before = snapshot(path)
        r = run("reset", "--state", str(path.relative_to(folder)), cwd=folder)
        return r, path.relative_to(folder), before, path.exists() and snapshot(path)
    return case


RESET_REMOVES = ["truncated-in-.backprop", "truncated-begins-like-one"]
# Even inside a .backprop folder, a complete JSON document that is no session is not "what
# is left of a session": it is someone's file (given by --state), and reset leaves it.
RESET_REFUSES = ["{}", "[]", '{"schema": "x"}', 'in-.backprop:{"notes": "mine"}',
                 "in-.backprop:{}"]


@pytest.fixture(scope="module")
def reset_results(tmp_path_factory):
    return in_parallel(tmp_path_factory, "reset",
                       {kind: _reset_case(kind) for kind in RESET_REMOVES + RESET_REFUSES})


@pytest.mark.parametrize("kind", RESET_REMOVES)
def test_reset_removes_what_is_left_of_a_session(reset_results, kind):
    r, path, before, after = result(reset_results, kind)
    clean(r, 0)
    assert after is False  # gone
    assert str(path) in flat(r.stderr)


@pytest.mark.parametrize("kind", RESET_REFUSES)
def test_reset_refuses_a_json_file_that_is_not_a_session(reset_results, kind):
    r, path, before, after = result(reset_results, kind)
    said = checked(r, 2)
    assert str(path) in said, said
    assert after == before

def test_a_reset_whose_document_cannot_be_written_leaves_the_session(tmp_path):
    # Beyond the list: like step, reset --json either does its work and says so, or
    # fails (exit 2) and leaves the session; it must not remove it and then report failure.
    before = worked_session(tmp_path)
    r = run("reset", "--json", preexec_fn=lambda: os.close(1))
    clean(r, 2)
    assert "stdout" in flat(r.stderr), text(r.stderr)
    assert SESSION.exists() and SESSION.read_bytes() == before
