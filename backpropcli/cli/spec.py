"""What a command is: its spec (name, summary, help, examples, options, handler), what
its handler may use of the world (Env), and what it hands back to show and keep
(Outcome). commands/ holds the specs, a module per command; running.py runs them.

They are named tuples, not dataclasses: making a dataclass costs some 0.2 ms at import
(the methods it writes are compiled), and every run makes these three.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..api import BackpropError
from .options import CommandLine, Option

if TYPE_CHECKING:
    from ..api import Session

Tell = Callable[..., None]


class Env(NamedTuple):
    """What a handler may use of the world: stdin, a progress bar, the session (locked,
    for a command that changes it)."""

    stdin: Callable[[], str | None]
    progress: Callable[[str, int], AbstractContextManager[Tell | None]]
    session: Session  # the session file: --state, $BACKPROP_STATE, or found
    json: bool = False

    @property
    def state(self) -> Path:
        return self.session.path


class Outcome(NamedTuple):
    """What a command has to show and keep. Documents and views are made only when
    asked for (--json or not), views only where Rich is loaded."""

    document: Callable[[], dict] | None = None
    view: Callable[[], Any] | None = None  # a Rich renderable, made where Rich is loaded
    text: str | None = None  # plain text for stdout (markdown, latex, dot, mermaid, svg)
    data: bytes | None = None  # a binary picture for stdout (png), never to a terminal
    # an interactive view, run instead of the output when stdout is a terminal (replay's
    # player); it draws on the terminal itself, and says False when it has no keyboard
    # there (stdin is not the terminal and /dev/tty not that one): the output then
    play: Callable[[], bool] | None = None
    session: Any = None  # the session to save with the output: both or neither
    commit: Callable[[Callable[[], None]], None] | None = None  # reset: remove, then write
    note: str | None = None  # a line for stderr after the output: where a file went
    terminal_note: str | None = None  # the same, only when stdout is a terminal
    failure: BackpropError | None = None  # the verdict, after the output (exit code)


class Spec(NamedTuple):
    name: str
    summary: str  # its line in `backprop --help`
    doc: str  # the paragraphs of its own --help
    examples: tuple[str, ...]
    options: tuple[Option, ...]
    run: Callable[[CommandLine, Env], Outcome]
    program: bool = True  # takes PROGRAM and input values
    changes_session: bool = False
    usage: str = ""
    rank: int = 100  # its place in `backprop --help`: eval 1, step 2, ...

    @property
    def usage_line(self) -> str:
        if self.usage:
            return self.usage
        if self.program:
            return f"backprop {self.name} PROGRAM [--NAME VALUE ...] [OPTIONS]"
        return f"backprop {self.name} [OPTIONS]"
