"""A run of a command: its arguments read (options.py), its handler called
(commands/), and then, in this order: the output drawn to text, the session saved, the
text written. If the output cannot be written, the session is put back: a step happens
and is reported, or neither. Rich is imported only when something is drawn, so `--json`
runs stay quick. Every error becomes a message, or a document with --json, and its exit
code (SystemExit): 0 done, 1 the mathematics failed, 2 the input was wrong
(BackpropError carries its own); never a traceback. An error names the API's parameters
(lr); the command line says them as its options (--lr), here, where every error is
reported.

app.py calls run() for a command's ordinary run, the Typer app (typerapp.py) for the
rest; both end here.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings

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
from ..output import document
from ..output.text import visible
from . import options
from .spec import Env, Outcome, Spec
from .streams import (
    emit,
    emit_bytes,
    forget_stdin,
    is_terminal,
    no_progress,
    no_stdin,
    progress,
    say,
    show_error,
    stdin_hint,
    stdin_text,
)


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
        from .spelling import meant, spelled  # the words of a mistake, loaded with one

        fail(spec.name, as_json, meant(spelled(err), spec))
    except UsageError as err:
        from .spelling import elsewhere, spelled

        fail(spec.name, as_json, elsewhere(spelled(err), args, spec))
    except BackpropError as err:
        fail(spec.name, as_json, stdin_hint(err, spec.name, spec.options))
    except KeyboardInterrupt:  # Ctrl-C: said, and left to the caller, which exits 130
        say("interrupted")
        raise
    except BrokenPipeError:
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
    from .spelling import spelled

    failure = outcome.failure
    assert failure is not None
    spelled(failure)
    if not as_json and failure.verdict:  # a result, on stdout with the rest
        emit(f"Result: {visible(failure.message)}\n")
    elif not as_json:
        show_error(failure)
    elif outcome.document is None:
        fail(spec.name, True, failure)
    raise SystemExit(failure.exit_code)


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
    from .spelling import spelled

    spelled(err)
    if as_json and not isinstance(err, OutputError):
        try:
            emit(document.dumps_bytes(document.error_document(err, command)))
            raise SystemExit(err.exit_code)
        except OutputError as failed:
            show_error(failed)
    show_error(err)
    raise SystemExit(err.exit_code)
