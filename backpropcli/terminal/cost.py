"""The `backprop cost` view: the three methods side by side (passes, op evaluations by
kind, time), what reverse mode keeps for its backward pass, and the verdict."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from ..core import fmt
from ..core.limits import size_text
from ..core.plural import counted
from ..tasks.cost import Cost, Method
from .widgets import Col, new_table

NAMES = {"numerical": "numerical", "forward": "forward mode", "reverse": "reverse mode"}


def cost_report(c: Cost, full: bool = False) -> RenderableType:
    """The table, the memory, the time's noise, what is counted, the verdict."""
    out = c.evaluation.output.name
    n, m = len(c.inputs), c.outputs
    elements = counted(n, "input element")
    if c.jacobian:
        what = (f"{out} is an array of {m} elements: the three are compared on its whole "
                f"Jacobian ({m} × {n}); the gradient of sum({out}), which eval shows, takes "
                "reverse mode one backward sweep")
    else:
        what = f"the gradient of {out} over {elements}"
    table = new_table("method", "passes", Col("op evaluations", right=True, number=True),
                      Col("values", right=True, number=True, drop=1),
                      Col("derivative terms", right=True, number=True, drop=1),
                      Col("time", right=True, number=True))
    for method in c.methods:
        table.add_row(NAMES[method.name], _passes(method, n), f"{method.evaluations:,}",
                      f"{method.values:,}", _terms(method), _seconds(method.seconds))
    kept = (f"What reverse mode keeps for its backward pass: {counted(c.saved_values, 'value')} "
            f"of the nodes and {counted(c.saved_locals, 'local derivative')} "
            f"({size_text(c.saved_bytes)} of float64); forward mode and central differences "
            "need no value once the nodes that use it are computed.")
    noise = (f"Times: the median of {counted(c.repeats, 'run')} of each method on this "
             f"machine; the runs of one method differed by up to {c.noise:.0%} (its noise).")
    unit = ("An op evaluation is an op's function applied once (a value), or one derivative "
            "term: in forward mode ∂node/∂operand·(operand's tangent), computed with the "
            "value; in reverse mode ∂node/∂operand in the forward pass, and upstream × "
            "local (or a vector-Jacobian product) in the backward pass. Counted as the "
            "engine ran them.")
    parts: list[RenderableType] = [
        Text.assemble(("Cost of the derivatives", "bold"), (f"  ({what})", "dim")),
        Padding(table, (0, 0, 0, 2), expand=False), Text(kept), Text(noise, style="dim"),
        Text(unit, style="dim")]
    if c.failed:
        parts.append(Text(f"note: {counted(c.failed, 'numerical evaluation')} stopped at a "
                          "value that was not finite; what ran is counted", style="yellow"))
    verdict = c.sentence()
    parts.append(Text(verdict[0].upper() + verdict[1:] + ".", style="bold"))
    return Group(*parts)


def _passes(method: Method, n: int) -> str:
    if method.name == "numerical":
        return f"{counted(method.forward_passes, 'evaluation')} (2 per input element)"
    if method.name == "forward":
        return f"{counted(method.forward_passes, 'sweep')} (1 per input element)"
    backward = "1 backward" if method.backward_passes == 1 else \
        f"{method.backward_passes} backward (1 per output element)"
    return f"1 forward + {backward}"


def _terms(method: Method) -> str:
    if method.name == "forward":
        return f"{method.tangents:,} tangent"
    if method.name == "reverse":
        return f"{method.locals:,} local + {method.terms:,} backward"
    return "0"


def _seconds(s: float) -> str:
    if s >= 1:
        return f"{fmt.rough(s)} s"
    if s >= 1e-3:
        return f"{fmt.rough(s * 1e3)} ms"
    return f"{fmt.rough(s * 1e6)} µs"
