"""The eval view: the forward pass, the local gradients, the backward pass by the
chain rule, and the gradient of the output, as tables a learner follows line by line.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

import numpy as np
from rich.console import Group, RenderableType
from rich.text import Text

from ..core import checkable, fmt
from ..core.engine import Evaluation
from ..core.graph import CONST
from ..core.ops import OPS
from ..core.plural import counted, ordinal
from ..output.text import constant_text, d
from .lines import Flow
from .widgets import ROWS, SHAPE, TERMS, Col, fill, new_table, section, value_cell


def _has_arrays(ev: Evaluation) -> bool:
    return any(np.ndim(v) for v in ev.values)


def evaluation(ev: Evaluation, params: Sequence[str], full: bool = False,
               state: str | None = None, next_step: bool = True) -> RenderableType:
    """The eval tables; `next_step`: the command to run next (`backprop step`), naming
    `state`, the session file given with --state."""
    if ev.constant:  # no local gradient, no backward pass, no step: say why, once
        return Group(forward_table(ev, full),
                     Flow(indent=0).words(constant_text(ev.output.name), "", "bold"))
    return Group(
        forward_table(ev, full),
        local_table(ev, full),
        backward_table(ev, full),
        summary(ev, params, full, state, next_step),
    )


def forward_table(ev: Evaluation, full: bool = False) -> RenderableType:
    arrays = _has_arrays(ev)
    # The formula's numbers (= 3 · (-4)) follow it on one line; where that is too wide
    # they go on a line under it. An array's shape goes before its value is squeezed.
    columns = ("node", "computes", SHAPE, "value") if arrays else \
        ("node", "computes", Col("", join=True, under=True, drop=1),
         Col("value", right=True, number=True))
    # The mark of the output, last to go, goes under its value.
    table = new_table(*columns, Col("", drop=2, under=True))
    nodes = ev.graph.nodes

    def row(i: int) -> tuple:
        node = nodes[i]
        numbers = Text("")
        value = value_cell(ev.values[i], full)
        if node.is_input:
            computes = Text("input", style="dim")
            if not np.ndim(ev.values[i]):
                value = Text(fmt.typed(ev.values[i]))  # as the user wrote it: 0.99999
        elif node.is_data:
            computes = Text(data_source(node, np.shape(ev.values[i])), style="dim")
        else:
            computes = Text(node.text)
            if not arrays:
                # a product of numbers is written 3 · (-4), as on paper
                read = OPS[node.op].read(operand_values(ev, i), node.static)
                numbers = Text(" = " + read.replace(" * ", " · "), style="dim")
        mark = Text("← output", style="bold") if i == ev.graph.output else Text("")
        name = Text(node.name, style="bold" if i == ev.graph.output else "")
        if arrays:
            return name, computes, fmt.shape(np.shape(ev.values[i])), value, mark
        return name, computes, numbers, value, mark

    rows = [i for i, node in enumerate(nodes) if node.op != CONST or node.is_data]
    return section("Forward pass", "", fill(table, rows, row, full, "nodes"))


def data_source(node, shape: tuple[int, ...]) -> str:
    """Where a load(...) node's data comes from: data (moons.csv, 100×2)."""
    return f"data ({node.data[0]}, {fmt.times(shape)})"


def operand_values(ev: Evaluation, i: int) -> list[str]:
    """The operands of node i as numbers to put in its formula (Op.read puts each in
    parentheses where its place asks: 3 · (-4), -12 + 2, (-3)^2, sigmoid(-15)), with the
    digits that make the formula recompute to the value shown (checkable.py)."""
    node = ev.graph.nodes[i]
    if any(np.ndim(ev.values[j]) for j in node.args):
        return [fmt.brief(ev.values[j]) for j in node.args]
    return checkable.operands(ev, i)


def local_formula(ev: Evaluation, i: int, k: int) -> str:
    """∂node/∂operand k as a formula in the operands' names: "y" for f = x * y; a rule
    that passes back the arriving gradient names it ∂output/∂node."""
    from ..tasks.explain import local_formula as formula

    return formula(ev.graph, i, k, upstream=d(ev.output.name, ev.graph.nodes[i].name),
                   values=ev.values)


def _use(args, k: int) -> str:
    """Which use of its operand the k-th argument is, where a node takes one twice
    (b = a + a has two rows ∂b/∂a: "(first use)", "(second use)"); else nothing. The
    words are the quiz's, whose questions on them are local:b:a:1 and local:b:a:2."""
    if list(args).count(args[k]) < 2:
        return ""
    return f" ({ordinal(list(args[:k + 1]).count(args[k]))} use)"


def local_table(ev: Evaluation, full: bool = False) -> RenderableType:
    table = new_table("local gradient", "formula", "value", right=() if _has_arrays(ev) else (2,))
    nodes = ev.graph.nodes

    def row(edge: tuple[int, int]) -> tuple:
        i, k = edge
        loc = ev.local[i][k] if ev.local[i] is not None else None
        # @, sum, softmax, ... are not elementwise: their local derivative is no array
        # of numbers that multiplies; the formula is what they pass back to the operand
        value = value_cell(loc, full) if loc is not None else Text("(not elementwise)", style="dim")
        name = d(nodes[i].name, nodes[nodes[i].args[k]].name) + _use(nodes[i].args, k)
        return Text(name), Text(local_formula(ev, i, k)), value

    edges = [(i, k) for i, node in enumerate(nodes) if node.computed
             for k, j in enumerate(node.args) if ev.needs[j]]
    note = "known as soon as the forward pass has run"
    if any(ev.local[i] is None for i, _ in edges):
        note += "; ops that are not elementwise show what they pass back"
    return section("Local gradients", note, fill(table, edges, row, full, "edges"))


def backward_table(ev: Evaluation, full: bool = False) -> RenderableType:
    # On a narrow terminal the chain written in numbers (= 1 · (-4)) goes first.
    table = new_table("gradient", "chain rule", Col("", drop=1),
                      Col("value", right=not _has_arrays(ev), number=not _has_arrays(ev)))
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
            return Text(d(out, out)), Text(""), Text(""), value_cell(ev.grads[j], full)
        terms = ev.terms[j]
        shown = terms if full or len(terms) <= TERMS else terms[:TERMS]
        more = f" + … ({counted(len(terms) - len(shown), 'more term')})" \
            if len(shown) < len(terms) else ""
        symbolic = " + ".join(term(j, t) for t in shown) + more
        scalar = all(np.ndim(t.upstream) == 0 and t.local is not None and np.ndim(t.local) == 0
                     for t in shown)
        # the digits that let the products, recomputed, sum to the value shown
        pairs = checkable.products([(t.upstream, t.local) for t in shown], ev.grads[j]) \
            if scalar and not more else [(fmt.number(t.upstream), fmt.number(t.local))
                                         for t in shown] if scalar else []
        numeric = (" + ".join(f"{_paren(u)} · {_paren(v)}" for u, v in pairs) + more) \
            if scalar else ""
        return (Text(d(out, nodes[j].name)), Text(f"= {symbolic}"),
                Text(f"= {numeric}" if numeric else "", style="dim"), value_cell(ev.grads[j], full))

    rows = [j for j in range(ev.graph.output, -1, -1)
            if ev.grads[j] is not None and nodes[j].op != CONST]
    return section("Backward pass", "chain rule: upstream × local, summed over every use",
                    fill(table, rows, row, full, "gradients"))


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


def summary(ev: Evaluation, params: Sequence[str], full: bool = False,
            state: str | None = None, next_step: bool = True) -> RenderableType:
    out = ev.output.name
    grads = ev.gradients()
    parts: list[RenderableType] = []
    if np.ndim(ev.value) != 0:
        parts.append(Text(f"The output {out} is an array: its gradient is that of sum({out}).",
                          style="dim"))
    if all(np.ndim(v) == 0 for v in grads.values()):
        # a line of terms that wraps between them, never inside one
        line = Flow(indent=2).add(f"Gradient of {out}:", style="bold")
        shown = list(grads.items())
        cut = not full and len(shown) > ROWS
        for k, (name, g) in enumerate(shown[:ROWS] if cut else shown):
            line.add(f"{d(out, name)} = {fmt.number(g)}", "   " if k else "  ", style="bold")
        if cut:
            line.add(f"… {len(shown) - ROWS} more (--full)", "   ", style="bold dim")
        parts.append(line)
    else:
        table = new_table("input", SHAPE, f"{d(out, 'input')}")
        parts.append(section(f"Gradient of {out}", "", fill(
            table, list(grads.items()),
            lambda item: (Text(item[0]), fmt.shape(np.shape(item[1])), value_cell(item[1], full)),
            full, "inputs")))
    if params and next_step:
        moved = ", ".join(params) if len(params) <= 8 else ", ".join(params[:8]) + ", …"
        again = "backprop step --lr 0.1" + (f" --state {shlex.quote(state)}" if state else "")
        # the command is never wrapped: it copies as one line
        parts.append(Flow(indent=2).add(Text.assemble(("Next: ", "bold"), again))
                     .words(f"(moves {moved} one step down this gradient)", "   ", "dim"))
    return Group(*parts)
