"""The streams: stdin read once and within the limit, stdout written as data (text or a
binary picture) with its failures made errors, stderr for talk, and the progress bar.
Nothing else in the package touches them."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import time
from collections.abc import Iterator

from ..api import (
    BYTES_ENV,
    BackpropError,
    LimitError,
    OutputError,
    UsageError,
    max_bytes,
    size_text,
)
from ..output.text import visible

_STDIN: list = []  # what stdin held, once read: a run reads it at most once


def forget_stdin() -> None:
    """A new run reads stdin anew (the app may run several times in one process: tests)."""
    _STDIN.clear()


def stdin_text() -> str | None:
    """The text piped to stdin, or None when stdin is a terminal or empty, read once.

    A command that changes the session reads stdin before it takes the session's lock:
    in `eval ... | step | step` all three start at once, and a step holding the lock
    while it waits for its input would wait for the eval that waits for the lock."""
    if not _STDIN:
        _STDIN.append(_read_stdin())
    return _STDIN[0]


def no_stdin() -> None:
    """stdin under --ignore-stdin: nothing was piped."""
    return None


def stdin_hint(err: BackpropError, command: str, options) -> BackpropError:
    """A document on stdin that is not one is most often a loop's stdin read by mistake
    (`... | while read i; do backprop step; done`): say how to leave stdin alone.
    (Not for the quiz, which reads its answers there, as it says, and says how to give
    them.)"""
    if err.message.startswith("stdin") and command != "quiz" \
            and any(o.name == "ignore-stdin" for o in options):
        err.add_hint("stdin was read because it is not a terminal; if it is not meant for "
                     "backprop (a loop's stdin), give --ignore-stdin or redirect it: < /dev/null")
    return err


def _read_stdin() -> str | None:
    """Read stdin up to the size limit and no further: a 20 GB stream is refused after
    1 GiB, not read; a device other than /dev/null is refused before it is read."""
    stream = sys.stdin
    if stream is None or stream.closed:
        return None
    limit = max_bytes()
    try:
        if stream.isatty():
            return None
        refuse_device(stream)
        data = getattr(stream, "buffer", stream).read(limit + 1)
    except (OSError, ValueError):
        return None
    except UnicodeDecodeError as e:
        raise UsageError(f"stdin is not UTF-8 text ({e})") from None
    if len(data) > limit:
        raise LimitError(f"stdin holds more than the limit of {size_text(limit)}",
                         hint=f"raise the limit with {BYTES_ENV}=BYTES if this is meant")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise UsageError(f"stdin is not UTF-8 text (byte {e.start})") from None
    return data if data.strip() else None


def refuse_device(stream) -> None:
    """A device on stdin other than /dev/null (/dev/zero never ends) is refused unread."""
    try:
        info = os.fstat(stream.fileno())
        if not stat.S_ISCHR(info.st_mode) or info.st_rdev == os.stat(os.devnull).st_rdev:
            return
    except (OSError, ValueError, AttributeError):  # no descriptor (a test's stream)
        return
    raise UsageError("stdin is a device, not a document or a program",
                     hint="pipe a document in (backprop eval ... --json | backprop step), "
                          "or leave stdin alone")


def emit(text: str | bytes) -> None:
    """Write to stdout, the data stream. A closed stdout, a full disk or a dead pipe is
    an OutputError (exit 2), never a traceback. Bytes are UTF-8 text (a JSON document):
    written as they are where stdout writes UTF-8, else decoded and written as text."""
    stream = sys.stdout
    if not text:  # nothing to write (reset's text) needs no stdout: `>&-` is no failure
        return
    if stream is None:
        raise OutputError("cannot write the output: stdout is closed")
    try:
        if isinstance(text, bytes):
            _write_utf8(stream, text)
        else:
            stream.write(text)
        stream.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as e:  # ValueError: a closed file object
        silence_stdout()
        raise OutputError(f"cannot write the output: {getattr(e, 'strerror', None) or e}"
                          ) from None


def _write_utf8(stream, data: bytes) -> None:
    """A JSON document goes out as its UTF-8 bytes whatever the text encoding of stdout
    (PYTHONIOENCODING=ascii would write · as \\xb7, latin-1 as a byte that is not
    UTF-8: a document no reader takes)."""
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        stream.flush()  # what was written as text goes first
        buffer.write(data)
    else:  # a stream of text alone (a test's)
        stream.write(data.decode("utf-8"))


def emit_bytes(data: bytes) -> None:
    """Write binary output (a PNG) to stdout, never to a terminal, which would show it
    as noise and could act on its bytes."""
    if is_terminal(sys.stdout):
        raise UsageError("the picture is binary (PNG): it is not written to a terminal",
                         hint="redirect it (> graph.png) or give --save graph.png")
    stream = getattr(sys.stdout, "buffer", None)
    if stream is None:
        raise OutputError("cannot write the output: stdout is closed")
    try:
        stream.write(data)
        stream.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as e:
        silence_stdout()
        raise OutputError(f"cannot write the output: {getattr(e, 'strerror', None) or e}"
                          ) from None


def is_terminal(stream) -> bool:
    """Whether a stream is a terminal: False for a closed one (None, when the descriptor
    was closed before the run: `2>&-`) or one without isatty."""
    try:
        return stream is not None and stream.isatty()
    except (ValueError, AttributeError, OSError):
        return False


def hold_standard_descriptors() -> None:
    """Put /dev/null on any of the descriptors 0, 1, 2 that the run was started without
    (`2>&-`). Python then has no stream there (sys.stderr is None: no talk, no progress
    bar), and the descriptor is not free for the next file the run opens: the session,
    written where a stray write to "stderr" would land in it."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            with contextlib.suppress(OSError):
                got = os.open(os.devnull, os.O_RDWR)
                if got != fd:  # a lower one was free too: it is held in its own turn
                    os.dup2(got, fd)
                    os.close(got)


def silence_stdout() -> None:
    """Point stdout at /dev/null, so that Python's own flush at exit has nowhere to fail
    (and print "Exception ignored") after a write already failed."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def say(message: str) -> None:
    """A line of talk on stderr: notes, where a file went. Never markup, never a control
    character from user text."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.write(visible(message) + "\n")
        sys.stderr.flush()


def show_error(err: BackpropError) -> None:
    from ..terminal import views

    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.write(views.draw(views.error(err), stderr=True))
        sys.stderr.flush()


@contextlib.contextmanager
def progress(what: str, total: int, least: int = 200) -> Iterator:
    """A progress bar on stderr while long work runs: only when stderr is a terminal and
    there are at least `least` units of work. Yields tell(done, total=None, note=""),
    which redraws at most ten times a second, or None when there is no bar."""
    if total < least or not is_terminal(sys.stderr):  # (None: stderr is closed)
        yield None
        return
    from rich.console import Group
    from rich.progress import Progress

    from ..terminal import views
    from ..terminal.lines import ProgressLine

    class Bar(Progress):
        # A line laid out for the terminal's width, where Rich's own columns would cut
        # the count (1234… of 100000) on a narrow one: the count is never cut.
        def make_tasks_table(self, tasks):
            return Group(*(ProgressLine(what, t.completed, t.total, t.fields.get("note", ""))
                           for t in tasks))

    with Bar(console=views.console(stderr=True), transient=True) as bar:
        task = bar.add_task(what, total=total, note="")
        start, last = time.perf_counter(), [0.0]

        def tell(done: int, total: int | None = None, note: str = "") -> None:
            now = time.perf_counter()
            if now - last[0] < 0.1 and done < (total or bar.tasks[0].total or 0):
                return
            last[0] = now
            rate = f"  {done / (now - start):,.0f}/s" if done and now > start else ""
            bar.update(task, completed=done, total=total or bar.tasks[0].total,
                       note=note + rate)

        yield tell


def no_progress(what: str, total: int) -> contextlib.AbstractContextManager:
    return contextlib.nullcontext()
