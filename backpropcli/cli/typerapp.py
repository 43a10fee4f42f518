"""The Typer app: everything but a command's ordinary run. The root's help page and
`backprop help`, every command's --help, shell completion, --version, and the command
meant by an unknown one go through Typer, which stays the framework of the command
line; a command's run goes straight to its handler (app.py, running.py), and this module
is then never imported. Here every command's module is imported: the help pages and
completion list them all.
"""

from __future__ import annotations

import os

import typer
from typer.core import TyperCommand, TyperGroup

from ..api import UsageError
from . import completion
from .commands import BY_NAME, SPECS
from .running import fail, run
from .spec import Spec
from .spelling import HELP_COMMAND, ROOT_FLAGS, root_option, unknown_command
from .streams import emit


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


def serve() -> None:
    """Run the app on the process's arguments (the shell's request for completions
    included)."""
    if os.environ.get(completion.COMPLETE_VAR):  # the shell asks for completions
        completion.init()
    app()
