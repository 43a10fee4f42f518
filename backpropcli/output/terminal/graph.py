"""The `backprop graph` view: the computation graph as a tree in the terminal, from the
output down to the inputs. Returns renderables, never prints."""

from __future__ import annotations

import numpy as np
from rich.console import RenderableType
from rich.measure import Measurement
from rich.text import Text

from ...core import fmt
from ...core.engine import Evaluation
from .. import tree
from ..picture import shape_shown
from ..text import d
from .widgets import new_table, section

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
    decides how deep rows go before they continue at the left margin, and the columns
    are measured here so that long labels are shortened, never the numbers squeezed out.
    """

    def __init__(self, ev: Evaluation, full: bool) -> None:
        self.ev = ev
        self.full = full
        self._laid_out: dict[int, tuple[RenderableType, ...]] = {}

    def _layout(self, width: int) -> tuple[RenderableType, ...]:
        """The table and its footnotes for this width (kept: Rich measures, then renders)."""
        if width in self._laid_out:
            return self._laid_out[width]
        ev = self.ev
        # Guides take 3 columns a level: the width decides how many levels fit before the
        # rows continue at the left margin, and how deep the default tree opens.
        fold = max(4, min(tree.FOLD, (width - 50) // 3))
        plan = tree.tree_plan(ev, full=self.full, fold=fold,
                                 depth=min(tree.TREE_DEPTH, fold))
        rows: list[tuple[Text, Text, Text, Text] | None] = []
        for row in plan.rows:
            if row.kind == tree.RESUME:
                rows.append(None)  # a blank row before each continuation
            rows.append(self._cells(row))
        headers: tuple[str, ...] = ("node", "value", d(ev.output.name, "node"), "")
        widest = [max([Text(h).cell_len] + [r[k].cell_len for r in rows if r])
                  for k, h in enumerate(headers)]
        if not widest[3]:
            headers, widest = headers[:3], widest[:3]
        widest = _share(width, widest, [Text(h).cell_len for h in headers])
        table = new_table(*headers, right=(1, 2))
        for column, w in zip(table.columns, widest, strict=True):
            column.width = w
        table.columns[0].no_wrap = True
        table.columns[0].overflow = "ellipsis"
        for r in rows:
            table.add_row(*(r[: len(headers)] if r else [""] * len(headers)))
        self._laid_out[width] = (table, *_footnotes(ev, plan))
        return self._laid_out[width]

    def __rich_console__(self, console, options):
        yield from self._layout(options.max_width)

    def __rich_measure__(self, console, options) -> Measurement:
        widths = [Measurement.get(console, options, part).maximum
                  for part in self._layout(options.max_width)]
        return Measurement(min(widths), max(widths))

    def _cells(self, row) -> tuple[Text, Text, Text, Text] | None:
        """The cells of one row: label, value, gradient, note (None: a blank row)."""
        ev = self.ev
        i, node = row.node, ev.graph.nodes[row.node]
        label = Text(row.lead, style="dim")
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
        value = fmt.brief(ev.values[i])
        if not shape_shown(ev.values[i], value):
            label.append(f"  {fmt.shape(np.shape(ev.values[i]))}", style="dim")
        note = Text("← output", style="bold") if output else blank
        if row.kind == tree.CUT:
            note = Text(f"… {row.hidden} more" if row.hidden else "operands elsewhere",
                        style="dim")
        elif row.kind == tree.FOLDED:
            note = Text("↓ continued below", style="dim")
        return label, Text(value), Text(fmt.brief(ev.grad(i))), note


def _share(width: int, natural: list[int], least: list[int]) -> list[int]:
    """Column widths for the tree: [label, value, gradient, (note)] within `width`.

    Values and notes first get a share (a value wider than its share folds onto more
    lines), the label what they leave (a longer label ends in …), and any room left
    goes back to the values, up to their natural width.
    """
    room = width - 2 * (len(natural) - 1)  # two spaces between columns
    out = list(natural)
    for k in (1, 2):
        out[k] = min(natural[k], max(least[k], room // 5))
    if len(out) > 3:
        out[3] = min(natural[3], max(8, room // 6))
    out[0] = max(min(natural[0], 16), min(natural[0], room - sum(out[1:])))
    for k in (1, 2):
        spare = room - sum(out)
        if spare > 0:
            out[k] += min(natural[k] - out[k], spare)
    return out


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
