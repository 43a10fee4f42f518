"""The `backprop check` view: back-propagation beside central differences, element by
element, with each method's cost and the verdict."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from ..core import fmt
from ..tasks.check import FLOOR, Check, ElementCheck
from .widgets import Col, fill, new_table, section


def check_report(check: Check, full: bool = False) -> RenderableType:
    """The comparison element by element, the cost of each method, the verdict, and the
    definition of the error it rests on."""
    floor = fmt.number(FLOOR)
    parts: list[RenderableType] = [_comparison(check, full), _cost(check), _verdict(check), Text(
        f"relative error = |bp − fd| / max(|bp|, |fd|, {floor}): relative for gradients above "
        f"{floor}, absolute below", style="dim")]
    if check.problems:
        parts.append(Text("No estimate where f(x ± eps) is not finite:", style="dim"))
    for p in check.problems[:8]:
        parts.append(Text(f"  {p}", style="dim"))
    return Group(*parts)


def _comparison(check: Check, full: bool) -> RenderableType:
    # On a narrow terminal the error goes first (the verdict says whether it is small
    # enough), then the estimate goes under the back-propagated number of its row; the
    # verdict is never dropped: a FAIL is seen in its row at any width.
    table = new_table("input", Col("back-propagation", right=True, number=True),
                      Col("finite differences", right=True, number=True, drop=2,
                          under=True),
                      Col("relative error", right=True, number=True, drop=1),
                      Col("verdict"))
    body = fill(table, check.rows, _row, full, "elements")
    title = (f"central differences, step eps·max(1, |x|) with eps = {fmt.number(check.eps)}; "
             f"tol = {fmt.number(check.tol)}")
    return section(f"Gradient check of {check.output}", title, body)


def _row(r: ElementCheck) -> tuple:
    verdict = Text("ok", style="green") if r.ok else Text("FAIL", style="bold red")
    if r.numeric is None:
        verdict.append(" (no estimate)", style="dim")
    # 8 decimals, so that the two estimates differ where they do; --digits N: N digits
    close = None if fmt.current().digits else 8
    return (Text(r.label), fmt.number(r.backprop, close),
            "" if r.numeric is None else fmt.number(r.numeric, close),
            "" if r.error is None else fmt.number(r.error, 2), verdict)


def _cost(check: Check) -> RenderableType:
    costs = new_table("method", "evaluations", "time", right=(2,))
    per = f" (2 per element, {len(check.rows)} elements)" if len(check.rows) != 1 else \
        " (2 for the one element)"
    costs.add_row("back-propagation", f"{check.backprop.forward} forward + "
                  f"{check.backprop.backward} backward", _seconds(check.backprop.seconds))
    costs.add_row("finite differences", f"{check.numeric.forward} forward{per}",
                  _seconds(check.numeric.seconds))
    return section("Cost", "measured on this run", Group(costs, Text(
        "Back-propagation costs the same for any number of inputs; finite differences grow "
        "with them, 2 evaluations per element.", style="dim")))


def _verdict(check: Check) -> Text:
    n = len(check.rows)
    bad = check.failures
    if not bad:
        which = {1: "the gradient agrees", 2: "both gradients agree"}.get(
            n, f"all {n} gradients agree")
        return Text.assemble(("passed: ", "bold green"),
                             f"{which} within tol {fmt.number(check.tol)}")
    names = fmt.names([r.label for r in bad])
    return Text.assemble(("failed: ", "bold red"), f"{names}   ",
                         (f"({len(bad)} of {n} element{'s' * (n != 1)})", "dim"))


def _seconds(s: float) -> str:
    return f"{fmt.number(s * 1000, 3 if s < 0.01 else 1)} ms" if s < 1 else \
        f"{fmt.number(s, 2)} s"
