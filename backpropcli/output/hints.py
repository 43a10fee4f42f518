"""What the quiz says about the rules of back-propagation: the hint after a wrong try
(the op table's gate note or rule, the chain rule, the sum over a node's uses), the
derivation of a right answer, and what to practise next.

A derivation is the line `backprop explain` and the eval tables write: the symbols,
the local formulas, the numbers and the result (∂g/∂x = ∂g/∂f · ∂f/∂x = 1 · y =
1 · (-4) = -4), made with output/text.py's stages, so the quiz and `explain` always say
it alike. Pure functions of the quiz's data.
"""

from __future__ import annotations

import numpy as np

from ..core import checkable, fmt
from ..core.ops import OPS, substitute
from ..core.plural import counted
from ..tasks.derivation import Factor, Path
from ..tasks.explain import local_formula
from ..tasks.forward import Row
from ..tasks.forward import along as along_direction
from ..tasks.grading import Practice
from ..tasks.quiz import Question, Quiz
from .quiztext import TERMS, number, ordinal, symbol
from .text import d, formulas, numbers, value_text


def _terms(terms, text) -> str:
    """The chain-rule terms joined by +, the first TERMS of them and a count of the rest."""
    said = " + ".join(text(t) for t in terms[:TERMS])
    more = counted(len(terms) - TERMS, "more term")
    return said + (f" + … ({more})" if len(terms) > TERMS else "")


def hint(quiz: Quiz, q: Question) -> str:
    """Which rule applies, said after a wrong try (never the number itself)."""
    return {"value": _value_hint, "local": _local_hint, "tangent": _tangent_hint,
            "grad": _grad_hint, "step": _step_hint}[q.kind](quiz, q)


def _value_hint(quiz: Quiz, q: Question) -> str:
    return f"put in the numbers: {_with_numbers(quiz, q.node)}"


def _with_numbers(quiz: Quiz, i: int) -> str:
    ev = quiz.evaluation
    node = ev.graph.nodes[i]
    said = [number(ev.values[j]) for j in node.args]  # Op.read adds the parentheses
    return OPS[node.op].read(said, node.static).replace(" * ", " · ")


def rule(op_name: str, k: int) -> str:
    """An op's gate note, or its derivative rule in the op table's own letters."""
    op = OPS[op_name]
    if op.gate:
        return op.gate
    letters = ["a", "b"][: op.arity]
    return (f"{op.name} rule: for out = {op.read(letters)}, "
            f"∂out/∂{letters[k]} = {op.shown(k)}")


def _local_hint(quiz: Quiz, q: Question) -> str:
    node = quiz.graph.nodes[q.node]
    text = rule(node.op, q.slot)
    if q.use:
        operand = quiz.name(q.operand)
        text += (f"; {node.name} takes {operand} more than once: this is the derivative "
                 f"through its {ordinal(q.use)} {operand} alone, the other held fixed")
    return text


def _grad_hint(quiz: Quiz, q: Question) -> str:
    ev = quiz.evaluation
    nodes = quiz.graph.nodes
    terms = ev.terms[q.node]
    name = nodes[q.node].name
    chain = _terms(terms, lambda t: _term_symbols(quiz, q.node, t))
    first = (f"sum over {'both' if len(terms) == 2 else f'all {len(terms)}'} uses of {name}"
             if len(terms) > 1 else "chain rule: upstream × local")
    parts = [f"{first}: {symbol(quiz, q)} = {chain}"]
    gates = dict.fromkeys(rule(nodes[t.user].op, t.slot) for t in terms[:TERMS]
                          if OPS[nodes[t.user].op].gate)
    parts += list(gates)
    locals_ = dict.fromkeys(
        f"{d(nodes[t.user].name, name)} = "
        f"{local_formula(ev.graph, t.user, t.slot, values=ev.values)}"
        for t in terms[:TERMS] if t.local is not None)
    if locals_:
        parts.append("local: " + ", ".join(locals_))
    return "; ".join(parts)


def _row(quiz: Quiz, q: Question) -> Row:
    """The node's row of forward mode along the swept input (tasks/forward.py's table)."""
    ev = quiz.evaluation
    along = quiz.name(q.operand)
    done = along_direction(ev, {along: np.ones_like(ev.values[q.operand])}, ())
    return next(r for r in done.rows if r.index == q.node)


def _tangent_hint(quiz: Quiz, q: Question) -> str:
    return (f"forward mode: a node's tangent is the sum over its operands of ∂node/∂operand "
            f"times the operand's tangent: {_row(quiz, q).rule}")


def _tangent_stages(quiz: Quiz, q: Question) -> list:
    row = _row(quiz, q)
    symbols, _, formula = row.rule.partition(" = ")
    numbers_ = row.numbers[0]
    worked = numbers_.rsplit(" = ", 1)[0] if " = " in numbers_ else None
    return [symbols, formula, worked, _result(q.right)]


def _step_hint(quiz: Quiz, q: Question) -> str:
    name = quiz.name(q.node)
    return (f"a step moves {name} against its gradient: new {name} = {name} − lr · "
            f"{d(quiz.evaluation.output.name, name)}, with lr = {fmt.number(quiz.lr)}")


# ---------------------------------------------------------------------------
# derivations

def derivation(quiz: Quiz, q: Question) -> str:
    """How the right answer comes about, one line: symbols, formulas, numbers, result."""
    stages = {"value": _value_stages, "local": _local_stages, "tangent": _tangent_stages,
              "grad": _grad_stages, "step": _step_stages}[q.kind](quiz, q)
    parts: list[str] = []
    for stage in stages:
        if stage is not None and (not parts or stage != parts[-1]):
            parts.append(stage)
    return " = ".join(parts)


def _result(v) -> str:
    return fmt.number(v) if np.ndim(v) == 0 else value_text(v)


def _value_stages(quiz: Quiz, q: Question) -> list:
    node = quiz.graph.nodes[q.node]
    scalar = np.ndim(q.right) == 0
    return [node.name, node.text, _with_numbers(quiz, q.node) if scalar else None,
            _result(q.right)]


def _local_stages(quiz: Quiz, q: Question) -> list:
    return [symbol(quiz, q), local_formula(quiz.graph, q.node, q.slot,
                                           values=quiz.evaluation.values),
            _local_numbers(quiz, q), _result(q.right)]


def _local_numbers(quiz: Quiz, q: Question) -> str | None:
    """The op's rule with the numbers put in (0.7311 · (1 - 0.7311) for a sigmoid), for
    numbers; not where the op's row says numbers read worse than the formula (rules made
    of sign() and cases: max, relu)."""
    ev = quiz.evaluation
    node = ev.graph.nodes[q.node]
    rule_text = OPS[node.op].with_numbers(q.slot)
    if not rule_text or np.ndim(q.right) or any(np.ndim(ev.values[j]) for j in node.args):
        return None
    names = {"out": fmt.paren(ev.values[q.node])}
    names.update({var: fmt.paren(ev.values[j]) for var, j in zip("ab", node.args, strict=False)})
    return substitute(rule_text, names).replace("**", "^").replace(" * ", " · ")


def _term_symbols(quiz: Quiz, j: int, t) -> str:
    nodes = quiz.graph.nodes
    out = quiz.evaluation.output.name
    if t.local is None:  # not elementwise: the op's own rule applied to the upstream
        return local_formula(quiz.graph, t.user, t.slot, upstream=d(out, nodes[t.user].name),
                             values=quiz.evaluation.values)
    return f"{d(out, nodes[t.user].name)} · {d(nodes[t.user].name, nodes[j].name)}"


def _grad_stages(quiz: Quiz, q: Question) -> list:
    ev = quiz.evaluation
    terms = ev.terms[q.node]
    stages = [symbol(quiz, q), _terms(terms, lambda t: _term_symbols(quiz, q.node, t))]
    if all(t.local is not None and np.ndim(t.upstream) == 0 and np.ndim(t.local) == 0
           for t in terms[:TERMS]):
        stages += [_terms(terms, lambda t: formulas(_path(quiz, q.node, t))),
                   _terms(terms, lambda t: numbers(_path(quiz, q.node, t)))]
    return [*stages, _result(q.right)]


def _path(quiz: Quiz, j: int, t) -> Path:
    """A chain-rule term as explain's path of two factors: upstream · local."""
    nodes = quiz.graph.nodes
    out, user = quiz.evaluation.output.name, nodes[t.user]
    upstream = Factor(out, user.name, 0, fmt.number(t.upstream), t.upstream)
    formula = local_formula(quiz.graph, t.user, t.slot, values=quiz.evaluation.values)
    local = Factor(user.name, nodes[j].name, t.slot, formula, t.local,
                   twice=user.args.count(j) > 1)
    return Path((upstream, local), 2, t.value, gap=2)


def _step_stages(quiz: Quiz, q: Question) -> list:
    ev = quiz.evaluation
    name = quiz.name(q.node)
    symbolic = f"{name} − lr · {d(ev.output.name, name)}"
    value, grad = ev.values[q.node], ev.grad(q.node)
    with_numbers = None
    if np.ndim(value) == 0:
        old, slope = checkable.descent(value, quiz.lr or 0.0, grad, q.right)
        slope = f"({slope})" if slope.startswith("-") else slope
        with_numbers = f"{old} − {fmt.typed(quiz.lr)} · {slope}"
    return [symbol(quiz, q), symbolic, with_numbers, _result(q.right)]


# ---------------------------------------------------------------------------
# what to practise

TOPICS = {
    "forward": "the forward pass: each node's value from its operands'",
    "chain": "the chain rule: each gradient is the upstream gradient times the local one",
    "reuse": "nodes used more than once: their gradient is the sum over every use",
    "step": "the step: new x = x − lr · ∂output/∂x",
    "tangent": "forward mode: each tangent is Σ ∂node/∂operand · (the operand's tangent)",
}


def practice_text(p: Practice) -> tuple[str, str]:
    """What to practise next, and the command that makes problems for it."""
    ask = f" --ask {','.join(p.kinds)}" if p.kinds != ("local", "grad") else ""
    if "step" in p.kinds:
        ask += " --lr 0.1"
    seed = f" --seed {p.seed}" if p.seed is not None else ""
    command = f"backprop quiz --random --level {p.level}{seed}{ask}"
    if p.topic == "rest":
        return "the questions left unanswered (the quiz stops at the end of its input)", command
    if p.topic == "next":
        return "every answer right: try a harder problem", command
    if p.topic == "local" and p.op is not None:
        return f"the local gradients of {p.op}: {rule(p.op, 0)}", command
    return TOPICS[p.topic], command
