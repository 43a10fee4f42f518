"""The step view (each param's value, gradient, move and new value, and how the output
changed) and the session's history table."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from ..core import checkable, fmt
from ..core.engine import Evaluation
from ..core.plural import counted
from ..output.text import d
from .lines import Flow
from .widgets import SHAPE, Col, fill, new_table, section, value_cell


def step_report(before: Evaluation, after: Evaluation, params: Sequence[str], lr: float,
                full: bool = False) -> RenderableType:
    """Each param's value, gradient, move and new value (numbers in one table, arrays a
    block each), then how the output changed."""
    title = f"Gradient-{'ascent' if lr < 0 else 'descent'} step, lr = {fmt.typed(abs(lr))}"
    old = before.inputs()
    numbers = [p for p in params if np.ndim(old[p]) == 0]
    arrays = [p for p in params if np.ndim(old[p]) != 0]
    parts: list[RenderableType] = [Text(title, style="bold")]
    if numbers or not arrays:
        parts.append(Padding(_numbers(before, after, numbers, lr, full), (0, 0, 0, 2),
                             expand=False))
    if arrays:
        parts.append(Padding(_arrays(before, after, arrays, lr, full), (0, 0, 0, 2),
                             expand=False))
    parts.append(_change(before, after))
    return Group(*parts)


def _numbers(before: Evaluation, after: Evaluation, names: Sequence[str], lr: float,
             full: bool) -> RenderableType:
    out, old, grads, new = _moved(before, after)
    # On a narrow terminal the move goes first: it is the value less the new value.
    table = new_table("param", "value", d(out, "param"),
                      Col(_move(out, "param", lr), right=True, number=True, drop=1),
                      Col("new value", right=True, number=True), right=(1, 2))

    def row(name: str) -> tuple:
        # digits that let value + move recompute to the new value, and −lr · gradient
        # to the move, as shown
        value, grad, move = checkable.step(old[name], grads[name], lr, new[name])
        return (Text(name), value, grad, move if move.startswith("-") or move == "0"
                else "+" + move, fmt.number(new[name]))

    return fill(table, names, row, full, "params")


def _arrays(before: Evaluation, after: Evaluation, names: Sequence[str], lr: float,
            full: bool) -> RenderableType:
    # Four matrices side by side do not fit a screen: an array param gets a block,
    # its value, gradient, move and new value one under another.
    out, old, grads, new = _moved(before, after)
    table = new_table("param", SHAPE, "")
    labels = max(cell_len(_move(out, name, lr)) for name in names)

    def block(name: str) -> tuple:
        grid = new_table("", "")
        grid.show_header = False
        grid.columns[0].min_width = labels  # the same for every param, so values align
        for label, v in (("value", old[name]), (d(out, name), grads[name]),
                         (_move(out, name, lr), -lr * grads[name]),
                         ("new value", new[name])):
            grid.add_row(Text(label, style="dim"), value_cell(v, full))
        return Text(name), fmt.shape(np.shape(old[name])), grid

    return fill(table, names, block, full, "params")


def _move(out: str, name: str, lr: float) -> str:
    """What a step adds to a param, as its column is headed: −lr·∂out/∂x down the
    gradient, +lr·∂out/∂x up it (lr < 0 climbs)."""
    return ("+lr·" if lr < 0 else "−lr·") + d(out, name)


def _moved(before: Evaluation, after: Evaluation) -> tuple[str, dict, dict, dict]:
    """The output's name; by param, its value before the step, its gradient, and its
    value after."""
    return before.output.name, before.inputs(), before.gradients(), after.inputs()


def _change(before: Evaluation, after: Evaluation) -> RenderableType:
    """How the output moved: from, to and by how much (its sum, for an array), a line
    that wraps only between its parts."""
    out = before.output.name
    change = after.value - before.value
    if np.ndim(change) != 0:
        return Text(f"{out} is an array; its sum went from {fmt.number(np.sum(before.value))}"
                    f" to {fmt.number(np.sum(after.value))}")
    verb = "increased" if change > 0 else "decreased" if change < 0 else "did not change"
    tail = f"({verb} by {fmt.number(abs(change))})" if change else f"({verb})"
    return Flow(indent=2).phrase(Text.assemble(
        (f"{out}: ", "bold"), f"{fmt.number(before.value)} → {fmt.number(after.value)}"), ""
    ).add(tail, "   ", "dim")


WATCHED_COLUMNS = 4  # watched nodes the history table shows (--json has them all)


def history_table(history: list[dict], output: str, full: bool = False) -> RenderableType:
    """The session's history: per entry its step, learning rate, the output's value and
    its change, and the values of the first few nodes a descent watched (empty where
    an entry has none: the evaluation, a step)."""
    watched = list(dict.fromkeys(name for h in history for name in h.get("watched", {})))
    shown = watched[:WATCHED_COLUMNS]
    table = new_table("step", "lr", output, "change", *shown, right=range(4 + len(shown)))

    def row(h: dict) -> tuple:
        value, seen = h.get("value"), h.get("watched", {})
        lr = "" if h.get("lr") is None else fmt.number(h["lr"])
        return (str(h.get("step", "")),
                " ".join(w for w in (lr, "ascent" if h.get("ascend") and lr else "",
                                     "newton" if h.get("newton") else "") if w),
                "" if value is None else  # (an entry a hand left without one)
                fmt.number(value) if isinstance(value, (int, float)) else "array",
                "" if h.get("change") is None else fmt.signed(h["change"]),
                *("" if seen.get(name) is None else fmt.number(seen[name]) for name in shown))

    n = len(history)
    note = counted(n, "entry", "entries")
    if len(watched) > len(shown):
        note += f"; {counted(len(watched) - len(shown), 'more watched node')} in --json"
    return section(f"History of {output}", note, fill(table, history, row, full, "steps"))
