"""Lines laid out for the width they are drawn at: a paragraph that wraps between its
pieces (a term, a command) and never inside one, a word too wide for its column broken
after a hyphen or a slash rather than inside (back-/propagation), and a progress bar's
line whose count stays whole. Functions here return renderables and never print."""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.console import RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text


def command_line(command: str, indent: int = 2, style: str = "dim") -> Text:
    """A command to copy, on a line of its own: never wrapped (on a narrow terminal it
    runs past the edge, where the terminal shows it on the next row and a copy still
    takes it whole; views are printed with crop=False)."""
    return Text(" " * indent + command, style=style, no_wrap=True, overflow="ignore")


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


# Where a word may break when its column is narrower than it: after a hyphen between
# letters (back-/propagation), between the two halves of a derivative (∂loss/∂t5 as
# ∂loss/ and ∂t5), after a function's parenthesis (transpose(/h2)) and after a folder
# of a path (.backprop/session.json), and after an underscore between the words of a
# name (test_/accuracy, digits_/train_/images.csv); never inside a word of a name or
# inside a number (1e-5, -0.19).
_HYPHEN = re.compile(r"(?<=[A-Za-z]-)(?=[A-Za-z])|(?<=/)(?=∂)|(?<=[A-Za-z]\()(?=\w)"
                     r"|(?<=[\w.]/)(?=[\w.])"  # and a path after a folder: .backprop/
                     r"|(?<=[A-Za-z]_)(?=[A-Za-z])")


def least_word(text: str) -> int:
    """The width of the widest piece of text that cannot be broken: a word, or a part
    of a hyphenated word."""
    return max((cell_len(piece) for word in text.split() for piece in _HYPHEN.split(word)),
               default=0)


def hyphenated(cell, width: int):
    """The cell with each word wider than `width` broken into lines after its hyphens;
    other cells (numbers are never wider than their column) as they are."""
    if not isinstance(cell, (str, Text)) or width <= 0:
        return cell
    text = Text(cell) if isinstance(cell, str) else cell
    plain = text.plain
    offsets: list[int] = []
    for word in re.finditer(r"\S+", plain):
        if cell_len(word.group()) <= width:
            continue
        start = word.start()  # each line as long as it can be: the last break that fits
        cuts = [c.start() for c in _HYPHEN.finditer(plain, word.start(), word.end())]
        for k, cut in enumerate(cuts):
            ahead = cuts[k + 1] if k + 1 < len(cuts) else word.end()
            if cell_len(plain[start:ahead]) > width:
                offsets.append(cut)
                start = cut
    if not offsets:
        return cell
    lines = text.divide(offsets)
    return Text("\n").join(lines)


class Prose:
    """A paragraph that wraps between words, and breaks a word wider than the whole line
    (a path) after a hyphen or a folder rather than inside it."""

    def __init__(self, text: Text) -> None:
        self.text = text

    def __rich_console__(self, console, options):
        yield hyphenated(self.text, options.max_width)

    def __rich_measure__(self, console, options) -> Measurement:
        low, high = Measurement.get(console, options, self.text)
        return Measurement(min(low, least_word(self.text.plain)), high)
