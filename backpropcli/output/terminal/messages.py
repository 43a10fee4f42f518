"""Errors (the message, the line with a caret under the place, the hint) and the help
page of a command, as the terminal shows them."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from ...core.errors import BackpropError
from ..text import visible
from .widgets import new_table


def error(err: BackpropError) -> RenderableType:
    head = Text("error: ", style="bold red")
    head.append(visible(err.where() + err.message))
    parts: list[RenderableType] = [head]
    context = err.context()
    if context:
        parts.append(Text(visible(context)))
    if err.hint:
        parts.append(Text(visible(f"  hint: {err.hint}"), style="dim"))
    return Group(*parts)


def command_help(usage: str, doc: str, options: Sequence[tuple[str, str]],
                 examples: Sequence[str],
                 commands: Sequence[tuple[str, str]] = ()) -> RenderableType:
    """A help page, the same for every command and the root: usage, what it does,
    (its commands,) its options, and examples. An example is never wrapped: on a narrow
    terminal it runs past the edge, and still copies as one command line."""
    parts: list[RenderableType] = [Text.assemble(("Usage: ", "bold"), usage), Text("")]
    parts += [Text(paragraph) for paragraph in doc.split("\n") if paragraph]
    for title, rows in (("Commands", commands), ("Options", options)):
        if rows:
            table = new_table("", "")
            table.show_header = False
            table.columns[0].no_wrap = True
            for name, text in rows:
                table.add_row(Text(name, style="bold"), Text(text))
            parts += [Text(""), Text(title, style="bold"),
                      Padding(table, (0, 0, 0, 2), expand=False)]
    if examples:
        parts += [Text(""), Text("Examples", style="bold")]
        parts += [Text(f"  {e}", no_wrap=True, overflow="ignore") for e in examples]
    return Group(*parts)
