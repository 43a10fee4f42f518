"""What the hostile tests (tests/cli/test_hostile_*.py, test_reset.py) share: the real
`backprop` run in a subprocess, the checks every run must pass (exit codes 0/1/2 only,
never a Python traceback nor "internal error" on any stream, and with --json exactly one
JSON document on stdout), and a runner that runs a group's independent cases
concurrently, each in its own folder (a module-scoped fixture runs them and the
parametrized tests read their results), to keep the files fast."""

from __future__ import annotations

import base64
import json
import os
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

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
    return [exe] if exe else [sys.executable, "-c",
                              "from backpropcli.cli.entry import main; main()"]


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


def raw_controls(data: bytes) -> list[str]:
    """Raw ESC, BEL or C1 CSI (as a character or a stray byte) in a stream."""
    said = text(data)
    return [repr(c) for c in ("\x1b", "\x07", "\x9b", "\udc9b") if c in said]


def doc_text(program: str, output: str = "g", inputs: dict | None = None, **extra) -> str:
    """A backprop/1 document as `step` reads it on stdin."""
    return json.dumps({"schema": "backprop/1", "program": program, "output": output,
                       "inputs": {"x": 3} if inputs is None else inputs,
                       "params": list(inputs or {}) if inputs is not None else ["x"],
                       **extra})


def memory_limit() -> None:
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
