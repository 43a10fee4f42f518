"""Rich renderables for `backprop explain` (the chain rule path by path) and `backprop
check` (back-propagation beside central differences). Returns renderables, never prints."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.text import Text

from . import fmt
from .check import Check
from .explain import Explanation
from .render import ELIDED, ROWS, new_table, section

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
        items = [*items[:half], ELIDED, *items[-half:]]
    body: list[RenderableType] = []
    for k, der in enumerate(items):
        if der is ELIDED:
            hidden = len(exp.derivations) - 2 * (ROWS // 2)
            body.append(Text(f"… {hidden} more inputs (--full shows all)", style="dim"))
        elif x.single(der):
            body.append(_line(Text(x.single_equation(exp, der))))
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
        table = new_table("", "", "", right=(0,))
        table.show_header = False
        for n, (route, eq) in enumerate(lines, 1):
            table.add_row(str(n), Text(route), Text(eq))
        parts.append(Padding(table, (0, 0, 0, 2), expand=False))
    else:  # long ones: the route, then the product below it at the full width
        for n, (route, eq) in enumerate(lines, 1):
            parts.append(Padding(_line(Text.assemble((f"{n}. ", "dim"), route)), (0, 0, 0, 2)))
            parts.append(Padding(_line(Text(eq)), (0, 0, 0, 5)))
    more = x.rest(der)
    if more:
        parts.append(Padding(Text(more, style="dim"), (0, 0, 0, 2)))
    if der.count:
        parts.append(Padding(Text(x.total(exp, der), style="bold"), (0, 0, 0, 2)))
    if spaced:
        parts.append(Text(""))
    return Group(*parts)


LONG = 10_000  # characters past which a line of text is wrapped by _Wrapped


def _line(text: Text) -> RenderableType:
    """A line of the explanation, which may be a path of 100 000 factors."""
    return _Wrapped(text) if len(text) > LONG else text


class _Wrapped:
    """A long Text, wrapped as Rich wraps it but handed on a line at a time. Rich joins
    the wrapped lines of a Text into one string and then splits that string again, line
    by line, copying the rest each time: time quadratic in the length, seconds for a
    path of 50 000 factors. Line by line, the same output takes time linear in it."""

    def __init__(self, text: Text) -> None:
        self.text = text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        t = self.text
        yield from t.wrap(console, options.max_width,
                          justify=t.justify or options.justify or "default",
                          overflow=t.overflow or options.overflow or "fold", no_wrap=False)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return self.text.__rich_measure__(console, options)


def _notes(exp: Explanation) -> RenderableType | None:
    from . import explain as x

    if not exp.gates and not exp.reuses:
        return None
    table = new_table("", "")
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
    return section("Gates on these paths", "", table)


# ---------------------------------------------------------------------------
# check: back-propagation beside central differences

def check_report(check: Check, full: bool = False) -> RenderableType:
    from .check import FLOOR

    table = new_table("input", "back-propagation", "finite differences", "relative error",
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
        shown = [*shown[:half], ELIDED, *shown[-half:]]
    for r in shown:
        table.add_row(*(("…",) * 5 if r is ELIDED else row(r)))
    body: RenderableType = table
    if hidden:
        body = Group(table, Text(f"{hidden} elements in the middle not shown "
                                 "(--full shows all)", style="dim"))
    rows = section(f"Gradient check of {check.output}", title, body)

    costs = new_table("method", "evaluations", "time", right=(2,))
    per = f" (2 per element, {len(check.rows)} elements)" if len(check.rows) != 1 else \
        " (2 for the one element)"
    costs.add_row("back-propagation", f"{check.backprop.forward} forward + "
                  f"{check.backprop.backward} backward", _seconds(check.backprop.seconds))
    costs.add_row("finite differences", f"{check.numeric.forward} forward{per}",
                  _seconds(check.numeric.seconds))
    cost = section("Cost", "measured on this run", Group(costs, Text(
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
