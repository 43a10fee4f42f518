"""The pieces every terminal view is made of: a plain table that fits the terminal, a
titled section, the elision of a long list's middle (table rows or lines), an array in a
cell, and the wrapper that keeps control characters in user text from reaching the
terminal (lines.py has the lines that wrap between their pieces). Functions here return renderables
and never print.

User text (names, programs) is always placed as Text, never parsed as Rich markup,
so `[x, y] @ W` prints as written. Tables longer than a screen show their first and
last rows around a row of dots that stands for the rest, counted under the table (all
of them with --full). An array shows a matrix row per line and the ends of each long
axis, as many items as the column is wide enough for (every element with --full).

On a narrow terminal a table gives up what matters least first (see Fit): its optional
columns, then the width of its text, which wraps between words; a number is never
wrapped and never cut without a mark.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.measure import Measurement
from rich.padding import Padding
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from ..core import fmt
from ..output.text import visible
from .lines import hyphenated, least_word

ROWS = 40  # rows a table shows before eliding its middle
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Col:
    """A column of a table (new_table), and what it gives up when the terminal is narrow.

    `number`: each cell is one number (or a shape), never wrapped: the column is never
    narrower than its widest cell, and a number that cannot fit at all ends in "…".
    `drop`: 0 for a column always shown; else the order in which optional columns go
    when the table does not fit (those of 1 first, then 2, ...). Once dropped, an `under`
    column's text goes on a line under the previous column's text instead.
    `join`: written straight after the previous column's text, with no gap: a tail of
    that column which can be dropped on its own (the numbers after a formula).
    """

    header: str = ""
    right: bool = False
    number: bool = False
    drop: int = 0
    under: bool = False
    join: bool = False


SHAPE = Col("shape", number=True, drop=1)  # an array's shape: the first to go when narrow


def new_table(*columns: str | Col, right: Sequence[int] = ()) -> Fit:
    """A plain table (no borders, two spaces between columns) that fits the width it is
    drawn at. A column is a Col or its header; a header's column named in `right` is
    right-justified and holds numbers (in every view, the number columns are the
    right-justified ones)."""
    return Fit([c if isinstance(c, Col) else Col(c, right=k in right, number=k in right)
                for k, c in enumerate(columns)])


def elide(items: Sequence[T], full: bool, show: Callable[[T], R],
          gap: Callable[[int], R]) -> list[R]:
    """A long list as a screen shows it: `show(item)` for each item shown, made only for
    those; past ROWS items (unless full), the first and last ROWS/2 with `gap(hidden)`
    between them, standing for the items left out. Every view that elides does it
    here: a table with a row of dots (fill), a list of lines with a line of its own."""
    if full or len(items) <= ROWS:
        return [show(item) for item in items]
    half = ROWS // 2
    return [*map(show, items[:half]), gap(hidden(len(items), full)),
            *map(show, items[-half:])]


def hidden(n: int, full: bool) -> int:
    """How many of n items `elide` leaves out."""
    return 0 if full or n <= ROWS else n - 2 * (ROWS // 2)


def fill(table: Fit, items: Sequence, row: Callable[..., tuple], full: bool,
         what: str = "rows") -> Fit:
    """Add a row per item, made only for the rows shown (see elide). The rows left out
    are a row of "…", one in each column, and a line under the table that counts them
    ("N {what} in the middle not shown"): a sentence in a cell would widen its column."""
    for cells in elide(items, full, row, lambda n: table.gap(n, what)):
        table.add_row(*cells)
    return table


TERMS = 4  # chain-rule terms written out for a node used many times


def section(title: str, note: str, body: RenderableType) -> RenderableType:
    head = Text(title, style="bold")
    if note:
        head.append(f"  ({note})", style="dim")
    return Group(head, Padding(body, (0, 0, 1, 2), expand=False))


def share(room: int, want: Sequence[int], least: Sequence[int]) -> list[int]:
    """Column widths within `room`: each its `want` if they all fit; else the widest cut
    down to a common width, none below its `least` (which must fit), and what is left
    over given back one column to each from the left."""
    if sum(want) <= room:
        return list(want)
    low, high = 0, max(want)

    def cut(cap: int) -> list[int]:
        return [max(lo, min(w, cap)) for w, lo in zip(want, least, strict=True)]

    while low < high:  # the widest common cap that fits
        mid = (low + high + 1) // 2
        low, high = (mid, high) if sum(cut(mid)) <= room else (low, mid - 1)
    widths = cut(low)
    spare = room - sum(widths)
    for k, w in enumerate(want):
        if spare > 0 and widths[k] < w:
            widths[k] += 1
            spare -= 1
    return widths


@dataclass(frozen=True)
class _Sizes:
    """A table's columns at one level of dropping: their natural widths (`want`), the
    least they take with nothing but headers wrapped (`need`), the least they take with
    text wrapped between words (`least`), and the least they can take at all (`hard`:
    text folded inside words, an array as its shape and range, a number whole); widths
    of content, gaps not counted."""

    want: list[int]
    need: list[int]
    least: list[int]
    hard: list[int]

    @property
    def gaps(self) -> int:
        return 2 * (len(self.want) - 1)


def _measured(console, options, cell) -> tuple[int, int, bool, int]:
    """A cell's least and most width, whether it is text, and the least it can take at
    all: 1 for text (folded), its own word for an array (ArrayCell.narrowest)."""
    low, high = Measurement.get(console, options, cell)
    text = isinstance(cell, (str, Text))
    if text:
        low = min(low, least_word(str(cell)))
    narrowest = getattr(cell, "narrowest", None)
    return low, high, text, 1 if text else narrowest() if narrowest else low


class Fit(Table):
    """A table that fits the width Rich gives it when it is drawn.

    Tried in turn: every column; then without the columns of drop 1; of drop 2; ... The
    first that fits with no cell wrapped (a header may wrap between words) is drawn;
    if none does, the last is, its text wrapped between words where needed, widest
    column first. A number column is never narrowed; only when even words cannot fit
    are text columns folded inside words, and at the very last numbers cut with "…".
    A table that fits at its natural width is drawn just as a plain Rich table."""

    WIDE = 100_000  # the width cells are measured at: their own, not the terminal's

    def __init__(self, cols: Sequence[Col]) -> None:
        super().__init__(box=None, show_edge=False, pad_edge=False, padding=(0, 2, 0, 0),
                         header_style="bold dim")
        self.cols = list(cols)
        self.note: Text | None = None  # a line under the table: the rows left out
        self._measured: dict = {}
        for c in self.cols:
            self.add_column(c.header, justify="right" if c.right else "left", overflow="fold")

    def gap(self, n: int, what: str) -> tuple:
        """The cells of a row that stands for n rows left out, which the line under the
        table counts: "…" in each column with a header (not in a column of notes)."""
        self.note = Text(f"{n} {what} in the middle not shown (--full shows all)", style="dim")
        return tuple(Text("…" if c.header and not c.join else "", style="dim")
                     for c in self.cols)

    def _levels(self) -> list[int]:
        return [0, *sorted({c.drop for c in self.cols if c.drop})]

    def _groups(self, level: int) -> list[tuple[int, list[tuple[int, bool]]]]:
        """The columns shown at a level, each with the columns written into its cells:
        (column, [(column joined or under it, under)])."""
        groups: list[tuple[int, list[tuple[int, bool]]]] = []
        for k, c in enumerate(self.cols):
            shown = not c.drop or c.drop > level
            if groups and ((c.join and shown) or (c.under and not shown)):
                groups[-1][1].append((k, not shown))
            elif shown:
                groups.append((k, []))
        return groups

    def _cell(self, k: int, r: int) -> RenderableType:
        cell = self.columns[k]._cells[r]
        if self.cols[k].number and isinstance(cell, (str, Text)):
            cell = Text(cell) if isinstance(cell, str) else cell.copy()
            cell.no_wrap, cell.overflow = True, "ellipsis"
        return cell

    def _merged(self, k: int, extra: list[tuple[int, bool]], r: int) -> RenderableType:
        cell = self._cell(k, r)
        for j, under in extra:
            part = self._cell(j, r)
            if isinstance(part, (str, Text)) and not str(part).strip():
                continue
            if not (isinstance(cell, (str, Text)) and isinstance(part, (str, Text))):
                cell = Group(cell, part)
                continue
            merged = Text(cell) if isinstance(cell, str) else cell.copy()
            part = Text(part) if isinstance(part, str) else part
            if under:
                merged.append("\n")
                part = part[len(part.plain) - len(part.plain.lstrip()):]
            merged.append_text(part)
            cell = merged
        return cell

    def _cells(self, console, options, k: int) -> list[tuple[int, int, bool, int]]:
        """Column k's cells measured: (least, most, text, hard) for each row."""
        key = (k, self.row_count)
        if key not in self._measured:
            wide = options.update_width(self.WIDE)
            self._measured[key] = [_measured(console, wide, self._cell(k, r))
                                   for r in range(self.row_count)]
        return self._measured[key]

    def _sizes(self, console, options, level: int) -> _Sizes:
        groups = self._groups(level)
        columns = [self._column(console, options, k, extra) for k, extra in groups]
        return _Sizes(*([c[n] for c in columns] for n in range(4)))

    def _column(self, console, options, k: int, extra: list[tuple[int, bool]]
                ) -> tuple[int, int, int, int]:
        """A shown column's want, need, least and hard (see _Sizes), with the cells of
        the columns written into it."""
        column = self.columns[k]
        if column.width is not None:
            return (column.width,) * 4
        rows = self._cells(console, options, k)
        for j, under in extra:
            more = self._cells(console, options, j)
            rows = [(max(a[0], b[0]), max(a[1], b[1]) if under else a[1] + b[1], a[2],
                     max(a[3], b[3])) for a, b in zip(rows, more, strict=True)]
        if self.cols[k].number or column.no_wrap:
            rows = [(most, most, text, most) for _, most, text, _ in rows]
        low, high = Measurement.get(console, options.update_width(self.WIDE),
                                    Text(str(column.header)))
        # a header wraps between its words first; after a hyphen only when cells wrap too
        broken = min(low, least_word(str(column.header)))
        floor = column.min_width or 0
        return (max([floor, high, *(most for _, most, _, _ in rows)]),
                max([floor, low, *(most if text else lo for lo, most, text, _ in rows)]),
                max([floor, broken, *(lo for lo, _, _, _ in rows)]),
                max([floor, 1, *(hard for _, _, _, hard in rows)]))

    def _variant(self, level: int) -> Table:
        table = Table(box=self.box, show_header=self.show_header, show_edge=self.show_edge,
                      pad_edge=self.pad_edge, padding=self.padding,
                      header_style=self.header_style)
        for n, (k, extra) in enumerate(self._groups(level)):
            cells = [self._merged(k, extra, r) for r in range(self.row_count)]
            # a column written under another is named under its name: "back-propagation
            # / finite differences" over the two numbers of each row
            header = " / ".join([str(self.columns[k].header)] + [
                str(self.columns[j].header) for j, under in extra
                if under and self.columns[j].header])
            table.columns.append(replace(self.columns[k], _index=n, _cells=cells,
                                         header=header))
        table.rows = list(self.rows)
        return table

    def fitted(self, console, options) -> Table:
        """The table drawn at options.max_width: the columns kept, and their widths."""
        width = options.max_width
        levels = self._levels()
        sizes = [self._sizes(console, options, level) for level in levels]
        pick = next((n for n, s in enumerate(sizes) if sum(s.need) + s.gaps <= width),
                    len(levels) - 1)
        s = sizes[pick]
        table = self._variant(levels[pick])
        room = width - s.gaps
        if sum(s.want) > room:
            stages = ((s.want, s.need), (s.want, s.least), (s.least, s.hard))
            tops, floors = next(((t, f) for t, f in stages if sum(f) <= room),
                                (s.least, [1] * len(s.least)))
            for column, w in zip(table.columns, share(room, tops, floors), strict=True):
                column.width = w
                # a word wider than its column breaks after a hyphen (back-/propagation)
                # rather than being folded inside a word (back-propagatio/n)
                column.header = hyphenated(column.header, w)
                column._cells = [hyphenated(c, w) for c in column._cells]
        return table

    def __rich_console__(self, console, options):
        yield self.fitted(console, options)
        if self.note is not None:
            yield self.note

    def __rich_measure__(self, console, options) -> Measurement:
        levels = self._levels()
        first, last = (self._sizes(console, options, level) for level in (levels[0], levels[-1]))
        low, high = sum(last.least) + last.gaps, sum(first.want) + first.gaps
        if self.note is not None:
            note = Measurement.get(console, options, self.note)
            low, high = max(low, note.minimum), max(high, note.maximum)
        return Measurement(low, high)


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
    array is small and fits, else fmt.EDGE items at each end, down to 1; narrower
    still, its shape and range (fmt.brief) wrapped between words. With --full it
    shows every element, its lines wrapped to the column once, here."""

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

    def narrowest(self) -> int:
        """The least width it can be shown at: the longest word of its shape and range."""
        return max(cell_len(word) for word in fmt.brief(self.value).split())

    def __rich_measure__(self, console, options) -> Measurement:
        if self.full:  # any width will do: the lines are wrapped to the column
            return Measurement(min(20, self._width(None)), self._width(None))
        return Measurement(self._width(self.edges[-1]), self._width(self.edges[0]))

    def __rich_console__(self, console, options):
        if self.full:
            text = self._text(None, options.max_width)
        else:
            fits = [e for e in self.edges if self._width(e) <= options.max_width]
            if not fits:  # not even one item at each end: what it is, a word at a time
                yield Text(fmt.brief(self.value), overflow="ellipsis")
                return
            text = self._text(fits[0])
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
