"""The questions of `backprop quiz`: what a person works out by hand, in that order.

By hand one goes forward first (each node's value), then writes down the local
gradients (each ∂node/∂operand, known as soon as the values are), then walks back
from the output (each ∂output/∂node, the upstream gradient times the local one,
summed over the node's uses), and last moves each param one step (x − lr·∂output/∂x).
Forward mode is asked too (`tangent`, after the local gradients it is made of): each
node's tangent along the first param (ẋ = 1 in each of its elements, every other
input's tangent 0), the sum of its local derivatives times its operands' tangents.
A quiz asks the kinds chosen, in that order, one question per quantity, and every
question knows its right answer (the engine's number: the same as `eval --json`) and
what it is worked out from.

A question's id is stable, built from the node names of the eval tables and JSON
(t1, c#1 included): `value:f`, `local:f:x` (∂f/∂x; `local:b:a:1` and `local:b:a:2`
where b takes a twice, one question per use), `tangent:f:x` (ḟ along x), `grad:x`
(∂output/∂x) and `step:x`.
The output's own gradient (1) is where the backward pass starts: given, not asked.
Ops that are not elementwise (@, sum, ...) have no local gradient to write down (a
Jacobian; the backward pass multiplies by it without forming it): no local question.

Everything here is data; the words (prompts, hints, derivations) are in
output/quiztext.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from ..core.engine import Evaluation
from ..core.errors import UsageError, give, param
from ..core.graph import Graph
from ..core.jvp import jvp
from ..core.near import nearest_choice
from ..core.ops import OPS
from ..core.optim import LR, step
from .kinds import DEFAULT_KINDS, KINDS
from .point import Point
from .program import refuse_constant

TOL = 1e-3  # relative: students round (|answer − right| ≤ tol·max(1, |right|))
# The loosest tolerance a quiz takes, from --tol or from a sheet: an answer 10 % off is
# right at most; past it, "right" says nothing (a sheet with "tol": 1e308 graded every
# answer right).
MAX_TOL = 0.1
TRIES = 2  # a wrong answer gets a hint and one more try

_RULE_VARS = re.compile(r"\b(a|b|out)\b")


@dataclass(frozen=True)
class Question:
    id: str  # value:f, local:f:x, local:b:a:2, tangent:f:x, grad:x, step:x
    kind: str  # one of KINDS
    node: int  # the node asked about; for a local gradient, the node differentiated
    right: Any  # the right answer: a float64 or an array
    uses: tuple[str, ...] = ()  # ids of what it is worked out from (value:x of an input
    # is given; the rest are questions of the scheme, asked or not)
    operand: int = -1  # local: the operand differentiated by; tangent: the input swept
    # along (-1: neither)
    slot: int = -1  # local: which operand of `node` it is
    use: int | None = None  # local: 1, 2, ... where `node` takes the operand more than once

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(np.shape(self.right))


@dataclass(frozen=True)
class Problem:
    """A made-up problem (`--random`): the program and values, and how to make it again."""

    level: int
    seed: int
    program: str
    values: dict[str, object]
    variant: int | None = None  # its number among an exam's variants (tasks/exam.py)


@dataclass(frozen=True)
class Quiz:
    evaluation: Evaluation
    point: Point
    kinds: tuple[str, ...]
    lr: float | None  # for step questions
    tol: float
    questions: tuple[Question, ...]
    problem: Problem | None = None

    @property
    def graph(self) -> Graph:
        return self.evaluation.graph

    def name(self, i: int) -> str:
        return self.graph.nodes[i].name

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {q.id: k for k, q in enumerate(self.questions)}

    def find(self, qid: str) -> Question | None:
        k = self._positions.get(qid)
        return None if k is None else self.questions[k]

    def position(self, qid: str) -> int | None:
        return self._positions.get(qid)

    @cached_property
    def _given(self) -> dict[str, object]:
        ev, nodes = self.evaluation, self.graph.nodes
        out: dict[str, object] = {f"value:{nodes[i].name}": ev.values[i]
                                  for i in self.graph.inputs}
        if "value" not in self.kinds:
            out.update({f"value:{n.name}": ev.values[i] for i, n in enumerate(nodes)
                        if n.computed})
        if "grad" in self.kinds:
            out[f"grad:{ev.output.name}"] = ev.grads[self.graph.output]
        if "tangent" in self.kinds:  # the seed: ẋ = 1 along the input swept, 0 elsewhere
            along = _swept(self.graph, self.point)
            out.update({f"tangent:{nodes[i].name}:{along}":
                        np.ones_like(ev.values[i]) * float(nodes[i].name == along)
                        for i in self.graph.inputs})
        if "step" in self.kinds and "grad" not in self.kinds:
            out.update({f"grad:{p}": ev.gradients()[p] for p in self.point.params})
        return out

    def given(self) -> Mapping[str, object]:
        """What the student is given, by id: every input's value; the forward pass when
        values are not asked; the output's own gradient (1), where the backward pass
        starts; the params' gradients when steps are asked but gradients are not."""
        return self._given

    def known(self, before: int) -> Mapping[str, object]:
        """What the student knows when the question at position `before` comes: what is
        given, and the right answer of every question before it (answered right, or
        shown after the last try). A view, not a copy: asking it costs nothing."""
        return _Known(self, before)


class _Known(Mapping):
    def __init__(self, quiz: Quiz, before: int) -> None:
        self.quiz, self.before = quiz, before

    def __getitem__(self, qid: str):
        k = self.quiz.position(qid)
        if k is not None and k < self.before:
            return self.quiz.questions[k].right
        return self.quiz.given()[qid]

    def __iter__(self) -> Iterator[str]:
        yield from self.quiz.given()
        for q in self.quiz.questions[: self.before]:
            if q.id not in self.quiz.given():
                yield q.id

    def __len__(self) -> int:
        return sum(1 for _ in self)


def kinds_of(text: str | None, lr: float | None) -> tuple[str, ...]:
    """--ask value,local,grad,step as a tuple in working order; by default local and
    grad, and step too when --lr is given."""
    if text is None:
        return (*DEFAULT_KINDS, "step") if lr is not None else DEFAULT_KINDS
    chosen = [t.strip().lower() for t in text.split(",") if t.strip()]
    wrong = [t for t in chosen if t not in KINDS]
    if wrong or not chosen:
        # each near miss put right (grd: grad), the rest kept, as the line to type
        meant = [nearest_choice(t, KINDS) or t for t in chosen]
        hint = (f"did you mean {give('ask', ','.join(meant))}?" if chosen and all(
            m in KINDS for m in meant) else f"as in {param('ask')} local,grad")
        raise UsageError(f"{param('ask')} {text}: choose from {', '.join(KINDS)}, "
                         "comma-separated", hint=hint)
    if lr is not None and "step" not in chosen:
        raise UsageError(f"{param('lr')} is the learning rate of the step questions, which "
                         f"{param('ask')} {text} leaves out",
                         hint=f"add step to {param('ask')}, or drop {param('lr')}")
    return tuple(k for k in KINDS if k in chosen)


def local_id(graph: Graph, i: int, k: int) -> str:
    """The id of ∂node_i/∂(its operand k): local:f:x, or local:b:a:2 for the second a of
    b = a + a."""
    node = graph.nodes[i]
    j = node.args[k]
    base = f"local:{node.name}:{graph.nodes[j].name}"
    if node.args.count(j) == 1:
        return base
    return f"{base}:{node.args[: k + 1].count(j)}"


def make(ev: Evaluation, point: Point, kinds: tuple[str, ...], lr: float | None = None,
         tol: float = TOL, problem: Problem | None = None) -> Quiz:
    """The quiz on an evaluated program: the questions of the kinds asked, in the order a
    person works (forward, local, backward from the output down, step)."""
    if not 0 < tol <= MAX_TOL:  # (the CLI and a sheet's reader say where it came from)
        raise UsageError(f"the tolerance must be above 0 and at most {MAX_TOL}, not {tol}")
    if "step" in kinds and lr is None:
        lr = LR
    makers = {"value": _values, "local": _locals, "tangent": _tangents, "grad": _grads,
              "step": _steps}
    questions: list[Question] = []
    for kind in KINDS:
        if kind in kinds:
            questions += makers[kind](ev, point, lr)
    if not questions and set(kinds) != {"value"}:
        refuse_constant(ev.graph, "no gradient to ask about (--ask value asks the values)")
    if not questions:
        raise UsageError(f"this program has no questions to ask of the kinds "
                         f"{', '.join(kinds)}",
                         hint=f"{param('ask')} value,local,grad,step chooses")
    return Quiz(ev, point, tuple(kinds), lr if "step" in kinds else None, tol,
                tuple(questions), problem)


# ---------------------------------------------------------------------------

def _values(ev: Evaluation, point: Point, lr) -> list[Question]:
    nodes = ev.graph.nodes
    return [Question(f"value:{n.name}", "value", i, ev.values[i],
                     uses=_unique(f"value:{nodes[j].name}" for j in n.args
                                  if not nodes[j].is_const))
            for i, n in enumerate(nodes) if n.computed]


def _rule_uses(graph: Graph, i: int, rule: str) -> list[str]:
    """The values a local rule reads (`b` for a * b, `out` for sigmoid) as value ids."""
    node = graph.nodes[i]
    names = {"out": node.name}
    for var, j in zip("ab", node.args, strict=False):
        if not graph.nodes[j].is_const:
            names[var] = graph.nodes[j].name
    return [f"value:{names[v]}" for v in _RULE_VARS.findall(rule) if v in names]


def _locals(ev: Evaluation, point: Point, lr) -> list[Question]:
    graph = ev.graph
    out = []
    for i, node in enumerate(graph.nodes):
        # only gates on the way to the output matter to its gradient
        if not node.computed or ev.local[i] is None or ev.grads[i] is None:
            continue
        for k, j in enumerate(node.args):
            # an operand that no input reaches (a constant, 2^3) gets no gradient
            if graph.nodes[j].is_const or ev.local[i][k] is None:
                continue
            qid = local_id(graph, i, k)
            use = int(qid.rsplit(":", 1)[1]) if qid.count(":") == 3 else None
            # an elementwise derivative has one number per element of the node: the rule
            # gives a single one where they are all the same (1 for an add gate)
            local = ev.local[i][k]
            if np.ndim(local) == 0 and np.ndim(ev.values[i]):
                local = np.full(np.shape(ev.values[i]), local, dtype=float)
            out.append(Question(qid, "local", i, local,
                                uses=_unique(_rule_uses(graph, i, OPS[node.op].local[k])),
                                operand=j, slot=k, use=use))
    return out


def _swept(graph: Graph, point: Point) -> str:
    """The input the tangent questions sweep along: the first param (else input)."""
    return (point.params or graph.input_names)[0]


def _tangents(ev: Evaluation, point: Point, lr) -> list[Question]:
    """Forward mode along one input: every computed node that moves along it (the
    others' tangent is 0, as a constant's local gradient is not asked)."""
    graph = ev.graph
    if not graph.input_names:
        return []
    along = _swept(graph, point)
    x = graph.inputs[graph.input_names.index(along)]
    _, tangents = jvp(graph, ev.inputs(), {along: np.ones_like(ev.values[x])})
    moves = [i == x for i in range(len(graph.nodes))]
    out = []
    for i, node in enumerate(graph.nodes):
        if not node.computed:
            continue
        moves[i] = any(moves[j] for j in node.args)
        if not moves[i]:
            continue
        uses = [f"tangent:{graph.nodes[j].name}:{along}" for j in node.args if moves[j]]
        if OPS[node.op].elementwise:  # the local derivatives, and the values they read
            uses += [local_id(graph, i, k) for k, j in enumerate(node.args) if moves[j]]
            uses += [u for k, j in enumerate(node.args) if moves[j]
                     for u in _rule_uses(graph, i, OPS[node.op].local[k])]
        else:
            uses += [f"value:{graph.nodes[j].name}" for j in node.args
                     if not graph.nodes[j].is_const]
        out.append(Question(f"tangent:{node.name}:{along}", "tangent", i, tangents[i],
                            uses=_unique(uses), operand=x))
    return out


def _grads(ev: Evaluation, point: Point, lr) -> list[Question]:
    graph = ev.graph
    out = []
    for j in range(graph.output - 1, -1, -1):  # from the output down, as the backward pass
        if graph.nodes[j].is_const or ev.grads[j] is None:
            continue
        uses: list[str] = []
        for t in ev.terms[j]:
            uses.append(f"grad:{graph.nodes[t.user].name}")
            op = OPS[graph.nodes[t.user].op]
            if op.elementwise:
                uses.append(local_id(graph, t.user, t.slot))
            else:  # what @, sum, ... pass back is worked out from values, not a local
                uses += _rule_uses(graph, t.user, op.vjp[t.slot])
        out.append(Question(f"grad:{graph.nodes[j].name}", "grad", j, ev.grads[j],
                            uses=_unique(uses)))
    return out


def _steps(ev: Evaluation, point: Point, lr) -> list[Question]:
    graph = ev.graph
    moved = step(ev.inputs(), ev.gradients(), point.params, lr)  # as `backprop step` moves
    out = []
    for name in point.params:
        i = graph.inputs[graph.input_names.index(name)]
        uses = [f"value:{name}"] + ([f"grad:{name}"] if ev.grads[i] is not None else [])
        out.append(Question(f"step:{name}", "step", i, moved[name], uses=tuple(uses)))
    return out


def _unique(items) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
