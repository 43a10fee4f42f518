"""Rich renderables for people: the forward pass, the local gradients, the backward
pass, a step, the history, errors and help. Functions here return renderables and
never print; nothing here computes a value the engine did not.

User text (names, programs) is always placed as Text, never parsed as Rich markup,
so `[x, y] @ W` prints as written. Tables longer than a screen show their first and
last rows around a count of the rows left out (all of them with --full).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from . import fmt
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


def _value(v, full: bool = False) -> Text:
    if np.ndim(v) == 0:
        return Text(fmt.number(v))
    return Text(fmt.array(v, full=full) if (full or np.size(v) <= 48) else fmt.brief(v))


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

    rows = [i for i, node in enumerate(nodes) if node.op != CONST]
    return _section("Forward pass", "", _fill(table, rows, row, full, "nodes"))


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
    names = {"out": node.name, "g": d(ev.output.name, node.name)}
    for slot, var in zip(range(len(node.args)), "ab", strict=False):
        names[var] = ev.graph.nodes[node.args[slot]].name
    return substitute(OPS[node.op].shown(k), names)


def local_table(ev: Evaluation, full: bool = False) -> RenderableType:
    table = _table("local gradient", "formula", "value", right=(2,))
    nodes = ev.graph.nodes

    def row(edge: tuple[int, int]) -> tuple:
        i, k = edge
        loc = ev.local[i][k] if ev.local[i] is not None else None
        value = _value(loc, full) if loc is not None else Text("(see backward pass)", style="dim")
        name = d(nodes[i].name, nodes[nodes[i].args[k]].name)
        return Text(name), Text(local_formula(ev, i, k)), value

    edges = [(i, k) for i, node in enumerate(nodes) if node.computed
             for k, j in enumerate(node.args) if nodes[j].op != CONST]
    return _section("Local gradients", "known as soon as the forward pass has run",
                    _fill(table, edges, row, full, "edges"))


def backward_table(ev: Evaluation, full: bool = False) -> RenderableType:
    table = _table("gradient", "chain rule", "", "value", right=(3,))
    nodes = ev.graph.nodes
    out = ev.output.name

    def row(j: int) -> tuple:
        if j == ev.graph.output:
            return Text(d(out, out)), Text(""), Text(""), _value(ev.grads[j], full)
        terms = ev.terms[j]
        shown = terms if full or len(terms) <= TERMS else terms[:TERMS]
        more = f" + … ({len(terms) - len(shown)} more terms)" if len(shown) < len(terms) else ""
        symbolic = " + ".join(
            f"{d(out, nodes[t.user].name)} · {d(nodes[t.user].name, nodes[j].name)}"
            for t in shown) + more
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
    table = _table("param", "value", d(out, "param"), "−lr·" + d(out, "param"), "new value",
                   right=(1, 2, 3, 4))
    old, new, grads = before.inputs(), after.inputs(), before.gradients()

    def row(name: str) -> tuple:
        if np.ndim(old[name]) == 0:
            return (Text(name), fmt.number(old[name]), fmt.number(grads[name]),
                    fmt.signed(-lr * grads[name]), fmt.number(new[name]))
        return (Text(name), _value(old[name], full), _value(grads[name], full),
                _value(-lr * grads[name], full), _value(new[name], full))

    change = after.value - before.value
    body = _fill(table, list(params), row, full, "params")
    parts: list[RenderableType] = [Text(title, style="bold"),
                                   Padding(body, (0, 0, 0, 2), expand=False)]
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
