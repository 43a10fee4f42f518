"""The step view (each param's value, gradient, move and new value, and how the output
changed) and the session's history table."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from ...core import fmt
from ...core.engine import Evaluation
from ..text import d
from .widgets import fill, new_table, section, value_cell


def step_report(before: Evaluation, after: Evaluation, params: Sequence[str], lr: float,
                full: bool = False) -> RenderableType:
    out = before.output.name
    climb = lr < 0
    title = f"Gradient-{'ascent' if climb else 'descent'} step, lr = {fmt.number(abs(lr))}"
    # what the step adds to each param: −lr·∂out/∂param down the gradient, +lr·… up it
    move = ("+lr·" if climb else "−lr·") + d(out, "param")
    old, new, grads = before.inputs(), after.inputs(), before.gradients()
    numbers = [p for p in params if np.ndim(old[p]) == 0]
    arrays = [p for p in params if np.ndim(old[p]) != 0]
    parts: list[RenderableType] = [Text(title, style="bold")]
    if numbers or not arrays:
        table = new_table("param", "value", d(out, "param"), move, "new value",
                          right=(1, 2, 3, 4))

        def row(name: str) -> tuple:
            return (Text(name), fmt.number(old[name]), fmt.number(grads[name]),
                    fmt.signed(-lr * grads[name]), fmt.number(new[name]))

        parts.append(Padding(fill(table, numbers, row, full, "params"), (0, 0, 0, 2),
                             expand=False))
    if arrays:
        # Four matrices side by side do not fit a screen: an array param gets a block,
        # its value, gradient, move and new value one under another.
        table = new_table("param", "shape", "")
        labels = max(cell_len(move.replace("param", name)) for name in arrays)

        def block(name: str) -> tuple:
            grid = new_table("", "")
            grid.show_header = False
            grid.columns[0].min_width = labels  # the same for every param, so values align
            for label, v in (("value", old[name]), (d(out, name), grads[name]),
                             (move.replace("param", name), -lr * grads[name]),
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

    n = len(history)
    return section(f"History of {output}", f"{n} entr{'y' if n == 1 else 'ies'}",
                    fill(table, history, row, full, "steps"))
