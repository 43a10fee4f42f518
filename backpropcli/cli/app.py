"""The `backprop` command: the Typer app, the streams and the exit codes.

This is the only module that touches stdin, stdout, stderr and exit codes. stdout is
data: with --json it holds exactly one document, errors included; views and plain text
go to stdout without --json; errors, notes and progress go to stderr. A run reads its
arguments (options.py), calls its command's handler (commands.py), and then, in this
order: draws the output to text, saves the session, writes the text. If the output
cannot be written, the session is put back: a step happens and is reported, or neither.
Rich is imported only when something is drawn, so `--json` runs stay quick.

Exit codes: 0 done, 1 the mathematics failed, 2 the input was wrong (BackpropError
carries its own); never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import typer
from typer.core import TyperCommand, TyperGroup

from ..core.errors import BackpropError, LimitError, OutputError, UnknownNames, UsageError
from ..core.limits import BYTES_ENV, max_bytes, max_elements, size_text
from ..output import document
from ..output.text import visible
from ..tasks import session
from . import options
from .commands import BY_NAME, SPECS, Env, Outcome, Spec

# ---------------------------------------------------------------------------
# streams

_STDIN: list = []  # what stdin held, once read: a run reads it at most once


def stdin_text() -> str | None:
    """The text piped to stdin, or None when stdin is a terminal or empty, read once.

    A command that changes the session reads stdin before it takes the session's lock:
    in `eval ... | step | step` all three start at once, and a step holding the lock
    while it waits for its input would wait for the eval that waits for the lock."""
    if not _STDIN:
        _STDIN.append(_read_stdin())
    return _STDIN[0]


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
        _refuse_device(stream)
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


def _refuse_device(stream) -> None:
    try:
        info = os.fstat(stream.fileno())
        if not stat.S_ISCHR(info.st_mode) or info.st_rdev == os.stat(os.devnull).st_rdev:
            return
    except (OSError, ValueError, AttributeError):  # no descriptor (a test's stream)
        return
    raise UsageError("stdin is a device, not a document or a program",
                     hint="pipe a document in (backprop eval ... --json | backprop step), "
                          "or leave stdin alone")


def emit(text: str) -> None:
    """Write to stdout, the data stream. A closed stdout, a full disk or a dead pipe is
    an OutputError (exit 2), never a traceback."""
    stream = sys.stdout
    if stream is None:
        raise OutputError("cannot write the output: stdout is closed")
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as e:  # ValueError: a closed file object
        _silence_stdout()
        raise OutputError(f"cannot write the output: {getattr(e, 'strerror', None) or e}"
                          ) from None


def emit_bytes(data: bytes) -> None:
    """Write binary output (a PNG) to stdout, never to a terminal, which would show it
    as noise and could act on its bytes."""
    if _terminal(sys.stdout):
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
        _silence_stdout()
        raise OutputError(f"cannot write the output: {getattr(e, 'strerror', None) or e}"
                          ) from None


def _terminal(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, AttributeError):
        return False


def _silence_stdout() -> None:
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
    from ..output.terminal import views

    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.write(views.draw(views.error(err), stderr=True))
        sys.stderr.flush()


@contextlib.contextmanager
def progress(what: str, total: int, least: int = 200) -> Iterator:
    """A progress bar on stderr while long work runs: only when stderr is a terminal and
    there are at least `least` units of work. Yields tell(done, total=None, note=""),
    which redraws at most ten times a second, or None when there is no bar."""
    if total < least or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from ..output.terminal import views

    columns = (TextColumn(what), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[note]}"))
    with Progress(*columns, console=views.console(stderr=True), transient=True) as bar:
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


def _no_progress(what: str, total: int) -> contextlib.AbstractContextManager:
    return contextlib.nullcontext()


# ---------------------------------------------------------------------------
# a run

def run(spec: Spec, args: list[str]) -> None:
    """Run a command on its arguments; a BackpropError becomes a message (or document)
    and its exit code."""
    as_json = "--json" in args  # known before reading the rest, for its errors
    _STDIN.clear()  # (the app may run several times in one process: tests)
    try:
        max_bytes(), max_elements()  # a bad BACKPROP_MAX_* is said at once, not when used
        line = options.split(args, spec.options, program=spec.program)
        env = Env(stdin_text, _no_progress if as_json else progress,
                  state=_state(line, spec), json=as_json)
        if spec.changes_session:
            if line.program in (None, "-"):
                stdin_text()  # before the lock (see stdin_text)
            with session.transaction(env.state,
                                     lambda: say("waiting for another backprop command to "
                                                 "finish with the session...")) as tx:
                env.tx = tx
                outcome = spec.run(line, env)
                _publish(outcome, as_json, tx)
        else:
            outcome = spec.run(line, env)
            _publish(outcome, as_json, None)
        if outcome.failure is not None:
            if not as_json:
                show_error(outcome.failure)
            elif outcome.document is None:
                fail(spec.name, True, outcome.failure)
            raise typer.Exit(outcome.failure.exit_code)
    except UnknownNames as err:
        fail(spec.name, as_json, _meant(err, spec))
    except UsageError as err:
        fail(spec.name, as_json, _elsewhere(err, args, spec))
    except BackpropError as err:
        fail(spec.name, as_json, err)
    except (typer.Exit, KeyboardInterrupt, BrokenPipeError):
        raise
    except (RecursionError, MemoryError) as e:
        fail(spec.name, as_json, LimitError(
            f"the input is too large to handle ({type(e).__name__})"))
    except Exception as e:  # a bug: still a message and an exit code, not a traceback
        fail(spec.name, as_json, BackpropError(
            f"internal error: {type(e).__name__}: {e}",
            hint="this is a bug in backprop; please report it with the command"))


def _state(line: options.CommandLine, spec: Spec) -> Path:
    """The session file; one found in a folder above is named, as git would."""
    path = session.location(line.text("state"))
    if path.is_absolute() and "state" not in line.options and not os.environ.get(session.ENV) \
            and any(o.name == "state" for o in spec.options):
        say(f"using the session {path}")
    return path


def _meant(err: UnknownNames, spec: Spec) -> BackpropError:
    """A value for a name the program does not use is most often a mistyped option
    (--ouptut f): say so, with the option meant; else the input meant, if one is close."""
    known = {o.name: o for o in spec.options}
    for name in err.names:
        flag = options.closest(name, [o for o in known if o != "NAME"])
        if flag is not None:
            return UsageError(f"unknown option --{name}", hint=f"did you mean --{flag}?")
    for name in err.names:
        close = options.closest(name, err.inputs)
        if close is not None:
            return UsageError(err.message, hint=f"did you mean --{close}? ({err.hint})")
    return err


def _elsewhere(err: UsageError, args: list[str], spec: Spec) -> UsageError:
    """An unknown option that another command takes (step --steps 3): say which."""
    if not err.message.startswith("unknown option --") or (err.hint or "").startswith("did"):
        return err
    name = err.message.removeprefix("unknown option --")
    for other in SPECS:
        if other is not spec and any(o.name == name for o in other.options):
            return UsageError(err.message, hint=f"--{name} is an option of `backprop "
                                                f"{other.name}`")
    return err


def _publish(outcome: Outcome, as_json: bool, tx: session.Transaction | None) -> None:
    """Draw the output, save the session, write the output: both or neither."""
    if outcome.data is not None and not as_json:
        emit_bytes(outcome.data)
        return
    text = _output(outcome, as_json)
    if outcome.session is not None and tx is not None:
        tx.save(outcome.session)
        try:
            emit(text)
        except OutputError:
            tx.restore()
            raise
    elif outcome.commit is not None:
        outcome.commit(lambda: emit(text))
    elif text:
        emit(text)
    if outcome.note and not as_json:
        say(outcome.note)
    if outcome.terminal_note and not as_json and _terminal(sys.stdout):
        say(outcome.terminal_note)


def _output(outcome: Outcome, as_json: bool) -> str:
    if as_json:
        return "" if outcome.document is None else document.dumps(outcome.document())
    if outcome.text is not None:
        return visible(outcome.text)
    if outcome.view is None:
        return ""
    from ..output.terminal import views

    return views.draw(outcome.view())


def fail(command: str, as_json: bool, err: BackpropError):
    """Report an error: one document on stdout with --json, a message on stderr without.
    If stdout cannot take the document, the message goes to stderr after all."""
    if as_json and not isinstance(err, OutputError):
        try:
            emit(document.dumps(document.error_document(err, command)))
            raise typer.Exit(err.exit_code)
        except OutputError as failed:
            show_error(failed)
    show_error(err)
    raise typer.Exit(err.exit_code)


# ---------------------------------------------------------------------------
# Typer plumbing

class _HelpIsAFlag:
    """Give --help the default False: Typer converts a None through pydantic (~70 ms)."""

    def get_help_option(self, ctx):
        opt = super().get_help_option(ctx)
        if opt is not None:
            opt.default = False
        return opt


class Group(_HelpIsAFlag, TyperGroup):
    pass


class SpecCommand(_HelpIsAFlag, TyperCommand):
    """A command that reads its own arguments; its help page is drawn from its spec."""

    def format_help(self, ctx, formatter) -> None:
        from ..output.terminal import views

        spec = BY_NAME[self.name]
        listed = [(f"--{o.name}" + (f" {o.metavar}" if o.metavar else ""), o.help)
                  for o in spec.options] + [("--help", "show this message and exit")]
        emit(views.draw(views.command_help(spec.usage_line, spec.doc, listed,
                                           spec.examples)))


CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": True,
           "help_option_names": ["--help", "-h"]}

app = typer.Typer(
    cls=Group,
    add_completion=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["--help", "-h"]},
    help="A backprop calculator: the forward pass, the local gradients, the backward pass "
         "by the chain rule, and gradient-descent steps, for formulas you type.",
    epilog='Start with: backprop eval "g = x*y + z" --x 3 --y -4 --z 2',
)


def _version(asked: bool) -> None:
    if asked:
        from .. import __version__

        emit(f"backprop {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="print the version and exit")) -> None:
    """A backprop calculator: the forward pass, the local gradients, the backward pass by
    the chain rule, and gradient-descent steps, for formulas you type."""


def _register(spec: Spec) -> None:
    def command(ctx: typer.Context) -> None:
        run(spec, list(ctx.args))

    command.__doc__ = spec.doc.split("\n")[0]
    app.command(spec.name, cls=SpecCommand, context_settings=CONTEXT, help=command.__doc__,
                short_help=spec.summary)(command)


for _spec in SPECS:
    _register(_spec)


def main() -> None:
    """Entry point: never a traceback, whatever happens."""
    for stream in (sys.stdout, sys.stderr):
        # A character no encoder can write (a lone surrogate from a file name that is
        # not UTF-8) is written as its escape rather than ending the run.
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.reconfigure(errors="backslashreplace")
    try:
        app()
    except KeyboardInterrupt:
        say("interrupted")
        sys.exit(130)
    except BrokenPipeError:
        # The reader went away (| head): stop quietly, and keep Python from complaining.
        _silence_stdout()
        sys.exit(1)
    except (RecursionError, MemoryError) as e:
        say(f"error: the input is too large to handle ({type(e).__name__})")
        sys.exit(2)
