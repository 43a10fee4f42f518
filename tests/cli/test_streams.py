"""Output that must not disappear (issue 17, section 3), run on the real `backprop`.

Every command is run with nonsense terminal sizes (COLUMNS and LINES of 0, -5, abc,
empty, a billion), with stdin, stdout or stderr closed by the shell (`2>&-`: Python
then has no sys.stderr at all, which a pipe to /dev/null would not show), and with a
text encoding that cannot write ∂ (PYTHONIOENCODING=ascii, latin-1). In each: the
exit code is the one the command has with ordinary streams, output that is expected
is there, a --json document is UTF-8 bytes that parse and validate, and nothing on
any stream is a traceback, an "internal error" or a Python warning.

The cases of a group run concurrently, each in its own folder (a module-scoped fixture
runs them; the parametrized tests read their results), to keep the file quick.
"""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import command
from tests.schemacheck import assert_valid, trimmed

WORKED = ["f = x*y; g = f + z", "--x", "3", "--y", "-4", "--z", "2"]
SMALL = ["g = x*y", "--x", "1", "--y", "2"]
BIG = ["g = sum(x*x)", "--x", "@big.json"]  # 300 elements: past the progress bar's 200

# name → (arguments, exit code, whether stdout holds output); the session commands
# (step, history) run after an eval in the same folder
COMMANDS: dict[str, tuple[list[str], int, bool]] = {
    "eval": (["eval", *WORKED], 0, True),
    "step": (["step", "--lr", "0.1"], 0, True),
    "history": (["history"], 0, True),
    "graph": (["graph", *SMALL], 0, True),
    "explain": (["explain", *SMALL], 0, True),
    "check": (["check", *SMALL], 0, True),
    "check-300": (["check", *BIG], 0, True),
    "descend-250": (["descend", "L = (a - 3)^2", "--a", "0", "--steps", "250"], 0, True),
    "quiz-sheet": (["quiz", *WORKED, "--sheet"], 0, True),
    "export": (["export", *SMALL], 0, True),
    "schema": (["schema"], 0, True),
    "reset": (["reset"], 0, False),  # its words are talk, on stderr
    "error": (["eval", "g = x *"], 2, False),  # a parse error: said on stderr, or as JSON
    "math": (["eval", "g = exp(x)", "--x", "1000"], 1, False),  # exp overflows
}
NO_JSON = {"schema"}  # its text is the schema itself
WIDTHS = ("0", "-5", "abc", "", "1000000000")
ENCODINGS = ("ascii", "latin-1")


@dataclass(frozen=True)
class Ran:
    code: int
    out: bytes
    err: bytes


def _run(folder: Path, args: list[str], env: dict[str, str] | None = None,
         close: str = "", fresh: bool = True) -> Ran:
    """`backprop args` in `folder`, with `close` ("2>&-", ">&-", "<&-") applied by a shell,
    after an eval when the command reads the session (and `fresh`)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "big.json").write_text(json.dumps([i / 300 for i in range(1, 301)]))
    full = {**os.environ, "BACKPROP_CEILING": str(folder), **(env or {})}
    full.pop("BACKPROP_STATE", None)
    if fresh and args[0] in ("step", "history", "reset"):
        subprocess.run([*command(), "eval", *WORKED], cwd=folder, env=full,
                       capture_output=True, timeout=60, check=True)
    argv = [*command(), *args]
    if close:
        argv = ["sh", "-c", f'exec "$@" {close}', "sh", *argv]
    done = subprocess.run(argv, cwd=folder, env=full, capture_output=True, timeout=60,
                          input=b"")
    return Ran(done.returncode, done.stdout, done.stderr)


def _cases() -> dict[tuple, tuple[list[str], dict, str]]:
    cases: dict[tuple, tuple[list[str], dict, str]] = {}
    for name, (args, _, _) in COMMANDS.items():
        for width in WIDTHS:
            cases["width", name, width, False] = (args, {"COLUMNS": width, "LINES": width}, "")
        for close in ("2>&-", ">&-", "<&-"):
            for as_json in (False, True):
                if not (as_json and name in NO_JSON):
                    cases["closed", name, close, as_json] = (
                        args + ["--json"] * as_json, {}, close)
        for encoding in ENCODINGS:
            for as_json in (False, True):
                if not (as_json and name in NO_JSON):
                    cases["encoding", name, encoding, as_json] = (
                        args + ["--json"] * as_json, {"PYTHONIOENCODING": encoding}, "")
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[tuple, Ran]:
    root = tmp_path_factory.mktemp("streams")
    keys = list(CASES)
    with ThreadPoolExecutor(max(2, os.cpu_count() or 1)) as pool:
        ran = pool.map(lambda k: _run(root / str(keys.index(k)), CASES[k][0],
                                      CASES[k][1], CASES[k][2]), keys)
        return dict(zip(keys, ran, strict=True))


def _clean(ran: Ran) -> None:
    for stream in (ran.out, ran.err):
        text = stream.decode("utf-8", "replace")
        for bad in ("Traceback", "internal error", "Warning:", "site-packages"):
            assert bad not in text, text[-2000:]


def _document(ran: Ran) -> dict:
    """stdout as exactly one JSON document, read as UTF-8 bytes, valid by the schema."""
    doc = json.loads(ran.out.decode("utf-8"))
    assert_valid(trimmed(doc))
    return doc


@pytest.mark.slow
@pytest.mark.parametrize("name", COMMANDS)
@pytest.mark.parametrize("width", WIDTHS)
def test_a_nonsense_width_is_no_width(results, name, width):
    """COLUMNS=0 drew every view (and every error) as nothing, and a huge one would pad
    each line to a billion spaces: both are treated as unset, or capped."""
    ran = results["width", name, width, False]
    _, code, output = COMMANDS[name]
    _clean(ran)
    assert ran.code == code, ran.err
    if output:
        assert ran.out.strip(), f"{name} printed nothing with COLUMNS={width!r}"
        assert max(len(line) for line in ran.out.splitlines()) <= 1000
    if code:
        assert b"error" in ran.err, f"{name}'s error said nothing with COLUMNS={width!r}"


@pytest.mark.slow
@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize("name", COMMANDS)
def test_closed_stderr_is_no_talk_not_a_failure(results, name, as_json):
    """`2>&-` leaves Python no sys.stderr: the progress bar of a long descend or check
    asked it whether it was a terminal and the run ended with exit 2, silently."""
    if as_json and name in NO_JSON:
        pytest.skip("no --json")
    ran = results["closed", name, "2>&-", as_json]
    _, code, output = COMMANDS[name]
    _clean(ran)
    assert ran.code == code
    if as_json:
        doc = _document(ran)
        assert ("error" in doc) == (code != 0)
    elif output:
        assert ran.out.strip()


@pytest.mark.slow
@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize("name", COMMANDS)
def test_closed_stdin_is_no_input(results, name, as_json):
    if as_json and name in NO_JSON:
        pytest.skip("no --json")
    ran = results["closed", name, "<&-", as_json]
    _, code, output = COMMANDS[name]
    _clean(ran)
    assert ran.code == code, ran.err
    if as_json:
        _document(ran)
    elif output:
        assert ran.out.strip()


@pytest.mark.slow
@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize("name", COMMANDS)
def test_closed_stdout_is_an_output_error(results, name, as_json):
    """Output with nowhere to go is exit 2, said on stderr; a command without output
    (reset) and a failure keep their own code."""
    if as_json and name in NO_JSON:
        pytest.skip("no --json")
    ran = results["closed", name, ">&-", as_json]
    _, code, output = COMMANDS[name]
    _clean(ran)
    if output or as_json:
        assert ran.code == (code or 2)
        assert b"stdout is closed" in ran.err
    else:
        assert ran.code == code


@pytest.mark.slow
@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("name", COMMANDS)
def test_an_encoding_without_the_symbols(results, name, encoding, as_json):
    """A --json document is UTF-8 bytes whatever the encoding (ascii wrote · as \\xb7,
    latin-1 a byte that is not UTF-8); text is in the stream's encoding, each symbol
    it cannot hold written as ASCII (∂ as d), errors on stderr the same."""
    if as_json and name in NO_JSON:
        pytest.skip("no --json")
    ran = results["encoding", name, encoding, as_json]
    _, code, output = COMMANDS[name]
    _clean(ran)
    assert ran.code == code, ran.err
    if as_json:
        doc = _document(ran)
        assert ("error" in doc) == (code != 0)
        return
    if output:
        assert ran.out.strip()
    for stream in (ran.out, ran.err):
        stream.decode(encoding)  # every byte is the stream's own encoding
        if encoding == "ascii":
            assert b"\\u22" not in stream  # the tool's symbols as words, not escapes


# ---------------------------------------------------------------------------
# a quick few of the above, for the runs that leave the slow tests out

@pytest.mark.parametrize("width", ["0", "1000000000"])
def test_eval_and_its_error_at_a_nonsense_width(tmp_path, width):
    env = {"COLUMNS": width, "LINES": width}
    ran = _run(tmp_path, ["eval", *WORKED], env)
    assert ran.code == 0 and b"Forward pass" in ran.out
    ran = _run(tmp_path, ["eval", "g = x *"], env)
    assert ran.code == 2 and b"error" in ran.err
    ran = _run(tmp_path, ["no-such-command"], env)  # Typer's own error panel
    assert ran.code == 2 and b"no-such-command" in ran.err


def test_descend_past_the_progress_bar_with_stderr_closed(tmp_path):
    ran = _run(tmp_path, ["descend", "L = (a - 3)^2", "--a", "0", "--steps", "250", "--json"],
               close="2>&-")
    assert ran.code == 0
    assert _document(ran)["inputs"]["a"] == pytest.approx(3)
    ran = _run(tmp_path, ["check", *BIG], close="2>&-")
    assert ran.code == 0 and b"passed" in ran.out.lower()


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_document_is_utf8_whatever_the_encoding(tmp_path, encoding):
    ran = _run(tmp_path, ["explain", *WORKED, "--json"], {"PYTHONIOENCODING": encoding})
    assert ran.code == 0 and "∂" in ran.out.decode("utf-8")
    _document(ran)
    ran = _run(tmp_path, ["eval", "g = log(x)", "--x", "-1", "--json"],
               {"PYTHONIOENCODING": encoding})
    assert ran.code == 1 and "error" in _document(ran)
    ran = _run(tmp_path, ["eval", *WORKED], {"PYTHONIOENCODING": "ascii"})
    assert ran.code == 0 and ran.out.isascii() and b"dg/dx" in ran.out


def test_a_step_with_stdout_closed_leaves_the_session(tmp_path):
    ran = _run(tmp_path, ["step", "--lr", "0.1"], close=">&-")
    assert ran.code == 2 and b"stdout is closed" in ran.err
    ran = _run(tmp_path, ["history", "--json"], fresh=False)
    assert len(_document(ran)["history"]) == 1
