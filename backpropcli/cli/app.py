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
from . import options
from .commands import BY_NAME, SPECS
from .spec import Env, Outcome, Spec
from .spelling import elsewhere, meant, spelled
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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _run(spec, args)


def _run(spec: Spec, args: list[str]) -> None:
    as_json = "--json" in args  # known before reading the rest, for its errors
    forget_stdin()
    try:
        max_bytes(), max_elements()  # a bad BACKPROP_MAX_* is said at once, not when used
        line = options.split(args, spec.options, program=spec.program)
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
    """The session file; one found in a folder above is named, as git would."""
    found = api.Session(line.text("state"))
    if found.path.is_absolute() and not found.named \
            and any(o.name == "state" for o in spec.options):
        say(f"using the session {found.path}")
    return found


def _publish(outcome: Outcome, as_json: bool, tx) -> None:
    """Draw the output, save the session, write the output: both or neither."""
    if outcome.data is not None and not as_json:
        emit_bytes(outcome.data)
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


def fail(command: str, as_json: bool, err: BackpropError):
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
    """The root: its help page is drawn like every command's."""

    def format_help(self, ctx, formatter) -> None:
        from ..terminal import views

        commands = [(spec.name, spec.summary) for spec in SPECS]
        emit(views.draw(views.command_help(
            "backprop COMMAND [ARGS] [OPTIONS]", app.info.help or "", ROOT_OPTIONS,
            ROOT_EXAMPLES, commands=commands)))


class SpecCommand(_HelpIsAFlag, TyperCommand):
    """A command that reads its own arguments: its help page is drawn from its spec, and
    shell completion offers its options (and files, where PROGRAM is expected)."""

    def format_help(self, ctx, formatter) -> None:
        from ..terminal import views

        spec = BY_NAME[self.name or ""]
        listed = [((f"-{o.short}, " if o.short else "") + f"--{o.name}"
                   + (f" {o.metavar}" if o.metavar else ""), o.help)
                  for o in spec.options] + [HELP]
        emit(views.draw(views.command_help(spec.usage_line, spec.doc, listed,
                                           spec.examples)))

    def shell_complete(self, ctx, incomplete: str):
        from typer._click.shell_completion import CompletionItem  # Typer's own Click

        spec = BY_NAME[self.name or ""]
        before = ctx.args[-1] if ctx.args else ""
        chosen = next((o for o in spec.options if o.choices and before == f"--{o.name}"), None)
        if chosen is not None:  # --format <Tab>: the values the option takes
            return [CompletionItem(c) for c in chosen.choices if c.startswith(incomplete)]
        if incomplete.startswith("-"):
            flags = [(f"--{o.name}", o.help) for o in spec.options if o.name != "NAME"]
            flags.append(("--help", HELP[1]))
            return [CompletionItem(flag, help=text) for flag, text in flags
                    if flag.startswith(incomplete)]
        if not spec.program:
            return []
        # PROGRAM: program files and the folders that lead to them
        import glob

        found = sorted(glob.glob(glob.escape(incomplete) + "*"))
        return [CompletionItem(p + "/" if os.path.isdir(p) else p) for p in found
                if os.path.isdir(p) or p.endswith(".bp")]


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


COMPLETE_VAR = "_BACKPROP_COMPLETE"


def _shell() -> str:
    """The shell completion is for: the running one, else $SHELL's name."""
    from typer._completion_shared import _get_shell_name  # Typer's own detection

    name = _get_shell_name() or os.path.basename(os.environ.get("SHELL", ""))
    if name not in ("bash", "zsh", "fish"):
        raise typer.BadParameter(f"completion for {name or 'this shell'}: use bash, zsh or "
                                 "fish")
    return name


def _show_completion(asked: bool) -> None:
    if asked:
        from typer._completion_shared import get_completion_script

        emit(get_completion_script(prog_name="backprop", complete_var=COMPLETE_VAR,
                                   shell=_shell()) + "\n")
        raise typer.Exit()


def _install_completion(asked: bool) -> None:
    if asked:
        from typer._completion_shared import install

        shell, path = install(shell=_shell(), prog_name="backprop", complete_var=COMPLETE_VAR)
        say(f"{shell} completion installed in {path}; it works in shells started from now on")
        raise typer.Exit()


# Declared by hand rather than by add_completion=True, whose options make Typer import
# pydantic and its completion machinery on every run (~100 ms of cold start).
@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="print the version and exit"),
          install: bool = typer.Option(False, "--install-completion", is_eager=True,
                                       callback=_install_completion, hidden=True),
          show: bool = typer.Option(False, "--show-completion", is_eager=True,
                                    callback=_show_completion, hidden=True)) -> None:
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
    if os.environ.get(COMPLETE_VAR):  # the shell asks for completions
        from typer._completion_classes import completion_init

        completion_init()
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
