"""Lines laid out for the width they are drawn at: a paragraph that wraps between its
pieces (a term, a command) and never inside one, and a progress bar's line whose count
stays whole. Functions here return renderables and never print."""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.console import RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text


class Flow:
    """A paragraph that wraps between its pieces, never inside one: a term such as
    ∂g/∂x = -4 stays whole, and so does a command, which on a narrow terminal runs past
    the edge rather than being broken (a copy still takes it as one line). Prose is
    added a word at a time; a word longer than the line is folded. Lines after the
    first are indented by `indent`."""

    def __init__(self, indent: int = 0) -> None:
        self.indent = indent
        self.pieces: list[tuple[str, Text, bool]] = []  # (separator before it, piece, whole)

    def add(self, piece: str | Text, sep: str = " ", style: str = "",
            whole: bool = True) -> Flow:
        text = piece.copy() if isinstance(piece, Text) else Text(piece)
        text.stylize(style)
        self.pieces.append((sep, text, whole))
        return self

    def words(self, prose: str, sep: str = " ", style: str = "") -> Flow:
        for k, word in enumerate(prose.split()):
            self.add(word, sep if k == 0 else " ", style, whole=False)
        return self

    def phrase(self, text: Text, sep: str = " ") -> Flow:
        """Add a styled text a word at a time, its own spaces kept between its words. A
        sign or a count starts the word after it (= c#2, ← output, … 8 more): a line
        never ends with one."""
        words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text.plain)]
        start = 0
        for k, (begin, end) in enumerate(words):
            word = text.plain[begin:end]
            if k + 1 < len(words) and (word.isdigit() or (len(word) == 1 and not word.isalnum())):
                continue  # glued to the next word
            before = sep if start == 0 else text.plain[words[start - 1][1] : words[start][0]]
            self.pieces.append((before, text[words[start][0] : end], False))
            start = k + 1
        return self

    def lines(self, width: int) -> list[Text]:
        """The lines at this width; a piece that fits on no line is folded, unless whole
        (a command), which then runs past the edge on a line of its own."""
        lines: list[Text] = []
        for sep, piece, whole in self.pieces:
            if lines and lines[-1].cell_len + cell_len(sep) + piece.cell_len <= width:
                lines[-1].append(sep)
                lines[-1].append_text(piece)
                continue
            indent = " " * self.indent if lines else ""
            room = max(1, width - len(indent))
            if whole or piece.cell_len <= room:
                parts = [piece]
            else:
                parts = [piece[k : k + room] for k in range(0, len(piece), room)]
            for part in parts:
                line = Text(" " * self.indent if lines else "", no_wrap=True, overflow="ignore")
                line.append_text(part)
                lines.append(line)
        return lines

    def __rich_console__(self, console, options):
        yield from self.lines(options.max_width)

    def __rich_measure__(self, console, options) -> Measurement:
        widths = [piece.cell_len for _, piece, _ in self.pieces]
        one = sum(widths) + sum(cell_len(sep) for sep, _, _ in self.pieces[1:])
        return Measurement(max(widths, default=0) + self.indent, one)


class ProgressLine:
    """A progress bar's line, laid out for the width it is drawn at: the count
    (done/total) is always whole; the label and the note give way before it, ending in
    "…", and the bar takes what is left, between 10 and 40 columns when it can."""

    def __init__(self, what: str, done: float, total: float | None, note: str = "") -> None:
        self.what, self.done, self.total, self.note = what, done, total, note

    def __rich_console__(self, console, options):
        from rich.progress_bar import ProgressBar

        count = f"{self.done:.0f}/{self.total:.0f}" if self.total is not None else \
            f"{self.done:.0f}"
        rest = options.max_width - cell_len(count)
        label = min(cell_len(self.what), max(0, rest - 1))
        rest -= label + (label > 0)
        bar = min(10, max(0, rest - 1))
        rest -= bar + (bar > 0)
        note = min(cell_len(self.note), max(0, rest - 1))
        rest -= note + (note > 0)
        bar += min(30, max(0, rest)) if bar else 0
        grid = Table.grid(padding=(0, 1, 0, 0))
        cells: list[RenderableType] = []
        for width, cell in ((label, Text(self.what)),
                            (bar, ProgressBar(total=self.total, completed=self.done, width=bar)),
                            (len(count), Text(count)), (note, Text(self.note, style="dim"))):
            if width:
                grid.add_column(width=width, no_wrap=True, overflow="ellipsis")
                cells.append(cell)
        grid.add_row(*cells)
        yield grid
