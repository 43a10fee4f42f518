"""The session is the user's own: one planted above the working folder is refused, not used.

Issue 17's findings, each a class of sessions: a session found by the upward search that
another user owns or may write (the file, its folder, its lock) is refused by every
command that would read or write it, with exit 2, the file named with its owner and
mode, and left exactly as it was; explicit paths (--state, BACKPROP_STATE) keep working
on the user's own files; a session is written 0600 in a folder made 0700; a session
holding numbers past a float's range, or of any damage or size, is an error naming the
file, and `reset` removes it; a session the tool writes is one it can read back; and a
hand-edited history entry missing a key still gives a valid document.

The tests run the installed `backprop`, in a subfolder of the test's folder (tmp_path is
BACKPROP_CEILING, so the search stops there): the planted session sits in tmp_path.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.helpers import command, tiered
from tests.schemacheck import assert_valid, trimmed

WORKED = ["g = x*y + z", "--x", "3", "--y", "-4", "--z", "2"]
SESSION = Path(".backprop") / "session.json"
NOBODY = 65534
ROOT_ONLY = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                               reason="giving a file to another user needs root")

# Every command that reads or writes the session when given no PROGRAM (eval and descend
# also with one: they write it).
COMMANDS = {
    "eval": ["eval"],
    "eval-program": ["eval", *WORKED],
    "step": ["step"],
    "descend": ["descend", "--steps", "2"],
    "descend-program": ["descend", "g = x*x", "--x", "1", "--steps", "2"],
    "history": ["history"],
    "reset": ["reset"],
    "graph": ["graph"],
    "explain": ["explain"],
    "check": ["check"],
    "quiz": ["quiz"],
    "export": ["export"],
}


def backprop(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k != "BACKPROP_STATE"}
    full.update(env or {})
    return subprocess.run([*command(), *args], input=b"", capture_output=True, cwd=cwd,
                          env=full, timeout=60)


def said(r: subprocess.CompletedProcess) -> str:
    """What the user is told, white space made single spaces; no traceback."""
    out, err = r.stdout.decode(), r.stderr.decode()
    for stream in (out, err):
        assert "Traceback" not in stream and "internal error" not in stream, stream
    return " ".join((err if r.returncode else out + err).split())


def snapshot(folder: Path) -> dict:
    """Every name in a folder, with its owner, mode, and a file's bytes or a link's target."""
    seen = {}
    for p in sorted(folder.iterdir()):
        info = os.lstat(p)
        body = os.readlink(p) if stat.S_ISLNK(info.st_mode) else \
            p.read_bytes() if stat.S_ISREG(info.st_mode) else None
        seen[p.name] = (info.st_uid, stat.S_IMODE(info.st_mode), body)
    return seen


@pytest.fixture(scope="module")
def worked(tmp_path_factory) -> bytes:
    """The bytes of the worked example's session, as `eval` writes it."""
    folder = tmp_path_factory.mktemp("worked")
    r = backprop("eval", *WORKED, cwd=folder, env={"BACKPROP_CEILING": str(folder)})
    assert r.returncode == 0, r.stderr
    return (folder / SESSION).read_bytes()


def plant(top: Path, kind: str, content: bytes) -> tuple[Path, str, str]:
    """A session in top/.backprop made unsafe in one way: (the path to be named, the
    owner and the mode the message must say)."""
    folder, path = top / ".backprop", top / SESSION
    folder.mkdir(mode=0o700)
    path.write_bytes(content)
    os.chmod(path, 0o600)
    named, owner, mode = path, "root" if os.geteuid() == 0 else str(os.geteuid()), "0600"
    if kind == "file-0666":
        os.chmod(path, 0o666)
        mode = "0666"
    elif kind == "file-0620":
        os.chmod(path, 0o620)
        mode = "0620"
    elif kind == "folder-0777":
        os.chmod(folder, 0o777)
        named, mode = folder, "0777"
    elif kind == "folder-0770":
        os.chmod(folder, 0o770)
        named, mode = folder, "0770"
    elif kind == "foreign-file":
        os.chown(path, NOBODY, -1)
        os.chmod(path, 0o644)
        owner, mode = f"uid {NOBODY}", "0644"
    elif kind == "foreign-folder":
        os.chown(folder, NOBODY, -1)
        os.chmod(folder, 0o755)
        named, owner, mode = folder, f"uid {NOBODY}", "0755"
    elif kind == "foreign-lock":
        lock = folder / ".session.json.lock"
        lock.write_bytes(b"")
        os.chown(lock, NOBODY, -1)
        os.chmod(lock, 0o666)
        named, owner, mode = lock, f"uid {NOBODY}", "0666"
    elif kind == "lock-symlink":
        lock = folder / ".session.json.lock"
        lock.symlink_to(top / "elsewhere.lock")
        named, mode = lock, "symbolic link"
    return named, owner, mode


UNSAFE = ["file-0620", "folder-0777", "folder-0770", "lock-symlink"]
FOREIGN = ["foreign-folder", "foreign-lock"]
CORE = ["eval-program", "step", "history", "reset"]  # the commands every kind is tried on


def _refused(tmp_path: Path, worked: bytes, kind: str, name: str, as_json: bool) -> None:
    named, owner, mode = plant(tmp_path, kind, worked)
    below = tmp_path / "work" / "deeper"
    below.mkdir(parents=True)
    folder = tmp_path / ".backprop"
    before = snapshot(folder), stat.S_IMODE(os.lstat(folder).st_mode)
    r = backprop(*COMMANDS[name], *(["--json"] if as_json else []), cwd=below)
    assert r.returncode == 2, (r.returncode, r.stdout[:300], r.stderr)
    if as_json:
        doc = json.loads(r.stdout)
        assert_valid(trimmed(doc), "the error document")
        text = " ".join(f"{doc['error']['message']} {doc['error'].get('hint')}".split())
    else:
        text = said(r)
        assert not r.stdout
    assert str(tmp_path / SESSION) in text, text
    assert str(named) in text and mode in text, text
    if mode != "symbolic link":
        assert owner in text, text
    assert "--state" in text and "BACKPROP_STATE" in text, text
    # nothing read into it, locked, replaced, or removed
    assert (snapshot(folder), stat.S_IMODE(os.lstat(folder).st_mode)) == before
    assert not (below / ".backprop").exists()  # nor a session made below instead


@pytest.mark.parametrize("name", tiered(list(COMMANDS), fast=2))
def test_a_world_writable_session_is_refused_by_every_command(tmp_path, worked, name):
    _refused(tmp_path, worked, "file-0666", name, as_json=False)


@ROOT_ONLY
@pytest.mark.parametrize("name", tiered(list(COMMANDS), fast=2))
def test_a_session_of_another_user_is_refused_by_every_command(tmp_path, worked, name):
    _refused(tmp_path, worked, "foreign-file", name, as_json=False)


@pytest.mark.parametrize("name", CORE)
@pytest.mark.parametrize("kind", tiered([*UNSAFE, *(pytest.param(k, marks=ROOT_ONLY)
                                                   for k in FOREIGN)]))
def test_a_session_whose_folder_or_lock_others_may_change_is_refused(tmp_path, worked, kind,
                                                                     name):
    _refused(tmp_path, worked, kind, name, as_json=False)


@pytest.mark.parametrize("name", ["eval-program", "step", "history", "reset"])
def test_the_refusal_is_one_json_document(tmp_path, worked, name):
    _refused(tmp_path, worked, "file-0666", name, as_json=True)


def test_a_planted_folder_here_without_a_session_is_not_written_into(tmp_path):
    folder = tmp_path / ".backprop"
    folder.mkdir()
    os.chmod(folder, 0o777)
    r = backprop("eval", *WORKED, cwd=tmp_path)
    assert r.returncode == 2 and "folder .backprop " in said(r) and "0777" in said(r)
    assert os.listdir(folder) == []


@pytest.mark.parametrize("previous", tiered([None, 0o644, 0o640]))
def test_a_session_is_written_0600_in_a_folder_made_0700(tmp_path, worked, previous):
    if previous is not None:
        (tmp_path / ".backprop").mkdir()
        (tmp_path / SESSION).write_bytes(worked)
        os.chmod(tmp_path / SESSION, previous)
    for args in (["eval", *WORKED], ["step"], ["descend", "--steps", "2"]):
        assert backprop(*args, cwd=tmp_path).returncode == 0
        assert stat.S_IMODE(os.stat(tmp_path / SESSION).st_mode) == 0o600
    if previous is None:
        assert stat.S_IMODE(os.stat(tmp_path / ".backprop").st_mode) == 0o700


def test_an_explicit_path_is_the_way_out_and_may_be_in_a_shared_folder(tmp_path, worked):
    plant(tmp_path, "file-0666", worked)
    below = tmp_path / "work"
    shared = tmp_path / "shared"
    below.mkdir()
    shared.mkdir()
    os.chmod(shared, 0o1777)  # like /tmp
    mine = shared / "mine.json"
    assert backprop("eval", *WORKED, "--state", str(mine), cwd=below).returncode == 0
    assert backprop("step", cwd=below, env={"BACKPROP_STATE": str(mine)}).returncode == 0
    r = backprop("history", "--state", str(mine), "--json", cwd=below)
    assert r.returncode == 0 and len(json.loads(r.stdout)["history"]) == 2
    assert stat.S_IMODE(os.stat(mine).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / SESSION).st_mode) == 0o666  # left alone


@pytest.mark.parametrize("how", tiered(["state", "env"]))
@pytest.mark.parametrize("kind", ["writable", pytest.param("foreign", marks=ROOT_ONLY)])
def test_an_explicit_path_others_may_change_is_refused(tmp_path, worked, kind, how):
    path = tmp_path / "theirs.json"
    path.write_bytes(worked)
    if kind == "foreign":
        os.chown(path, NOBODY, -1)
        os.chmod(path, 0o644)
    else:
        os.chmod(path, 0o666)
    before = snapshot(tmp_path)
    for args in (["step"], ["history"], ["reset"], ["eval", *WORKED]):
        r = backprop(*args, *(["--state", str(path)] if how == "state" else []), cwd=tmp_path,
                     env={"BACKPROP_STATE": str(path)} if how == "env" else None)
        assert r.returncode == 2, (args, r.stderr)
        assert str(path) in said(r) and ("uid 65534" if kind == "foreign" else "0666") in said(r)
    assert snapshot(tmp_path) == before


# ---------------------------------------------------------------------------
# damaged sessions: numbers past a float's range, any damage, any size

def _with(worked: bytes, change) -> bytes:
    doc = json.loads(worked)
    change(doc)
    return json.dumps(doc).encode()


HUGE = int("9" * 400)  # no float holds it: OverflowError when made one
DAMAGED = {
    "huge-value": lambda d: d["history"][0].update(value=HUGE),
    "huge-lr": lambda d: d["history"][0].update(lr=-HUGE),
    "huge-change": lambda d: d["history"][0].update(change=HUGE),
    "huge-input": lambda d: d["point"]["inputs"].update(x=HUGE),
    "huge-in-array": lambda d: d["point"]["inputs"].update(x=[1, HUGE]),
}


@pytest.mark.parametrize("kind", tiered(list(DAMAGED)))
def test_a_number_past_a_float_is_an_error_naming_the_session(tmp_path, worked, kind):
    (tmp_path / ".backprop").mkdir()
    (tmp_path / SESSION).write_bytes(_with(worked, DAMAGED[kind]))
    for args in (["history"], ["step"], ["eval"], ["eval", *WORKED], ["history", "--json"]):
        r = backprop(*args, cwd=tmp_path)
        assert r.returncode == 2, (args, r.stderr)
        if "--json" in args:
            assert str(SESSION) in json.loads(r.stdout)["error"]["message"]
        else:
            assert str(SESSION) in said(r), said(r)
    r = backprop("reset", cwd=tmp_path)
    assert r.returncode == 0, said(r)
    assert not (tmp_path / SESSION).exists()


def _garbage(worked: bytes) -> dict[str, bytes]:
    doc = json.loads(worked)
    moved = {"point": doc["point"], "history": doc["history"], "schema": doc["schema"]}
    return {
        "not-json": b"{ not json",
        "cut-short": worked[: len(worked) // 2],
        "binary": bytes(range(256)) * 4,
        "wrong-shape": json.dumps({"schema": "backprop-session/1", "point": 5}).encode(),
        "schema-last": json.dumps({**moved, "history": "none"}, indent=8).encode(),
        "huge-number": _with(worked, DAMAGED["huge-value"]),
        "empty": b"",
    }


@pytest.mark.parametrize("kind", ["not-json", "cut-short", "binary", "wrong-shape",
                                  "schema-last", "huge-number", "empty"])
def test_reset_removes_a_session_however_damaged(tmp_path, worked, kind):
    (tmp_path / ".backprop").mkdir()
    (tmp_path / SESSION).write_bytes(_garbage(worked)[kind])
    r = backprop("reset", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stdout
    assert json.loads(r.stdout)["removed"] is True
    assert os.listdir(tmp_path / ".backprop") == [".session.json.lock"]


@ROOT_ONLY
def test_reset_leaves_a_damaged_session_of_another_user(tmp_path):
    (tmp_path / ".backprop").mkdir()
    (tmp_path / SESSION).write_bytes(b"{ not json")
    os.chown(tmp_path / SESSION, NOBODY, -1)
    r = backprop("reset", cwd=tmp_path)
    assert r.returncode == 2 and f"uid {NOBODY}" in said(r)
    assert (tmp_path / SESSION).read_bytes() == b"{ not json"


# ---------------------------------------------------------------------------
# what is written can be read back

BIG = "A = uniform(300,300); C = uniform(300,300); g = sum(A*C)"


def test_a_session_too_big_to_read_back_is_not_written(tmp_path, worked):
    (tmp_path / ".backprop").mkdir()
    (tmp_path / SESSION).write_bytes(worked)
    os.chmod(tmp_path / SESSION, 0o600)
    limit = {"BACKPROP_MAX_BYTES": "1000000"}
    for args in (["eval", BIG], ["eval", BIG, "--json"], ["descend", BIG, "--steps", "1"]):
        r = backprop(*args, cwd=tmp_path, env=limit)
        assert r.returncode == 2, (args, r.stderr)
        told = json.loads(r.stdout)["error"]["hint"] if "--json" in args else said(r)
        assert "BACKPROP_MAX_BYTES" in told, told
        assert (tmp_path / SESSION).read_bytes() == worked  # as it was
    assert backprop("step", cwd=tmp_path, env=limit).returncode == 0  # and still usable


@pytest.mark.parametrize("n", [250, *tiered([300, 305, 306], fast=0), 340])
def test_whatever_is_written_at_a_limit_is_read_back_at_it(tmp_path, n):
    """Sessions around the limit (an n×n array is 8n² bytes, 4/3 of that in base64: 1 MB
    near n = 306): eval and step either save a session that history, step and reset
    then read, or refuse to save it; never one that is then refused when read."""
    env = {"BACKPROP_MAX_BYTES": "1000000"}
    wrote = backprop("eval", f"A = uniform({n},{n}); g = sum(A*A)", "--seed", "1",
                     cwd=tmp_path, env=env)
    assert wrote.returncode in (0, 2), said(wrote)
    if wrote.returncode == 2:
        assert "BACKPROP_MAX_BYTES" in said(wrote) and not (tmp_path / SESSION).exists()
        return
    assert os.path.getsize(tmp_path / SESSION) <= 1_000_000
    for args in (["history"], ["step"], ["step"], ["history"]):
        r = backprop(*args, cwd=tmp_path, env=env)
        assert r.returncode == 0 or "would be" in said(r), (args, said(r))
    assert backprop("reset", cwd=tmp_path, env={"BACKPROP_MAX_BYTES": "1000"}).returncode == 0
    assert not (tmp_path / SESSION).exists()


def test_reset_removes_a_session_of_any_size(tmp_path):
    assert backprop("eval", BIG, cwd=tmp_path).returncode == 0
    r = backprop("reset", cwd=tmp_path, env={"BACKPROP_MAX_BYTES": "1000"})
    assert r.returncode == 0, said(r)
    assert not (tmp_path / SESSION).exists()


# ---------------------------------------------------------------------------
# a hand-edited history entry

@pytest.mark.parametrize("key", tiered(["step", "value", "lr", "change"]))
def test_history_of_an_entry_missing_a_key_is_a_valid_document(tmp_path, worked, key):
    (tmp_path / ".backprop").mkdir()
    (tmp_path / SESSION).write_bytes(worked)
    assert backprop("step", cwd=tmp_path).returncode == 0
    doc = json.loads((tmp_path / SESSION).read_text())
    del doc["history"][1][key]
    (tmp_path / SESSION).write_text(json.dumps(doc))
    r = backprop("history", "--json", cwd=tmp_path)
    answer = json.loads(r.stdout)
    assert_valid(trimmed(answer), "history --json")
    text = backprop("history", cwd=tmp_path)
    assert text.returncode == r.returncode
    if r.returncode == 0:
        entry = answer["history"][1]
        assert entry[key] is None and entry["step"] == 1  # "none recorded"
        assert key == "value" or "-12.72" in said(text)
    else:
        assert r.returncode == 2 and str(SESSION) in answer["error"]["message"]
        assert str(SESSION) in said(text) and key in said(text), said(text)
