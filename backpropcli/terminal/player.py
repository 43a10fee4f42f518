"""`backprop replay` on a terminal: the frames one at a time, full screen, over the graph's
tree as `backprop graph` draws it.

Two halves, kept apart so that the drawing can be tested without a terminal: `screen`
makes the whole screen of frame n for a size, as text (pure: no terminal is read or
written), and `play` only reads keys and writes screens. The tree is graph.py's: its plan
and rows, with the values the frame knows (a node's value once its forward frame has
passed, its gradient as the running total the backward frames have brought it) and the
current edge marked, in colour and by characters (▼ on the user sending the gradient, ▶
on the operand receiving it), so that it shows with NO_COLOR too.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import select
import signal
import sys
from collections.abc import Iterator

from rich.console import Console, RenderableType
from rich.text import Text

from ..core import fmt
from ..output import tree
from ..output.screen import size as screen_size
from ..tasks.replay import Replay, lines, title
from .graph import _GraphTree
from .keys import BACK, ESC_WAIT, FIRST, INTERRUPT, LAST, NEXT, QUIT, parse

SENDS, GETS = "▼", "▶"  # the marks of the current edge's user and operand (and a node)
HOT = "bold black on yellow"  # the row the frame is about
WARM = "bold yellow"  # the user sending the gradient; the number that just changed

_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # the styles Rich writes


# ---------------------------------------------------------------------------
# The screen


def screen(rp: Replay, n: int, width: int, height: int, colour: bool,
           full: bool = False) -> str:
    """Frame n as the whole screen of `width` × `height`: its place and title on the top
    line, the tree (scrolled to keep the current edge in sight), what the frame says,
    and the keys on the bottom line. Exactly `height` lines, none wider than `width`;
    ANSI styles only with `colour`."""
    width, height = max(1, width), max(1, height)
    console = Console(file=io.StringIO(), width=width, height=height, highlight=False,
                      force_terminal=colour, color_system="standard" if colour else None,
                      no_color=not colour, legacy_windows=False, emoji=False)
    count = len(rp.frames)
    head = Text.assemble((f"{n + 1}/{count}  ", "dim"), (title(rp, n), "bold"))
    said = [Text(line) for line in lines(rp, n, full)]
    top = _render(console, _cut(head, width))
    keys = _render(console, _cut(Text(_keys(width), style="dim"), width))
    text = [line for t in said for line in _render(console, t)]
    room = height - len(top) - len(keys)
    if room <= 0:  # a screen of a line or two: the title, and the keys if they fit
        return "\n".join((top + keys)[:height])
    # What the frame says takes up to half of what is left; the tree the rest, with a
    # blank line between them where there is room.
    shown = text[:max(1, room // 2)] if len(text) > room // 2 else text
    if len(shown) < len(text):
        shown[-1] = _render(console, _cut(Text.from_ansi(shown[-1] + " …"), width))[0]
    rows = room - len(shown)
    gap = [""] if rows > 3 else []
    rows -= len(gap)
    drawn = _render(console, _FrameTree(rp, n)) if rows > 0 else []
    output = rp.evaluation.output.name
    body = _window(drawn, rows, _headings(drawn, output), width) if rows > 0 else []
    body += [""] * (rows - len(body))
    return "\n".join(top + body + gap + shown + keys)


def _keys(width: int) -> str:
    """The key line, as much of it as the width takes."""
    for line in ("→/space next   ←/backspace back   Home/End first/last   q quit",
                 "→/space next  ← back  Home/End first/last  q quit",
                 "→ next  ← back  Home/End  q quit", "→ ← Home End q"):
        if len(line) <= width:
            return line
    return "q quit"


def _cut(text: Text, width: int) -> Text:
    text.no_wrap = True
    text.overflow = "ellipsis"
    text.truncate(width, overflow="ellipsis")
    return text


def _render(console: Console, renderable: RenderableType) -> list[str]:
    """The renderable's lines as the console writes them (styles included)."""
    with console.capture() as captured:
        console.print(renderable, crop=True)
    return [line.rstrip() if not console.is_terminal else line
            for line in captured.get().rstrip("\n").split("\n")]


def _window(drawn: list[str], rows: int, heads: int, width: int) -> list[str]:
    """At most `rows` of the tree's lines: all of them if they fit; else its `heads`
    lines of column headings (when there is room for them) and the stretch around the
    current edge's marks, with the lines hidden above and below it counted on the
    lines at its ends."""
    if len(drawn) <= rows:
        return drawn
    if rows < heads + 4:
        heads = 0
    head, body = drawn[:heads], drawn[heads:]
    room = rows - heads
    gets = [k for k, line in enumerate(body) if GETS in line]
    marked = gets + [k for k, line in enumerate(body) if SENDS in line]
    first, last = (min(marked), max(marked)) if marked else (0, 0)
    if last - first + 1 > room - 2 and gets:  # both marks do not fit: the operand's does
        first = last = gets[0]
    # the marked stretch in the middle, the window kept inside the tree
    start = max(0, min((first + last) // 2 - room // 2, len(body) - room))
    shown = body[start:start + room]
    if room >= 3:  # a line at an end says how many lines are hidden past it
        if start > 0:
            shown[0] = f"⋮ {start + 1} more above"[:width]
        if start + room < len(body):
            shown[-1] = f"⋮ {len(body) - start - room + 1} more below"[:width]
    return head + shown


def _headings(drawn: list[str], output: str) -> int:
    """How many lines the column headings take: the lines before the output's row (which
    starts at the left margin with its name, or with a mark and its name)."""
    for k, line in enumerate(drawn):
        plain = _ANSI.sub("", line)
        if plain.startswith((output + " ", f"{GETS} {output} ", f"{SENDS} {output} ")):
            return k
    return 0


def known(rp: Replay, n: int) -> tuple[set[int], dict[int, object]]:
    """What frame n knows: the nodes whose values have appeared, and each node's gradient
    so far (the running total the backward frames up to n have brought it; at the last
    frame, every gradient)."""
    seen: set[int] = set()
    grads: dict[int, object] = {}
    for f in rp.frames[:n + 1]:
        if f.kind == "forward":
            seen.add(f.node)
        elif f.kind in ("seed", "backward"):
            grads[f.node] = f.after
        else:  # the end: the gradient, as eval has it
            grads = dict(enumerate(rp.evaluation.grads))
    return seen, grads


class _FrameTree(_GraphTree):
    """graph.py's tree for one frame: the values and gradients the frame knows, the
    current edge marked. Its columns are measured with every number shown and room for
    a mark, so that they stay where they are as the frames go."""

    def __init__(self, rp: Replay, n: int) -> None:
        super().__init__(rp.evaluation, full=True)  # the whole tree: the screen scrolls
        self.frame = rp.frames[n]
        self.seen, self.grads = known(rp, n)
        self._marked: tuple[tree.TreePlan | None, dict[int, str]] = (None, {})

    def _row_cells(self, plan: tree.TreePlan, k: int) -> tuple[tuple, tuple]:
        if self._marked[0] is not plan:
            self._marked = (plan, _marks(plan, self.frame))
        mark = self._marked[1].get(k, "")
        row = plan.rows[k]
        label, value, grad, note = self._cells(row)
        widest = (Text.assemble("  ", label), value, grad, note)
        i, bare = row.node, row.kind in (tree.CONST, tree.REF, tree.RESUME)
        if i not in self.seen and not bare:
            value = Text("")
        if bare or i not in self.grads:
            grad = Text("")
        else:
            g = self.grads[i]
            grad = Text("none" if g is None else fmt.brief(g))
        if mark:
            label = Text.assemble(f"{mark} ", label)
            label.stylize(HOT if mark == GETS else WARM)
            if mark == GETS:  # the number that has just changed
                (value if self.frame.kind == "forward" else grad).stylize(WARM)
        return (label, value, grad, note), widest


def _marks(plan: tree.TreePlan, frame) -> dict[int, str]:
    """The plan rows the frame marks: the node whose value appears (forward), the output
    (seed), the user and the operand of the edge (backward)."""
    rows = plan.rows
    if frame.kind in ("forward", "seed"):
        first = next((k for k, r in enumerate(rows) if r.node == frame.node
                      and r.kind in (tree.FULL, tree.CUT, tree.FOLDED)), None)
        return {} if first is None else {first: GETS}
    if frame.kind != "backward":
        return {}
    user = next((k for k, r in enumerate(rows) if r.node == frame.user
                 and r.kind in (tree.FULL, tree.RESUME)), None)
    if user is None:  # not drawn open: the user's own row, if it is drawn
        cut = next((k for k, r in enumerate(rows) if r.node == frame.user), None)
        return {} if cut is None else {cut: SENDS}
    depth = len(rows[user].lead) + 3
    slot = -1
    for k in range(user + 1, len(rows)):
        r = rows[k]
        if len(r.lead) < depth or r.kind == tree.RESUME:
            break
        if len(r.lead) == depth:
            slot += 1
            if slot == frame.slot:
                return {user: SENDS, k: GETS}
    return {user: SENDS}


# ---------------------------------------------------------------------------
# The player: keys in, screens out


def play(rp: Replay, full: bool = False) -> bool:
    """Play the replay on the terminal stdout is, reading keys from it, until q or Esc.
    The terminal is left as it was found (its settings, the cursor, the main screen) on
    q, on Ctrl-C (KeyboardInterrupt goes on up), on SIGTERM (SystemExit 143) and on any
    error, and while it is suspended (Ctrl-Z). False, having drawn nothing, when no
    keyboard is at that terminal."""
    keyboard = _keyboard() if rp.frames else None
    if keyboard is None:
        return False
    fd, opened = keyboard
    try:
        with _terminal(fd) as held:
            _loop(rp, full, fd, held)
    finally:
        if opened:
            os.close(fd)
    return True


def _keyboard() -> tuple[int, bool] | None:
    """Where the keys come from, and whether it was opened here: stdin when it is a
    terminal; else, as less does (`backprop replay x.bp < /dev/null`, a program piped
    in), /dev/tty, when stdout is that terminal (this process's own); else nowhere."""
    try:
        out = sys.stdout.fileno()
        if os.isatty(0):
            return 0, False
        os.tcgetpgrp(out)  # fails unless stdout is this process's controlling terminal
        fd = os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY)
    except (OSError, ValueError, AttributeError):
        return None
    return fd, True


class _Screen:
    """The player's hold on the terminal: what wakes its key loop (a descriptor that
    becomes readable on a signal, a resize above all; -1: none, the size is then
    measured again at each key and every second), and whether what it drew is gone (the
    player was suspended: the screen is drawn anew)."""

    def __init__(self, wake: int) -> None:
        self.wake = wake
        self.stale = False


@contextlib.contextmanager
def _terminal(fd: int) -> Iterator[_Screen]:
    """The terminal set up for the player, and put back as it was however the player
    ends, and while it is suspended (Ctrl-Z: the shell gets its terminal back as it
    was; `fg` sets the player up again and draws the frame anew)."""
    import termios  # POSIX only, as the player is
    import tty

    saved = termios.tcgetattr(fd)
    handlers: dict[int, object] = {}
    wake_r = wake_w = -1
    old_wakeup = None
    held = _Screen(-1)

    def enter() -> None:
        # cbreak, not raw: keys come one at a time and unechoed; Ctrl-C stays SIGINT and
        # Ctrl-Z SIGTSTP
        tty.setcbreak(fd, termios.TCSANOW)
        _write("\x1b[?1049h\x1b[?25l")  # the alternate screen; the cursor hidden

    def leave() -> None:
        with contextlib.suppress(OSError, ValueError):
            _write("\x1b[?25h\x1b[?1049l")  # the cursor, the main screen as it was
        with contextlib.suppress(termios.error):
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)

    def suspend(number, frame) -> None:
        leave()
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTSTP)  # stopped here, as any job, until continued
        signal.signal(signal.SIGTSTP, suspend)  # (a group with no shell: not stopped)
        enter()
        held.stale = True

    try:
        # A signal's byte in a pipe wakes the key loop's select (a resize redraws).
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_r, False)
        os.set_blocking(wake_w, False)
        with contextlib.suppress(ValueError):  # not the main thread: no signals here
            old_wakeup = signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
            handlers[signal.SIGWINCH] = signal.signal(signal.SIGWINCH, lambda *_: None)
            handlers[signal.SIGTERM] = signal.signal(signal.SIGTERM, _terminated)
            handlers[signal.SIGTSTP] = signal.signal(signal.SIGTSTP, suspend)
        enter()
        held.wake = wake_r if old_wakeup is not None else -1
        yield held
    finally:
        leave()
        for number, handler in handlers.items():
            signal.signal(number, handler)  # type: ignore[arg-type]
        if old_wakeup is not None:
            signal.set_wakeup_fd(old_wakeup)
        for end in (wake_r, wake_w):
            if end >= 0:
                os.close(end)


def _terminated(number, frame) -> None:
    raise SystemExit(128 + signal.SIGTERM)  # unwinds through the restoring `finally`


def _loop(rp: Replay, full: bool, fd: int, held: _Screen) -> None:
    count = len(rp.frames)
    n, drawn = 0, None
    pending = b""
    wake = held.wake
    while True:
        size = _size()
        if held.stale:  # back from a suspension: the alternate screen came back blank
            drawn, held.stale = None, False
        if (n, size) != drawn:
            _write(_placed(screen(rp, n, size[0], size[1], _colour(), full)))
            drawn = (n, size)
        watched = [fd] + ([wake] if wake >= 0 else [])
        ready, _, _ = select.select(watched, [], [], ESC_WAIT if pending else 1.0)
        if wake in ready:
            with contextlib.suppress(BlockingIOError):
                os.read(wake, 512)  # resized (or another signal): measured again above
        if fd in ready:
            data = os.read(fd, 1024)
            if not data:  # the terminal went away
                return
            keys, pending = parse(pending + data)
        elif pending:  # nothing more came after an Esc: the Esc key alone
            keys, pending = parse(pending, final=True)
        else:
            continue
        n = _apply(keys, n, count)
        if n < 0:
            return


def _apply(keys: list[str], n: int, count: int) -> int:
    """The frame after these keys; -1: quit."""
    for key in keys:
        if key == INTERRUPT:  # Ctrl-C read as a byte (a terminal without ISIG)
            raise KeyboardInterrupt
        if key == QUIT or n < 0:
            return -1
        n = {NEXT: min(n + 1, count - 1), BACK: max(n - 1, 0), FIRST: 0,
             LAST: count - 1}[key]
    return n


def _size() -> tuple[int, int]:
    """The screen's columns and lines: the terminal's, or COLUMNS and LINES where they
    say less (a person asking for a narrower player)."""
    try:
        real = os.get_terminal_size(sys.stdout.fileno())
        columns, lines_ = real.columns or 80, real.lines or 24
    except (OSError, ValueError, AttributeError):
        columns, lines_ = 80, 24
    return (min(columns, screen_size("COLUMNS") or columns),
            min(lines_, screen_size("LINES") or lines_))


def _colour() -> bool:
    """Colour unless NO_COLOR is set or the terminal has none (TERM=dumb), as Rich
    decides for every other view."""
    probe = Console(file=sys.stdout, legacy_windows=False)
    return probe.color_system is not None and not probe.no_color


def _placed(text: str) -> str:
    """The screen's lines each at its own row from the top, the rest cleared: nothing
    scrolls, and a line as wide as the screen does not wrap."""
    rows = text.split("\n")
    return "".join(f"\x1b[{k + 1};1H\x1b[2K{line}" for k, line in enumerate(rows))


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()
