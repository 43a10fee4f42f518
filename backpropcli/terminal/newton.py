"""The Newton step's view: each param element's value, gradient and new value by
Newton's step beside the gradient step's, the Hessian's eigenvalues, and where each
step took the output."""

from __future__ import annotations

import numpy as np
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from ..core import fmt
from ..tasks.newton import Newton, flat
from .widgets import Col, fill, new_table

SHOWN = 8  # eigenvalues shown, the smallest first


def newton_report(n: Newton, full: bool = False) -> RenderableType:
    """The table, the eigenvalues, then the output after each step."""
    out = n.before.output.name
    matrix = f"(H + {fmt.number(n.damping)}·I)" if n.damping else "H"
    title = (f"Newton step x ← x − {matrix}⁻¹·∇{out}, beside a gradient step "
             f"(lr = {fmt.typed(n.lr)})")
    table = new_table("param", Col("value", right=True, number=True),
                      Col(f"∂{out}/∂param", right=True, number=True),
                      Col("Newton: new value", right=True, number=True),
                      Col("gradient step: new value", right=True, number=True))
    old, grads = n.before.inputs(), n.before.gradients()
    newton_new, gradient_new = n.after.inputs(), n.gradient.inputs()
    g = flat(grads, n.elements)

    def row(k: int) -> tuple:
        e = n.elements[k]
        return (Text(e.label), fmt.number(np.asarray(old[e.name])[e.index]), fmt.number(g[k]),
                fmt.number(np.asarray(newton_new[e.name])[e.index]),
                fmt.number(np.asarray(gradient_new[e.name])[e.index]))

    table = fill(table, list(range(len(n.elements))), row, full, "params")
    said = _eigenvalues(n.eigenvalues)
    if n.damping:
        said += f"; of H + {fmt.number(n.damping)}·I: {_eigenvalues(n.eigenvalues + n.damping)}"
    lines = [Text(title, style="bold"), Padding(table, (0, 0, 0, 2), expand=False),
             Text.assemble(("Hessian eigenvalues: ", "bold"), said,
                           ("  (all positive" + (" with the damping" if n.damping else "")
                            + ": the quadratic model has a minimum, where Newton's step goes)",
                            "dim")),
             _values(n)]
    return Group(*lines)


def _eigenvalues(eig: np.ndarray) -> str:
    said = ", ".join(fmt.number(v) for v in eig[:SHOWN])
    if len(eig) > SHOWN:
        said += f", … ({len(eig)} in all; --json has every one)"
    return said


def _values(n: Newton) -> RenderableType:
    out = n.before.output.name
    before = np.sum(n.before.value)
    by_newton, by_gradient = np.sum(n.after.value), np.sum(n.gradient.value)
    summed = "sum of " if np.ndim(n.before.value) else ""
    change = by_newton - before
    verb = "decreased" if change < 0 else "increased" if change > 0 else "did not change"
    tail = f" ({verb} by {fmt.number(abs(change))})" if change else f" ({verb})"
    return Text.assemble((f"{summed}{out}: ", "bold"),
                         f"{fmt.number(before)} → {fmt.number(by_newton)} by Newton's step"
                         f"{tail}; the gradient step would give {fmt.number(by_gradient)}")
