"""`backprop quiz` as a person and a script meet it: the installed command in a real
pseudo-terminal (prompts read, answers typed, Ctrl-D), the same over a pipe, and the
README's transcript run as written."""

from __future__ import annotations

import json
import os
import re
import select
import shlex
import struct
import subprocess
import time

import pytest

from tests.helpers import ROOT, command

pty = pytest.importorskip("pty")  # a POSIX terminal
fcntl = pytest.importorskip("fcntl")
termios = pytest.importorskip("termios")

WORKED = ["f = x*y; g = f + z", "--x", "3", "--y", "-4", "--z", "2"]


class Terminal:
    """The installed `backprop` run in a pseudo-terminal 100 columns wide: stdin, stdout
    and stderr are the terminal, as when a person types."""

    def __init__(self, *args: str, stdout=None) -> None:
        """`stdout`: a file to take the command's stdout instead of the terminal."""
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
        env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100", "TERM": "dumb"}
        self.proc = subprocess.Popen([*command(), *args], stdin=slave,
                                     stdout=slave if stdout is None else stdout,
                                     stderr=slave, env=env, close_fds=True)
        os.close(slave)
        self.seen = ""

    def until(self, text: str, timeout: float = 30) -> str:
        """Read until `text` has been shown; return all that was shown before it."""
        end = time.monotonic() + timeout
        while text not in self.seen:
            ready, _, _ = select.select([self.master], [], [], max(0.0, end - time.monotonic()))
            if not ready:
                raise AssertionError(f"waited for {text!r}; the terminal shows:\n{self.seen}")
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the other side closed: the command ended
                chunk = b""
            if not chunk:
                raise AssertionError(f"ended before {text!r}; the terminal shows:\n{self.seen}")
            self.seen += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        return self.seen

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def finish(self, timeout: float = 30) -> int:
        end = time.monotonic() + timeout
        while True:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    break
                self.seen += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
            elif self.proc.poll() is not None or time.monotonic() > end:
                break
        code = self.proc.wait(timeout=timeout)
        os.close(self.master)
        return code


def test_a_person_at_a_terminal(tmp_path):
    t = Terminal("quiz", *WORKED, "--ask", "local")
    try:
        t.until("[1/4] f = x * y; x = 3, y = -4, f = -12\n  ∂f/∂x = ")
        t.type("-4\n")
        t.until("  right\n[2/4]")
        t.until("∂f/∂y = ")
        t.type("-3\n")  # wrong: a hint, one more try
        t.until("One more try:\n  ∂f/∂y = ")
        assert "Hint: multiply gate: swaps its inputs' values" in t.seen
        t.type("x\n")  # not a number: asked again, not counted
        t.until("'x' is not a number: an answer uses no names but pi and e, only numbers and "
                "arithmetic\n  ∂f/∂y = ")
        t.type("3\n")
        t.until("right, on the second try\n")
        t.until("∂g/∂f = ")
        t.type("2\n")
        t.until("One more try:\n  ∂g/∂f = ")
        t.type("2\n")  # wrong again: the right answer and its derivation
        t.until("not right. ∂g/∂f = 1\n")
        t.until("∂g/∂z = ")
        t.type("1\n")
        t.until("Practise next")
    finally:
        code = t.finish()
    assert code == 1
    assert "Score: 3 of 4 right (1 on the second try); 1 wrong" in t.seen
    assert "Result: 3 of 4 answers right (1 wrong)" in t.seen and "error:" not in t.seen
    # the terminal echoes what was typed, right after each prompt
    assert re.search(r"∂f/∂y = -3\n  not right\. Hint", t.seen)
    assert not (tmp_path / ".backprop").exists()


def test_ctrl_d_stops_with_the_score_so_far():
    t = Terminal("quiz", *WORKED)
    try:
        t.until("∂f/∂x = ")
        t.type("-4\n")
        t.until("∂f/∂y = ")
        t.type("\x04")  # Ctrl-D at the start of a line: the end of input
        t.until("Practise next")
    finally:
        code = t.finish()
    assert code == 1
    assert "(end of input: the questions left count as not answered)" in t.seen
    assert "Score: 1 of 8 right; 7 not answered" in t.seen


def test_json_at_a_terminal_talks_on_stderr(tmp_path):
    # stdout a file, stdin and stderr the terminal: the document alone goes to the file
    out = tmp_path / "out.json"
    with out.open("w") as sink:
        t = Terminal("quiz", "f = x * y", "--x", "2", "--y", "5", "--ask", "local", "--json",
                     stdout=sink)
    try:
        t.until("∂f/∂x = ")
        t.type("5\n")
        t.until("∂f/∂y = ")
        t.type("2\n")
    finally:
        code = t.finish()
    assert code == 0
    doc = json.loads(out.read_text())
    assert doc["quiz"]["score"]["all_right"] and doc["command"] == "quiz"
    assert "[1/2] f = x * y" in t.seen


def test_answers_over_a_pipe(backprop):
    r = backprop("quiz", *WORKED, stdin="-4\n3\n1\n1\n1\n1\n3\n-4\n")
    assert r.returncode == 0, r.stderr
    assert "Score: 8 of 8 right" in r.stdout and r.stderr == ""
    r = backprop("quiz", "--random", "--level", "1", "--seed", "4", "--json", stdin="")
    assert r.returncode == 1
    assert "made-up problem, level 1, seed 4" in r.stderr
    assert r.stdout.count("\n") == 1  # one document


def _readme_transcript() -> tuple[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quiz: work it out by hand", 1)[1]
    block = section.split("```console\n", 1)[1].split("\n```", 1)[0]
    first, _, rest = block.partition("\n")
    return first, rest


def test_readme_transcript(backprop):
    first, shown = _readme_transcript()
    line = shlex.split(first.removeprefix("$ "))
    assert line[:2] == ["printf", "%s\\n"]
    pipe = line.index("|")
    answers = "".join(a + "\n" for a in line[2:pipe])
    assert line[pipe + 1] == "backprop"
    r = backprop(*line[pipe + 2:], stdin=answers)
    got = "\n".join(x.rstrip() for x in (r.stdout + r.stderr).rstrip("\n").split("\n"))
    assert got == shown
    assert r.returncode == 1


def test_ctrl_c_at_the_prompt_ends_its_line_and_says_interrupted():
    import signal

    t = Terminal("quiz", *WORKED)
    try:
        t.until("∂f/∂x = ")
        time.sleep(0.2)  # (not a timed assertion: the prompt is shown, readline waits)
        t.proc.send_signal(signal.SIGINT)  # what Ctrl-C sends the foreground process
    finally:
        code = t.finish()
    assert code == 130
    after = t.seen.split("∂f/∂x = ", 1)[1]
    assert after.startswith("\n") and after.strip() == "interrupted"
    assert "Traceback" not in t.seen
