"""The `backprop graph` view: the computation graph as a tree in the terminal, from the
output down to the inputs. Returns renderables, never prints."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from rich.cells import cell_len
from rich.console import RenderableType
from rich.measure import Measurement
from rich.text import Text

from ..core import fmt
from ..core.engine import Evaluation
from ..output import tree
from ..output.picture import shape_shown
from ..output.text import d
from .lines import Flow, hyphenated, least_word
from .widgets import new_table, section, share

# graph: the computation graph as a tree, from the output down to the inputs

def graph_tree(ev: Evaluation, full: bool = False) -> RenderableType:
    """The graph as a tree, from the output down to the inputs: each row a node with its
    value and ∂output/∂node; a node used again is a reference to its first row."""
    return section(f"Computation graph of {ev.output.name}",
                    "from the output down to the inputs", _GraphTree(ev, full))


class _GraphTree:
    """The tree as a table, laid out when the terminal's width is known.

    The plan (output/tree.py) says which rows there are; this only dresses them. The
    guides are text rather than Rich's Tree, which cuts deep trees silently: the width
    decides how deep rows go before they continue at the left margin. The columns are
    measured here: numbers are never squeezed, and a label too long for its column
    wraps between words under its own guides, which run on down the wrapped lines.
    """

    def __init__(self, ev: Evaluation, full: bool) -> None:
        self.ev = ev
        self.full = full
        self._laid_out: dict[int, tuple[RenderableType, ...]] = {}

    def _layout(self, console, width: int) -> tuple[RenderableType, ...]:
        """The table and its footnotes for this width (kept: Rich measures, then renders)."""
        if width in self._laid_out:
            return self._laid_out[width]
        ev = self.ev
        # Guides take 3 columns a level: the width decides how many levels fit before the
        # rows continue at the left margin, and how deep the default tree opens.
        fold = max(1, min(4, (width - 30) // 3), min(tree.FOLD, (width - 50) // 3))
        # Fewer levels before the rows continue at the left margin, rather than words
        # folded inside (constan/t): the deepest that fits with every word whole.
        for levels in range(fold, 0, -1):
            plan, rows, sizes, headers, widths = self._rows(width, levels)
            if widths is not None:
                break
        if widths is None:
            widths = _squeezed(width, headers, [r for r in sizes if r])
        table = new_table(*headers, right=(1, 2))
        for column, w in zip(table.columns, widths, strict=True):
            column.width = w
            column.header = hyphenated(column.header, w)  # ∂g/ over ∂node, if narrow
        for r in rows:
            table.add_row(*(r.cells(console, widths) if r else [""] * len(headers)))
        self._laid_out[width] = (table, *_footnotes(ev, plan))
        return self._laid_out[width]

    def _rows(self, width: int, fold: int):
        """The plan at this fold, its rows, the rows its columns are measured by, its
        headers and widths (None: words won't fit)."""
        ev = self.ev
        plan = tree.tree_plan(ev, full=self.full, fold=fold,
                              depth=min(tree.TREE_DEPTH, fold))
        rows: list[_Row | None] = []
        sizes: list[_Row | None] = []
        for k, row in enumerate(plan.rows):
            if row.kind == tree.RESUME:
                rows.append(None)  # a blank row before each continuation
                sizes.append(None)
            after = plan.rows[k + 1] if k + 1 < len(plan.rows) else None
            below = after is not None and len(after.lead) > len(row.lead)
            drawn, widest = self._row_cells(plan, k)
            rows.append(_Row(row.lead, below, *drawn))
            sizes.append(rows[-1] if widest is drawn else _Row(row.lead, below, *widest))
        headers = ["node", "value", d(ev.output.name, "node"), ""]
        shown = [r for r in sizes if r]
        if not any(r.note for r in shown):
            headers = headers[:3]
        widths = _widths(width, headers, shown)
        if widths is None:  # too narrow for a column of notes: each goes after its label
            headers = headers[:3]
            rows = [r.joined() if r else None for r in rows]
            sizes = [r.joined() if r else None for r in sizes]
            widths = _widths(width, headers, [r for r in sizes if r])
        return plan, rows, sizes, headers, widths

    def _row_cells(self, plan: tree.TreePlan, k: int) -> tuple[tuple, tuple]:
        """The cells of plan row k as drawn, and the widest they can be drawn (the same
        here; the replay's player, player.py, draws them frame by frame in columns that
        stay still)."""
        cells = self._cells(plan.rows[k])
        return cells, cells

    def __rich_console__(self, console, options):
        yield from self._layout(console, options.max_width)

    def __rich_measure__(self, console, options) -> Measurement:
        # As wide as it is given, and laid out only then: for a narrower width the tree
        # would be another tree (the width decides how deep it goes).
        return Measurement(min(20, options.max_width), options.max_width)

    def _cells(self, row) -> tuple[Text, Text, Text, Text]:
        """The cells of one row (guides not included): label, value, gradient, note."""
        ev = self.ev
        i, node = row.node, ev.graph.nodes[row.node]
        label = Text("")
        blank = Text("")
        if row.kind == tree.RESUME:
            label.append(node.name, style="bold")
            label.append("  continued from above", style="dim")
            return label, blank, blank, blank
        if row.kind == tree.CONST:
            label.append(f"{node.name}  constant", style="dim")
            return label, blank, blank, blank
        if row.kind == tree.REF:
            label.append(node.name)
            label.append(" ↑ shown above", style="dim")
            return label, blank, blank, blank
        output = i == ev.graph.output
        label.append(node.name, style="bold" if output else "")
        if node.is_input:
            label.append("  input", style="dim")
        else:
            label.append(f" = {node.text}")
        # an input as the user typed it (0.99999, not 1), as eval's table shows it
        value = fmt.typed(ev.values[i]) if node.is_input else fmt.brief(ev.values[i])
        if not shape_shown(ev.values[i], value):
            label.append(f"  {fmt.shape(np.shape(ev.values[i]))}", style="dim")
        note = Text("← output", style="bold") if output else blank
        if row.kind == tree.CUT:
            note = Text(f"… {row.hidden} more" if row.hidden else "operands elsewhere",
                        style="dim")
        elif row.kind == tree.FOLDED:
            note = Text("↓ continued below", style="dim")
        g = ev.grad(i)  # None: made of constants alone, no gradient
        return label, Text(value), Text("none" if g is None else fmt.brief(g)), note


@dataclass(frozen=True)
class _Row:
    """A row of the tree: its guides, whether rows of its operands follow it, its cells."""

    lead: str
    below: bool
    label: Text
    value: Text
    grad: Text
    note: Text

    def joined(self) -> _Row:
        """The row with its note written after the label, for a tree with no note column."""
        if not self.note:
            return self
        return replace(self, label=Text.assemble(self.label, "  ", self.note), note=Text(""))

    def natural(self) -> list[int]:
        return [len(self.lead) + self.label.cell_len, self.value.cell_len, self.grad.cell_len,
                self.note.cell_len]

    def least(self) -> list[int]:
        """The narrowest each cell can be without breaking a word (or a number): a
        wrapped label goes on 3 columns in, where its operands' guides come down."""
        words = Flow().phrase(self.label).pieces
        return [len(self.lead) + 3 + max(p.cell_len for _, p, _ in words),
                _word(self.value), _word(self.grad), _word(self.note)]

    def cells(self, console, widths: list[int]) -> list[Text]:
        """The cells wrapped to the widths, the label's lines under its guides: the lines
        of this node's operands run on down the lines of a wrapped row."""
        inner = self.lead[:-3] + ("│  " if self.lead.endswith("├─ ") else "   ") \
            if self.lead else ""
        more = inner + ("│  " if self.below else "   ")
        others = [c if c.cell_len <= w else Text("\n").join(c.wrap(console, w)) for c, w in
                  zip([self.value, self.grad, self.note], widths[1:], strict=False)]
        height = max(len(c.plain.split("\n")) for c in others)
        room = widths[0] - len(self.lead)
        lines = [self.label] if self.label.cell_len <= room else \
            Flow(indent=3).phrase(self.label, "").lines(max(4, room))
        label = Text("")
        for k in range(max(height, len(lines))):
            if k:
                label.append("\n")
            label.append(more if k else self.lead, style="dim")
            if k < len(lines):
                label.append_text(lines[k][3:] if k else lines[k])
        return [label, *others]


def _word(text: Text) -> int:
    return max((cell_len(w) for w in text.plain.split()), default=0)


def _widths(width: int, headers: list[str], rows: list[_Row]) -> list[int] | None:
    """Column widths for the tree within `width` (two spaces between columns): each its
    natural width if they fit, else cut down widest first with no word broken (see
    widgets.share); None if that cannot be done."""
    natural, least = _measure(headers, rows)
    room = width - 2 * (len(headers) - 1)
    return share(room, natural, least) if sum(least) <= room else None


def _measure(headers: list[str], rows: list[_Row]) -> tuple[list[int], list[int]]:
    """The natural and the least width of each column (see _Row)."""
    measured = [(r.natural(), r.least()) for r in rows]
    return ([max([cell_len(h), *(m[0][k] for m in measured)]) for k, h in enumerate(headers)],
            [max([least_word(h), *(m[1][k] for m in measured)]) for k, h in enumerate(headers)])


def _squeezed(width: int, headers: list[str], rows: list[_Row]) -> list[int]:
    """Too narrow even for whole words: the numbers keep their width, the label takes
    what is left (its words folded), at least its guides and one more column."""
    natural, least = _measure(headers, rows)
    room = width - 2 * (len(headers) - 1) - sum(least[1:])
    guides = max([len(r.lead) for r in rows], default=0) + 1
    return [max(guides, min(natural[0], room)), *least[1:]]


def _footnotes(ev: Evaluation, plan: tree.TreePlan) -> list[Text]:
    """What the tree leaves out: how many nodes are hidden, and the ones not drawn at all
    because the output does not depend on them."""
    notes = []
    if plan.hidden:
        notes.append(Text(f"{plan.shown} of {plan.total} nodes shown; --full draws them all",
                          style="dim"))
    if plan.unused:
        names = [ev.graph.nodes[i].name for i in plan.unused]
        notes.append(Text(f"Not drawn: {len(names)} node{'s' if len(names) != 1 else ''} "
                          f"{ev.output.name} does not depend on ({fmt.names(names)})",
                          style="dim"))
    return notes
