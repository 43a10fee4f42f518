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

def _program_command(name: str, doc: str, examples: list[str]):
    HELP[name] = {"doc": doc, "options": PROGRAM_OPTIONS, "examples": examples}
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

            _out().print(render.history_table(saved.history, saved.point.output, full))

    _run("history", as_json, body)


@app.command("reset", cls=Command)
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
