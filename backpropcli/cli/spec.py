"""What a command is: its spec (name, summary, help, examples, options, handler), what
its handler may use of the world (Env), and what it hands back to show and keep
(Outcome). commands.py holds the specs; app.py runs them.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import BackpropError
from ..tasks import session
from .options import CommandLine, Option

Tell = Callable[..., None]


@dataclass
class Env:
    """What a handler may use of the world: stdin, a progress bar, the locked session."""

    stdin: Callable[[], str | None]
    progress: Callable[[str, int], AbstractContextManager[Tell | None]]
    state: Path = session.DEFAULT  # the session file: --state, $BACKPROP_STATE, or found
    tx: session.Transaction | None = None
    json: bool = False


@dataclass
class Outcome:
    """What a command has to show and keep. Documents and views are made only when
    asked for (--json or not), views only where Rich is loaded."""

    document: Callable[[], dict] | None = None
    view: Callable[[], Any] | None = None  # a Rich renderable, made where Rich is loaded
    text: str | None = None  # plain text for stdout (markdown, latex, dot, mermaid, svg)
    data: bytes | None = None  # a binary picture for stdout (png), never to a terminal
    session: session.Session | None = None  # saved with the output: both or neither
    commit: Callable[[Callable[[], None]], None] | None = None  # reset: remove, then write
    note: str | None = None  # a line for stderr after the output: where a file went
    terminal_note: str | None = None  # the same, only when stdout is a terminal
    failure: BackpropError | None = None  # the verdict, after the output (exit code)


@dataclass(frozen=True)
class Spec:
    name: str
    summary: str  # its line in `backprop --help`
    doc: str  # the paragraphs of its own --help
    examples: tuple[str, ...]
    options: tuple[Option, ...]
    run: Callable[[CommandLine, Env], Outcome]
    program: bool = True  # takes PROGRAM and input values
    changes_session: bool = False
    usage: str = field(default="")

    @property
    def usage_line(self) -> str:
        if self.usage:
            return self.usage
        if self.program:
            return f"backprop {self.name} PROGRAM [--NAME VALUE ...] [OPTIONS]"
        return f"backprop {self.name} [OPTIONS]"
