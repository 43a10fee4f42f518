"""The `backprop descend` view: the report at the end of a descent, and the loss curve
drawn in the terminal with braille dots. Returns renderables, never prints."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.text import Text

from ..core import fmt
from ..core.engine import Evaluation
from ..output import axes
from .lines import Flow, Prose
from .widgets import SHAPE, fill, new_table, value_cell

# the report after a descent

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
    arrays = any(np.ndim(final[n]) for n in params)
    # a run that diverged or ran away keeps an earlier point than its last step: say which
    end = f"kept (step {run.best_step})" if run.stopped in ("diverged", "unbounded") else "end"
    if arrays:
        table = new_table("param", SHAPE, "start", end)
    else:
        table = new_table("param", "start", end, right=(1, 2))

    def row(n: str) -> tuple:
        shape = (fmt.shape(np.shape(final[n])),) if arrays else ()
        return (Text(n), *shape, value_cell(start[n], full), value_cell(final[n], full))
    body = fill(table, params, row, full, "params")
    parts: list[RenderableType] = [title, Padding(body, (0, 0, 0, 2), expand=False)]
    points = run.trace.points()
    if points:
        first, last = points[0], points[-1]
        parts.append(Flow(indent=2).phrase(Text.assemble(
            (f"{out}: ", "bold"), f"{fmt.number(first.value)} → {fmt.number(last.value)}"), "")
            .add(f"(step 0 → {run.steps})", "   ", "dim"))
        for j, name in enumerate(run.trace.names):
            parts.append(Text.assemble((f"{name}: ", "bold"), f"{fmt.number(first.watched[j])} "
                                       f"→ {fmt.number(last.watched[j])}"))
    if run.plateau:
        parts.append(Prose(Text(run.plateau, style="yellow")))
    if len(points) > 1:
        parts += [Text(""), curve([p.value for p in points], steps=[p.step for p in points],
                                  width=72, title=f"{out} by step")]
    return Group(*parts)


def _same(a, b) -> bool:
    return bool(np.array_equal(a, b))


# loss curve (backprop descend)

# Braille cells are 2 dots wide and 4 high: the bit of the dot at [row][column].
_DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))


def curve(values, *, steps=None, width: int = 60, height: int = 12, title: str = "",
          log: bool | None = None) -> RenderableType:
    """The loss curve in the terminal, drawn with braille dots: the largest and the
    smallest value label the top and bottom rows, the first and last step the ends of
    the x axis, and a last line gives the first and last value. `steps` are the step
    numbers of the values, increasing (default 0, 1, 2, ...; a long descent keeps
    only some of its steps). At most `width` columns, fewer when the console is
    narrower; `height` rows of curve. The y axis is logarithmic as axes.use_log
    decides (asked, or values > 0 spanning > 3 decades)."""
    v = axes.as_values(values)
    at = axes.as_steps(steps, len(v))
    return _Curve(v, at, max(1, width), max(2, height), str(title), axes.use_log(v, log))


@dataclass(frozen=True, eq=False)
class _Curve:
    values: np.ndarray
    steps: np.ndarray  # the step of each value
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
    axis = axes.y_axis(v, c.log, pad=0.0)
    flat = float(v.min()) == float(v.max())
    top, bottom = fmt.number(v.max()), fmt.number(v.min())
    label = max(len(top), len(bottom))
    if total - label - 2 < 8:  # too narrow for labels and a curve: keep the curve
        top = bottom = ""
        label = 0
    cols = max(2, total - label - 2)  # two columns go to a space and the axis
    grid = _braille_grid(axis.frac(v), 2 * cols, 4 * rows, c.steps)
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
    lines.append(Text(_steps(n, int(c.steps[-1]), label, cols), no_wrap=True,
                      overflow="crop"))
    return lines + _ends(c, total)


def _ends(c: _Curve, total: int) -> list[Text]:
    """The first and the last value, with their steps if the line has room for them."""
    v = c.values
    first, last = fmt.number(v[0]), fmt.number(v[-1])
    end = f"step {int(c.steps[0])}: {first}"
    if len(v) > 1:
        end += f"  →  step {int(c.steps[-1])}: {last}"
    if len(end) > total:  # the steps are on the axis already; then a line each
        end = f"{first} → {last}" if len(first) + len(last) + 3 <= total else f"{first} →\n{last}"
    return [Text(part) for part in end.split("\n")]


def _steps(n: int, end: int, label: int, cols: int) -> str:
    """The line under the x axis for n values up to step `end`: 0 under the first
    column, the last step ending under the last one, "step" between them. A label is
    left out rather than cut: a cut 1000000 would read as a smaller number."""
    if n == 1:  # a single value is drawn in the middle of the axis
        return " " * (label + 2) + f"{'0':^{cols}}".rstrip()
    last = fmt.number(end)
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


def _braille_grid(f: np.ndarray, width: int, height: int, steps=None) -> np.ndarray:
    """(height, width) dots lit along the curve through (step, f) with f in [0, 1].

    Dot column x covers steps a + x·(b-a)/width to a + (x+1)·(b-a)/width, for steps
    a to b (0 to n-1 if not given); it lights every dot between the lowest and the
    highest point of the straight-line curve over that stretch: where the curve
    enters and leaves it, and every value inside it. So the line is unbroken, and a
    spike of a single step among a million still shows. Where only some steps were
    kept, the line runs straight between them, on the real step axis."""
    n = len(f)
    at = np.arange(n) if steps is None else np.asarray(steps)
    lo = np.full(width, np.nan)
    if n == 1:  # both dots of the middle cell: one dot alone is easy to miss
        middle = width // 2 - width // 2 % 2
        lo[middle : middle + 2] = f[0]
        hi = lo.copy()
    else:
        a, span = at[0], at[-1] - at[0]
        edges = np.interp(a + np.arange(width + 1) * span / width, at, f)
        lo, hi = np.minimum(edges[:-1], edges[1:]), np.maximum(edges[:-1], edges[1:])
        column = np.minimum((at - a) * width // span, width - 1)  # of each step
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


