"""Hostile and careless use of the real `backprop` command, run in a subprocess.

Each test (or parametrized group) checks one promise the tool makes about what an
attacker or a careless user can do to it: (1) no code loaded from caches; (2) a session
path that is not a session is refused, named, and left byte for byte as it was; (3)
concurrent steps lose nothing; (4) crash debris is cleaned up; (5) reads and (6) arrays
are bounded; (7) the session stays compact; (8) output that cannot be written fails
cleanly and changes nothing; (9) terminal escapes and Rich markup in user text are
never obeyed; (10) the known internal errors are clear messages; (11) `eval` draws
before it saves; (12) a saved point's folder never leaks a file's content; (13) explain
and check never change the session; and a few hostile inputs of our own (NUL bytes,
deep nesting, very long names).

Throughout: exit codes 0/1/2 only, never a Python traceback nor "internal error" on
any stream, and with --json stdout holds exactly one JSON document.

Independent cases of a group run concurrently, each in its own folder (a module-scoped
fixture runs them and the parametrized tests read their results), to keep the file fast.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import pickle
import pkgutil
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from tests.schemacheck import assert_valid, trimmed

TIMEOUT = 20
WORKED = ["g = x*y + z", "--x", "3", "--y", "-4", "--z", "2"]
SESSION = Path(".backprop") / "session.json"
ESC = "\x1b]52;c;aGk=\x07" "\x1b[2J" "\x9b"  # OSC 52 clipboard write, clear screen, C1 CSI
WORKERS = max(2, 2 * (os.cpu_count() or 1))


# ---------------------------------------------------------------------------
# running the real command

def _command() -> list[str]:
    here = str(Path(sys.executable).parent)  # the venv running the tests
    exe = shutil.which("backprop", path=here) or shutil.which("backprop")
    return [exe] if exe else [sys.executable, "-c", "from backpropcli.cli.app import main; main()"]


BIN = _command()


def run(*args, stdin: str | bytes = b"", env: dict | None = None, cwd: Path | None = None,
        timeout: float = TIMEOUT, stdout=subprocess.PIPE, **kw) -> subprocess.CompletedProcess:
    """`backprop ARGS` in a subprocess (in `cwd`); stdout and stderr as bytes. The
    environment is the tests' own (no colour, 100 columns, no BACKPROP_STATE) plus `env`."""
    if isinstance(stdin, str):
        stdin = stdin.encode("utf-8", "surrogatepass")
    full = {k: v for k, v in os.environ.items() if k != "BACKPROP_STATE"}
    full.update({"NO_COLOR": "1", "COLUMNS": "100", **(env or {})})
    if cwd is not None and "BACKPROP_CEILING" not in (env or {}):
        full["BACKPROP_CEILING"] = str(cwd)  # no session found above where it runs
    return subprocess.run([*BIN, *args], input=stdin, stdout=stdout, stderr=subprocess.PIPE,
                          timeout=timeout, env=full, cwd=cwd, **kw)


def text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", "surrogateescape")


def flat(data: bytes | str | None) -> str:
    """Text with every run of white space made one space (Rich wraps long messages)."""
    return " ".join((data if isinstance(data, str) else text(data)).split())


def clean(r: subprocess.CompletedProcess, code: int | None = None) -> None:
    """No traceback and no internal error on any stream; the exit code if given."""
    for stream in (r.stdout, r.stderr):
        said = text(stream)
        assert "Traceback" not in said, said
        assert "internal error" not in said.lower(), said
        assert "MemoryError" not in said, said
    if code is not None:
        assert r.returncode == code, (r.returncode, text(r.stdout)[:500], text(r.stderr))


def one_json(r: subprocess.CompletedProcess) -> dict:
    """stdout is exactly one JSON document (json.loads refuses trailing data), a valid
    backprop/1 document."""
    doc = json.loads(r.stdout)
    assert isinstance(doc, dict)
    assert_valid(trimmed(doc), f"the document of {r.args}")
    return doc


def checked(r: subprocess.CompletedProcess, code: int, as_json: bool = False) -> str:
    """The run ended with `code`, cleanly, and with --json one document (an error document
    on failure). Returns what the user is told: the error's message and hint, or stderr."""
    clean(r, code)
    if as_json:
        doc = one_json(r)
        if not code:
            return json.dumps(doc)
        assert "error" in doc, doc
        return flat(f"{doc['error'].get('message', '')} {doc['error'].get('hint', '')}")
    assert code == 0 or not r.stdout, text(r.stdout)  # errors are talk: stderr
    return flat(r.stderr)


def snapshot(path: Path):
    """What a path is, to compare after: its bytes and mode, a link's target, a folder's
    names (not those of /, where anything else running may make a file)."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        return ("link", os.readlink(path), snapshot(path.resolve()) if path.exists() else None)
    if stat.S_ISDIR(info.st_mode):
        return ("dir", sorted(os.listdir(path)) if path != Path("/") else None)
    if stat.S_ISREG(info.st_mode):
        return ("file", path.read_bytes(), stat.S_IMODE(info.st_mode))
    return ("other", stat.S_IFMT(info.st_mode))


_worked: list[bytes] = []
_worked_lock = threading.Lock()


def worked_session(folder: Path, state: str | None = None) -> bytes:
    """The session of the worked example, saved by `backprop eval` (once, in a folder of
    its own; it holds no path, so a copy is the same session anywhere), put in `folder`
    at `state` or the default place; its bytes."""
    with _worked_lock:
        if not _worked:
            with tempfile.TemporaryDirectory() as scratch:
                clean(run("eval", *WORKED, cwd=Path(scratch)), 0)
                _worked.append((Path(scratch) / SESSION).read_bytes())
    path = folder / (state or SESSION)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_worked[0])
    os.chmod(path, 0o600)  # as eval makes it
    return _worked[0]


def session_doc(path: Path = SESSION) -> dict:
    return json.loads(path.read_text())


def stored(value) -> np.ndarray:
    """An input as the session stores it: a number, lists, or base64 float64 bytes."""
    if isinstance(value, dict):
        raw = base64.b64decode(value["base64"])
        return np.frombuffer(raw, dtype="<f8").reshape(value["shape"])
    return np.asarray(value, dtype=float)


def _raw_controls(data: bytes) -> list[str]:
    """Raw ESC, BEL or C1 CSI (as a character or a stray byte) in a stream."""
    said = text(data)
    return [repr(c) for c in ("\x1b", "\x07", "\x9b", "\udc9b") if c in said]


def _doc(program: str, output: str = "g", inputs: dict | None = None, **extra) -> str:
    """A backprop/1 document as `step` reads it on stdin."""
    return json.dumps({"schema": "backprop/1", "program": program, "output": output,
                       "inputs": {"x": 3} if inputs is None else inputs,
                       "params": list(inputs or {}) if inputs is not None else ["x"],
                       **extra})


def _memory_limit() -> None:
    """For preexec_fn: at most 2 GiB of address space, so a huge array is a MemoryError."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = 2 << 30 if hard == resource.RLIM_INFINITY else min(2 << 30, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def in_parallel(factory, name: str, cases: dict[str, Callable[[Path], object]]) -> dict:
    """Run each case (a function of its own fresh folder) on a thread pool; the result
    of each, or the exception it raised (re-raised by `result`)."""
    root = factory.mktemp(name)
    folders = {}
    for k, key in enumerate(cases):
        folders[key] = root / f"case{k}"
        folders[key].mkdir()

    def guarded(key):
        try:
            return cases[key](folders[key])
        except BaseException as e:  # shown by the test of this case
            return e

    with ThreadPoolExecutor(WORKERS) as pool:
        futures = {key: pool.submit(guarded, key) for key in cases}
    return {key: f.result() for key, f in futures.items()}


def result(results: dict, key: str):
    value = results[key]
    if isinstance(value, BaseException):
        raise value
    return value


# ---------------------------------------------------------------------------
# 1. No code from caches

class _Marker:
    """Unpickling this makes the marker folder: proof that a planted pickle ran."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (self.path,))


def _cache_names() -> list[str]:
    """The name the parse-table cache file has on this branch, and some others."""
    names = ["grammar-0123456789abcdef0123.lark-cache", "grammar-anything.lark-cache"]
    with contextlib.suppress(Exception):
        import lark

        grammar = (pkgutil.get_data("backpropcli.lang.grammars", "backprop.lark") or b"").decode()
        key = hashlib.sha256(f"{lark.__version__}\n{grammar}".encode()).hexdigest()[:20]
        names.insert(0, f"grammar-{key}.lark-cache")
    return names


def _plant(folder: Path, marker: Path) -> None:
    """Lark's cache format: a hash line, then pickles (the first is loaded unchecked)."""
    payload = b"0" * 64 + b"\n" + pickle.dumps(_Marker(str(marker)))
    for name in _cache_names():
        (folder / name).write_bytes(payload)


def _cache_case(layout: str):
    def case(folder: Path):
        marker = folder / "MARKER-the-pickle-ran"
        xdg, home, elsewhere = folder / "xdg", folder / "home", folder / "elsewhere"
        for place in (xdg, home, elsewhere):
            place.mkdir()
        env = {"XDG_CACHE_HOME": str(xdg), "HOME": str(home), "TMPDIR": str(elsewhere)}
        cache = xdg / "backprop"
        if layout == "private":
            cache.mkdir(mode=0o700)
            _plant(cache, marker)
        elif layout == "world-writable":
            cache.mkdir()
            os.chmod(cache, 0o777)
            _plant(cache, marker)
        elif layout == "symlink":
            (elsewhere / "cache").mkdir()
            _plant(elsewhere / "cache", marker)
            cache.symlink_to(elsewhere / "cache")
        else:  # no XDG_CACHE_HOME: the cache would be under $HOME/.cache
            env["XDG_CACHE_HOME"] = ""
            (home / ".cache" / "backprop").mkdir(parents=True)
            _plant(home / ".cache" / "backprop", marker)
        runs = [run("eval", *WORKED, env=env, cwd=folder)]
        ran_first = marker.exists()
        runs.append(run("step", "--json", env=env, cwd=folder))  # after a cache was written?
        return runs, ran_first, marker.exists()
    return case


CACHE_LAYOUTS = ["private", "world-writable", "symlink", "home"]


@pytest.fixture(scope="module")
def cache_results(tmp_path_factory):
    return in_parallel(tmp_path_factory, "cache",
                       {layout: _cache_case(layout) for layout in CACHE_LAYOUTS})


@pytest.mark.parametrize("layout", CACHE_LAYOUTS)
def test_nothing_loaded_at_run_time_is_a_pickle(cache_results, layout):
    runs, ran_first, ran_later = result(cache_results, layout)
    assert not ran_first, "backprop unpickled a planted cache file (code execution)"
    assert not ran_later, "backprop unpickled a planted cache file (code execution)"
    for r in runs:
        clean(r, 0)


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


@pytest.mark.parametrize("command", list(CHANGING))
@pytest.mark.parametrize("kind", ODD_STATES)
def test_a_session_path_that_is_no_session_is_refused_and_unchanged(odd_results, kind,
                                                                     command):
    r, path, before, after = result(odd_results, f"{kind}-{command}")
    said = checked(r, 2)
    assert str(path) in said, said
    assert after == before  # (for the link: the link and the session it points to)


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
# 5. Bounded reads

def _read_case(kind: str, as_json: bool):
    """A path that is no regular file: (the run, the path it names, what it says it is)."""
    def case(folder: Path):
        if kind == "at-dir":
            (folder / "w.json").mkdir()
            args, name, what = ["eval", "y = sum(W)", "--W", "@w.json"], "w.json", "directory"
        elif kind == "at-dev-zero":  # a read input only: /dev/zero cannot be damaged
            args, name, what = ["eval", "y = sum(W)", "--W", "@/dev/zero"], "/dev/zero", "device"
        else:
            name, args = {
                "at-fifo": ("w.json", ["eval", "y = sum(W)", "--W", "@w.json"]),
                "program-fifo": ("prog.bp", ["eval", "prog.bp"]),
                "load-fifo": ("fifo.csv", ["eval", 'X = load("fifo.csv"); y = sum(X)']),
                "state-fifo": ("s.json", ["eval", *WORKED, "--state", "s.json"]),
            }[kind]
            os.mkfifo(folder / name)
            what = "named pipe"
        r = run(*args, *(["--json"] if as_json else []), cwd=folder)
        return r, name, what
    return case


READS = [("at-fifo", False), ("at-fifo", True), ("at-dir", False), ("at-dev-zero", False),
         ("program-fifo", False), ("load-fifo", False), ("state-fifo", False)]


def _limit_case(what: str, as_json: bool):
    """BACKPROP_MAX_BYTES=1000 and 2000 bytes: of a @file, or of a document on stdin."""
    def case(folder: Path):
        env = {"BACKPROP_MAX_BYTES": "1000"}
        flag = ["--json"] if as_json else []
        if what == "file":
            body = "[" + ", ".join(["1"] * 400) + "]"
            (folder / "big.json").write_text(body + " " * (2000 - len(body)))
            return run("eval", "y = sum(W)", "--W", "@big.json", *flag, env=env, cwd=folder)
        doc = _doc("g = x*y + z", inputs={"x": 3, "y": -4, "z": 2})
        return run("step", *flag, stdin=doc + " " * (2000 - len(doc)), env=env, cwd=folder)
    return case


SETTINGS = [("BACKPROP_MAX_ELEMENTS", "abc"), ("BACKPROP_MAX_BYTES", "abc"),
            ("BACKPROP_MAX_BYTES", "0"), ("BACKPROP_MAX_ELEMENTS", "1e999")]


def _setting_case(variable: str, value: str):
    def case(folder: Path):
        (folder / "w.json").write_text("[1, 2, 3]")  # a file: both limits are consulted
        return run("eval", "y = sum(x)", "--x", "@w.json", env={variable: value}, cwd=folder)
    return case


def _elements_case(folder: Path):
    env = {"BACKPROP_MAX_ELEMENTS": "10"}
    return (run("eval", "y = sum(x)", "--x", "[1,2,3,4,5,6,7,8,9,10,11]", env=env, cwd=folder),
            run("eval", "y = sum(x)", "--x", "[1,2,3,4,5,6,7,8,9,10]", env=env, cwd=folder))


@pytest.fixture(scope="module")
def read_results(tmp_path_factory):
    cases = {f"{kind}-{as_json}": _read_case(kind, as_json) for kind, as_json in READS}
    cases.update({f"limit-{what}-{as_json}": _limit_case(what, as_json)
                  for what in ("file", "stdin") for as_json in (False, True)})
    cases.update({f"{var}={value}": _setting_case(var, value) for var, value in SETTINGS})
    cases["elements"] = _elements_case
    return in_parallel(tmp_path_factory, "reads", cases)


@pytest.mark.parametrize(("kind", "as_json"), READS)
def test_a_path_that_is_no_regular_file_is_refused_at_once(read_results, kind, as_json):
    r, name, what = result(read_results, f"{kind}-{as_json}")
    said = checked(r, 2, as_json)
    assert name in said and what in said, said


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
@pytest.mark.parametrize("what", ["file", "stdin"])
def test_more_bytes_than_the_limit_are_refused(read_results, what, as_json):
    said = checked(result(read_results, f"limit-{what}-{as_json}"), 2, as_json)
    assert ("W" in said and "big.json" in said) if what == "file" else "stdin" in said, said
    assert "1000 bytes" in said and "BACKPROP_MAX_BYTES" in said, said


@pytest.mark.parametrize(("variable", "value"), SETTINGS)
def test_a_bad_limit_setting_is_named(read_results, variable, value):
    said = checked(result(read_results, f"{variable}={value}"), 2)
    assert variable in said, said


def test_the_element_limit_can_be_lowered(read_results):
    over, within = result(read_results, "elements")
    said = checked(over, 2)
    assert "limit of 10" in said and "BACKPROP_MAX_ELEMENTS" in said, said
    clean(within, 0)


# ---------------------------------------------------------------------------
# 6. Bounded arrays (run one by one: preexec_fn and threads do not mix)

def _array_case(kind: str) -> tuple[list[str], str]:
    """(args, how the message names the limit)."""
    elements = "limit of 100,000,000"
    if kind == "randn":
        return ["eval", "W = randn(20000, 20000); y = sum(W)"], elements
    if kind == "zeros-1e30":
        return ["eval", "W = zeros(1e30); y = sum(W)"], elements
    if kind == "uniform-cube":
        return ["eval", "W = uniform(1000, 1000, 1000); y = sum(W)"], elements
    if kind == "npy-header":
        with open("huge.npy", "wb") as f:
            np.lib.format.write_array_header_1_0(
                f, {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)})
            f.write(b"\0" * 16)
        return ["eval", "y = sum(W)", "--W", "@huge.npy"], elements
    if kind == "literal-40-deep":
        literal = "[" * 40 + "1" + "]" * 40
        return ["eval", f"y = sum({literal})"], "32 levels"
    if kind == "json-70-deep":
        return ["eval", "y = sum(x)", "--x", "[" * 70 + "1" + "]" * 70], "at most 32"
    assert kind == "broadcast"
    Path("col.json").write_text(json.dumps([[1.0]] * 100_000))
    Path("row.json").write_text(json.dumps([1.0] * 100_000))
    return ["eval", "y = sum(a * b)", "--a", "@col.json", "--b", "@row.json"], elements


@pytest.mark.parametrize(("kind", "as_json"), [
    ("randn", False), ("zeros-1e30", False), ("uniform-cube", False), ("npy-header", False),
    ("literal-40-deep", False), ("json-70-deep", False),
    ("broadcast", False), ("broadcast", True)])
def test_an_array_past_the_limits_is_refused_before_it_is_made(kind, as_json):
    args, limit = _array_case(kind)
    r = run(*args, *(["--json"] if as_json else []), preexec_fn=_memory_limit,
            env={"OPENBLAS_NUM_THREADS": "1"})
    said = checked(r, 2, as_json)
    assert limit in said, said


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
# 8. Clean failures writing output

OUTPUTS = {"step-json": ["step", "--json"], "step-text": ["step"],
           "eval-json": ["eval", *WORKED, "--json"], "eval-text": ["eval", *WORKED]}


def _full_case(args: list[str]):
    def case(folder: Path):
        before = worked_session(folder)
        with open("/dev/full", "wb") as full:
            r = run(*args, stdout=full, cwd=folder)
        return r, before, (folder / SESSION).read_bytes()
    return case


@pytest.fixture(scope="module")
def full_results(tmp_path_factory):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    return in_parallel(tmp_path_factory, "full",
                       {key: _full_case(args) for key, args in OUTPUTS.items()})


@pytest.mark.parametrize("key", list(OUTPUTS))
def test_output_to_a_full_disk_fails_cleanly_and_changes_nothing(full_results, key):
    r, before, after = result(full_results, key)
    clean(r, 2)
    assert "cannot write the output" in flat(r.stderr), text(r.stderr)
    assert after == before


@pytest.mark.parametrize("args", [*OUTPUTS.values(), ["history", "--json"]],
                         ids=[*OUTPUTS, "history-json"])
def test_a_closed_stdout_fails_cleanly_and_changes_nothing(tmp_path, args):
    before = worked_session(tmp_path)
    r = run(*args, preexec_fn=lambda: os.close(1))
    clean(r, 2)
    assert "stdout" in flat(r.stderr) or "cannot write" in flat(r.stderr), text(r.stderr)
    assert SESSION.read_bytes() == before


def test_a_reset_whose_document_cannot_be_written_leaves_the_session(tmp_path):
    # Beyond the list: like step, reset --json either does its work and says so, or
    # fails (exit 2) and leaves the session; it must not remove it and then report failure.
    before = worked_session(tmp_path)
    r = run("reset", "--json", preexec_fn=lambda: os.close(1))
    clean(r, 2)
    assert "stdout" in flat(r.stderr), text(r.stderr)
    assert SESSION.exists() and SESSION.read_bytes() == before


def test_a_lone_surrogate_in_a_document_still_gives_valid_json():
    doc = _doc("g = x*y + z # \ud800", inputs={"x": 3, "y": -4, "z": 2})
    assert "\\ud800" in doc
    r = run("step", "--json", stdin=doc)
    clean(r, 0)
    out = one_json(r)
    assert out["program"] == "g = x*y + z # \ud800"
    assert out["inputs"]["x"] == pytest.approx(3.4)
    r = run("step", "--json")  # and the session saved from it goes on
    clean(r, 0)
    assert one_json(r)["inputs"]["x"] == pytest.approx(3.83)
    clean(run("step"), 0)


def test_a_program_with_a_byte_that_is_not_utf8_is_evaluated_and_saved():
    env = {"LC_ALL": "C"}
    r = run(b"eval", b"g = x*y + z # caf\xe9", b"--x", b"3", b"--y", b"-4", b"--z", b"2",
            env=env)
    clean(r, 0)
    assert SESSION.exists()
    clean(run("step", env=env), 0)
    r = run("step", "--json", env=env)
    clean(r, 0)
    assert one_json(r)["inputs"]["x"] == pytest.approx(3.83)


# ---------------------------------------------------------------------------
# 9. Terminal safety: escapes shown, never obeyed; Rich markup shown literally

def _escape_args(folder: Path, kind: str) -> tuple[list[str], str, bool]:
    """(args, stdin, whether the message must show the text, escaped)."""
    if kind == "load-name":
        return ["eval", f'X = load("a{ESC}.csv"); y = sum(X)'], "", True
    if kind == "comment-caret":
        return ["eval", f"g = x\ng = = 1 # {ESC}", "--x", "1"], "", False
    if kind == "option-name":
        return ["eval", "g = x", "--x", "1", f"--{ESC}x", "1"], "", True
    if kind == "option-c1":
        return ["eval", "g = x", "--x", "1", "--\x9bx", "1"], "", True
    if kind == "option-esc":
        return ["eval", "g = x", "--x", "1", "--\x1bx", "1"], "", True
    if kind == "state-missing":
        return ["step", "--state", f"s{ESC}.json"], "", True
    if kind == "state-not-session":
        (folder / f"t{ESC}.json").write_text("{}")
        return ["eval", "g = x", "--x", "1", "--state", f"t{ESC}.json"], "", True
    if kind == "at-file":
        return ["eval", "g = sum(x)", "--x", f"@w{ESC}.json"], "", True
    if kind == "piped-program":
        return ["step"], _doc(f"g = x\ng = = 1 # {ESC}"), False
    assert kind == "piped-output"
    return ["step"], _doc(f"g = x # {ESC}", output=f"g{ESC}"), True


ESCAPES = ["load-name", "comment-caret", "option-name", "option-c1", "option-esc",
           "state-missing", "state-not-session", "at-file", "piped-program", "piped-output"]
ESCAPES_JSON = ["load-name", "option-name", "state-not-session", "at-file", "piped-output"]
MARKUP = {
    "load": ["eval", 'X = load("[/red]w.csv"); g = sum(X)'],
    "at-file": ["eval", "g = sum(x)", "--x", "@[/red]w.json"],
    "caret": ["eval", "g = x\ng = = 1 # [/red] [bold]x", "--x", "1"],
    "not-session": ["eval", *WORKED, "--state", "[red]t.json"],
}


def _escape_case(kind: str, as_json: bool):
    def case(folder: Path):
        args, stdin, echoed = _escape_args(folder, kind)
        return run(*args, *(["--json"] if as_json else []), stdin=stdin, cwd=folder), echoed
    return case


def _markup_case(args: list[str]):
    def case(folder: Path):
        (folder / "[red]t.json").write_text("{}")
        return run(*args, cwd=folder)
    return case


@pytest.fixture(scope="module")
def escape_results(tmp_path_factory):
    cases = {f"{kind}-False": _escape_case(kind, False) for kind in ESCAPES}
    cases.update({f"{kind}-True": _escape_case(kind, True) for kind in ESCAPES_JSON})
    cases.update({f"markup-{key}": _markup_case(args) for key, args in MARKUP.items()})
    return in_parallel(tmp_path_factory, "escapes", cases)


@pytest.mark.parametrize("kind", ESCAPES)
def test_escapes_in_user_text_never_reach_the_terminal(escape_results, kind):
    r, echoed = result(escape_results, f"{kind}-False")
    clean(r, 2)
    assert not _raw_controls(r.stdout), _raw_controls(r.stdout)
    assert not _raw_controls(r.stderr), text(r.stderr)
    if echoed:  # the user still sees what was there, as escapes
        assert "\\x1b" in text(r.stderr) or "\\x9b" in text(r.stderr), text(r.stderr)
    if kind in ("comment-caret", "piped-program"):  # the line under the caret is shown
        assert "\\x1b]52" in text(r.stderr), text(r.stderr)


@pytest.mark.parametrize("kind", ESCAPES_JSON)
def test_escapes_in_user_text_are_escaped_in_the_json_document(escape_results, kind):
    r, echoed = result(escape_results, f"{kind}-True")
    clean(r, 2)
    assert not _raw_controls(r.stdout), _raw_controls(r.stdout)
    assert not _raw_controls(r.stderr), text(r.stderr)
    shown = one_json(r)["error"]["message"]
    assert "\x1b" in shown or "\x9b" in shown, shown  # json.loads gives them back


def test_an_escape_in_a_successful_document_is_escaped():
    r = run("step", "--json", stdin=_doc(f"g = x # {ESC}"))
    clean(r, 0)
    assert not _raw_controls(r.stdout)
    assert one_json(r)["program"] == f"g = x # {ESC}"


@pytest.mark.parametrize("key", list(MARKUP))
def test_rich_markup_in_messages_is_shown_literally(escape_results, key):
    said = checked(result(escape_results, f"markup-{key}"), 2)
    assert "MarkupError" not in said
    assert "[/red]" in said or "[red]t.json" in said, said


def test_rich_markup_in_session_paths_is_shown_literally():
    r = run("reset", "--state", "[/bold]x.json")
    clean(r, 0)
    assert "MarkupError" not in text(r.stderr)
    assert "[/bold]x.json" in flat(r.stderr), text(r.stderr)
    r = run("eval", *WORKED, "--state", "[red]s.json")
    clean(r, 0)
    assert "MarkupError" not in text(r.stdout + r.stderr)
    assert Path("[red]s.json").exists()
    clean(run("step", "--state", "[red]s.json"), 0)
    r = run("reset", "--state", "[red]s.json")
    clean(r, 0)
    assert "[red]s.json" in flat(r.stderr), text(r.stderr)
    assert not Path("[red]s.json").exists()


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


BIG = _doc("g = x*y + z", inputs={"x": int("9" * 400), "y": -4, "z": 2})

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
def test_named_internal_errors_are_clear_messages(named_results, case, as_json):
    r, before, after = result(named_results, f"{case}-{as_json}")
    code, words = NAMED[case][3], NAMED[case][4]
    said = checked(r, code, as_json)
    for word in words:
        assert word in said, (word, said)
    assert "vertical tangent" not in said
    assert after == before  # a failed command leaves the session as it was


# ---------------------------------------------------------------------------
# 11. eval draws before it saves (in-process: the drawing is made to fail)

@pytest.mark.parametrize("command", ["eval", "step"])
def test_a_drawing_that_fails_leaves_the_session_as_it_was(cli, monkeypatch, command):
    from backpropcli.terminal import views

    code, out, err = cli("eval", *WORKED)
    assert code == 0
    before = SESSION.read_bytes()

    def broken(*args, **kwargs):
        raise RuntimeError("the drawing failed")

    monkeypatch.setattr(views, "evaluation", broken)
    monkeypatch.setattr(views, "step_report", broken)
    args = ["eval", "g = x*y + z", "--x", "5", "--y", "6", "--z", "7"] if command == "eval" \
        else ["step"]
    code, out, err = cli(*args)
    assert code == 2, (out, err)
    assert "Traceback" not in out + err
    assert SESSION.read_bytes() == before


# ---------------------------------------------------------------------------
# 12. A saved point's folder never leaks what a file holds

LEAKS = {
    # id: (command, the program)
    "step": (["step"], 'X = load("passwd"); y = sum(X)'),
    "step-json": (["step", "--json"], 'X = load("passwd"); y = sum(X)'),
    "step-columns": (["step"], 'X = load("passwd", "root"); y = sum(X)'),
    "eval-json": (["eval", "--json"], 'X = load("passwd"); y = sum(X)'),
    "explain": (["explain"], 'X = load("passwd"); y = sum(X)'),
    "check": (["check"], 'X = load("passwd", "daemon"); y = sum(X)'),
    "graph": (["graph"], 'X = load("passwd"); y = sum(X)'),
}


def _leak_case(key: str, etc: bool):
    def case(folder: Path):
        if etc:
            base, file = "/etc", "/etc/passwd"
        else:
            (folder / "etc").mkdir()
            (folder / "etc" / "passwd").write_text(
                "root:x:0:0:root:/root:/bin/bash\n"
                "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n")
            base, file = str(folder / "etc"), str(folder / "etc" / "passwd")
        command, program = LEAKS[key]
        doc = _doc(program, output="y", inputs={}, base=base)
        return run(*command, stdin=doc, cwd=folder), file
    return case


HAS_PASSWD = os.path.isfile("/etc/passwd")
LEAK_RUNS = [(key, "own") for key in LEAKS] + [
    (key, "etc") for key in ("step", "step-json") if HAS_PASSWD]


@pytest.fixture(scope="module")
def leak_results(tmp_path_factory):
    return in_parallel(tmp_path_factory, "leaks", {
        f"{key}-{where}": _leak_case(key, where == "etc") for key, where in LEAK_RUNS})


@pytest.mark.parametrize(("key", "where"), LEAK_RUNS)
def test_a_documents_base_folder_never_leaks_a_files_content(leak_results, key, where):
    r, file = result(leak_results, f"{key}-{where}")
    said = checked(r, 2, "--json" in LEAKS[key][0])
    assert file in said, said
    for secret in ("root:", "daemon:", "/bin/bash", "nologin"):
        assert secret not in text(r.stdout) and secret not in text(r.stderr), secret


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
def test_read_only_commands_never_change_the_session(read_only_results, key):
    r, before, after = result(read_only_results, key)
    clean(r)
    assert r.returncode in (0, 1, 2)
    assert after == before


@pytest.mark.parametrize("command", ["explain", "check", "graph"])
def test_read_only_commands_make_no_session(read_only_results, command):
    r, _, made = result(read_only_results, f"fresh-{command}")
    clean(r, 0)
    assert not made


# ---------------------------------------------------------------------------
# Our own hostile inputs

OWN = {
    # id: (args, stdin, exit code)
    "nul-in-program-stdin": (["eval", "-", "--x", "1"], "g = x\x00 + 1", 2),
    "nul-in-a-comment": (["eval", "-", "--x", "1"], "g = x # \x00\n", 0),
    "utf16-program-stdin": (["eval", "-", "--x", "1"], "g = x".encode("utf-16"), 2),
    "nul-in-load-name": (["step"], _doc('X = load("a\x00b"); y = sum(X)', output="y",
                                        inputs={}), 2),
    "nul-in-piped-program": (["step"], _doc("g = x\x00"), 2),
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
    "stored-array-lies": (["step"], _doc("g = sum(x)", inputs={
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


@pytest.mark.parametrize(("case", "as_json"), OWN_RUNS)
def test_own_hostile_inputs_fail_cleanly(own_results, case, as_json):
    r = result(own_results, f"{case}-{as_json}")
    checked(r, OWN[case][2], as_json)
    assert not _raw_controls(r.stdout) and not _raw_controls(r.stderr)


def test_a_session_holding_deep_json_is_broken_not_a_crash(own_results):
    runs, reset, left = result(own_results, "deep-session")
    for args, r in runs:
        said = checked(r, 2, "--json" in args)
        assert str(SESSION) in said, (args, said)
    clean(reset, 0)
    assert not left
