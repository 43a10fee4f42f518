"""The pieces every terminal view is made of: a plain table, a titled section, the
elision of a long list's middle (table rows or lines), an array in a cell, and the
wrapper that keeps control characters in user text from reaching the terminal.
Functions here return renderables and never print.

User text (names, programs) is always placed as Text, never parsed as Rich markup,
so `[x, y] @ W` prints as written. Tables longer than a screen show their first and
last rows around a row that stands for the rest (all of them with --full). An array
shows a matrix row per line and the ends of each long axis, as many items as the
column is wide enough for (every element with --full).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

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
T = TypeVar("T")
R = TypeVar("R")


def new_table(*headers: str, right: Sequence[int] = ()) -> Table:
    t = Table(box=None, show_edge=False, pad_edge=False, padding=(0, 2, 0, 0),
              header_style="bold dim")
    for k, h in enumerate(headers):
        t.add_column(h, justify="right" if k in right else "left", overflow="fold")
    return t


def elide(items: Sequence[T], full: bool, show: Callable[[T], R],
          gap: Callable[[int], R]) -> list[R]:
    """A long list as a screen shows it: `show(item)` for each item shown, made only for
    those; past ROWS items (unless full), the first and last ROWS/2 with `gap(hidden)`
    between them, standing for the items left out. Every view that elides does it
    here, each saying the gap in its own words (a row of dots, a count of what is left)."""
    if full or len(items) <= ROWS:
        return [show(item) for item in items]
    half = ROWS // 2
    return [*map(show, items[:half]), gap(hidden(len(items), full)),
            *map(show, items[-half:])]


def hidden(n: int, full: bool) -> int:
    """How many of n items `elide` leaves out."""
    return 0 if full or n <= ROWS else n - 2 * (ROWS // 2)


def fill(table: Table, items: Sequence, row: Callable[..., tuple], full: bool,
         what: str = "", gap: Callable[[int], tuple] | None = None) -> Table:
    """Add a row per item, made only for the rows shown (see elide); the row in the
    middle says "… N more {what} (--full shows all)" in one cell, or has gap(N)'s cells."""

    def more(n: int) -> tuple:
        return (Text(f"… {n} more {what} (--full shows all)", style="dim"),)

    for cells in elide(items, full, row, gap or more):
        table.add_row(*cells)
    return table


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
