"""The `backprop` command: the Typer app, the streams and the exit codes.

This is the only module that touches stdin, stdout, stderr and exit codes. stdout is
data: with --json it holds exactly one document, errors included; views and plain text
go to stdout without --json; errors, notes and progress go to stderr. A run reads its
arguments (options.py), calls its command's handler (commands/), and then, in this
order: draws the output to text, saves the session, writes the text. If the output
cannot be written, the session is put back: a step happens and is reported, or neither.
Rich is imported only when something is drawn, so `--json` runs stay quick.

Exit codes: 0 done, 1 the mathematics failed, 2 the input was wrong (BackpropError
carries its own); never a traceback. An error names the API's parameters (lr); the
command line says them as its options (--lr), here, where every error is reported.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import sys
import warnings

import typer
from typer.core import TyperCommand, TyperGroup

from .. import api
from ..api import (
    BackpropError,
    LimitError,
    OutputError,
    UnknownNames,
    UsageError,
    max_bytes,
    max_elements,
)
from ..output import document, screen
from ..output.text import visible
from . import completion, options
from .commands import BY_NAME, SPECS
from .spec import Env, Outcome, Spec
from .spelling import (
    HELP_COMMAND,
    ROOT_FLAGS,
    elsewhere,
    meant,
    root_option,
    spelled,
    unknown_command,
)
from .streams import (
    emit,
    emit_bytes,
    forget_stdin,
    hold_standard_descriptors,
    is_terminal,
    no_progress,
    no_stdin,
    progress,
    say,
    show_error,
    silence_stdout,
    stdin_hint,
    stdin_text,
)

# ---------------------------------------------------------------------------
# a run

def run(spec: Spec, args: list[str]) -> None:
    """Run a command on its arguments; a BackpropError becomes a message (or document)
    and its exit code.

    No Python warning reaches the terminal: numpy's RuntimeWarnings (an overflow in
    exp, a descent diverging) are lines with site-packages paths that tell a user
    nothing; a value that is not finite is found and said by the tool itself."""
    with warnings.catch_warnings(), contextlib.ExitStack() as shown:
        warnings.simplefilter("ignore")
        _run(spec, args, shown)


def _run(spec: Spec, args: list[str], shown: contextlib.ExitStack) -> None:
    as_json = "--json" in args  # known before reading the rest, for its errors
    forget_stdin()
    try:
        max_bytes(), max_elements()  # a bad BACKPROP_MAX_* is said at once, not when used
        line = options.split(args, spec.options, program=spec.program)
        # --digits and --full: how every number of this run is written, until it ends
        shown.enter_context(api.precision(line.text("digits"), line.flag("full")))
        ignore = line.flag("ignore-stdin")
        env = Env(no_stdin if ignore else stdin_text, no_progress if as_json else progress,
                  session=_session(line, spec), json=as_json)
        if spec.changes_session:
            if line.program in (None, "-") and not ignore:
                stdin_text()  # before the lock (see stdin_text)
            with env.session.change(lambda: say("waiting for another backprop command to "
                                                "finish with the session...")) as tx:
                outcome = spec.run(line, env)
                _publish(outcome, as_json, tx)
        else:
            outcome = spec.run(line, env)
            _publish(outcome, as_json, None)
        if outcome.failure is not None:
            _verdict(spec, outcome, as_json)
    except UnknownNames as err:
        fail(spec.name, as_json, meant(spelled(err), spec))
    except UsageError as err:
        fail(spec.name, as_json, elsewhere(spelled(err), args, spec))
    except BackpropError as err:
        fail(spec.name, as_json, stdin_hint(err, spec.name, spec.options))
    except KeyboardInterrupt:  # Ctrl-C: said, and left to Typer, which exits 130
        say("interrupted")
        raise
    except (typer.Exit, BrokenPipeError):
        raise
    except (RecursionError, MemoryError) as e:
        fail(spec.name, as_json, LimitError(
            f"the input is too large to handle ({type(e).__name__})"))
    except Exception as e:  # a bug: still a message and an exit code, not a traceback
        fail(spec.name, as_json, BackpropError(
            f"internal error: {type(e).__name__}: {e}",
            hint="this is a bug in backprop; please report it with the command"))


def _verdict(spec: Spec, outcome: Outcome, as_json: bool) -> None:
    """End with the outcome's failure, after its output: the exit code, and the message
    (a verdict, such as a quiz's score, on stdout as a result; an error on stderr)."""
    failure = outcome.failure
    assert failure is not None
    spelled(failure)
    if not as_json and failure.verdict:  # a result, on stdout with the rest
        emit(f"Result: {visible(failure.message)}\n")
    elif not as_json:
        show_error(failure)
    elif outcome.document is None:
        fail(spec.name, True, failure)
    raise typer.Exit(failure.exit_code)


def _session(line: options.CommandLine, spec: Spec) -> api.Session:
    """The session file; one found in a folder above is named (on stderr, relative to
    here) where the command uses it, and a command that starts a new session there says
    so: it replaces the session of the folder above rather than starting one here."""
    found = api.Session(line.text("state"))
    used = spec.changes_session or line.program is None  # (reading PROGRAM: never opened)
    if used and found.path.is_absolute() and not found.named \
            and any(o.name == "state" for o in spec.options):
        try:
            shown = os.path.relpath(found.path)
        except ValueError:  # another drive (Windows)
            shown = str(found.path)
        replaces = spec.changes_session and spec.program and line.program is not None
        say(f"session: {shown}" + (f" (found above; {spec.name} replaces it: --state "
                                   ".backprop/session.json starts one here)"
                                   if replaces else " (found above)"))
    return found


def _publish(outcome: Outcome, as_json: bool, tx) -> None:
    """Draw the output, save the session, write the output: both or neither."""
    if outcome.data is not None and not as_json:
        emit_bytes(outcome.data)
        return
    if outcome.play and not as_json and is_terminal(sys.stdout) and outcome.play():
        return
    if outcome.session is None or tx is None:
        text = _output(outcome, as_json)
        if outcome.commit is not None:
            outcome.commit(lambda: emit(text))
        elif text:
            emit(text)
    else:
        # A view is drawn before the save, so that a view that fails leaves the session
        # as it was; a document is made after it, so that the session's text (a large
        # array's base64) and the document's are never in memory together, and the
        # session goes back as it was if making the document fails.
        made = None if as_json else _output(outcome, as_json)
        tx.save(outcome.session)
        try:
            if made is None:
                made = _output(outcome, as_json)
            emit(made)
        except BaseException as e:
            if made is None or isinstance(e, OutputError):
                tx.restore()
            raise
    if outcome.note and not as_json:
        say(outcome.note)
    if outcome.terminal_note and not as_json and is_terminal(sys.stdout):
        say(outcome.terminal_note)


def _output(outcome: Outcome, as_json: bool) -> str | bytes:
    if as_json:
        if outcome.document is None:  # text that is itself JSON (the schema), or nothing
            return outcome.text or ""
        return document.dumps_bytes(outcome.document())
    if outcome.text is not None:
        return visible(outcome.text)
    if outcome.view is None:
        return ""
    from ..terminal import views

    return views.draw(outcome.view())


def fail(command: str | None, as_json: bool, err: BackpropError):
    """Report an error: one document on stdout with --json, a message on stderr without.
    If stdout cannot take the document, the message goes to stderr after all."""
    spelled(err)
    if as_json and not isinstance(err, OutputError):
        try:
            emit(document.dumps_bytes(document.error_document(err, command)))
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
        opt = super().get_help_option(ctx)  # type: ignore[misc]  # a mixin of Click's classes
        if opt is not None:
            opt.default = False
        return opt


HELP = ("-h, --help", "show this message and exit")
ROOT_OPTIONS = [("--version", "print the version and exit"),
                ("--install-completion", "install completion for the current shell "
                                         "(bash, zsh, fish): commands, options, files"),
                ("--show-completion", "show the completion script, to copy or customise"),
                HELP]
ROOT_EXAMPLES = ('backprop eval "g = x*y + z" --x 3 --y -4 --z 2',
                 "backprop step --lr 0.1",
                 "backprop descend samples/moons.bp",
                 "backprop COMMAND --help")


class Group(_HelpIsAFlag, TyperGroup):
    """The root: its help page is drawn like every command's, and a command or option it
    does not know is an error in the tool's own words (and a document with --json), with
    the command meant."""

    def format_help(self, ctx, formatter) -> None:
        emit(_root_help())

    def parse_args(self, ctx, args):
        first = args[0] if args else ""
        if first.startswith("-") and first not in ROOT_FLAGS and not ctx.resilient_parsing:
            fail(None, "--json" in args, root_option(first, args))
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx, args):
        if args and self.get_command(ctx, args[0]) is None and not ctx.resilient_parsing:
            fail(None, "--json" in args, unknown_command(args[0]))
        return super().resolve_command(ctx, args)


def _root_help() -> str:
    from ..terminal import views

    commands = [(spec.name, spec.summary) for spec in SPECS] + [HELP_COMMAND]
    return views.draw(views.command_help(
        "backprop COMMAND [ARGS] [OPTIONS]", app.info.help or "", ROOT_OPTIONS,
        ROOT_EXAMPLES, commands=commands))


def _command_help(spec: Spec) -> str:
    from ..terminal import views

    listed = [((f"-{o.short}, " if o.short else "") + f"--{o.name}"
               + (f" {o.metavar}" if o.metavar else ""), o.help)
              for o in spec.options] + [HELP]
    return views.draw(views.command_help(spec.usage_line, spec.doc, listed, spec.examples))


class SpecCommand(_HelpIsAFlag, TyperCommand):
    """A command that reads its own arguments: its help page is drawn from its spec, and
    shell completion offers its options (and files, where PROGRAM is expected)."""

    def format_help(self, ctx, formatter) -> None:
        emit(_command_help(BY_NAME[self.name or ""]))

    def shell_complete(self, ctx, incomplete: str):
        from typer._click.shell_completion import CompletionItem  # Typer's own Click

        before = ctx.args[-1] if ctx.args else ""
        return [CompletionItem(value, help=text)
                for value, text in completion.offered(BY_NAME[self.name or ""], before,
                                                      incomplete)]


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
        from .. import version

        emit(f"backprop {version()}\n")
        raise typer.Exit()


# Declared by hand rather than by add_completion=True, whose options make Typer import
# pydantic and its completion machinery on every run (~100 ms of cold start).
@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="print the version and exit"),
          install: bool = typer.Option(False, "--install-completion", is_eager=True,
                                       callback=completion.install, hidden=True),
          show: bool = typer.Option(False, "--show-completion", is_eager=True,
                                    callback=completion.show, hidden=True)) -> None:
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


@app.command("help", context_settings=CONTEXT, help=HELP_COMMAND[1], add_help_option=False)
def _help(ctx: typer.Context) -> None:
    """`backprop help` is `backprop --help`; `backprop help eval` is `backprop eval --help`."""
    asked = [a for a in ctx.args if a != "--json"]
    if len(asked) > 1:
        fail(None, "--json" in ctx.args, UsageError(
            f"help takes one command, not {len(asked)}", hint="as in: backprop help eval"))
    if not asked:
        emit(_root_help())
    elif asked[0] in BY_NAME:
        emit(_command_help(BY_NAME[asked[0]]))
    else:
        fail(None, "--json" in ctx.args, unknown_command(asked[0]))


def main() -> None:
    """Entry point: never a traceback, whatever happens; exits with the run's code."""
    hold_standard_descriptors()  # before any file is opened
    screen.tidy_environment()  # COLUMNS=0 would draw every view, and every error, empty
    errors = screen.register()
    for stream in (sys.stdout, sys.stderr):
        # A character the encoding cannot write (∂ under PYTHONIOENCODING=ascii, a lone
        # surrogate from a file name that is not UTF-8) is written as ASCII or its
        # escape rather than ending the run (JSON documents are UTF-8 bytes regardless).
        if isinstance(stream, io.TextIOWrapper):
            with contextlib.suppress(ValueError, OSError):
                stream.reconfigure(errors=errors)
    if os.environ.get(completion.COMPLETE_VAR):  # the shell asks for completions
        completion.init()
    # The graph, its values and the documents hold no reference cycles, and a run is one
    # pass over them: the cycle collector would only walk the growing heap again and
    # again (a fifth of a 100 000-statement eval). What the imports made is frozen out
    # of its sight, and it stays off for the run.
    gc.freeze()
    gc.disable()
    _exit(run_app())


def run_app() -> int:
    try:
        app()
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (| head): stop quietly, and keep Python from complaining.
        silence_stdout()
        return 1
    except (RecursionError, MemoryError) as e:
        say(f"error: the input is too large to handle ({type(e).__name__})")
        return 2
    return 0


def _exit(code: int) -> None:
    """Flush the streams, then leave without tearing down the interpreter: the run's
    files are written and closed, and dismantling every module and array on the way
    out costs a quarter of a short run (~40 ms of CPU). A stream that cannot be flushed
    is the output failing (exit 2), as when it fails during the run."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except BrokenPipeError:
            silence_stdout()
            code = code or 1
        except (OSError, ValueError):
            silence_stdout()
            code = code or 2
    os._exit(code)
