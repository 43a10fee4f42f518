"""Shell completion: what Tab offers after a command's words (its options, the values of
a closed-choice option, program files), and the scripts `--show-completion` prints and
`--install-completion` installs. Typer's own completion machinery answers the shell
(`_BACKPROP_COMPLETE=complete_bash`, COMP_WORDS, COMP_CWORD); this module says what to
offer."""

from __future__ import annotations

import glob
import os

import typer

from .spec import Spec

COMPLETE_VAR = "_BACKPROP_COMPLETE"
_PATHS = ("state", "save", "plot", "answers")  # the options whose value is a file


def offered(spec: Spec, before: str, incomplete: str) -> list[tuple[str, str | None]]:
    """What Tab offers for `incomplete`, the word after `before`, with a few words of
    help each: a closed choice's values after its option (--format <Tab>), the options
    after a dash, and else program files and the folders that lead to them."""
    chosen = next((o for o in spec.options if o.choices and before == f"--{o.name}"), None)
    if chosen is not None:
        # --ask local,g<Tab>: the last of a comma-separated list, after the rest
        done, _, last = incomplete.rpartition(",") if chosen.many else ("", "", incomplete)
        head = done + "," if done else ""
        return [(head + c, None) for c in chosen.choices
                if c.startswith(last.lower()) and c not in done.split(",")]
    valued = {f"--{o.name}": o.name for o in spec.options if o.metavar and o.name != "NAME"}
    valued |= {f"-{o.short}": o.name for o in spec.options if o.metavar and o.short}
    if before in valued and valued[before] not in _PATHS:
        return []  # a value the user types (--lr 0.1): no file names
    if incomplete.startswith("-"):
        flags = [(f"--{o.name}", o.help) for o in spec.options if o.name != "NAME"]
        flags.append(("--help", "show this message and exit"))
        return [(flag, text) for flag, text in flags if flag.startswith(incomplete)]
    # --save FILE, --state PATH, an input's @file: any file; else PROGRAM, a .bp file
    files = before in valued or (before.startswith("--") and spec.program
                                 and before not in (f"--{o.name}" for o in spec.options))
    if not spec.program and not files:
        return []
    found = sorted(glob.glob(glob.escape(incomplete) + "*"))
    return [(p + "/" if os.path.isdir(p) else p, None) for p in found
            if os.path.isdir(p) or files or p.endswith(".bp")]


def init() -> None:
    """Let Typer's completion classes answer the shell (when it asks, see app.main)."""
    from typer._completion_classes import completion_init

    completion_init()


def _shell() -> str:
    """The shell completion is for: the running one, else $SHELL's name."""
    from typer._completion_shared import _get_shell_name  # Typer's own detection

    name = _get_shell_name() or os.path.basename(os.environ.get("SHELL", ""))
    if name not in ("bash", "zsh", "fish"):
        raise typer.BadParameter(f"completion for {name or 'this shell'}: use bash, zsh or "
                                 "fish")
    return name


def show(asked: bool) -> None:
    """--show-completion: the script for the current shell, on stdout."""
    if asked:
        from typer._completion_shared import get_completion_script

        from .streams import emit

        emit(get_completion_script(prog_name="backprop", complete_var=COMPLETE_VAR,
                                   shell=_shell()) + "\n")
        raise typer.Exit()


def install(asked: bool) -> None:
    """--install-completion: the script added to the current shell's start-up file."""
    if asked:
        from typer._completion_shared import install as installed

        from .streams import say

        shell, path = installed(shell=_shell(), prog_name="backprop",
                                complete_var=COMPLETE_VAR)
        say(f"{shell} completion installed in {path}; it works in shells started from now on")
        raise typer.Exit()
