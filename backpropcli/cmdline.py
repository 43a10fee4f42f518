"""The command line of the commands that take a program: PROGRAM [--name value ...].

Inputs are given as options named after them (`--x 3`), so these commands read
their own arguments: the options a command declares, `--set name=value` for an
input whose name is also an option, and `--name value` for every other input, in
any order around the program. `--y -4` and `--x -1e-3` are values, never options.

PROGRAM is the text itself, a path to a file (samples/seed.bp), or - for stdin.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .errors import UsageError
from .files import read_text

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class Option(NamedTuple):
    name: str  # without the dashes
    metavar: str | None  # None: a flag that takes no value
    help: str


@dataclass
class CommandLine:
    program: str | None = None  # the PROGRAM argument as typed
    options: dict[str, object] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)  # input name → value text


def split(tokens: list[str], options: list[Option]) -> CommandLine:
    """Sort the tokens into the program, the command's own options and input values."""
    known = {o.name: o for o in options}
    line = CommandLine()
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        i += 1
        if not tok.startswith("--") or tok == "--":
            if tok == "--":
                continue
            if line.program is not None:
                raise UsageError(f"unexpected argument {tok!r}: the program is already "
                                 f"{_short(line.program)!r}",
                                 hint="quote the whole program: backprop eval \"g = x*y + z\"")
            line.program = tok
            continue
        name, eq, inline = tok[2:].partition("=")
        if name in known and known[name].metavar is None:
            if eq:
                raise UsageError(f"--{name} takes no value")
            line.options[name] = True
            continue
        if eq:
            value = inline
        elif i < len(tokens):
            value = tokens[i]
            i += 1
        else:
            raise UsageError(f"--{name} needs a value")
        if name == "set":
            target, eq2, value = value.partition("=")
            if not eq2 or not _NAME.match(target.strip()):
                raise UsageError(f"--set {value!r}: write --set NAME=VALUE, as in --set x=3")
            _put(line, target.strip(), value)
        elif name in known:
            line.options[name] = value
        elif _NAME.match(name):
            _put(line, name, value)
        else:
            raise UsageError(f"unknown option --{name}")
    return line


def _put(line: CommandLine, name: str, value: str) -> None:
    if name in line.values:
        raise UsageError(f"{name} is given twice")
    line.values[name] = value


def _short(text: str) -> str:
    return text if len(text) <= 30 else text[:27] + "..."


def names(text: str | None, what: str) -> list[str]:
    """A comma-separated list of names, as in --params a,b."""
    if text is None:
        return []
    out = [t.strip() for t in str(text).split(",") if t.strip()]
    for n in out:
        if not _NAME.match(n):
            raise UsageError(f"--{what}: {n!r} is not a name")
    return out


def whole(text: object, what: str) -> int:
    try:
        return int(str(text))
    except ValueError:
        raise UsageError(f"--{what} takes a whole number, not {text!r}") from None


def seed(text: object) -> int:
    """--seed N: a whole number from 0 up (numpy's random generators take no negative)."""
    n = whole(text, "seed")
    if n < 0:
        raise UsageError(f"--seed must be 0 or more, not {n}")
    return n


def positive(text: object, what: str) -> float:
    try:
        value = float(str(text))
    except ValueError:
        raise UsageError(f"--{what} takes a number, not {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise UsageError(f"--{what} must be a positive number, not {text}")
    return value


def program_source(arg: str | None, stdin_text=None) -> tuple[str, Path | None]:
    """The program text and the folder its relative file names are read from.

    `arg` is the text itself, a path to a file, or "-" for the text on stdin
    (`stdin_text` is called to read it).
    """
    if arg is None:
        raise UsageError("no program given",
                         hint='try: backprop eval "g = x*y + z" --x 3 --y -4 --z 2')
    if arg == "-":
        text = stdin_text() if stdin_text is not None else None
        if text is None:
            raise UsageError("- reads the program from stdin, but stdin is a terminal or empty",
                             hint='pipe it in: echo "g = x*y" | backprop eval - --x 3 --y -4')
        return text, None
    path = expand(arg)
    if arg.endswith(".bp") or (not any(c.isspace() for c in arg) and _is_file(path)):
        if not os.path.lexists(path):
            raise UsageError(f"no such program file: {arg}")
        text = read_text(path, "the program file ", error=UsageError)
        return text, path.resolve().parent
    return arg, None


def expand(text: str) -> Path:
    """A path as typed, with ~ and ~user expanded where there is such a home folder."""
    try:
        return Path(text).expanduser()
    except (RuntimeError, ValueError):  # ~name of no such user, no home, a NUL byte
        return Path(text)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte
        return False
