"""The pieces every terminal view is made of: a plain table, a titled section, a table
that elides its middle past a screen, an array in a cell, and the wrapper that keeps
control characters in user text from reaching the terminal. Functions here return
renderables and never print.

User text (names, programs) is always placed as Text, never parsed as Rich markup,
so `[x, y] @ W` prints as written. Tables longer than a screen show their first and
last rows around a count of the rows left out (all of them with --full). An array
shows a matrix row per line and the ends of each long axis, as many items as the
column is wide enough for (every element with --full).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.measure import Measurement
from rich.padding import Padding
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from ...core import fmt
from ..text import visible

ROWS = 40  # rows a table shows before eliding its middle


def new_table(*headers: str, right: Sequence[int] = ()) -> Table:
    t = Table(box=None, show_edge=False, pad_edge=False, padding=(0, 2, 0, 0),
              header_style="bold dim")
    for k, h in enumerate(headers):
        t.add_column(h, justify="right" if k in right else "left", overflow="fold")
    return t


def fill(table: Table, items: Sequence, row: Callable[..., tuple], full: bool,
          what: str) -> Table:
    """Add a row per item, made only for the rows shown: the first and last ROWS/2
    around a count of the rest, unless full."""
    if full or len(items) <= ROWS:
        shown: Iterable = items
        hidden = 0
    else:
        half = ROWS // 2
        shown = [*items[:half], ELIDED, *items[-half:]]
        hidden = len(items) - 2 * half
    for item in shown:
        if item is ELIDED:
            table.add_row(Text(f"… {hidden} more {what} (--full shows all)", style="dim"))
        else:
            table.add_row(*row(item))
    return table


ELIDED = object()
TERMS = 4  # chain-rule terms written out for a node used many times


def section(title: str, note: str, body: RenderableType) -> RenderableType:
    head = Text(title, style="bold")
    if note:
        head.append(f"  ({note})", style="dim")
    return Group(head, Padding(body, (0, 0, 1, 2), expand=False))


FULL = 100_000  # elements --full prints of one array; a million would take minutes


def value_cell(v, full: bool = False) -> RenderableType:
    if np.ndim(v) == 0:
        return Text(fmt.number(v))
    if np.ndim(v) > 2 and np.size(v) > 48 and not (full and np.size(v) <= FULL):
        return Text(fmt.brief(v))  # blocks of blocks would take a screen
    if full and np.size(v) > FULL:
        return ArrayCell(v, note=f"{np.size(v):,} elements: too many to print; "
                                 "--json writes every one")
    return ArrayCell(v, full)


class ArrayCell:
    """An array in a table cell. Rather than letting a narrow column wrap a matrix's
    rows, it shows fewer items at the ends of each long axis: every element if the
    array is small and fits, else fmt.EDGE items at each end, down to 1. With --full
    it shows every element, its lines wrapped to the column once, here."""

    FEW = 48  # elements a small array may have
    LINES = 10  # and lines (matrix rows)

    def __init__(self, value, full: bool = False, note: str = "") -> None:
        self.value = value
        self.full = full
        self.note = note  # a line said after the array
        size, shape = np.size(value), np.shape(value)
        small = size <= self.FEW and size // shape[-1] <= self.LINES
        self.edges = [None] if full else [None] * small + list(range(fmt.EDGE, 0, -1))
        self._texts: dict = {}  # Rich measures a cell several times: format it once

    def _text(self, edge: int | None, width: int | None = None) -> str:
        key = (edge, width)
        if key not in self._texts:
            self._texts[key] = fmt.block(self.value, edge=edge, full=self.full, width=width)
        return self._texts[key]

    def _width(self, edge: int | None) -> int:
        return max(cell_len(line) for line in self._text(edge).splitlines())

    def __rich_measure__(self, console, options) -> Measurement:
        if self.full:  # any width will do: the lines are wrapped to the column
            return Measurement(min(20, self._width(None)), self._width(None))
        return Measurement(self._width(self.edges[-1]), self._width(self.edges[0]))

    def __rich_console__(self, console, options):
        if self.full:
            text = self._text(None, options.max_width)
        else:
            for edge in self.edges:
                if self._width(edge) <= options.max_width:
                    break
            text = self._text(edge)
        for line in text.splitlines():  # lines that fit: no need for Rich to wrap them
            yield Segment(line)
            yield Segment.line()
        if self.note:
            yield Text(self.note, style="dim")


class Clean:
    """A view whose text is made safe for the terminal: any control character that user
    text carried into it (a file name, a program, a document's strings) is shown as its
    escape, never obeyed. The views' own styles are Rich's, outside the text, and pass."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable

    def __rich_console__(self, console, options):
        for segment in console.render(self.renderable, options):
            if segment.control or not segment.text or segment.text == "\n":
                yield segment
            else:
                yield Segment(visible(segment.text), segment.style)

    def __rich_measure__(self, console, options) -> Measurement:
        return Measurement.get(console, options, self.renderable)
