"""Hostile and careless use of the session, through the real `backprop` in subprocesses: a
session path that is no session is refused, named, and left byte for byte as it was; a
session is written private whatever mode it had; concurrent steps lose nothing; crash
debris is cleaned up; a large session stays compact; explain, check, graph and history
never change (nor make) a session. The shared checks are tests/hostile.py's."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.hostile import (
    BIN,
    SESSION,
    WORKED,
    checked,
    clean,
    in_parallel,
    one_json,
    result,
    run,
    session_doc,
    snapshot,
    stored,
    text,
    worked_session,
)

# ---------------------------------------------------------------------------
# 2. The session path: refused, named, and never changed

def _odd_state(folder: Path, kind: str) -> tuple[list[str], dict, Path]:
    """Make a session path that is not a session: (--state args, env, the path)."""
    if kind == "fifo":
        os.mkfifo(folder / "state.fifo")
        return ["--state", "state.fifo"], {}, Path("state.fifo")
    if kind == "directory":
        (folder / "state.d").mkdir()
        (folder / "state.d" / "keep.txt").write_text("mine\n")
        return ["--state", "state.d"], {}, Path("state.d")
    if kind == "dot":
        (folder / "keep.txt").write_text("mine\n")
        return ["--state", "."], {}, Path(".")
    if kind == "env-root":
        return [], {"BACKPROP_STATE": "/"}, Path("/")
    if kind == "symlink":
        worked_session(folder, "real.json")
        os.symlink("real.json", folder / "link.json")
        return ["--state", "link.json"], {}, Path("link.json")
    if kind == "truncated":
        whole = worked_session(folder, "whole.json")
        (folder / "half.json").write_bytes(whole[: len(whole) // 2])
        return ["--state", "half.json"], {}, Path("half.json")
    content = {"empty-object": "{}", "empty-list": "[]", "other-schema": '{"schema": "x"}'}
    (folder / f"{kind}.json").write_text(content[kind])
    return ["--state", f"{kind}.json"], {}, Path(f"{kind}.json")


ODD_STATES = ["fifo", "directory", "dot", "env-root", "symlink", "empty-object", "empty-list",
              "other-schema", "truncated"]
CHANGING = {
    "eval": ["eval", *WORKED],
    "step": ["step"],
    "descend": ["descend", "g = x*x", "--x", "1", "--steps", "3"],
}


def _odd_case(kind: str, command: str):
    def case(folder: Path):
        args, env, path = _odd_state(folder, kind)
        target = folder / path  # (/ stays /)
        before = snapshot(target)
        r = run(*CHANGING[command], *args, env=env, cwd=folder)
        return r, path, before, snapshot(target)
    return case


@pytest.fixture(scope="module")
def odd_results(tmp_path_factory):
    return in_parallel(tmp_path_factory, "odd", {
        f"{kind}-{command}": _odd_case(kind, command)
        for kind in ODD_STATES for command in CHANGING})


@pytest.mark.slow  # odd_results: some 25 runs of backprop, 6 s
@pytest.mark.parametrize("command", list(CHANGING))
@pytest.mark.parametrize("kind", ODD_STATES)
def test_a_session_path_that_is_no_session_is_refused_and_unchanged(odd_results, kind,
                                                                     command):
    r, path, before, after = result(odd_results, f"{kind}-{command}")
    said = checked(r, 2)
    assert str(path) in said, said
    assert after == before  # (for the link: the link and the session it points to)

@pytest.mark.parametrize("mode", [0o644, 0o640, 0o400])
def test_a_session_is_written_private_whatever_mode_it_had(tmp_path, mode):
    worked_session(tmp_path)
    os.chmod(SESSION, mode)
    clean(run("eval", *WORKED), 0)
    assert stat.S_IMODE(os.stat(SESSION).st_mode) == 0o600
    os.chmod(SESSION, mode)
    clean(run("step"), 0)
    assert stat.S_IMODE(os.stat(SESSION).st_mode) == 0o600


# ---------------------------------------------------------------------------
# 3. Concurrency: no step is lost

@pytest.mark.slow  # 20 processes at once: 3 to 7 s
def test_twenty_concurrent_steps_lose_nothing(tmp_path):
    worked_session(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "BACKPROP_STATE"}
    procs = [subprocess.Popen([*BIN, "step", "--lr", "1", "--json"], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
             for _ in range(20)]
    results = []
    deadline = time.monotonic() + 60
    try:
        for p in procs:
            out, err = p.communicate(timeout=max(1.0, deadline - time.monotonic()))
            results.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for r in results:
        clean(r)
        one_json(r)  # one document each, an error document on failure
    ok = [one_json(r) for r in results if r.returncode == 0]
    z = float(stored(session_doc()["point"]["inputs"]["z"]))
    assert z == 2.0 - len(ok)  # ∂g/∂z = 1: each step moves z by exactly -1
    # Every step started from a different point: none read a session another overwrote.
    previous = sorted(d["step"]["previous"]["inputs"]["z"] for d in ok)
    assert previous == [2.0 - k for k in reversed(range(len(ok)))]
    history = one_json(run("history", "--json"))["history"]
    assert len(history) == 1 + len(ok)
    assert [h["step"] for h in history] == list(range(len(history)))
    assert len(ok) == 20, [text(r.stdout) for r in results if r.returncode]


# ---------------------------------------------------------------------------
# 4. Crash debris

def _dead_pid() -> int:
    """The pid of a process that has ended (a child, reaped), or one past pid_max."""
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    try:
        os.kill(p.pid, 0)
    except ProcessLookupError:
        return p.pid
    return int(Path("/proc/sys/kernel/pid_max").read_text()) + 1  # (the pid was reused)


def test_a_stale_temporary_is_removed_and_a_live_one_kept(tmp_path):
    worked_session(tmp_path)
    dead = SESSION.parent / f".session.json.{_dead_pid()}.0badc0de.tmp"
    live = SESSION.parent / f".session.json.{os.getpid()}.0123abcd.tmp"
    dead.write_text("half a sess")
    live.write_text("being written")
    clean(run("step"), 0)
    assert not dead.exists()
    assert live.read_text() == "being written"
    assert sorted(p.name for p in SESSION.parent.iterdir()) == sorted(
        ["session.json", ".session.json.lock", live.name])

# ---------------------------------------------------------------------------
# 7. Session size

def test_a_large_session_is_compact_and_step_goes_on_from_the_same_array():
    r = run("eval", "W = randn(500, 500); y = sum(W*W)", "--seed", "0")
    clean(r, 0)
    assert SESSION.stat().st_size < 1.5 * 500 * 500 * 8
    saved = stored(session_doc()["point"]["inputs"]["W"])
    assert saved.shape == (500, 500)
    r = run("step", "--json")
    clean(r, 0)
    doc = one_json(r)
    before = np.array(doc["step"]["previous"]["inputs"]["W"])
    assert np.array_equal(before, saved)  # bit for bit, through base64 and back
    assert np.allclose(np.array(doc["inputs"]["W"]), 0.8 * saved)  # W - 0.1·2W
    assert np.array_equal(stored(session_doc()["point"]["inputs"]["W"]),
                          np.array(doc["inputs"]["W"]))

# ---------------------------------------------------------------------------
# 13. explain and check (and graph, history) never change the session

READ_ONLY = {
    "explain": ["explain"], "explain-json": ["explain", "--json"],
    "explain-program": ["explain", "g = x*y", "--x", "1", "--y", "2"],
    "check": ["check"], "check-json": ["check", "--json"],
    "check-fails": ["check", "g = abs(x)", "--x", "0"],  # exit 1 at the kink
    "explain-broken": ["explain", "g = = 1"],
    "graph-json": ["graph", "--json"], "history": ["history"],
}


def _read_only_case(args: list[str], with_session: bool):
    def case(folder: Path):
        if not with_session:
            r = run(*args, cwd=folder)
            return r, None, (folder / ".backprop").exists()
        worked_session(folder)
        (folder / ".backprop" / "keep").write_text("")
        session = folder / SESSION

        def state():
            return (session.read_bytes(), os.stat(session).st_mtime_ns,
                    sorted(os.listdir(session.parent)))

        before = state()
        r = run(*args, cwd=folder)
        return r, before, state()
    return case


@pytest.fixture(scope="module")
def read_only_results(tmp_path_factory):
    cases = {key: _read_only_case(args, True) for key, args in READ_ONLY.items()}
    cases.update({f"fresh-{command}": _read_only_case([command, *WORKED], False)
                  for command in ("explain", "check", "graph")})
    return in_parallel(tmp_path_factory, "read-only", cases)


@pytest.mark.parametrize("key", list(READ_ONLY))
@pytest.mark.slow  # read_only_results: 2 to 5 s
def test_read_only_commands_never_change_the_session(read_only_results, key):
    r, before, after = result(read_only_results, key)
    clean(r)
    assert r.returncode in (0, 1, 2)
    assert after == before


@pytest.mark.parametrize("command", ["explain", "check", "graph"])
@pytest.mark.slow
def test_read_only_commands_make_no_session(read_only_results, command):
    r, _, made = result(read_only_results, f"fresh-{command}")
    clean(r, 0)
    assert not made
