"""`backprop replay` on a terminal: the installed command in a real pseudo-terminal (its
controlling terminal, as a shell gives it), driven by keys as a person drives it —
frames forward, back and to either end, q, Esc, Ctrl-C and SIGTERM each leaving the
terminal as it was; NO_COLOR, 50 columns; stdin not the terminal; and once in tmux."""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import struct
import subprocess
import time
import uuid

import pytest

from tests.helpers import ROOT, command

pty = pytest.importorskip("pty")  # a POSIX terminal
fcntl = pytest.importorskip("fcntl")
termios = pytest.importorskip("termios")

SEED = str(ROOT / "samples" / "seed.bp")
SGR = re.compile(r"\x1b\[[0-9;]*m")
ROW = re.compile(r"\x1b\[(\d+);1H\x1b\[2K")  # the player writes each screen row at its place


class Player:
    """The installed `backprop replay` in a pseudo-terminal that is its controlling
    terminal; `stdin` other than the terminal (a file) if given."""

    def __init__(self, *args: str, columns: int = 80, lines: int = 24, stdin=None,
                 controlling: bool = True, **env: str) -> None:
        self.master, self.slave = pty.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.before = termios.tcgetattr(self.slave)
        environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        environ.update({"TERM": "xterm-256color", "NO_COLOR": "1", **env})
        if env.get("NO_COLOR") == "":
            del environ["NO_COLOR"]

        def own_terminal() -> None:  # in the child, a session leader: the pty is its terminal
            fcntl.ioctl(1, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(
            [*command(), "replay", *args], stdin=self.slave if stdin is None else stdin,
            stdout=self.slave, stderr=self.slave, env=environ, close_fds=True,
            start_new_session=True, preexec_fn=own_terminal if controlling else None,
            cwd=ROOT)
        self.seen = ""

    def until(self, text: str, timeout: float = 60) -> str:
        """Read until `text` has been shown; return what was shown from the last read on."""
        end = time.monotonic() + timeout
        start = len(self.seen)
        while text not in self.seen[start:]:
            ready, _, _ = select.select([self.master], [], [], max(0.0, end - time.monotonic()))
            if not ready:
                raise AssertionError(f"waited for {text!r}; the terminal shows:\n{self.seen}")
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the command ended
                chunk = b""
            if not chunk:
                raise AssertionError(f"ended before {text!r}; the terminal shows:\n{self.seen}")
            self.seen += chunk.decode("utf-8", "replace")
        return self.seen[start:]

    def key(self, data: str, then: str) -> str:
        os.write(self.master, data.encode())
        return self.until(then)

    def end(self) -> int:
        """The exit code, once the command has ended and its output is read."""
        end = time.monotonic() + 60
        while True:  # read as it ends: a full terminal would hold it up
            done = self.proc.poll() is not None
            while select.select([self.master], [], [], 0 if done else 0.1)[0]:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    break
                self.seen += chunk.decode("utf-8", "replace")
            if done:
                return self.proc.returncode
            if time.monotonic() > end:
                raise AssertionError(f"still running; the terminal shows:\n{self.seen}")

    def restored(self) -> bool:
        return termios.tcgetattr(self.slave) == self.before

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def player():
    made: list[Player] = []

    def start(*args: str, **kw) -> Player:
        made.append(Player(*args, **kw))
        return made[-1]

    yield start
    for p in made:
        p.close()


def test_keys_step_forward_back_and_jump_and_q_quits(player):
    p = player(SEED)
    p.until("1/11  forward 1 of 5: x")
    assert "\x1b[?1049h" in p.seen  # the alternate screen
    p.key("\x1b[C", "2/11  forward 2 of 5: y")
    p.key(" ", "3/11  forward 3 of 5: z")
    p.key("\x1bOC", "4/11  forward 4 of 5: f")
    p.key("\x1b[D", "3/11  forward 3 of 5: z")
    shown = p.key("\x1b[F", "11/11  gradient of g")
    assert "∂g/∂x = -4" in shown
    p.key("\x1b[H", "1/11  forward 1 of 5: x")
    p.key("G", "11/11")
    p.key("\x7f", "10/11  backward 4 of 4: f → y")
    shown = p.key("\x1b[D", "9/11  backward 3 of 4: f → x")
    assert "▼ f = x * y" in shown and "▶ x" in shown
    p.key("\x1b[1~", "1/11")
    os.write(p.master, b"q")
    assert p.end() == 0
    assert p.seen.endswith("\x1b[?25h\x1b[?1049l")  # the cursor and the main screen back
    assert p.restored()


def test_esc_alone_quits(player):
    p = player(SEED)
    p.until("1/11")
    p.key("\x1b[C", "2/11")
    os.write(p.master, b"\x1b")
    assert p.end() == 0
    assert p.restored()


def test_ctrl_c_exits_130_and_restores_the_terminal(player):
    p = player(SEED)
    p.until("1/11")
    p.key("n", "2/11")
    os.write(p.master, b"\x03")
    assert p.end() == 130
    assert p.restored()
    after = p.seen.split("\x1b[?1049l")[-1]
    assert "interrupted" in after  # said on the main screen, after the player left
    assert "Traceback" not in p.seen


def test_sigterm_restores_the_terminal(player):
    p = player(SEED)
    p.until("1/11")
    p.proc.send_signal(signal.SIGTERM)
    assert p.end() == 128 + signal.SIGTERM
    assert p.restored()
    assert "\x1b[?1049l" in p.seen and "Traceback" not in p.seen


def test_no_color_means_no_colour_escapes(player):
    p = player(SEED)
    p.until("1/11")
    p.key("G", "11/11")
    p.key("\x1b[D\x1b[D", "9/11")
    os.write(p.master, b"q")
    assert p.end() == 0
    assert not SGR.search(p.seen)
    assert "▶" in p.seen


def test_without_no_color_the_edge_is_coloured(player):
    p = player(SEED, NO_COLOR="")
    p.until("1/11")
    p.key("G\x1b[D\x1b[D", "backward 3 of 4")
    os.write(p.master, b"q")
    assert p.end() == 0
    assert SGR.search(p.seen)


@pytest.mark.parametrize(("columns", "env"), [(50, {}), (80, {"COLUMNS": "50"})])
def test_fifty_columns(player, columns, env):
    p = player(SEED, columns=columns, **env)
    p.until("1/11")
    shown = p.key("G\x1b[D\x1b[D", "backward 3 of 4: f → x")
    os.write(p.master, b"q")
    assert p.end() == 0
    rows = ROW.split(shown)[2::2]
    assert rows and all(len(SGR.sub("", r)) <= 50 for r in rows)
    assert any("← back" in r for r in rows)


def test_stdin_elsewhere_reads_keys_from_the_terminal(player):
    # `backprop replay x.bp < /dev/null` typed at a terminal: the keys come from /dev/tty
    with open(os.devnull, "rb") as null:
        p = player(SEED, stdin=null)
        p.until("1/11")
        p.key("\x1b[C", "2/11")
        os.write(p.master, b"q")
        assert p.end() == 0
    assert p.restored()


def test_a_terminal_with_no_keyboard_gets_the_transcript(player):
    # stdout a terminal that is not the command's own (no /dev/tty of it), stdin not a
    # terminal: nothing to read keys from, so every frame once, as when piped
    with open(os.devnull, "rb") as null:
        p = player(SEED, stdin=null, controlling=False)
        assert p.end() == 0
    assert "\x1b[?1049h" not in p.seen
    text = p.seen.replace("\r\n", "\n")
    assert "[1/11] forward 1 of 5: x" in text and "[11/11] gradient of g" in text


def test_piped_the_transcript():
    out = subprocess.run([*command(), "replay", SEED], capture_output=True, text=True,
                         stdin=subprocess.DEVNULL, timeout=120, cwd=ROOT)
    assert out.returncode == 0 and "\x1b" not in out.stdout
    assert "[9/11] backward 3 of 4: f → x" in out.stdout


TMUX = shutil.which("tmux")


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed (.ci/run installs it)")
def test_in_tmux(tmp_path):
    sock = f"bp-{uuid.uuid4().hex[:8]}"
    done = tmp_path / "code"
    tmux = [TMUX, "-L", sock, "-f", os.devnull]
    cmd = " ".join([*command(), "replay", SEED])
    shell = f"{cmd}; echo $? > {done}; sleep 60"
    subprocess.run([*tmux, "new-session", "-d", "-x", "50", "-y", "20", shell],
                   check=True, env={**os.environ, "NO_COLOR": "1"}, cwd=ROOT)

    def pane(text: str) -> str:
        end = time.monotonic() + 60
        while time.monotonic() < end:
            shown = subprocess.run([*tmux, "capture-pane", "-p"], capture_output=True,
                                   text=True).stdout
            if text in shown:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"waited for {text!r}; the pane shows:\n{shown}")

    try:
        pane("1/11  forward 1 of 5: x")
        for _ in range(8):
            subprocess.run([*tmux, "send-keys", "Right"], check=True)
        shown = pane("9/11  backward 3 of 4: f → x")
        assert "▶ x" in shown and "∂f/∂x = y = -4" in shown
        assert max(len(line) for line in shown.split("\n")) <= 50
        subprocess.run([*tmux, "send-keys", "Home"], check=True)
        pane("1/11")
        subprocess.run([*tmux, "send-keys", "End"], check=True)
        pane("11/11")
        subprocess.run([*tmux, "send-keys", "q"], check=True)
        end = time.monotonic() + 60
        while not (done.exists() and done.read_text().strip()) and time.monotonic() < end:
            time.sleep(0.2)
        assert done.read_text().strip() == "0"
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed (.ci/run installs it)")
def test_ctrl_z_gives_the_shell_its_terminal_and_fg_draws_the_player_again(tmp_path):
    # In an interactive shell (job control): Ctrl-Z leaves the alternate screen with the
    # cursor shown, as the shell had it; fg sets the player up again and redraws it
    sock = f"bp-{uuid.uuid4().hex[:8]}"
    done = tmp_path / "code"
    tmux = [TMUX, "-L", sock, "-f", os.devnull]
    subprocess.run([*tmux, "new-session", "-d", "-x", "60", "-y", "20",
                    "bash --norc --noprofile -i"], check=True, cwd=ROOT,
                   env={**os.environ, "NO_COLOR": "1", "PS1": "$ "})

    def shown(fmt: str | None = None) -> str:
        ask = ["display-message", "-p", fmt] if fmt else ["capture-pane", "-p"]
        return subprocess.run([*tmux, *ask], capture_output=True, text=True).stdout

    def until(check, what: str) -> None:
        end = time.monotonic() + 60
        while time.monotonic() < end:
            if check():
                return
            time.sleep(0.2)
        raise AssertionError(f"waited for {what}; the pane shows:\n{shown()}")

    def keys(*k: str) -> None:
        subprocess.run([*tmux, "send-keys", *k], check=True)

    try:
        keys(" ".join([*command(), "replay", SEED]), "Enter")
        until(lambda: "1/11" in shown(), "the player")
        keys("Right")
        until(lambda: "2/11" in shown(), "frame 2")
        assert shown("#{alternate_on} #{cursor_flag}").split() == ["1", "0"]
        keys("C-z")
        until(lambda: "Stopped" in shown(), "the shell's Stopped")
        assert shown("#{alternate_on} #{cursor_flag}").split() == ["0", "1"]
        keys("fg", "Enter")
        until(lambda: "2/11" in shown() and shown("#{alternate_on}").strip() == "1",
              "the player drawn again at frame 2")
        assert shown("#{cursor_flag}").strip() == "0"
        keys("q")
        until(lambda: shown("#{alternate_on}").strip() == "0", "the main screen")
        keys(f"echo $? > {done}", "Enter")
        until(lambda: done.exists() and done.read_text().strip() != "", "the exit code")
        assert done.read_text().strip() == "0"
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True)
