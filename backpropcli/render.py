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
from dataclasses import dataclass

import numpy as np
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from . import fmt, plot
from .check import Check
from .engine import Evaluation
from .errors import BackpropError
from .explain import Explanation
from .graph import CONST
from .ops import OPS, substitute
from .parse import reads

ROWS = 40  # rows a table shows before eliding its middle


def _table(*headers: str, right: Sequence[int] = ()) -> Table:
    t = Table(box=None, show_edge=False, pad_edge=False, padding=(0, 2, 0, 0),
              header_style="bold dim")
    for k, h in enumerate(headers):
        t.add_column(h, justify="right" if k in right else "left", overflow="fold")
    return t


def _fill(table: Table, items: Sequence, row: Callable[..., tuple], full: bool,
          what: str) -> Table:
    """Add a row per item, made only for the rows shown: the first and last ROWS/2
    around a count of the rest, unless full."""
    if full or len(items) <= ROWS:
        shown: Iterable = items
        hidden = 0
    else:
        half = ROWS // 2
        shown = [*items[:half], _ELIDED, *items[-half:]]
        hidden = len(items) - 2 * half
    for item in shown:
        if item is _ELIDED:
            table.add_row(Text(f"… {hidden} more {what} (--full shows all)", style="dim"))
        else:
            table.add_row(*row(item))
    return table


_ELIDED = object()
TERMS = 4  # chain-rule terms written out for a node used many times


def _section(title: str, note: str, body: RenderableType) -> RenderableType:
    head = Text(title, style="bold")
    if note:
        head.append(f"  ({note})", style="dim")
    return Group(head, Padding(body, (0, 0, 1, 2), expand=False))


FULL = 100_000  # elements --full prints of one array; a million would take minutes


def _value(v, full: bool = False) -> RenderableType:
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
    table = _table(*headers, "", right=() if arrays else (2,))
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
        value = _value(ev.values[i], full)
        name = Text(node.name, style="bold" if i == ev.graph.output else "")
        if arrays:
            return name, computes, fmt.shape(np.shape(ev.values[i])), value, mark
        return name, computes, value, mark

    rows = [i for i, node in enumerate(nodes) if node.op != CONST or node.is_data]
    return _section("Forward pass", "", _fill(table, rows, row, full, "nodes"))


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
    """∂node/∂operand k as a formula in the operands' names: "y" for f = x * y."""
    node = ev.graph.nodes[i]
    names = {"out": node.name, "g": d(ev.output.name, node.name),
             "s": ", ".join(map(str, node.static))}
    for slot, var in zip(range(len(node.args)), "ab", strict=False):
        names[var] = ev.graph.nodes[node.args[slot]].name
    return substitute(OPS[node.op].shown(k), names)


def local_table(ev: Evaluation, full: bool = False) -> RenderableType:
    table = _table("local gradient", "formula", "value", right=() if _has_arrays(ev) else (2,))
    nodes = ev.graph.nodes

    def row(edge: tuple[int, int]) -> tuple:
        i, k = edge
        loc = ev.local[i][k] if ev.local[i] is not None else None
        # @, sum, softmax, ... are not elementwise: their local derivative is no array
        # of numbers that multiplies; the formula is what they pass back to the operand
        value = _value(loc, full) if loc is not None else Text("(not elementwise)", style="dim")
        name = d(nodes[i].name, nodes[nodes[i].args[k]].name)
        return Text(name), Text(local_formula(ev, i, k)), value

    edges = [(i, k) for i, node in enumerate(nodes) if node.computed
             for k, j in enumerate(node.args) if nodes[j].op != CONST]
    note = "known as soon as the forward pass has run"
    if any(ev.local[i] is None for i, _ in edges):
        note += "; ops that are not elementwise show what they pass back"
    return _section("Local gradients", note, _fill(table, edges, row, full, "edges"))


def backward_table(ev: Evaluation, full: bool = False) -> RenderableType:
    table = _table("gradient", "chain rule", "", "value", right=() if _has_arrays(ev) else (3,))
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
            return Text(d(out, out)), Text(""), Text(""), _value(ev.grads[j], full)
        terms = ev.terms[j]
        shown = terms if full or len(terms) <= TERMS else terms[:TERMS]
        more = f" + … ({len(terms) - len(shown)} more terms)" if len(shown) < len(terms) else ""
        symbolic = " + ".join(term(j, t) for t in shown) + more
        scalar = all(np.ndim(t.upstream) == 0 and t.local is not None and np.ndim(t.local) == 0
                     for t in shown)
        numeric = (" + ".join(f"{fmt.paren(t.upstream)} · {fmt.paren(t.local)}"
                              for t in shown) + more) if scalar else ""
        return (Text(d(out, nodes[j].name)), Text(f"= {symbolic}"),
                Text(f"= {numeric}" if numeric else "", style="dim"), _value(ev.grads[j], full))

    rows = [j for j in range(ev.graph.output, -1, -1)
            if ev.grads[j] is not None and nodes[j].op != CONST]
    return _section("Backward pass", "chain rule: upstream × local, summed over every use",
                    _fill(table, rows, row, full, "gradients"))


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
        table = _table("input", "shape", f"{d(out, 'input')}")
        parts.append(_section(f"Gradient of {out}", "", _fill(
            table, list(grads.items()),
            lambda item: (Text(item[0]), fmt.shape(np.shape(item[1])), _value(item[1], full)),
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
        table = _table("param", "value", d(out, "param"), "−lr·" + d(out, "param"),
                       "new value", right=(1, 2, 3, 4))

        def row(name: str) -> tuple:
            return (Text(name), fmt.number(old[name]), fmt.number(grads[name]),
                    fmt.signed(-lr * grads[name]), fmt.number(new[name]))

        parts.append(Padding(_fill(table, numbers, row, full, "params"), (0, 0, 0, 2),
                             expand=False))
    if arrays:
        # Four matrices side by side do not fit a screen: an array param gets a block,
        # its value, gradient, move and new value one under another.
        table = _table("param", "shape", "")
        labels = max(cell_len("−lr·" + d(out, name)) for name in arrays)

        def block(name: str) -> tuple:
            grid = _table("", "")
            grid.show_header = False
            grid.columns[0].min_width = labels  # the same for every param, so values align
            for label, v in (("value", old[name]), (d(out, name), grads[name]),
                             ("−lr·" + d(out, name), -lr * grads[name]),
                             ("new value", new[name])):
                grid.add_row(Text(label, style="dim"), _value(v, full))
            return Text(name), fmt.shape(np.shape(old[name])), grid

        parts.append(Padding(_fill(table, arrays, block, full, "params"), (0, 0, 0, 2),
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
    table = _table("step", "lr", output, "change", right=(0, 1, 2, 3))

    def row(h: dict) -> tuple:
        value = h.get("value")
        return (str(h.get("step", "")),
                "" if h.get("lr") is None else fmt.number(h["lr"]),
                fmt.number(value) if isinstance(value, (int, float)) else "array",
                "" if h.get("change") is None else fmt.signed(h["change"]))

    return _section(f"History of {output}", f"{len(history)} entries",
                    _fill(table, history, row, full, "steps"))


# ---------------------------------------------------------------------------
# errors and help

def error(err: BackpropError) -> RenderableType:
    head = Text("error: ", style="bold red")
    head.append(err.where() + err.message)
    parts: list[RenderableType] = [head]
    context = err.context()
    if context:
        parts.append(Text(context))
    if err.hint:
        parts.append(Text(f"  hint: {err.hint}", style="dim"))
    return Group(*parts)


def command_help(usage: str, doc: str, options: Sequence[tuple[str, str]],
                 examples: Sequence[str]) -> RenderableType:
    table = _table("", "")
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


# ---------------------------------------------------------------------------
# descend

def descend_report(ev: Evaluation, start: dict, run, settings, full: bool = False
                   ) -> RenderableType:
    """After a descent: how it went, where the params ended, and the values on the way."""
    out = ev.output.name
    how = f"{settings.optimizer}, lr {fmt.number(settings.lr)}"
    if settings.schedule != "constant":
        how += f" ({settings.schedule} decay)"
    title = Text(f"Gradient {'ascent' if settings.ascend else 'descent'}: ", style="bold")
    title.append(f"{how}, {run.steps} step{'s' * (run.steps != 1)}")
    if run.stopped != "steps":
        title.append(f"  ({run.reason})", style="dim")
    final = ev.inputs()
    params = [n for n in final if not _same(start[n], final[n])]
    if any(np.ndim(final[n]) for n in params):
        table = _table("param", "shape", "start", "end")
        row = lambda n: (Text(n), fmt.shape(np.shape(final[n])),  # noqa: E731
                         _value(start[n], full), _value(final[n], full))
    else:
        table = _table("param", "start", "end", right=(1, 2))
        row = lambda n: (Text(n), _value(start[n], full), _value(final[n], full))  # noqa: E731
    body = _fill(table, params, row, full, "params")
    parts: list[RenderableType] = [title, Padding(body, (0, 0, 0, 2), expand=False)]
    if run.values:
        first, last = run.values[0], run.values[-1]
        line = Text.assemble((f"{out}: ", "bold"), f"{fmt.number(first)} → {fmt.number(last)}")
        line.append(f"   (step 0 → {run.steps})", style="dim")
        parts.append(line)
    for name, values in run.watched.items():
        if values:
            parts.append(Text.assemble((f"{name}: ", "bold"),
                                       f"{fmt.number(values[0])} → {fmt.number(values[-1])}"))
    if len(run.values) > 1:
        parts += [Text(""), curve(run.values, width=72, title=f"{out} by step")]
    return Group(*parts)


def _same(a, b) -> bool:
    return bool(np.array_equal(a, b))


# loss curve (backprop descend)

# Braille cells are 2 dots wide and 4 high: the bit of the dot at [row][column].
_DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))


def curve(values, *, width: int = 60, height: int = 12, title: str = "",
          log: bool | None = None) -> RenderableType:
    """The loss curve in the terminal, drawn with braille dots: the largest and the
    smallest value label the top and bottom rows, the first and last step the ends of
    the x axis, and a last line gives the first and last value. At most `width`
    columns, fewer when the console is narrower; `height` rows of curve. The y axis is
    logarithmic as plot.use_log decides (asked, or values > 0 spanning > 3 decades)."""
    v = plot.as_values(values)
    return _Curve(v, max(1, width), max(2, height), str(title), plot.use_log(v, log))


@dataclass(frozen=True, eq=False)
class _Curve:
    values: np.ndarray
    width: int
    height: int
    title: str
    log: bool

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from _curve_lines(self, min(self.width, options.max_width))

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(1, min(self.width, options.max_width))


def _curve_lines(c: _Curve, total: int) -> list[Text]:
    v, n, rows = c.values, len(c.values), c.height
    axis = plot.y_axis(v, c.log, pad=0.0)
    flat = float(v.min()) == float(v.max())
    top, bottom = fmt.number(v.max()), fmt.number(v.min())
    label = max(len(top), len(bottom))
    if total - label - 2 < 8:  # too narrow for labels and a curve: keep the curve
        top = bottom = ""
        label = 0
    cols = max(2, total - label - 2)  # two columns go to a space and the axis
    grid = _braille_grid(axis.frac(v), 2 * cols, 4 * rows)
    # Which text row each label goes on: the rows holding the largest and smallest value.
    at = {0: top, rows - 1: bottom}
    if flat:
        at = {int(np.argmax(grid.any(axis=1))) // 4: top}
    lines: list[Text] = []
    if c.title or c.log:
        head = Text(c.title, style="bold")
        if c.log:
            head.append(("  " if c.title else "") + "(log scale)", style="dim")
        lines.append(head)
    bits = grid.reshape(rows, 4, cols, 2)
    weights = np.array(_DOTS).reshape(1, 4, 1, 2)
    cells = (bits * weights).sum(axis=(1, 3))
    for r in range(rows):
        row = "".join(chr(0x2800 + int(b)) if b else " " for b in cells[r])
        line = Text(f"{at.get(r, ''):>{label}} ", no_wrap=True, overflow="crop")
        line.append("┤" if r in at else "│", style="dim")
        line.append(row.rstrip())
        lines.append(line)
    lines.append(Text(" " * (label + 1) + "└" + "─" * cols, style="dim", no_wrap=True,
                      overflow="crop"))
    lines.append(Text(_steps(n, label, cols), no_wrap=True, overflow="crop"))
    first, last = fmt.number(v[0]), fmt.number(v[-1])
    end = f"step 0: {first}"
    if n > 1:
        end += f"  →  step {n - 1}: {last}"
    if len(end) > total:  # the steps are on the axis already; then a line each
        end = f"{first} → {last}" if len(first) + len(last) + 3 <= total else f"{first} →\n{last}"
    lines += [Text(part) for part in end.split("\n")]
    return lines


def _steps(n: int, label: int, cols: int) -> str:
    """The line under the x axis: 0 under the first column, the last step ending under
    the last one, "step" between them. A label is left out rather than cut: a cut
    1000000 would read as a smaller number."""
    if n == 1:  # a single value is drawn in the middle of the axis
        return " " * (label + 2) + f"{'0':^{cols}}".rstrip()
    last = fmt.number(n - 1)
    room = label + 2 + cols  # the whole width of the picture
    line = [" "] * room
    if len(last) <= room:
        line[room - len(last) :] = last
    if room - len(last) >= label + 4:  # a space between 0 and the last step
        line[label + 2] = "0"
        # Between "0 " and " last", if "step" fits there with a space on each side.
        free = room - len(last) - 1 - (label + 4)
        if free >= len("step") + 2:
            start = label + 4 + (free - len("step")) // 2
            line[start : start + 4] = "step"
    return "".join(line).rstrip()


def _braille_grid(f: np.ndarray, width: int, height: int) -> np.ndarray:
    """(height, width) dots lit along the curve through (step, f) with f in [0, 1].

    Dot column x covers steps x·(n-1)/width to (x+1)·(n-1)/width; it lights every dot
    between the lowest and the highest point of the straight-line curve over that
    stretch: where the curve enters and leaves it, and every value inside it. So the
    line is unbroken, and a spike of a single step among a million still shows."""
    n = len(f)
    lo = np.full(width, np.nan)
    if n == 1:  # both dots of the middle cell: one dot alone is easy to miss
        middle = width // 2 - width // 2 % 2
        lo[middle : middle + 2] = f[0]
        hi = lo.copy()
    else:
        edges = np.interp(np.arange(width + 1) * (n - 1) / width, np.arange(n), f)
        lo, hi = np.minimum(edges[:-1], edges[1:]), np.maximum(edges[:-1], edges[1:])
        column = np.minimum(np.arange(n) * width // (n - 1), width - 1)  # of each step
        starts = np.searchsorted(column, np.arange(width))
        inside = starts < np.searchsorted(column, np.arange(width), side="right")
        # reduceat over the starts of non-empty columns reduces exactly each column.
        lo[inside] = np.minimum(lo[inside], np.minimum.reduceat(f, starts[inside]))
        hi[inside] = np.maximum(hi[inside], np.maximum.reduceat(f, starts[inside]))
    grid = np.zeros((height, width), dtype=bool)
    drawn = ~np.isnan(lo)
    # Dot row 0 is the top: the largest value.
    top = np.rint((1 - hi[drawn]) * (height - 1)).astype(int)
    bottom = np.rint((1 - lo[drawn]) * (height - 1)).astype(int)
    rows = np.arange(height).reshape(-1, 1)
    grid[:, drawn] = (rows >= top) & (rows <= bottom)
    return grid


# graph: the computation graph as a tree, from the output down to the inputs

def graph_tree(ev: Evaluation, full: bool = False) -> RenderableType:
    """The graph as a tree, from the output down to the inputs: each row a node with its
    value and ∂output/∂node; a node used again is a reference to its first row."""
    return _section(f"Computation graph of {ev.output.name}",
                    "from the output down to the inputs", _GraphTree(ev, full))


class _GraphTree:
    """The tree as a table, laid out when the terminal's width is known.

    The plan (drawing.tree_plan) says which rows there are; this only dresses them. The
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
        from . import drawing

        ev = self.ev
        # Guides take 3 columns a level: the width decides how many levels fit before the
        # rows continue at the left margin, and how deep the default tree opens.
        fold = max(4, min(drawing.FOLD, (width - 50) // 3))
        plan = drawing.tree_plan(ev, full=self.full, fold=fold,
                                 depth=min(drawing.TREE_DEPTH, fold))
        rows: list[tuple[Text, Text, Text, Text] | None] = []
        for row in plan.rows:
            if row.kind == drawing.RESUME:
                rows.append(None)  # a blank row before each continuation
            rows.append(self._cells(row))
        headers = ("node", "value", d(ev.output.name, "node"), "")
        widest = [max([Text(h).cell_len] + [r[k].cell_len for r in rows if r])
                  for k, h in enumerate(headers)]
        if not widest[3]:
            headers, widest = headers[:3], widest[:3]
        widest = _share(width, widest, [Text(h).cell_len for h in headers])
        table = _table(*headers, right=(1, 2))
        for column, w in zip(table.columns, widest, strict=True):
            column.width = w
        table.columns[0].no_wrap = True
        table.columns[0].overflow = "ellipsis"
        for r in rows:
            table.add_row(*(r[: len(headers)] if r else [""] * len(headers)))
        parts: list[RenderableType] = [table]

        nodes = ev.graph.nodes
        if plan.hidden:
            parts.append(Text(f"{plan.shown} of {plan.total} nodes shown; --full draws them "
                              "all", style="dim"))
        if plan.unused:
            names = [nodes[i].name for i in plan.unused]
            listed = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
            parts.append(Text(f"Not drawn: {len(names)} node{'s' if len(names) != 1 else ''} "
                              f"{ev.output.name} does not depend on ({listed})", style="dim"))
        self._laid_out[width] = tuple(parts)
        return self._laid_out[width]

    def __rich_console__(self, console, options):
        yield from self._layout(options.max_width)

    def __rich_measure__(self, console, options) -> Measurement:
        widths = [Measurement.get(console, options, part).maximum
                  for part in self._layout(options.max_width)]
        return Measurement(min(widths), max(widths))

    def _cells(self, row) -> tuple[Text, Text, Text, Text] | None:
        """The cells of one row: label, value, gradient, note (None: a blank row)."""
        from . import drawing

        ev = self.ev
        i, node = row.node, ev.graph.nodes[row.node]
        label = Text(row.lead, style="dim")
        blank = Text("")
        if row.kind == drawing.RESUME:
            label.append(node.name, style="bold")
            label.append("  continued from above", style="dim")
            return label, blank, blank, blank
        if row.kind == drawing.CONST:
            label.append(f"{node.name}  constant", style="dim")
            return label, blank, blank, blank
        if row.kind == drawing.REF:
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
        if not drawing.shape_shown(ev.values[i], value):
            label.append(f"  {fmt.shape(np.shape(ev.values[i]))}", style="dim")
        note = Text("← output", style="bold") if output else blank
        if row.kind == drawing.CUT:
            note = Text(f"… {row.hidden} more" if row.hidden else "operands elsewhere",
                        style="dim")
        elif row.kind == drawing.FOLDED:
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
# explain: the chain rule path by path

def explanation(exp: Explanation, full: bool = False) -> RenderableType:
    from . import explain as x

    at = x.at_text(exp)
    head = Text(f"Chain rule, from the output {exp.output} down to each input", style="bold")
    if at:
        head.append(f"  (at {at})", style="dim")
    items = list(exp.derivations)
    if not full and len(items) > ROWS:
        half = ROWS // 2
        items = [*items[:half], _ELIDED, *items[-half:]]
    body: list[RenderableType] = []
    for k, der in enumerate(items):
        if der is _ELIDED:
            hidden = len(exp.derivations) - 2 * (ROWS // 2)
            body.append(Text(f"… {hidden} more inputs (--full shows all)", style="dim"))
        elif x.single(der):
            body.append(Text(x.single_equation(exp, der)))
        elif der.count == 0:
            body.append(Text(x.total(exp, der)))
        else:
            body.append(_derivation(exp, der, spaced=k + 1 < len(items)))
    parts: list[RenderableType] = [head, Padding(Group(*body), (0, 0, 1, 2), expand=False)]
    if x.has_jacobians(exp):
        parts.append(Padding(Text(x.JACOBIANS, style="dim"), (0, 0, 1, 0)))
    notes = _notes(exp)
    if notes is not None:
        parts.append(notes)
    if exp.where:
        more = f" and {exp.more_where} more" if exp.more_where else ""
        parts.append(Text("Where " + ", ".join(f"{n} = {t}" for n, t in exp.where) + more,
                          style="dim"))
    parts.append(Text(
        "One product per path, one local gradient per edge; the products of several paths add "
        "up. The backward pass (backprop eval) sums the same products node by node.",
        style="dim"))
    return Group(*parts)


def _derivation(exp: Explanation, der, spaced: bool) -> RenderableType:
    from . import explain as x

    parts: list[RenderableType] = [Text(x.heading(der, exp))]
    lines = [(x.route(p), x.equation(p)) for p in der.paths]
    if lines and max(len(r) + len(e) for r, e in lines) <= 80:
        # short paths: one line each, route and product in columns
        table = _table("", "", "", right=(0,))
        table.show_header = False
        for n, (route, eq) in enumerate(lines, 1):
            table.add_row(str(n), Text(route), Text(eq))
        parts.append(Padding(table, (0, 0, 0, 2), expand=False))
    else:  # long ones: the route, then the product below it at the full width
        for n, (route, eq) in enumerate(lines, 1):
            parts.append(Padding(Text.assemble((f"{n}. ", "dim"), route), (0, 0, 0, 2)))
            parts.append(Padding(Text(eq), (0, 0, 0, 5)))
    more = x.rest(der)
    if more:
        parts.append(Padding(Text(more, style="dim"), (0, 0, 0, 2)))
    if der.count:
        parts.append(Padding(Text(x.total(exp, der), style="bold"), (0, 0, 0, 2)))
    if spaced:
        parts.append(Text(""))
    return Group(*parts)


def _notes(exp: Explanation) -> RenderableType | None:
    from . import explain as x

    if not exp.gates and not exp.reuses:
        return None
    table = _table("", "")
    table.show_header = False
    for g in exp.gates:
        note = Text(g.gate + "\n" + x.gate_text(g))
        if g.others:
            note.append(f"   ({x.also_text(g)})", style="dim")
        table.add_row(Text(f"{g.node} = {g.expr}"), note)
    for r in exp.reuses:
        table.add_row(Text(f"{r.node} = {r.expr}"), Text(x.reuse_detail(r)))
    if exp.more_reuses:
        table.add_row(Text(""), Text(f"… and {exp.more_reuses} more nodes that take an "
                                     "operand twice", style="dim"))
    return _section("Gates on these paths", "", table)


# ---------------------------------------------------------------------------
# check: back-propagation beside central differences

def check_report(check: Check, full: bool = False) -> RenderableType:
    from .check import FLOOR

    table = _table("input", "back-propagation", "finite differences", "relative error",
                   "verdict", right=(1, 2, 3))

    def row(r) -> tuple:
        verdict = Text("ok", style="green") if r.ok else Text("FAIL", style="bold red")
        if r.numeric is None:
            verdict.append(" (no estimate)", style="dim")
        return (Text(r.label), fmt.number(r.backprop, 8),
                "" if r.numeric is None else fmt.number(r.numeric, 8),
                "" if r.error is None else fmt.number(r.error, 2), verdict)

    title = (f"central differences, step eps·max(1, |x|) with eps = {fmt.number(check.eps)}; "
             f"tol = {fmt.number(check.tol)}")
    shown = list(check.rows)
    hidden = 0
    if not full and len(shown) > ROWS:
        # the middle rows go, marked by a row of dots (a sentence would widen the first column)
        half = ROWS // 2
        hidden = len(shown) - 2 * half
        shown = [*shown[:half], _ELIDED, *shown[-half:]]
    for r in shown:
        table.add_row(*(("…",) * 5 if r is _ELIDED else row(r)))
    body: RenderableType = table
    if hidden:
        body = Group(table, Text(f"{hidden} elements in the middle not shown "
                                 "(--full shows all)", style="dim"))
    rows = _section(f"Gradient check of {check.output}", title, body)

    costs = _table("method", "evaluations", "time", right=(2,))
    per = f" (2 per element, {len(check.rows)} elements)" if len(check.rows) != 1 else \
        " (2 for the one element)"
    costs.add_row("back-propagation", f"{check.backprop.forward} forward + "
                  f"{check.backprop.backward} backward", _seconds(check.backprop.seconds))
    costs.add_row("finite differences", f"{check.numeric.forward} forward{per}",
                  _seconds(check.numeric.seconds))
    cost = _section("Cost", "measured on this run", Group(costs, Text(
        "Back-propagation costs the same for any number of inputs; finite differences grow "
        "with them, 2 evaluations per element.", style="dim")))

    n = len(check.rows)
    bad = check.failures
    if not bad:
        which = {1: "the gradient agrees", 2: "both gradients agree"}.get(
            n, f"all {n} gradients agree")
        verdict = Text.assemble(("passed: ", "bold green"),
                                f"{which} within tol {fmt.number(check.tol)}")
    else:
        names = ", ".join(r.label for r in bad[:8]) + (", …" if len(bad) > 8 else "")
        verdict = Text.assemble(("failed: ", "bold red"), f"{names}   ",
                                (f"({len(bad)} of {n} element{'s' * (n != 1)})", "dim"))
    floor = fmt.number(FLOOR)
    parts: list[RenderableType] = [rows, cost, verdict, Text(
        f"relative error = |bp − fd| / max(|bp|, |fd|, {floor}): relative for gradients above "
        f"{floor}, absolute below", style="dim")]
    if check.problems:
        parts.append(Text("No estimate where f(x ± eps) is not finite:", style="dim"))
    for p in check.problems[:8]:
        parts.append(Text(f"  {p}", style="dim"))
    return Group(*parts)


def _seconds(s: float) -> str:
    return f"{fmt.number(s * 1000, 3 if s < 0.01 else 1)} ms" if s < 1 else \
        f"{fmt.number(s, 2)} s"
