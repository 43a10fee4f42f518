"""The words of `backprop quiz`: each question's prompt, the hint after a wrong try,
the derivation of the right answer, and what to practise next.

Pure functions of the quiz's data (tasks/quiz.py, tasks/grading.py). A derivation is
the line `backprop explain` and the eval tables write: the symbols, the local
formulas, the numbers and the result (∂g/∂x = ∂g/∂f · ∂f/∂x = 1 · y = 1 · (-4) = -4),
made with output/text.py's stages, so the quiz and `explain` always say it alike.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..core import fmt
from ..core.ops import OPS, substitute
from ..lang.parse import reads
from ..tasks.explain import Factor, Path, local_formula
from ..tasks.grading import Practice, Result
from ..tasks.quiz import Question, Quiz
from .text import d, formulas, numbers, value_text

ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth"}
TERMS = 4  # chain-rule terms (and users, and known numbers) written out, as in eval's table
LONG = 120  # characters of a program said on one line
KIND_NAMES = {"value": "values (the forward pass)", "local": "local gradients",
              "grad": "gradients (the backward pass)", "step": "one step"}


def number(v) -> str:
    """An answer as a person writes it: -4, 0.7311, [1, 0]."""
    return fmt.number(v) if np.ndim(v) == 0 else fmt.brief(v)


def ordinal(n: int) -> str:
    return ORDINALS.get(n, f"{n}th")


def symbol(quiz: Quiz, q: Question) -> str:
    """What is asked: f, ∂f/∂x, ∂g/∂x, new x."""
    name = quiz.name(q.node)
    if q.kind == "value":
        return name
    if q.kind == "local":
        operand = quiz.name(q.operand)
        return d(name, operand) + (f" (its {ordinal(q.use)} {operand})" if q.use else "")
    if q.kind == "grad":
        return d(quiz.evaluation.output.name, name)
    return f"new {name}"


def about(quiz: Quiz, q: Question) -> str:
    """The line that says where the question is in the program."""
    nodes = quiz.graph.nodes
    node = nodes[q.node]
    if q.kind in ("value", "local"):
        return f"{node.name} = {node.text}"
    if q.kind == "step":
        return (f"one step down the gradient, lr = {fmt.number(quiz.lr)}: "
                f"new {node.name} = {node.name} − lr · {d(quiz.evaluation.output.name, node.name)}")
    users: dict[int, int] = {}
    for t in quiz.evaluation.terms[q.node]:
        users[t.user] = users.get(t.user, 0) + 1
    said = [f"{'twice ' if n == 2 else f'{n} times ' if n > 2 else ''}by "
            f"{nodes[u].name} = {nodes[u].text}" for u, n in list(users.items())[:TERMS]]
    more = f" and {len(users) - TERMS} more" if len(users) > TERMS else ""
    return f"{node.name} is used " + " and ".join(said) + more


def known_text(quiz: Quiz, q: Question, known: Mapping[str, object]) -> str:
    """The numbers the student may use, of those known by now: the operands' values (and
    the node's, for a local gradient); for a backward question the upstream gradients
    and the local ones (said apart: at the output ∂g/∂x is both a local gradient and the
    gradient asked for); for a step the value and the gradient."""
    nodes = quiz.graph.nodes
    if q.kind in ("value", "local"):
        wanted = [f"value:{nodes[j].name}" for j in nodes[q.node].args if not nodes[j].is_const]
        if q.kind == "local":
            wanted.append(f"value:{nodes[q.node].name}")
        return _listed(quiz, wanted, known)
    if q.kind == "step":
        return _listed(quiz, q.uses, known)
    groups = [("upstream ", [u for u in q.uses if u.startswith("grad:")]),
              ("local ", [u for u in q.uses if u.startswith("local:")]),
              ("", [u for u in q.uses if u.startswith("value:")])]
    lists = [head + _listed(quiz, ids, known) for head, ids in groups]
    return "; ".join(text for text in lists if text and not text.endswith(" "))


def _listed(quiz: Quiz, ids, known: Mapping[str, object]) -> str:
    shown = [qid for qid in dict.fromkeys(ids) if qid in known]
    more = ", …" if len(shown) > TERMS else ""
    return ", ".join(f"{said(quiz, qid)} = {number(known[qid])}"
                     for qid in shown[:TERMS]) + more


def _terms(terms, text) -> str:
    """The chain-rule terms joined by +, the first TERMS of them and a count of the rest."""
    said = " + ".join(text(t) for t in terms[:TERMS])
    return said + (f" + … ({len(terms) - TERMS} more terms)" if len(terms) > TERMS else "")


def said(quiz: Quiz, qid: str) -> str:
    """An id as the maths writes it: value:x → x, grad:f → ∂g/∂f, local:f:x → ∂f/∂x."""
    kind, _, rest = qid.partition(":")
    parts = rest.split(":")
    if kind == "value":
        return rest
    if kind == "grad":
        return d(quiz.evaluation.output.name, rest)
    if kind == "local":
        return d(parts[0], parts[1]) + (f" ({ordinal(int(parts[2]))} {parts[1]})"
                                        if len(parts) > 2 else "")
    return f"new {rest}"


def context(quiz: Quiz, q: Question, known: Mapping[str, object]) -> str:
    """Where the question is, and the numbers known: f = x * y; x = 3, y = -4."""
    numbers_known = known_text(quiz, q, known)
    return about(quiz, q) + (f"; {numbers_known}" if numbers_known else "")


def prompt(quiz: Quiz, q: Question, known: Mapping[str, object]) -> str:
    """The question on one line: where it is, what is known, what is asked."""
    return f"{context(quiz, q, known)}:  {symbol(quiz, q)} = ?"


def kind_title(quiz: Quiz, kind: str) -> str:
    """The heading over a kind's questions, as they come."""
    out = quiz.evaluation.output.name
    return {"value": "The forward pass: each node's value",
            "local": "Local gradients: ∂node/∂operand, known once the values are",
            "grad": f"The backward pass: {d(out, 'node')} from the output down, starting "
                    f"at {d(out, out)} = 1",
            "step": f"One step down the gradient, lr = {fmt.number(quiz.lr or 0)}"}[kind]


def program_line(text: str) -> str:
    """A program on one line, its comments left out: f = x*y; g = f + z."""
    lines = [ln.split("#", 1)[0].strip() for ln in text.splitlines()]
    said = "; ".join(ln for ln in lines if ln)
    return said if len(said) <= LONG else said[: LONG - 2] + " …"


def point_line(quiz: Quiz) -> str:
    """Where the program is evaluated, and its output: at x = 3, y = -4; output g."""
    ev = quiz.evaluation
    at = ", ".join(f"{k} = {number(v)}" for k, v in ev.inputs().items())
    return (f"at {at}; " if at else "") + f"output {ev.output.name}"


def problem_line(quiz: Quiz) -> str | None:
    """A made-up problem's level and seed, and how to make it again."""
    p = quiz.problem
    if p is None:
        return None
    return (f"made-up problem, level {p.level}, seed {p.seed} (again: backprop quiz --random "
            f"--level {p.level} --seed {p.seed})")


INTRO = ("Answer with a number or arithmetic (-4, 1*3, 0.5, -2/3), an array as [1, 2]. A "
         "wrong\nanswer gets a hint and one more try; end of input (Ctrl-D) stops with the "
         "score so far.")


def asking(quiz: Quiz) -> str:
    """How many questions, of which kinds: 8 questions: local gradients, gradients (the
    backward pass)."""
    return f"{len(quiz.questions)} questions: " + ", ".join(KIND_NAMES[k] for k in quiz.kinds)


def shape_text(quiz: Quiz, q: Question) -> str:
    """Said when an answer has the wrong shape (asked again, not counted)."""
    shape = q.shape
    example = "[a, b]" if len(shape) == 1 else "[[a, b], [c, d]]" if len(shape) == 2 else \
        "nested lists"
    return (f"{symbol(quiz, q)} is an array of shape {fmt.shape(shape)}: answer with "
            f"{example}, or one number for every element")


def off_text(indices: list[tuple[int, ...]]) -> str:
    """Which elements of an array answer are off: [0], [1, 0]."""
    shown = ", ".join(str(list(i)) for i in indices[:6]) + (", …" if len(indices) > 6 else "")
    return f"off at {shown}" if indices else ""


# ---------------------------------------------------------------------------
# hints

def hint(quiz: Quiz, q: Question) -> str:
    """Which rule applies, said after a wrong try (never the number itself)."""
    return {"value": _value_hint, "local": _local_hint, "grad": _grad_hint,
            "step": _step_hint}[q.kind](quiz, q)


def _value_hint(quiz: Quiz, q: Question) -> str:
    return f"put in the numbers: {_with_numbers(quiz, q.node)}"


def _with_numbers(quiz: Quiz, i: int) -> str:
    ev = quiz.evaluation
    node = ev.graph.nodes[i]
    said = [fmt.paren(ev.values[j]) if k or not OPS[node.op].reads.startswith("{0} ")
            else number(ev.values[j]) for k, j in enumerate(node.args)]
    return reads(OPS[node.op], said, node.static).replace(" * ", " · ")


def rule(op_name: str, k: int) -> str:
    """An op's gate note, or its derivative rule in the op table's own letters."""
    op = OPS[op_name]
    if op.gate:
        return op.gate
    letters = ["a", "b"][: op.arity]
    return (f"{op.name} rule: for out = {reads(op, letters, ())}, "
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
        f"{d(nodes[t.user].name, name)} = {local_formula(ev.graph, t.user, t.slot)}"
        for t in terms[:TERMS] if t.local is not None)
    if locals_:
        parts.append("local: " + ", ".join(locals_))
    return "; ".join(parts)


def _step_hint(quiz: Quiz, q: Question) -> str:
    name = quiz.name(q.node)
    return (f"a step moves {name} against its gradient: new {name} = {name} − lr · "
            f"{d(quiz.evaluation.output.name, name)}, with lr = {fmt.number(quiz.lr)}")


# ---------------------------------------------------------------------------
# derivations

def derivation(quiz: Quiz, q: Question) -> str:
    """How the right answer comes about, one line: symbols, formulas, numbers, result."""
    stages = {"value": _value_stages, "local": _local_stages, "grad": _grad_stages,
              "step": _step_stages}[q.kind](quiz, q)
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
    return [symbol(quiz, q), local_formula(quiz.graph, q.node, q.slot),
            _local_numbers(quiz, q), _result(q.right)]


def _local_numbers(quiz: Quiz, q: Question) -> str | None:
    """The op's rule with the numbers put in (0.7311 · (1 - 0.7311) for a sigmoid), for
    numbers; not for the rules made of sign() and cases (max, relu), which read better
    as formulas."""
    ev = quiz.evaluation
    node = ev.graph.nodes[q.node]
    op = OPS[node.op]
    rule_text = op.local[q.slot] if "xlogy" not in op.local[q.slot] else op.shown(q.slot)
    if np.ndim(q.right) or any(np.ndim(ev.values[j]) for j in node.args) or \
            "sign(" in rule_text or " if " in rule_text:
        return None
    names = {"out": fmt.paren(ev.values[q.node])}
    names.update({var: fmt.paren(ev.values[j]) for var, j in zip("ab", node.args, strict=False)})
    return substitute(rule_text, names).replace("**", "^").replace(" * ", " · ")


def _term_symbols(quiz: Quiz, j: int, t) -> str:
    nodes = quiz.graph.nodes
    out = quiz.evaluation.output.name
    if t.local is None:  # not elementwise: the op's own rule applied to the upstream
        return local_formula(quiz.graph, t.user, t.slot, upstream=d(out, nodes[t.user].name))
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
    local = Factor(user.name, nodes[j].name, t.slot, local_formula(quiz.graph, t.user, t.slot),
                   t.local, twice=user.args.count(j) > 1)
    return Path((upstream, local), 2, t.value, gap=2)


def _step_stages(quiz: Quiz, q: Question) -> list:
    ev = quiz.evaluation
    name = quiz.name(q.node)
    symbolic = f"{name} − lr · {d(ev.output.name, name)}"
    value, grad = ev.values[q.node], ev.grad(q.node)
    with_numbers = None
    if np.ndim(value) == 0:
        with_numbers = f"{fmt.number(value)} − {fmt.number(quiz.lr)} · {fmt.paren(grad)}"
    return [symbol(quiz, q), symbolic, with_numbers, _result(q.right)]


# ---------------------------------------------------------------------------
# the end

TOPICS = {
    "forward": "the forward pass: each node's value from its operands'",
    "chain": "the chain rule: each gradient is the upstream gradient times the local one",
    "reuse": "nodes used more than once: their gradient is the sum over every use",
    "step": "the step: new x = x − lr · ∂output/∂x",
}


def practice_text(p: Practice) -> tuple[str, str]:
    """What to practise next, and the command that makes problems for it."""
    ask = f" --ask {','.join(p.kinds)}" if p.kinds != ("local", "grad") else ""
    if "step" in p.kinds:
        ask += " --lr 0.1"
    command = f"backprop quiz --random --level {p.level}{ask}"
    if p.topic == "next":
        return "every answer right: try a harder problem", command
    if p.topic == "local":
        return f"the local gradients of {p.op}: {rule(p.op, 0)}", command
    return TOPICS[p.topic], command


def score_line(result: Result) -> str:
    """The score in words: 7 of 8 right (1 on the second try); 1 wrong."""
    s = result.score
    good = s.right + s.second
    line = f"{good} of {s.asked} right"
    if s.second:
        line += f" ({s.second} on the second try)"
    if s.wrong:
        line += f"; {s.wrong} wrong"
    if s.unanswered:
        line += f"; {s.unanswered} not answered"
    return line
