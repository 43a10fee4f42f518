"""Errors (the message, the line with a caret under the place, the hint) and the help
page of a command, as the terminal shows them."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.measure import Measurement
from rich.padding import Padding
from rich.text import Text

from ..core.errors import BackpropError
from ..output.text import visible
from .lines import Flow, Prose
from .widgets import new_table

# What a hint may hold that a narrow terminal must not break across lines: a command
# after a colon (to the end), a command in parentheses or backticks, something quoted,
# an array written out, and an option with its value.
_WHOLE = re.compile(
    r": ((?:backprop|echo|--).*)$"
    r"|(\(backprop [^)]*\))"
    r"|(`[^`]*`)"
    r"|('[^']*'|\"[^\"]*\")"
    r"|(\[(?:[^\[\]]|\[[^\[\]]*\])*\])"
    r"|(--[A-Za-z][\w-]* (?!\(|(?:is|or|and|to|with|of|in|if)\b)"
    r"(?:'[^']*'|\"[^\"]*\"|\[[^\]]*\]|[^\s,;)]+))")


def error(err: BackpropError) -> RenderableType:
    head = Text("error: ", style="bold red")
    head.append(visible(err.where() + err.message))
    parts: list[RenderableType] = [head]
    context = err.context()
    if context:
        parts.append(_Context(visible(context)))
    if err.hint:
        parts.append(hint(visible(err.hint)))
    return Group(*parts)


def hint(text: str) -> Flow:
    """A hint, wrapped between its words but never inside a command, an option with its
    value, an array or a quotation: a line holding one of them is a line to copy."""
    spans = [m.span(m.lastindex or 0) for m in _WHOLE.finditer(text)]
    flow = Flow(indent=8).add("  hint:", style="dim")
    last: tuple[int, int] | None = None
    start = 0
    for m in re.finditer(r"\S+", text):
        span = next((s for s in spans if s[0] < m.end() and m.start() < s[1]), None)
        if span is not None and span == last:
            flow.pieces[-1] = (" ", Text(text[start : m.end()], style="dim"), True)
            continue
        start, last = m.start(), span
        flow.add(m.group(), " ", "dim", whole=span is not None)
    return flow


class _Context:
    """The line of the program an error is about, with the caret under the place. On a
    terminal narrower than the line it is cut around the caret, each cut end marked
    "…", rather than wrapped away from its caret."""

    def __init__(self, context: str) -> None:
        self.line, _, self.caret = context.partition("\n")

    def __rich_console__(self, console, options):
        line, caret = self.line, self.caret
        width = options.max_width
        at = caret.find("^")
        if len(line) > width and at >= 2 and width > 8:
            body = line[2:].ljust(at - 1)  # room for a caret just past the end
            room = width - 2
            start = max(0, min(at - 2 - room // 2, len(body) - room))
            shown = body[start : start + room]
            if start > 0:
                shown = "…" + shown[1:]
            if start + room < len(body):
                shown = shown[:-1] + "…"
            line, caret = "  " + shown.rstrip(), " " * (at - start) + "^"
        yield Text(line, no_wrap=True, overflow="ignore")
        yield Text(caret, no_wrap=True, overflow="ignore")

    def __rich_measure__(self, console, options) -> Measurement:
        return Measurement(min(len(self.line), 10), len(self.line))


def command_help(usage: str, doc: str, options: Sequence[tuple[str, str]],
                 examples: Sequence[str],
                 commands: Sequence[tuple[str, str]] = ()) -> RenderableType:
    """A help page, the same for every command and the root: usage, what it does,
    (its commands,) its options, and examples. An example is never wrapped: on a narrow
    terminal it runs past the edge, and still copies as one command line."""
    parts: list[RenderableType] = [Text.assemble(("Usage: ", "bold"), usage), Text("")]
    parts += [Prose(Text(paragraph)) for paragraph in doc.split("\n") if paragraph]
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
