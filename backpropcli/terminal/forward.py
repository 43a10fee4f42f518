"""The `backprop forward` and `backprop hessian` views: forward mode's table of values
and tangents (with each row's rule and numbers), the gradient assembled from it beside
the reverse pass's; the Hessian as a matrix with its symmetry, a Hessian-vector
product, an entry explained."""

from __future__ import annotations

import re

import numpy as np
from rich.console import Group, RenderableType
from rich.text import Text

from ..core import fmt
from ..core.plural import counted
from ..tasks.forward import Forward, dot
from ..tasks.hessian import Hessian
from .widgets import Col, fill, new_table, section, value_cell

COLUMNS = 6  # tangent columns shown without --full; --json has every one


def forward_report(f: Forward, full: bool = False) -> RenderableType:
    """The table, then what it gives: the gradient (and whether the reverse pass
    agrees), or the directional derivative."""
    parts: list[RenderableType] = [_table(f, full)]
    out = f.output
    if f.mode == "direction":
        said = ", ".join(f"{dot(k)} = {fmt.brief(v)}" for k, v in f.sweeps[0].direction.items())
        parts.append(Text.assemble(("Directional derivative ", "bold"),
                                   f"(a Jacobian-vector product) of {out} along {said}: ",
                                   (fmt.brief(f.jvp), "bold")))
        return Group(*parts)
    assert f.gradient is not None
    line = Text.assemble(("Gradient from forward mode: ", "bold"), "  ".join(
        f"∂{out}/∂{k} = {fmt.brief(v)}" for k, v in f.gradient.items()))
    parts.append(line)
    n = len(f.sweeps)
    sweeps = f"{counted(n, 'forward sweep')}, one per input element"
    theirs = "eval's gradient" if f.mode == "all" else \
        f"eval's ∂{out}/∂{next(iter(f.gradient))}"
    within = "exactly" if not f.difference else f"within {fmt.number(f.difference)}"
    if f.agrees:
        verdict = Text(f"The same as {theirs} (reverse mode: one forward and one backward "
                       f"sweep for every input), {within}; forward mode took {sweeps}.",
                       style="green")
    else:
        verdict = Text(f"It differs from {theirs} (reverse mode) by up to "
                       f"{fmt.number(f.difference or 0.0)}; forward mode took {sweeps}.",
                       style="bold red")
    parts.append(verdict)
    return Group(*parts)


def _table(f: Forward, full: bool) -> RenderableType:
    sweeps = f.sweeps if full or len(f.sweeps) <= COLUMNS else f.sweeps[:COLUMNS]
    single = len(f.sweeps) == 1
    columns: list[str | Col]
    if single:
        columns = ["node", "computes", Col("value", right=True, number=True),
                   "tangent rule", Col("tangent", right=True, number=True)]
    else:
        columns = ["node", "computes", Col("value", right=True, number=True),
                   *(Col(f"∂/∂{s.label}", right=True, number=True) for s in sweeps)]
    table = new_table(*columns)
    graph = f.evaluation.graph

    def row(r) -> tuple:
        name = Text(r.name, style="bold" if r.index == graph.output else "")
        computes = Text(r.expr, style="dim" if r.expr == "input" else "")
        if single:
            t = f.sweeps[0].tangents[r.index]
            rule = Text(r.rule)
            if r.expr != "input" and np.ndim(t) == 0:
                rule.append(" = " + r.numbers[0].rsplit(" = ", 1)[0], style="dim")
            return name, computes, value_cell(r.value, full), rule, value_cell(t, full)
        return (name, computes, value_cell(r.value, full),
                *(value_cell(s.tangents[r.index], full) for s in sweeps))

    body = fill(table, list(f.rows), row, full, "nodes")
    what = {"wrt": f"∂node/∂{f.sweeps[0].label.split('[')[0]}",
            "all": "∂node/∂input, one sweep per input element",
            "direction": "∂node along the direction"}[f.mode]
    parts: list[RenderableType] = [body]
    if len(sweeps) < len(f.sweeps):
        left = counted(len(f.sweeps) - len(sweeps), "more tangent column")
        parts.append(Text(f"{left} not shown (--full shows all, --json writes all)",
                          style="dim"))
    if single:
        parts.append(Text(f"{dot('x')} is the tangent of x, ∂x along the sweep; each rule is the "
                          "sum over the operands of the operand's tangent × ∂node/∂operand "
                          "(the op table's derivative)", style="dim"))
    return section("Forward mode (dual numbers)", what, Group(*parts))


def hessian_report(h: Hessian, full: bool = False) -> RenderableType:
    out = h.output
    parts: list[RenderableType] = []
    if h.product is not None:
        table = new_table("param", Col("v", right=True, number=True),
                          Col("(H·v)", right=True, number=True))
        assert h.direction is not None
        for name, hv in h.product.items():
            v = h.direction.get(name, 0.0)
            table.add_row(Text(name), value_cell(v, full), value_cell(hv, full))
        parts.append(section(f"Hessian-vector product of {out}",
                             "one forward-over-reverse sweep, the matrix never formed", table))
        return Group(*parts)
    matrix = h.matrix
    assert matrix is not None
    labels = h.labels
    shown = labels if full or len(labels) <= 12 else labels[:12]
    table = new_table("", *(Col(lab, right=True, number=True) for lab in shown))
    rows = list(range(len(labels)))
    fill(table, rows, lambda i: (Text(labels[i], style="bold"),
                                 *(fmt.number(matrix[i, j]) for j in range(len(shown)))),
         full, "rows")
    note = f"∂²{out}/∂row∂column, by forward-over-reverse: one sweep per column"
    parts.append(section(f"Hessian of {out}", note, table))
    if len(shown) < len(labels):
        parts.append(Text(f"{counted(len(labels) - len(shown), 'more column')} not shown "
                          "(--full, --json)",
                          style="dim"))
    parts.append(Text.assemble(("Symmetry: ", "bold"),
                               f"max |H − Hᵀ| = {fmt.number(h.asymmetry or 0.0)}",
                               (" (symmetric)" if h.symmetric else " (not symmetric)", "dim")))
    if h.entry is not None:
        parts.append(_entry(h))
    return Group(*parts)


def _entry(h: Hessian) -> RenderableType:
    e, out = h.entry, h.output
    assert e is not None
    inner = f"∂{out}/∂{e.first}"
    lines: list[RenderableType] = [Text(e.said(out))]
    if e.formula is not None:
        lines.append(Text(f"where {inner} = {e.formula}, from the op table's derivatives "
                          "along every path", style="dim"))
        used = [(n, t) for n, t in e.where if re.search(rf"\b{re.escape(n)}\b", e.formula)]
        if used:
            lines.append(Text("and " + ", ".join(f"{n} = {t}" for n, t in used), style="dim"))
    if e.first != e.second:
        lines.append(Text(f"and ∂²{out}/∂{e.second}∂{e.first} = {fmt.number(e.transposed)}",
                          style="dim"))
    return section(f"Entry ({e.first}, {e.second})", "", Group(*lines))
