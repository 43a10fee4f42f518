"""Rich renderables for people: the forward pass, the local gradients, the backward
pass, a step, the history, errors and help. Functions here return renderables and
never print; nothing here computes a value the engine did not.

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

from . import fmt
from .engine import Evaluation
from .errors import BackpropError
from .graph import CONST
from .ops import OPS
from .parse import reads

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


def _has_arrays(ev: Evaluation) -> bool:
    return any(np.ndim(v) for v in ev.values)


def d(top: str, bottom: str) -> str:
    return f"∂{top}/∂{bottom}"


# ---------------------------------------------------------------------------
# eval

def evaluation(ev: Evaluation, params: Sequence[str], full: bool = False) -> RenderableType:
    return Group(
        forward_table(ev, full),
        local_table(ev, full),
        backward_table(ev, full),
        summary(ev, params, full),
    )


def forward_table(ev: Evaluation, full: bool = False) -> RenderableType:
    arrays = _has_arrays(ev)
    headers = ("node", "computes", "shape", "value") if arrays else ("node", "computes", "value")
    table = new_table(*headers, "", right=() if arrays else (2,))
    nodes = ev.graph.nodes

    def row(i: int) -> tuple:
        node = nodes[i]
        if node.is_input:
            computes = Text("input", style="dim")
        elif node.is_data:
            computes = Text(data_source(node, np.shape(ev.values[i])), style="dim")
        else:
            computes = Text(node.text)
            if not arrays:
                # a product of numbers is written 3 · (-4), as on paper
                numbers = reads(OPS[node.op], operand_values(ev, i), node.static)
                computes.append(" = " + numbers.replace(" * ", " · "), style="dim")
        mark = Text("← output", style="bold") if i == ev.graph.output else Text("")
        value = value_cell(ev.values[i], full)
        name = Text(node.name, style="bold" if i == ev.graph.output else "")
        if arrays:
            return name, computes, fmt.shape(np.shape(ev.values[i])), value, mark
        return name, computes, value, mark

    rows = [i for i, node in enumerate(nodes) if node.op != CONST or node.is_data]
    return section("Forward pass", "", fill(table, rows, row, full, "nodes"))


def data_source(node, shape: tuple[int, ...]) -> str:
    """Where a load(...) node's data comes from: data (moons.csv, 100×2)."""
    return f"data ({node.data[0]}, {fmt.times(shape)})"


def operand_values(ev: Evaluation, i: int) -> list[str]:
    """The operands of node i as numbers to put in its formula: 3 · (-4), -12 + 2."""
    node = ev.graph.nodes[i]
    texts = [fmt.paren(ev.values[j]) for j in node.args]
    infix_first = OPS[node.op].reads.startswith("{0} ") and node.op != "pow"
    if infix_first and texts:
        texts[0] = fmt.brief(ev.values[node.args[0]])
    return texts


def local_formula(ev: Evaluation, i: int, k: int) -> str:
    """∂node/∂operand k as a formula in the operands' names: "y" for f = x * y; a rule
    that passes back the arriving gradient names it ∂output/∂node."""
    from .explain import local_formula as formula

    return formula(ev.graph, i, k, upstream=d(ev.output.name, ev.graph.nodes[i].name))


def local_table(ev: Evaluation, full: bool = False) -> RenderableType:
    table = new_table("local gradient", "formula", "value", right=() if _has_arrays(ev) else (2,))
    nodes = ev.graph.nodes

    def row(edge: tuple[int, int]) -> tuple:
        i, k = edge
        loc = ev.local[i][k] if ev.local[i] is not None else None
        # @, sum, softmax, ... are not elementwise: their local derivative is no array
        # of numbers that multiplies; the formula is what they pass back to the operand
        value = value_cell(loc, full) if loc is not None else Text("(not elementwise)", style="dim")
        name = d(nodes[i].name, nodes[nodes[i].args[k]].name)
        return Text(name), Text(local_formula(ev, i, k)), value

    edges = [(i, k) for i, node in enumerate(nodes) if node.computed
             for k, j in enumerate(node.args) if nodes[j].op != CONST]
    note = "known as soon as the forward pass has run"
    if any(ev.local[i] is None for i, _ in edges):
        note += "; ops that are not elementwise show what they pass back"
    return section("Local gradients", note, fill(table, edges, row, full, "edges"))


def backward_table(ev: Evaluation, full: bool = False) -> RenderableType:
    table = new_table("gradient", "chain rule", "", "value", right=() if _has_arrays(ev) else (3,))
    nodes = ev.graph.nodes
    out = ev.output.name

    def term(j: int, t) -> str:
        if t.local is None:  # not elementwise: the op's own rule applied to the upstream
            return local_formula(ev, t.user, t.slot)
        text = f"{d(out, nodes[t.user].name)} · {d(nodes[t.user].name, nodes[j].name)}"
        # an operand broadcast over the op's result gets the product summed back
        summed = fmt.summed(np.shape(ev.values[j]), np.shape(ev.values[t.user]))
        return f"{text} ({summed})" if summed else text

    def row(j: int) -> tuple:
        if j == ev.graph.output:
            return Text(d(out, out)), Text(""), Text(""), value_cell(ev.grads[j], full)
        terms = ev.terms[j]
        shown = terms if full or len(terms) <= TERMS else terms[:TERMS]
        more = f" + … ({len(terms) - len(shown)} more terms)" if len(shown) < len(terms) else ""
        symbolic = " + ".join(term(j, t) for t in shown) + more
        scalar = all(np.ndim(t.upstream) == 0 and t.local is not None and np.ndim(t.local) == 0
                     for t in shown)
        numeric = (" + ".join(f"{fmt.paren(t.upstream)} · {fmt.paren(t.local)}"
                              for t in shown) + more) if scalar else ""
        return (Text(d(out, nodes[j].name)), Text(f"= {symbolic}"),
                Text(f"= {numeric}" if numeric else "", style="dim"), value_cell(ev.grads[j], full))

    rows = [j for j in range(ev.graph.output, -1, -1)
            if ev.grads[j] is not None and nodes[j].op != CONST]
    return section("Backward pass", "chain rule: upstream × local, summed over every use",
                    fill(table, rows, row, full, "gradients"))


def summary(ev: Evaluation, params: Sequence[str], full: bool = False) -> RenderableType:
    out = ev.output.name
    grads = ev.gradients()
    parts: list[RenderableType] = []
    if np.ndim(ev.value) != 0:
        parts.append(Text(f"The output {out} is an array: its gradient is that of sum({out}).",
                          style="dim"))
    if all(np.ndim(v) == 0 for v in grads.values()):
        line = Text(f"Gradient of {out}: ", style="bold")
        shown = list(grads.items())
        cut = not full and len(shown) > ROWS
        for name, g in shown[:ROWS] if cut else shown:
            line.append(f" {d(out, name)} = {fmt.number(g)}  ")
        if cut:
            line.append(f" … {len(shown) - ROWS} more (--full)", style="dim")
        parts.append(line)
    else:
        table = new_table("input", "shape", f"{d(out, 'input')}")
        parts.append(section(f"Gradient of {out}", "", fill(
            table, list(grads.items()),
            lambda item: (Text(item[0]), fmt.shape(np.shape(item[1])), value_cell(item[1], full)),
            full, "inputs")))
    if params:
        moved = ", ".join(params) if len(params) <= 8 else ", ".join(params[:8]) + ", …"
        parts.append(Text.assemble(("Next: ", "bold"), "backprop step --lr 0.1",
                                   (f"   (moves {moved} one step down this gradient)", "dim")))
    return Group(*parts)


# ---------------------------------------------------------------------------
# step and history

def step_report(before: Evaluation, after: Evaluation, params: Sequence[str], lr: float,
                full: bool = False) -> RenderableType:
    out = before.output.name
    climb = lr < 0
    title = f"Gradient-{'ascent' if climb else 'descent'} step, lr = {fmt.number(abs(lr))}"
    old, new, grads = before.inputs(), after.inputs(), before.gradients()
    numbers = [p for p in params if np.ndim(old[p]) == 0]
    arrays = [p for p in params if np.ndim(old[p]) != 0]
    parts: list[RenderableType] = [Text(title, style="bold")]
    if numbers or not arrays:
        table = new_table("param", "value", d(out, "param"), "−lr·" + d(out, "param"),
                       "new value", right=(1, 2, 3, 4))

        def row(name: str) -> tuple:
            return (Text(name), fmt.number(old[name]), fmt.number(grads[name]),
                    fmt.signed(-lr * grads[name]), fmt.number(new[name]))

        parts.append(Padding(fill(table, numbers, row, full, "params"), (0, 0, 0, 2),
                             expand=False))
    if arrays:
        # Four matrices side by side do not fit a screen: an array param gets a block,
        # its value, gradient, move and new value one under another.
        table = new_table("param", "shape", "")
        labels = max(cell_len("−lr·" + d(out, name)) for name in arrays)

        def block(name: str) -> tuple:
            grid = new_table("", "")
            grid.show_header = False
            grid.columns[0].min_width = labels  # the same for every param, so values align
            for label, v in (("value", old[name]), (d(out, name), grads[name]),
                             ("−lr·" + d(out, name), -lr * grads[name]),
                             ("new value", new[name])):
                grid.add_row(Text(label, style="dim"), value_cell(v, full))
            return Text(name), fmt.shape(np.shape(old[name])), grid

        parts.append(Padding(fill(table, arrays, block, full, "params"), (0, 0, 0, 2),
                             expand=False))

    change = after.value - before.value
    if np.ndim(change) == 0:
        verb = "increased" if change > 0 else "decreased" if change < 0 else "did not change"
        tail = f"   ({verb} by {fmt.number(abs(change))})" if change else f"   ({verb})"
        parts.append(Text.assemble(
            (f"{out}: ", "bold"), f"{fmt.number(before.value)} → {fmt.number(after.value)}",
            (tail, "dim")))
    else:
        parts.append(Text(f"{out} is an array; its sum went from {fmt.number(np.sum(before.value))}"
                          f" to {fmt.number(np.sum(after.value))}"))
    return Group(*parts)


def history_table(history: list[dict], output: str, full: bool = False) -> RenderableType:
    table = new_table("step", "lr", output, "change", right=(0, 1, 2, 3))

    def row(h: dict) -> tuple:
        value = h.get("value")
        return (str(h.get("step", "")),
                "" if h.get("lr") is None else fmt.number(h["lr"]),
                fmt.number(value) if isinstance(value, (int, float)) else "array",
                "" if h.get("change") is None else fmt.signed(h["change"]))

    return section(f"History of {output}", f"{len(history)} entries",
                    fill(table, history, row, full, "steps"))


# ---------------------------------------------------------------------------
# errors and help

def error(err: BackpropError) -> RenderableType:
    head = Text("error: ", style="bold red")
    head.append(fmt.visible(err.where() + err.message))
    parts: list[RenderableType] = [head]
    context = err.context()
    if context:
        parts.append(Text(fmt.visible(context)))
    if err.hint:
        parts.append(Text(fmt.visible(f"  hint: {err.hint}"), style="dim"))
    return Group(*parts)


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
                yield Segment(fmt.visible(segment.text), segment.style)

    def __rich_measure__(self, console, options) -> Measurement:
        return Measurement.get(console, options, self.renderable)


def command_help(usage: str, doc: str, options: Sequence[tuple[str, str]],
                 examples: Sequence[str]) -> RenderableType:
    table = new_table("", "")
    table.show_header = False
    for flag, text in options:
        table.add_row(Text(flag, style="bold"), Text(text))
    parts: list[RenderableType] = [Text.assemble(("Usage: ", "bold"), usage), Text(""),
                                   Text(doc), Text(""), Text("Options", style="bold"),
                                   Padding(table, (0, 0, 0, 2), expand=False)]
    if examples:
        parts += [Text(""), Text("Examples", style="bold")]
        parts += [Text(f"  {e}") for e in examples]
    return Group(*parts)
