"""Forward mode as a table: every node's value and its tangent, sweep by sweep, each row
with the rule that made it written in the operands' names and with the numbers
(ḟ = ẋ·y + ẏ·x = 1·(-4) + 0·3 = -4), and the gradient assembled from the output's row
beside the one the reverse pass (eval) gives.

A sweep is one forward pass on dual numbers (core/jvp.py) along one direction: the
unit vector of one input element (--wrt, or every input element in turn), or a
direction given whole (a Jacobian-vector product). The rules come from the op table:
an elementwise op's tangent is Σ_k ȯperand_k · ∂node/∂operand_k (its `local` rules as
`shows` writes them), any other op's the product of its Jacobian with the operands'
tangents.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..core import fmt
from ..core.engine import Evaluation
from ..core.graph import Graph, Value
from ..core.jvp import Element, check_sweeps, elements, jvp, unit
from ..core.ops import OPS
from .explain import local_formula
from .program import refuse_constant

# a gradient from forward mode agrees with the reverse pass when they differ by no more
# than this, relative to the larger (the two sum the same products in another order)
AGREE = 1e-9


@dataclass(frozen=True)
class Sweep:
    """One forward pass on duals: its direction and every node's tangent."""

    label: str  # the element swept ("x", "W[0, 1]"), or "direction"
    direction: dict[str, Value]  # the inputs' tangents (an input not named: 0)
    tangents: tuple  # per node: ∂node/∂direction


@dataclass(frozen=True)
class Row:
    """A node of the table: its value, its tangent rule, and the rule's numbers per sweep
    ("" where the operands are arrays, or the node is an input)."""

    index: int
    name: str
    expr: str  # "x * y", or "input"
    value: Value
    rule: str  # "ḟ = ẋ·y + ẏ·x"; for an input "ẋ: the seed"
    numbers: tuple[str, ...]  # per sweep: "1·(-4) + 0·3"


@dataclass(frozen=True)
class Forward:
    """Forward mode over a program: the sweeps, the table's rows, and (over input
    elements) the gradient assembled from the output's tangents beside eval's."""

    evaluation: Evaluation  # the plain evaluation (the reverse pass's gradients)
    mode: str  # "wrt": one input's elements; "all": every input's; "direction": one JVP
    sweeps: tuple[Sweep, ...]
    rows: tuple[Row, ...]
    missing: tuple[str, ...] = ()  # inputs a direction left out (taken as 0)
    gradient: dict[str, Value] | None = None  # from the output's tangents (not "direction")
    difference: float | None = None  # max |forward − reverse| over the gradient's elements

    @property
    def output(self) -> str:
        return self.evaluation.output.name

    @property
    def agrees(self) -> bool:
        return self.difference is not None and self.difference <= AGREE * self._scale()

    def _scale(self) -> float:
        grads = [np.abs(np.asarray(g)).max(initial=0.0)
                 for g in self.evaluation.gradients().values()]
        return max([1.0, *map(float, grads)])

    @property
    def jvp(self) -> Value:
        """The output's tangent of the first sweep: ∂output along the direction."""
        return self.sweeps[0].tangents[self.evaluation.graph.output]


def dot(name: str) -> str:
    """The tangent's symbol: ẋ for a one-letter name, d(name) for a longer one (a dot
    over the last letter of h1 would not read)."""
    if len(name) == 1:
        return unicodedata.normalize("NFC", name + "\u0307")
    return f"d{name}" if name.isidentifier() and len(name) <= 3 else f"d({name})"


def by_elements(ev: Evaluation, names: Sequence[str], mode: str) -> Forward:
    """One sweep per element of the named inputs, and the gradient from the output's row."""
    refuse_constant(ev.graph, "no tangent to carry")
    inputs = ev.inputs()
    elems = elements(inputs, names)
    check_sweeps(len(elems), "the elements of " + ", ".join(names))
    sweeps = tuple(_sweep(ev.graph, inputs, e.label, unit(inputs, e)) for e in elems)
    gradient = _assembled(ev, elems, sweeps)
    reverse = ev.gradients()
    difference = max((float(np.max(np.abs(np.asarray(gradient[n]) - np.asarray(reverse[n])),
                                   initial=0.0)) for n in gradient), default=0.0)
    return Forward(ev, mode, sweeps, _rows(ev, sweeps), gradient=gradient,
                   difference=difference)


def along(ev: Evaluation, direction: Mapping[str, Value], missing: Sequence[str]) -> Forward:
    """One sweep along a whole direction: the directional derivative (a JVP)."""
    refuse_constant(ev.graph, "no tangent to carry")
    sweep = _sweep(ev.graph, ev.inputs(), "direction", dict(direction))
    return Forward(ev, "direction", (sweep,), _rows(ev, (sweep,)), missing=tuple(missing))


def _sweep(graph: Graph, inputs: Mapping[str, Value], label: str,
           direction: dict[str, Value]) -> Sweep:
    _, tangents = jvp(graph, inputs, direction)
    return Sweep(label, direction, tuple(tangents))


def _assembled(ev: Evaluation, elems: Sequence[Element], sweeps: Sequence[Sweep]) -> dict:
    """Each element's ∂output: the output's tangent in that element's sweep (summed, for
    an array output: its gradient is that of sum(output), as eval's is)."""
    inputs = ev.inputs()
    out = ev.graph.output
    names = list(dict.fromkeys(e.name for e in elems))
    grads = {n: np.zeros(np.shape(inputs[n])) for n in names}
    for e, s in zip(elems, sweeps, strict=True):
        grads[e.name][e.index] = np.sum(s.tangents[out])
    return {n: g[()] if g.ndim == 0 else g for n, g in grads.items()}


def _rows(ev: Evaluation, sweeps: Sequence[Sweep]) -> tuple[Row, ...]:
    graph = ev.graph
    rows = []
    for i, node in enumerate(graph.nodes):
        if node.is_const:
            continue
        if node.is_input:
            numbers = tuple(fmt.brief(s.tangents[i]) for s in sweeps)
            rows.append(Row(i, node.name, "input", ev.values[i], f"{dot(node.name)}: the seed",
                            numbers))
            continue
        rule, terms = _rule(ev, i)
        numbers = tuple(_numbers(ev, i, terms, s) for s in sweeps)
        rows.append(Row(i, node.name, node.text, ev.values[i], rule, numbers))
    return tuple(rows)


def _rule(ev: Evaluation, i: int) -> tuple[str, list[tuple[int, str]]]:
    """The tangent rule of node i in names, and its terms (operand slot, derivative text)."""
    graph = ev.graph
    node = graph.nodes[i]
    needs = ev.needs
    terms: list[tuple[int, str]] = []
    parts = []
    for k, j in enumerate(node.args):
        if not needs[j]:
            continue  # a constant operand: its tangent is 0, no term
        name = graph.nodes[j].name
        if OPS[node.op].elementwise:
            d = local_formula(graph, i, k, values=ev.values)
            terms.append((k, d))
            parts.append(_term(dot(name), d))
        else:
            terms.append((k, ""))
            parts.append(f"∂{node.name}/∂{name}·{dot(name)}")
    text = " + ".join(parts).replace("+ -", "- ") if parts else "0"
    return f"{dot(node.name)} = {text}", terms


def rule_terms(ev: Evaluation, i: int) -> list[tuple[int, str]]:
    """The terms of node i's tangent rule: (operand slot, ∂node/∂operand as a formula;
    "" where the op is not elementwise), for a writer that sets them its own way."""
    return _rule(ev, i)[1]


def _term(tangent: str, d: str) -> str:
    if d == "1":
        return tangent
    if d == "-1":
        return "-" + tangent
    return f"{tangent}·{_wrapped(d)}"


def _wrapped(text: str) -> str:
    simple = text.replace("_", "").replace(".", "").isalnum() or \
        (text.startswith("-") and text[1:].replace(".", "").isalnum())
    return text if simple else f"({text})"


def _numbers(ev: Evaluation, i: int, terms: list[tuple[int, str]], sweep: Sweep) -> str:
    """The rule with the numbers of this sweep put in, then its result: where the node
    and its operands are numbers; an array's tangent is only its result."""
    node = ev.graph.nodes[i]
    result = fmt.brief(sweep.tangents[i])
    scalar = np.ndim(ev.values[i]) == 0 and all(np.ndim(ev.values[j]) == 0 for j in node.args)
    if not scalar or not OPS[node.op].elementwise or not terms:
        return result
    local = ev.local[i]
    parts = []
    for k, d in terms:
        t = sweep.tangents[node.args[k]]
        if d == "1":
            parts.append(_signed(t))
        elif d == "-1":
            parts.append("-" + _signed(t))
        else:
            parts.append(f"{_signed(t)}·{_signed(local[k])}")
    said = " + ".join(parts)
    if said.startswith("(-") and not terms[0][1].startswith("-"):  # no parentheses first
        close = said.find(")")
        said = said[1:close] + said[close + 1:]
    return said if said == result else f"{said} = {result}"


def _signed(v) -> str:
    text = fmt.number(v)
    return f"({text})" if text.startswith("-") else text
