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

import os
import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import typer
from typer.core import TyperCommand, TyperGroup

from . import cmdline, program, report, session
from .cmdline import Option
from .errors import BackpropError, UsageError

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


class Group(_HelpIsAFlag, TyperGroup):
    pass


class ProgramCommand(_HelpIsAFlag, TyperCommand):
    """A command of the form PROGRAM [--name value ...]: help lists its own options."""

    def format_help(self, ctx, formatter) -> None:
        from . import render

        spec = HELP[self.name]
        options = [(f"--{o.name}" + (f" {o.metavar}" if o.metavar else ""), o.help)
                   for o in spec["options"]] + [("--help", "show this message and exit")]
        _out().print(render.command_help(
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


def _out():
    from rich.console import Console

    return Console(highlight=False)


def _err():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _write_json(doc: dict) -> None:
    sys.stdout.write(report.dumps(doc))
    sys.stdout.flush()


def _run(command: str, as_json: bool, body: Callable[[], None]) -> None:
    """Run a command body; a BackpropError becomes a message (or document) and its exit code."""
    try:
        body()
    except BackpropError as err:
        _fail(command, as_json, err)
    except (typer.Exit, KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as e:  # a bug: still a message and an exit code, not a traceback
        _fail(command, as_json, BackpropError(
            f"internal error: {type(e).__name__}: {e}",
            hint="this is a bug in backprop; please report it with the command"))


def _fail(command: str, as_json: bool, err: BackpropError):
    if as_json:
        _write_json(report.error_document(err, command))
    else:
        from . import render

        _err().print(render.error(err))
    raise typer.Exit(err.exit_code)


def _stdin_text() -> str | None:
    """The text piped to stdin, or None when stdin is a terminal or empty."""
    stream = sys.stdin
    if stream is None or stream.closed:
        return None
    try:
        if stream.isatty():
            return None
        text = stream.read()
    except (OSError, ValueError):
        return None
    except UnicodeDecodeError as e:
        raise UsageError(f"stdin is not UTF-8 text ({e})") from None
    return text if text.strip() else None


def _save(path: Path, point: report.Point, entry: dict, fresh: bool) -> None:
    history: list[dict] = []
    if not fresh:
        try:
            old = session.load(path)
            if old.point.program == point.program and old.point.output == point.output:
                history = old.history
        except BackpropError:
            history = []
    entry = {"step": len(history), **entry}
    session.save(path, session.Session(point, [*history, entry]))


def open_point(line: cmdline.CommandLine):
    """The graph and point a program command works on: PROGRAM with its values, or,
    without PROGRAM, the JSON document on stdin or else the session — with any values
    given on the command line put in place of the saved ones."""
    opts = line.options
    params = cmdline.names(opts.get("params"), "params")
    freeze = cmdline.names(opts.get("freeze"), "freeze")
    if line.program is None:
        piped = _stdin_text()
        if piped:
            point = report.read_point(piped, "stdin")
        else:
            point = session.load(session.location(opts.get("state"))).point
        return program.reopen(point, params, freeze, values=line.values,
                              output=opts.get("output"))
    text, base = cmdline.program_source(line.program, _stdin_text)
    return program.start(
        text, line.values, base=base, output=opts.get("output"), params=params,
        freeze=freeze, seed=cmdline.whole(opts["seed"], "seed") if "seed" in opts else None)


# ---------------------------------------------------------------------------
# commands

def _program_command(name: str, doc: str, examples: list[str],
                     options: list[Option] = PROGRAM_OPTIONS):
    HELP[name] = {"doc": doc, "options": options, "examples": examples}
    return app.command(name, cls=ProgramCommand, context_settings=PROGRAM_CONTEXT,
                       help=doc.split("\n")[0])


@_program_command(
    "eval",
    "Evaluate PROGRAM at the given values and show the forward pass, the local gradient of "
    "every node, the backward pass by the chain rule, and the gradient of the output with "
    "respect to every input. Saves the session that `backprop step` continues from.\n"
    "PROGRAM is the formula itself, a .bp file, or - to read it from stdin. Without PROGRAM, "
    "eval goes on from the JSON document on stdin, or else from the session.",
    ['backprop eval "g = x*y + z" --x 3 --y -4 --z 2',
     'backprop eval "f = x*y; g = f + z" --x 3 --y -4 --z 2 --json | jq .gradients',
     "backprop eval samples/seed.bp"],
)
def eval_command(ctx: typer.Context) -> None:
    as_json = "--json" in ctx.args  # known before the arguments are read, to report their errors

    def body() -> None:
        line = cmdline.split(list(ctx.args), PROGRAM_OPTIONS)
        graph, point = open_point(line)
        from .engine import evaluate

        ev = evaluate(graph, point.inputs)
        _save(session.location(line.options.get("state")), point,
              {"value": report.jsonable(ev.value) if ev.value.ndim == 0 else None,
               "lr": None, "change": None}, fresh=True)
        if as_json:
            _write_json(report.document("eval", ev, point))
        else:
            from . import render

            _out().print(render.evaluation(ev, point.params, full=bool(line.options.get("full"))))

    _run("eval", as_json, body)


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
    Option("full", None, "every input, every factor of a long path, and a 50 times larger "
           "budget for the walk over the paths"),
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
def explain_command(ctx: typer.Context) -> None:
    as_json = "--json" in ctx.args

    def body() -> None:
        line = cmdline.split(list(ctx.args), EXPLAIN_OPTIONS)
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
            sys.stdout.write(explain_formats.markdown(exp))
        elif form == "latex":
            sys.stdout.write(explain_formats.latex(exp))
        else:
            from . import render

            _out().print(render.explanation(exp, full))

    _run("explain", as_json, body)


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
def check_command(ctx: typer.Context) -> None:
    as_json = "--json" in ctx.args

    def body() -> None:
        line = cmdline.split(list(ctx.args), CHECK_OPTIONS)
        opts = line.options
        from . import check as checking

        eps = cmdline.positive(opts["eps"], "eps") if "eps" in opts else checking.EPS
        tol = cmdline.positive(opts["tol"], "tol") if "tol" in opts else checking.TOL
        graph, point = open_point(line)
        with _progress("finite differences") as tell:
            result = checking.gradient_check(graph, point.inputs, eps, tol, progress=tell)
        failure = _check_failure(result)
        if as_json:
            doc = report.document("check", result.evaluation, point, **checking.to_json(result))
            if failure is not None:
                doc["error"] = failure.to_json()
            _write_json(doc)
        else:
            from . import render

            _out().print(render.check_report(result, bool(opts.get("full"))))
            if failure is not None:
                _err().print(render.error(failure))
        if failure is not None:
            raise typer.Exit(failure.exit_code)

    _run("check", as_json, body)


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
def _progress(what: str):
    """A progress callback that draws a bar on stderr when it is a terminal and the work is
    long (200 evaluations or more); None otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.progress import Progress

    with Progress(console=_err(), transient=True) as bar:
        task = bar.add_task(what, total=None, visible=False)

        def tell(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, visible=total >= 200)

        yield tell


@app.command("step")
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
        path = session.location(state)
        piped = _stdin_text()
        point = report.read_point(piped, "stdin") if piped else session.load(path).point
        graph, point = program.reopen(point, cmdline.names(params, "params"),
                                      cmdline.names(freeze, "freeze"))
        rate = -lr if ascend else lr
        before, after, moved = program.take_step(graph, point, rate)
        change = program.change(before, after)
        _save(path, moved, {"value": report.jsonable(after.value) if after.value.ndim == 0
                            else None, "lr": lr, "change": change}, fresh=False)
        if as_json:
            _write_json(report.document("step", after, moved, step={
                "lr": lr,
                "ascend": ascend,
                "previous": {
                    "value": report.jsonable(before.value),
                    "inputs": {k: report.jsonable(v) for k, v in before.inputs().items()},
                    "gradients": {k: report.jsonable(v) for k, v in before.gradients().items()},
                },
                "change": change,
            }))
        else:
            from . import render

            _out().print(render.step_report(before, after, moved.params, rate, full))

    _run("step", as_json, body)


@app.command("history")
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

            _out().print(render.history_table(saved.history, saved.point.output, full))

    _run("history", as_json, body)


@app.command("reset")
def reset_command(
    state: str = typer.Option(None, "--state", metavar="PATH", help=STATE_HELP),
    as_json: bool = typer.Option(False, "--json", help="write one JSON document to stdout"),
) -> None:
    """Forget the session (remove its file)."""

    def body() -> None:
        path = session.location(state)
        removed = session.clear(path)
        if as_json:
            _write_json({"schema": report.SCHEMA, "command": "reset", "state": str(path),
                         "removed": removed})
        else:
            _err().print(f"removed the session {path}" if removed else f"no session at {path}")

    _run("reset", as_json, body)


def main() -> None:
    """Entry point: never a traceback, whatever happens."""
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        # The reader went away (| head): stop quietly, and keep Python from complaining.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except (RecursionError, MemoryError) as e:
        sys.stderr.write(f"error: the input is too large to handle ({type(e).__name__})\n")
        sys.exit(2)
