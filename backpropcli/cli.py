"""The `backprop` command: each command reads its arguments, calls the core, and renders
(Rich, for people) or reports (one JSON document, for tools).

This is the only module that touches stdin, stdout and exit codes. stdout is data:
with --json it holds exactly one document, errors included; tables go to stdout
without --json; errors, warnings and progress go to stderr. Rich, and the rendering
code, are imported only when something is drawn, so `--json` runs stay quick.

The commands that take a program (eval, ...) read their own arguments (cmdline.py),
because inputs are options named after them (`--x 3`). Declaring no value options to
Typer also keeps Typer from importing pydantic to convert them (~70 ms per run).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import typer
from typer.core import TyperCommand, TyperGroup

from . import cmdline, program, report, session
from .cmdline import Option
from .errors import BackpropError, LimitError, OutputError, UsageError
from .fmt import visible
from .limits import BYTES_ENV, max_bytes, max_elements, size_text

STATE_HELP = f"session file (default {session.DEFAULT}, or ${session.ENV})"

PROGRAM_OPTIONS = [
    Option("NAME", "VALUE", "a value for the input NAME: 3, -4, 1e-3, '[1, -2]' or @file "
           "(.json .npy .csv .txt)"),
    Option("set", "NAME=VALUE", "the same, for an input named like an option (--set json=1)"),
    Option("output", "NAME", "take the gradient of NAME (default: the last name assigned)"),
    Option("params", "A,B", "the inputs a step moves (default: every input)"),
    Option("freeze", "A,B", "inputs a step leaves where they are"),
    Option("seed", "N", "seed for uniform(...) and randn(...) starting values"),
    Option("state", "PATH", STATE_HELP),
    Option("full", None, "show every row and every array element"),
    Option("json", None, "write one JSON document (schema backprop/1) to stdout"),
]


# ---------------------------------------------------------------------------
# Typer plumbing

class _HelpIsAFlag:
    """Give --help the default False: Typer converts a None through pydantic (~70 ms)."""

    def get_help_option(self, ctx):
        opt = super().get_help_option(ctx)
        if opt is not None:
            opt.default = False
        return opt


# Click's UsageError (Typer ships its own copy of Click, and gives this class no public name)
_CLICK_USAGE_ERROR = typer.BadParameter.__base__


class _JsonUsageErrors:
    """Click itself reports a mistake in the options Typer declares (step --lr abc) as text
    on stderr; with --json it is one error document instead, like every other error."""

    def make_context(self, info_name, args, parent=None, **extra):
        as_json = "--json" in args
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except _CLICK_USAGE_ERROR as e:
            if not as_json:
                raise
            _fail(info_name, True, UsageError(e.format_message()))


class Group(_HelpIsAFlag, _JsonUsageErrors, TyperGroup):
    pass


class Command(_HelpIsAFlag, _JsonUsageErrors, TyperCommand):
    pass


class ProgramCommand(_HelpIsAFlag, _JsonUsageErrors, TyperCommand):
    """A command of the form PROGRAM [--name value ...]: help lists its own options."""

    def format_help(self, ctx, formatter) -> None:
        from . import render

        spec = HELP[self.name]
        options = [(f"--{o.name}" + (f" {o.metavar}" if o.metavar else ""), o.help)
                   for o in spec["options"]] + [("--help", "show this message and exit")]
        _console().print(render.command_help(
            f"backprop {self.name} PROGRAM [--NAME VALUE ...] [OPTIONS]",
            spec["doc"], options, spec["examples"]))


PROGRAM_CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": True,
                   "help_option_names": ["--help"]}

app = typer.Typer(
    cls=Group,
    add_completion=False,
    no_args_is_help=True,
    help="A backprop calculator: the forward pass, the local gradients, the backward pass "
         "by the chain rule, and gradient-descent steps, for formulas you type.",
    epilog='Start with: backprop eval "g = x*y + z" --x 3 --y -4 --z 2',
)

HELP: dict[str, dict] = {}

SUMMARY = {  # a line each in `backprop --help`
    "eval": "Forward pass, local gradients, backward pass and the gradient of PROGRAM.",
    "descend": "Gradient descent on PROGRAM to an optimum, with a loss curve.",
    "explain": "The chain rule written out for every input, path by path.",
    "check": "Back-propagation beside central differences, element by element.",
    "graph": "The computation graph as a tree, or a picture (dot, mermaid, svg).",
}


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _render(renderable, stderr: bool = False) -> str:
    """A view drawn to text, as it would appear on the terminal (colours and width
    included), before anything is written: a drawing that fails leaves no trace, and
    nothing touches the real stream until the text is emitted."""
    import io

    from rich.console import Console

    from . import render

    real = _console(stderr)  # what the real stream is: a terminal, its width, colours
    console = Console(file=io.StringIO(), force_terminal=real.is_terminal,
                      color_system=real.color_system, width=real.width, height=real.height,
                      no_color=real.no_color, highlight=False, legacy_windows=False)
    console.print(render.Clean(renderable))
    return console.file.getvalue()


def _emit(text: str) -> None:
    """Write to stdout, the data stream. A closed stdout, a full disk or a dead pipe
    is an OutputError (exit 2), never a traceback."""
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


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that Python's own flush at exit has nowhere to
    fail (and print "Exception ignored") after a write already failed."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _say(message: str) -> None:
    """A line of talk on stderr: progress notes, where a file went. Never markup."""
    from .fmt import visible

    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.write(visible(message) + "\n")
        sys.stderr.flush()


def _write_json(doc: dict) -> None:
    _emit(report.dumps(doc))


def _run(command: str, as_json: bool, body: Callable[[], None]) -> None:
    """Run a command body; a BackpropError becomes a message (or document) and its exit code."""
    _STDIN.clear()  # (the app may run several times in one process: tests)
    try:
        max_bytes(), max_elements()  # a bad BACKPROP_MAX_* is said at once, not when used
        body()
    except BackpropError as err:
        _fail(command, as_json, err)
    except (typer.Exit, KeyboardInterrupt, BrokenPipeError):
        raise
    except (RecursionError, MemoryError) as e:
        _fail(command, as_json, LimitError(
            f"the input is too large to handle ({type(e).__name__})"))
    except Exception as e:  # a bug: still a message and an exit code, not a traceback
        _fail(command, as_json, BackpropError(
            f"internal error: {type(e).__name__}: {e}",
            hint="this is a bug in backprop; please report it with the command"))


def _fail(command: str, as_json: bool, err: BackpropError):
    """Report an error: one document on stdout with --json, a message on stderr without.
    If stdout cannot take the document, the message goes to stderr after all."""
    if as_json and not isinstance(err, OutputError):
        try:
            _write_json(report.error_document(err, command))
            raise typer.Exit(err.exit_code)
        except OutputError as failed:
            _show_error(failed)
    _show_error(err)
    raise typer.Exit(err.exit_code)


def _show_error(err: BackpropError) -> None:
    from . import render

    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(_render(render.error(err), stderr=True))
        sys.stderr.flush()


_STDIN: list = []  # what stdin held, once read: a command reads it at most once


def _stdin_text() -> str | None:
    """The text piped to stdin, or None when stdin is a terminal or empty, read once.

    A command that changes the session reads stdin before it takes the session's lock:
    in `eval ... | step | step` all three start at once, and a step holding the lock
    while it waits for its input would wait for the eval that waits for the lock."""
    if not _STDIN:
        _STDIN.append(_read_stdin())
    return _STDIN[0]


def _read_stdin() -> str | None:
    """Read stdin up to the size limit and no further: a 20 GB stream is refused after
    1 GiB, not read."""
    stream = sys.stdin
    if stream is None or stream.closed:
        return None
    limit = max_bytes()
    try:
        if stream.isatty():
            return None
        _refuse_device(stream)
        source = getattr(stream, "buffer", stream)
        data = source.read(limit + 1)
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
    """stdin redirected from a device other than /dev/null (/dev/zero, /dev/urandom)
    would be read until the size limit: refuse it at once."""
    import stat

    try:
        info = os.fstat(stream.fileno())
        if not stat.S_ISCHR(info.st_mode):
            return
        if info.st_rdev == os.stat(os.devnull).st_rdev:
            return
    except (OSError, ValueError, AttributeError):  # no descriptor (a test's stream)
        return
    raise UsageError("stdin is a device, not a document or a program",
                     hint="pipe a document in (backprop eval ... --json | backprop step), "
                          "or leave stdin alone")


def _waiting() -> None:
    _say("waiting for another backprop command to finish with the session...")


def _history(tx: session.Transaction, point: report.Point, entries: list[dict],
             fresh: bool) -> list[dict]:
    """The session's history continued by `entries` (numbered on from the last), or
    `entries` alone for a fresh start or another program."""
    history: list[dict] = []
    old = None if fresh else tx.current()
    if old is not None and old.point.program == point.program and \
            old.point.output == point.output:
        history = old.history
    # An entry without a step number is the next step; a descent's entries carry their
    # own (its history is thinned for long runs, so they are not consecutive).
    following = history[-1]["step"] + 1 if history else 0
    return [*history, *({"step": following + k, **e} for k, e in enumerate(entries))]


def _commit(tx: session.Transaction, point: report.Point, entries: list[dict], fresh: bool,
            output: str) -> None:
    """Save the session and write the output, both or neither: if stdout refuses the
    output, the session is put back as it was (the lock is still held, so no other
    command has seen the new one)."""
    tx.save(session.Session(point, _history(tx, point, entries, fresh)))
    try:
        _emit(output)
    except OutputError:
        tx.restore()
        raise


def open_point(line: cmdline.CommandLine, tx: session.Transaction | None = None):
    """The graph and point a program command works on: PROGRAM with its values, or,
    without PROGRAM, the JSON document on stdin or else the session — with any values
    given on the command line put in place of the saved ones. `tx`: the session as
    locked by a command that will change it."""
    opts = line.options
    params = cmdline.names(opts.get("params"), "params")
    freeze = cmdline.names(opts.get("freeze"), "freeze")
    seed = cmdline.seed(opts["seed"]) if "seed" in opts else None
    if line.program is None:
        piped = _stdin_text()
        if piped:
            point = report.read_point(piped, "stdin")
        elif tx is not None:
            current = tx.current()
            if current is None:
                session.load(tx.path)  # says there is none, and how to start one
            point = current.point
        else:
            point = session.load(session.location(opts.get("state"))).point
        return program.reopen(point, params, freeze, values=line.values,
                              output=opts.get("output"))
    text, base = cmdline.program_source(line.program, _stdin_text)
    return program.start(
        text, line.values, base=base, output=opts.get("output"), params=params,
        freeze=freeze, seed=seed)


# ---------------------------------------------------------------------------
# commands

def _program_command(name: str, doc: str, examples: list[str],
                     options: list[Option] = PROGRAM_OPTIONS):
    """Register a command of the form PROGRAM [--name value ...]: the decorated function is
    given the command line read by cmdline.split and whether --json was asked for; its
    errors become a message (or an error document) and the exit code."""
    HELP[name] = {"doc": doc, "options": options, "examples": examples}

    def register(body: Callable[[cmdline.CommandLine, bool], None]):
        def command(ctx: typer.Context) -> None:
            as_json = "--json" in ctx.args  # known before reading the rest, for its errors
            _run(name, as_json, lambda: body(cmdline.split(list(ctx.args), options), as_json))

        command.__doc__ = body.__doc__
        app.command(name, cls=ProgramCommand, context_settings=PROGRAM_CONTEXT,
                    help=doc.split("\n")[0], short_help=SUMMARY[name])(command)
        return body

    return register


@_program_command(
    "eval",
    "Evaluate PROGRAM at the given values and show the forward pass, the local gradient of "
    "every node, the backward pass by the chain rule, and the gradient of the output with "
    "respect to every input. Saves the session that `backprop step` continues from.\n"
    "PROGRAM is the formula itself, a .bp file, or - to read it from stdin. Without PROGRAM, "
    "eval goes on from the JSON document on stdin, or else from the session.",
    ['backprop eval "g = x*y + z" --x 3 --y -4 --z 2',
     'backprop eval "f = x*y; g = f + z" --x 3 --y -4 --z 2 --json | jq .gradients',
     "backprop eval samples/seed.bp",
     "backprop eval samples/twolayer.bp   (arrays: a two-layer network on data from a file)"],
)
def eval_command(line: cmdline.CommandLine, as_json: bool) -> None:
    from .engine import evaluate

    _read_input_first(line)
    with session.transaction(_state(line), _waiting) as tx:
        graph, point = open_point(line, tx)
        ev = evaluate(graph, point.inputs)
        if as_json:
            output = report.dumps(report.document("eval", ev, point))
        else:
            from . import render

            output = _render(render.evaluation(ev, point.params,
                                               full=bool(line.options.get("full"))))
        _commit(tx, point, [{"value": report.jsonable(ev.value) if ev.value.ndim == 0
                             else None, "lr": None, "change": None}], True, output)


def _read_input_first(line: cmdline.CommandLine) -> None:
    """Read stdin now if the command will (a document, or PROGRAM given as -), before
    it takes the session's lock (see _stdin_text)."""
    if line.program in (None, "-"):
        _stdin_text()


def _state(line: cmdline.CommandLine) -> Path:
    return session.location(line.options.get("state"))


DESCEND_OPTIONS = [
    Option("lr", "RATE", "learning rate (default 0.1)"),
    Option("steps", "N", "how many steps at most (default 1000)"),
    Option("optimizer", "NAME", "sgd (default), momentum (μ = 0.9) or adam"),
    Option("schedule", "NAME", "constant (default), or linear: lr·(1 − 0.9·k/steps)"),
    Option("tol", "T", "stop when a step changes the value by less than T (default: never)"),
    Option("ascend", None, "climb instead: maximise the output"),
    Option("watch", "A,B", "other nodes to follow (default: named nodes the output does not "
           "use, such as an accuracy)"),
    Option("every", "K", "with --json, the value history every K steps (default 1); "
           "thinned to at most 10,000 entries evenly spread for long runs, with the "
           "first, best and last"),
    Option("plot", "FILE", "save the loss curve as a picture (.svg or .png)"),
    *PROGRAM_OPTIONS,
]


@_program_command(
    "descend",
    "Run gradient descent on PROGRAM to an optimum: evaluate, step, and again, with a "
    "progress bar on stderr; stop after --steps, when the value settles (--tol) or when it "
    "diverges (exit 1; the session keeps the best point). Ends with the params, the first "
    "and last value and the loss curve, and saves the session so that step, eval and the "
    "other commands go on from the result.",
    ["backprop descend samples/seed.bp --lr 0.01 --steps 50",
     "backprop descend samples/moons.bp",
     "backprop descend samples/moons.bp --optimizer adam --lr 0.01 --plot loss.svg",
     "backprop descend samples/neuron.bp --freeze x0,x1 --json --every 10 | jq .descend"],
    DESCEND_OPTIONS,
)
def descend_command(line: cmdline.CommandLine, as_json: bool) -> None:
    from . import descend, fmt
    from .compiled import compile_graph
    from .engine import evaluate
    from .errors import MathError

    opts = line.options
    settings = _descend_settings(opts)
    if "plot" in opts:
        from . import plot

        plot.checked(opts["plot"])
    every = cmdline.whole(opts.get("every", 1), "every")
    if every < 1:
        raise UsageError("--every must be at least 1")
    _read_input_first(line)
    with session.transaction(_state(line), _waiting) as tx:
        graph, point = open_point(line, tx)
        if "watch" in opts:
            watch = [_node(graph, n, "watch") for n in cmdline.names(opts["watch"], "watch")]
        else:
            watch = descend.default_watch(graph)
        compiled = compile_graph(graph, point.inputs, watch)
        with _progress("descending", settings.steps, wanted=not as_json) as tell:
            on_step = None if tell is None else \
                (lambda k, value: tell(k, note=f"value {fmt.number(value)}"))
            result = descend.run(compiled, point.inputs, point.params, settings, on_step,
                                 every)
        final = report.Point(point.program, point.output, result.inputs, point.params,
                             point.base)
        ev = evaluate(graph, final.inputs)
        if "plot" in opts:
            plot.save(Path(opts["plot"]), result.trace.values, steps=result.trace.steps,
                      title=f"{point.output} by step", ylabel=point.output)
            _say(f"wrote the loss curve to {opts['plot']}")
        summary = descend.summary(result, settings)
        failure = None
        if result.stopped == "diverged":
            failure = MathError(
                f"the descent diverged: {result.reason}",
                hint=f"try a smaller --lr (say {fmt.number(settings.lr / 10)}); the session "
                     f"keeps the best point, from step {result.best_step}",
                data={"descend": summary})
        if as_json:
            output = "" if failure else \
                report.dumps(report.document("descend", ev, final, descend=summary))
        else:
            from . import render_train

            output = _render(render_train.descend_report(ev, point.inputs, result, settings,
                                                         full=bool(opts.get("full"))))
        # The session keeps the history the JSON has: thinned for long runs (descend.Trace).
        _commit(tx, final, [{k: h[k] for k in ("step", "value", "lr", "change")}
                            for h in descend.history(result, settings)], True, output)
    if failure:
        raise failure


def _descend_settings(opts: dict):
    from .descend import OPTIMIZERS, SCHEDULES, Settings

    optimizer = str(opts.get("optimizer", "sgd"))
    schedule = str(opts.get("schedule", "constant"))
    if optimizer not in OPTIMIZERS:
        raise UsageError(f"--optimizer {optimizer}: choose {', '.join(OPTIMIZERS)}")
    if schedule not in SCHEDULES:
        raise UsageError(f"--schedule {schedule}: choose {', '.join(SCHEDULES)}")
    steps = cmdline.whole(opts.get("steps", 1000), "steps")
    if steps < 0:
        raise UsageError("--steps must be 0 or more")
    tol = float(cmdline.positive(opts["tol"], "tol")) if "tol" in opts else 0.0
    return Settings(lr=cmdline.positive(opts.get("lr", 0.1), "lr"), steps=steps,
                    optimizer=optimizer, schedule=schedule, tol=tol,
                    ascend=bool(opts.get("ascend")))


def _node(graph, name: str, flag: str) -> int:
    index = graph.find(name)
    if index is None:
        raise UsageError(f"--{flag} {name}: the program has no {name!r}",
                         hint="names: " + ", ".join(sorted(graph.names)))
    return index


# ---------------------------------------------------------------------------
# explain and check: read-only views of a program at a point (they leave the session alone)

def _pick(*names: str) -> list[Option]:
    return [o for name in names for o in PROGRAM_OPTIONS if o.name == name]


EXPLAIN_OPTIONS = [
    *_pick("NAME", "set", "output", "seed", "state"),
    Option("paths", "N", "paths written out per input (default 16); the rest are counted, "
           "and their sum is the back-propagated gradient"),
    Option("format", "FORMAT", "text (the default), markdown, or latex (an align* "
           "environment): plain text for notes and slides"),
    Option("full", None, "every input, every factor of a long path, and a budget half as "
           "large again for the walk over the paths (each factor written counts)"),
    Option("json", None, "write one JSON document (schema backprop/1) to stdout"),
]

CHECK_OPTIONS = [
    *_pick("NAME", "set", "output", "seed", "state"),
    Option("eps", "EPS", "the step of the central differences, relative to |x| above 1 "
           "(default 1e-6)"),
    Option("tol", "TOL", "the largest relative error that passes (default 1e-5); "
           "above it the exit code is 1"),
    Option("full", None, "a row for every element of every input"),
    Option("json", None, "write one JSON document (schema backprop/1) to stdout"),
]

FORMATS = ("text", "markdown", "latex")


@_program_command(
    "explain",
    "Write out the chain rule for every input, path by path, from the output down.\n"
    "For each path from the output to an input, the product of the local gradients along it — "
    "symbolically, with the local formulas, with numbers — and its value; an input reached "
    "along several paths gets their sum. Notes say which gate patterns apply (add passes "
    "the gradient through, multiply swaps its inputs' values, max routes it to the larger "
    "input).\n"
    "Paths are counted, however many (2^40 is fine), and at most --paths of them are written "
    "out per input. PROGRAM and values as for eval; without PROGRAM, explain goes on from the "
    "JSON document on stdin, or else from the session (which it leaves as it is).",
    ['backprop explain "f = x*y; g = f + z" --x 3 --y -4 --z 2',
     'backprop explain "b = a + a; c = b + b" --a 1',
     "backprop explain samples/neuron.bp --format latex > neuron.tex",
     'backprop eval samples/reuse.bp && backprop explain --format markdown'],
    EXPLAIN_OPTIONS,
)
def explain_command(line: cmdline.CommandLine, as_json: bool) -> None:
    opts = line.options
    form = str(opts.get("format", "text"))
    if form not in FORMATS:
        raise UsageError(f"--format {form}: choose text, markdown or latex")
    if as_json and "format" in opts:
        raise UsageError("--json and --format each choose the output: give one of them")
    paths = cmdline.whole(opts["paths"], "paths") if "paths" in opts else None
    if paths is not None and paths < 0:
        raise UsageError(f"--paths must be 0 or more, not {paths}")
    full = bool(opts.get("full"))
    graph, point = open_point(line)
    from . import explain, explain_formats
    from .engine import evaluate

    ev = evaluate(graph, point.inputs)
    exp = explain.explain(ev, explain.PATHS if paths is None else paths,
                          factors=None if full else explain.FACTORS,
                          budget=explain.FULL_BUDGET if full else explain.BUDGET)
    if as_json:
        _write_json(report.document("explain", ev, point, **explain.to_json(exp)))
    elif form == "markdown":
        _emit(visible(explain_formats.markdown(exp)))
    elif form == "latex":
        _emit(visible(explain_formats.latex(exp)))
    else:
        from . import render_explain

        _emit(_render(render_explain.explanation(exp, full)))


@_program_command(
    "check",
    "Check back-propagation against central differences, element by element.\n"
    "For every element of every input, the derivative by central differences "
    "(f(x + h) - f(x - h)) / 2h with h = eps·max(1, |x|) beside the back-propagated one, "
    "their relative error "
    "|bp - fd| / max(|bp|, |fd|, 1), and a verdict; "
    "how many evaluations each method needed (2 forward per element against 1 forward + 1 "
    "backward for all of them) and how long each took.\n"
    "Exit code 1 when any relative error is above --tol (default 1e-5, with --eps 1e-6). "
    "PROGRAM and values as for eval; without PROGRAM, check goes on from the JSON document on "
    "stdin, or else from the session (which it leaves as it is).",
    ['backprop check "f = x*y; g = f + z" --x 3 --y -4 --z 2',
     "backprop check samples/micrograd.bp",
     "backprop check \"h = sum(tanh(W @ x))\" --W '[[1, 2], [3, 4]]' --x '[0.1, -0.2]'",
     "backprop check samples/neuron.bp --json | jq .check.verdict"],
    CHECK_OPTIONS,
)
def check_command(line: cmdline.CommandLine, as_json: bool) -> None:
    opts = line.options
    from . import check as checking

    eps = cmdline.positive(opts["eps"], "eps") if "eps" in opts else checking.EPS
    tol = cmdline.positive(opts["tol"], "tol") if "tol" in opts else checking.TOL
    graph, point = open_point(line)
    import numpy as np

    elements = sum(int(np.size(v)) for v in point.inputs.values())
    with _progress("finite differences", elements, wanted=not as_json) as tell:
        result = checking.gradient_check(graph, point.inputs, eps, tol, progress=tell)
    failure = _check_failure(result)
    if as_json:
        doc = report.document("check", result.evaluation, point, **checking.to_json(result))
        if failure is not None:
            doc["error"] = failure.to_json()
        _write_json(doc)
    else:
        from . import render_explain

        _emit(_render(render_explain.check_report(result, bool(opts.get("full")))))
        if failure is not None:
            _show_error(failure)
    if failure is not None:
        raise typer.Exit(failure.exit_code)


def _check_failure(result):
    """The CheckFailed that a failed check exits with (its table or document is written)."""
    from . import fmt
    from .errors import CheckFailed

    if result.passed:
        return None
    bad = result.failures
    names = ", ".join(r.label for r in bad[:8]) + (", ..." if len(bad) > 8 else "")
    why = (f"back-propagation and central differences differ by more than tol "
           f"{fmt.number(result.tol)}") if all(r.numeric is not None for r in bad) else \
        "see the verdicts"
    return CheckFailed(
        f"the gradient check failed for {len(bad)} of {len(result.rows)} elements ({names}): "
        f"{why}",
        hint="a wrong local-gradient rule; a point at a kink (relu(0), abs(0), max(a, a)), "
             "where the two sides differ; x ± eps outside the function's domain; or an eps "
             "too small or too large for this output")


@contextmanager
def _progress(what: str, total: int, wanted: bool = True, least: int = 200):
    """A progress bar on stderr while long work runs: only when stderr is a terminal and
    there are at least `least` units of work. Yields tell(done, total=None, note=""),
    which redraws at most ten times a second, or None when there is no bar."""
    if not (wanted and total >= least and sys.stderr.isatty()):
        yield None
        return
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn(what), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[note]}"))
    with Progress(*columns, console=_console(stderr=True), transient=True) as bar:
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


@app.command("step", cls=Command)
def step_command(
    lr: float = typer.Option(0.1, "--lr", help="learning rate: each param moves by -lr·gradient",
                             show_default=True),
    ascend: bool = typer.Option(False, "--ascend", help="climb the gradient instead"),
    params: str = typer.Option(None, "--params", metavar="A,B", help="the inputs to move"),
    freeze: str = typer.Option(None, "--freeze", metavar="A,B", help="inputs to leave alone"),
    state: str = typer.Option(None, "--state", metavar="PATH", help=STATE_HELP),
    full: bool = typer.Option(False, "--full", help="show every row and array element"),
    as_json: bool = typer.Option(False, "--json", help="write one JSON document to stdout"),
) -> None:
    """One gradient-descent step from the session (or from a JSON document on stdin)."""

    def body() -> None:
        if not lr > 0 or lr == float("inf"):
            raise UsageError(f"--lr must be a positive number, not {lr}")
        piped = _stdin_text()  # before the lock (see _stdin_text)
        with session.transaction(session.location(state), _waiting) as tx:
            if piped:
                point = report.read_point(piped, "stdin")
            else:
                saved = tx.current()
                point = (saved or session.load(tx.path)).point
            graph, point = program.reopen(point, cmdline.names(params, "params"),
                                          cmdline.names(freeze, "freeze"))
            rate = -lr if ascend else lr
            before, after, moved = program.take_step(graph, point, rate)
            change = program.change(before, after)
            if as_json:
                output = report.dumps(report.document("step", after, moved, step={
                    "lr": lr,
                    "ascend": ascend,
                    "previous": {
                        "value": report.jsonable(before.value),
                        "inputs": {k: report.jsonable(v) for k, v in before.inputs().items()},
                        "gradients": {k: report.jsonable(v)
                                      for k, v in before.gradients().items()},
                    },
                    "change": change,
                }))
            else:
                from . import render

                output = _render(render.step_report(before, after, moved.params, rate, full))
            _commit(tx, moved, [{"value": report.jsonable(after.value)
                                 if after.value.ndim == 0 else None,
                                 "lr": lr, "change": change}], False, output)

    _run("step", as_json, body)


@app.command("history", cls=Command)
def history_command(
    state: str = typer.Option(None, "--state", metavar="PATH", help=STATE_HELP),
    full: bool = typer.Option(False, "--full", help="show every step"),
    as_json: bool = typer.Option(False, "--json", help="write one JSON document to stdout"),
) -> None:
    """The session's history: the output's value at the evaluation and after each step."""

    def body() -> None:
        saved = session.load(session.location(state))
        if as_json:
            _write_json({"schema": report.SCHEMA, "command": "history",
                         "program": saved.point.program, "output": saved.point.output,
                         "history": saved.history})
        else:
            from . import render

            _emit(_render(render.history_table(saved.history, saved.point.output, full)))

    _run("history", as_json, body)


@app.command("reset", cls=Command)
def reset_command(
    state: str = typer.Option(None, "--state", metavar="PATH", help=STATE_HELP),
    as_json: bool = typer.Option(False, "--json", help="write one JSON document to stdout"),
) -> None:
    """Forget the session (remove its file)."""

    def body() -> None:
        path = session.location(state)
        removed = []

        def report_it() -> None:
            if as_json:
                _write_json({"schema": report.SCHEMA, "command": "reset", "state": str(path),
                             "removed": removed[0]})
            else:
                _say(f"removed the session {path}" if removed[0] else f"no session at {path}")

        removed.append(os.path.lexists(path))
        session.clear(path, then=report_it)

    _run("reset", as_json, body)


# ---------------------------------------------------------------------------
# graph: the computation graph as a picture

GRAPH_OPTIONS = [
    *(o for o in PROGRAM_OPTIONS if o.name not in ("full", "json")),
    Option("format", "FORMAT", "tree (the default, in the terminal), dot (Graphviz text), "
           "mermaid (a flowchart GitHub draws) or svg (made by Graphviz's dot program)"),
    Option("save", "PATH", "write the dot, mermaid or svg text to PATH instead of stdout"),
    Option("full", None, "draw every node in the tree (by default about a screenful)"),
    Option("json", None, "write the graph as one JSON document (schema backprop/1): "
           "nodes with value, grad and shape, and edges"),
]
GRAPH_DOC = (
    "Draw the computation graph of PROGRAM, each node with its value and its gradient "
    "(∂output/∂node), and each edge with the local derivative where there is one. The "
    "tree shows it in the terminal from the output down to the inputs; dot, mermaid and "
    "svg make a picture. Without PROGRAM, graph draws the JSON document on stdin, or else "
    "the session."
)


@_program_command("graph", GRAPH_DOC, [
    "backprop graph samples/seed.bp",
    "backprop graph samples/seed.bp --format svg > seed.svg",
    'backprop graph "g = x*y + z" --x 3 --y -4 --z 2 --format mermaid',
    "backprop graph samples/micrograd.bp --format dot | dot -Tpng > micrograd.png",
], GRAPH_OPTIONS)
def graph_command(line: cmdline.CommandLine, as_json: bool) -> None:
    from . import drawing
    from .engine import evaluate

    form = str(line.options.get("format", "tree")).strip().lower()
    if form not in drawing.FORMATS:
        raise UsageError(f"--format {line.options['format']}: not a format",
                         hint="formats: " + ", ".join(drawing.FORMATS))
    save = line.options.get("save")
    if save is not None and (as_json or form == "tree"):
        raise UsageError("--save writes the dot, mermaid or svg text",
                         hint="add --format dot, mermaid or svg; or redirect: > FILE")
    graph, point = open_point(line)
    ev = evaluate(graph, point.inputs)
    text = None
    if form == "mermaid":
        text = drawing.mermaid(ev)
    elif form in ("dot", "svg"):
        text = drawing.dot(ev)
        if form == "svg":
            text = drawing.svg(text)
    if as_json:
        doc = report.document("graph", ev, point)
        doc.update(drawing.data(ev, report.jsonable))
        if text is not None:
            doc[form] = text
        _write_json(doc)
    elif text is None:
        from . import render_graph

        _emit(_render(render_graph.graph_tree(ev, full=bool(line.options.get("full")))))
    elif save is not None:
        from .files import write_atomic

        write_atomic(cmdline.expand(str(save)), visible(text).encode("utf-8"),
                     label="--save: ", error=UsageError)
        _say(f"wrote the {form} picture to {save}")
    else:
        _emit(visible(text))
        if form == "svg" and sys.stdout.isatty():
            _say("(SVG text; to keep it: > graph.svg, or --save graph.svg)")


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
        _say("interrupted")
        sys.exit(130)
    except BrokenPipeError:
        # The reader went away (| head): stop quietly, and keep Python from complaining.
        _silence_stdout()
        sys.exit(1)
    except (RecursionError, MemoryError) as e:
        _say(f"error: the input is too large to handle ({type(e).__name__})")
        sys.exit(2)
