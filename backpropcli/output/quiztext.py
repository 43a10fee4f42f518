"""The words of `backprop quiz` around its questions: what each asks, where it is in
the program and the numbers known by then, the headings and the lines of the
conversation, and the score. Pure functions of the quiz's data (tasks/quiz.py,
tasks/grading.py); the rules (hints, derivations, what to practise) are in
output/hints.py.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..core import fmt
from ..core.plural import counted, ordinal
from ..tasks.forward import dot
from ..tasks.grading import QuizResult
from ..tasks.quiz import Question, Quiz
from .text import d

TERMS = 4  # chain-rule terms (and users, and known numbers) written out, as in eval's table
LONG = 120  # characters of a program said on one line
KIND_NAMES = {"value": "values (the forward pass)", "local": "local gradients",
              "tangent": "tangents (forward mode)",
              "grad": "gradients (the backward pass)", "step": "one step"}


def number(v) -> str:
    """An answer as a person writes it: -4, 0.7311, [1, 0]."""
    return fmt.number(v) if np.ndim(v) == 0 else fmt.brief(v)


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
    if q.kind == "tangent":
        return f"{dot(name)} along {quiz.name(q.operand)}"
    return f"new {name}"


def about(quiz: Quiz, q: Question) -> str:
    """The line that says where the question is in the program."""
    nodes = quiz.graph.nodes
    node = nodes[q.node]
    if q.kind in ("value", "local"):
        return f"{node.name} = {node.text}"
    if q.kind == "tangent":
        along = quiz.name(q.operand)
        return f"{node.name} = {node.text}, forward mode along {along} ({dot(along)} = 1)"
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
    if q.kind in ("step", "tangent"):
        return _listed(quiz, q.uses, known)
    groups = [("upstream ", [u for u in q.uses if u.startswith("grad:")]),
              ("local ", [u for u in q.uses if u.startswith("local:")]),
              ("", [u for u in q.uses if u.startswith("value:")])]
    lists = [head + _listed(quiz, ids, known) for head, ids in groups]
    return "; ".join(text for text in lists if text and not text.endswith(" "))


def _listed(quiz: Quiz, ids, known: Mapping[str, object]) -> str:
    shown = [qid for qid in dict.fromkeys(ids) if qid in known]
    more = ", …" if len(shown) > TERMS else ""
    return ", ".join(f"{said(quiz, qid)} = {known_value(quiz, qid, known[qid])}"
                     for qid in shown[:TERMS]) + more


def known_value(quiz: Quiz, qid: str, v) -> str:
    """A known value: an input's as the user typed it (0.99999, not 1), as the point
    line says it; any other at the command's precision."""
    kind, _, name = qid.partition(":")
    typed = kind == "value" and name in quiz.evaluation.graph.input_names
    return fmt.typed(v) if typed and np.ndim(v) == 0 else number(v)


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
    if kind == "tangent":
        return dot(parts[0])
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
            "tangent": "Forward mode: each node's tangent along one input, the sum of its "
                       "local derivatives times its operands' tangents",
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
    at = ", ".join(f"{k} = {fmt.typed(v)}" for k, v in ev.inputs().items())
    return (f"at {at}; " if at else "") + f"output {ev.output.name}"


def problem_line(quiz: Quiz) -> str | None:
    """A made-up problem's level and seed, leading to the command that makes it again
    (problem_command), which goes on a line of its own: a command is never wrapped."""
    p = quiz.problem
    if p is None:
        return None
    of = f" (variant {p.variant} of an exam)" if p.variant is not None else ""
    return f"made-up problem, level {p.level}, seed {p.seed}{of}; again:"


def problem_command(quiz: Quiz) -> str | None:
    """The command that makes the same made-up problem again."""
    p = quiz.problem
    return None if p is None else f"backprop quiz --random --level {p.level} --seed {p.seed}"


INTRO = ("Answer with a number or arithmetic (-4, 1*3, 0.5, -2/3), an array as [1, 2]. A "
         "wrong\nanswer gets a hint and one more try; end of input (Ctrl-D) stops with the "
         "score so far.")


def asking(quiz: Quiz) -> str:
    """How many questions, of which kinds: 8 questions: local gradients, gradients (the
    backward pass)."""
    return f"{counted(len(quiz.questions), 'question')}: " + \
        ", ".join(KIND_NAMES[k] for k in quiz.kinds)


def shape_text(quiz: Quiz, q: Question) -> str:
    """Said when an answer has the wrong shape (asked again, not counted)."""
    shape = q.shape
    if not shape:
        return (f"{symbol(quiz, q)} is a single number: answer with one, as in -4 or 1*3, "
                "not a list (not counted: answer again)")
    example = "[a, b]" if len(shape) == 1 else "[[a, b], [c, d]]" if len(shape) == 2 else \
        "nested lists"
    return (f"{symbol(quiz, q)} is an array of shape {fmt.shape(shape)}: answer with "
            f"{example} (one number only where every element is that number; not counted: "
            "answer again)")


def off_text(indices: list[tuple[int, ...]]) -> str:
    """Which elements of an array answer are off: [0], [1, 0]."""
    shown = ", ".join(str(list(i)) for i in indices[:6]) + (", …" if len(indices) > 6 else "")
    return f"off at {shown}" if indices else ""


# ---------------------------------------------------------------------------
# the end

def score_line(result: QuizResult) -> str:
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
