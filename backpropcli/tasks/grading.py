"""Grading a quiz: each question's verdict, the score per kind and per node, and what
to practise next; and reading a sheet of answers (JSON) to grade.

A question is right when its first answer is; right on the second try when the first
was wrong and the second (after a hint) right; wrong when no try was right; unanswered
when input ended before it (or a sheet leaves it out or null). Right on either try
counts as right: the quiz is all right, exit code 0, when no question is wrong or
unanswered. A sheet of answers gets one try per question.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from ..core.errors import BackpropError, ValueProblem
from ..core.limits import MAX_VARIANTS
from ..core.ops import OPS
from ..core.plural import counted
from .answers import NotANumber, agrees, from_json
from .jsontext import loads
from .point import Point, point_from
from .problems import PROBLEM_LEVELS
from .quiz import KINDS, MAX_TOL, Question, Quiz

RIGHT, SECOND, WRONG, UNANSWERED = "right", "second try", "wrong", "unanswered"

TOP = PROBLEM_LEVELS[-1]  # the hardest made-up problem


@dataclass(frozen=True)
class Graded:
    question: Question
    tries: tuple  # the answers given, first first; none when unanswered
    verdict: str


@dataclass(frozen=True)
class Tally:
    asked: int = 0
    right: int = 0  # on the first try
    second: int = 0  # right on the second try
    wrong: int = 0
    unanswered: int = 0

    @property
    def missed(self) -> int:
        return self.wrong + self.unanswered

    def add(self, verdict: str) -> Tally:
        key = {RIGHT: "right", SECOND: "second", WRONG: "wrong", UNANSWERED: "unanswered"}
        return replace(self, asked=self.asked + 1,
                       **{key[verdict]: getattr(self, key[verdict]) + 1})


@dataclass(frozen=True)
class Practice:
    """What to practise next: a topic, and the made-up problems that practise it."""

    topic: str  # "next" (all right), "forward", "local", "chain", "reuse", "step", "rest"
    level: int  # for `backprop quiz --random --level N`
    kinds: tuple[str, ...]  # for --ask
    op: str | None = None  # "local": the op whose local gradients were missed most
    seed: int | None = None  # "rest": the same made-up problem again


@dataclass(frozen=True)
class QuizResult:
    quiz: Quiz
    graded: tuple[Graded, ...]
    stopped: bool = False  # the input ended before the last question

    @property
    def score(self) -> Tally:
        return _tally(self.graded)

    @property
    def all_right(self) -> bool:
        return self.score.missed == 0

    @property
    def missed(self) -> tuple[Graded, ...]:
        return tuple(g for g in self.graded if g.verdict in (WRONG, UNANSWERED))

    def by_kind(self) -> dict[str, Tally]:
        return {k: _tally(g for g in self.graded if g.question.kind == k)
                for k in self.quiz.kinds}

    def by_node(self) -> dict[str, Tally]:
        """Per node the questions about it (a local gradient is its gate's), in the
        order of the forward pass."""
        out: dict[int, Tally] = {}
        for g in sorted(self.graded, key=lambda g: g.question.node):
            out[g.question.node] = out.get(g.question.node, Tally()).add(g.verdict)
        return {self.quiz.name(i): t for i, t in out.items()}

    def practice(self) -> Practice:
        return practice(self)


class NotAllRight(BackpropError):
    """The verdict of a quiz with answers wrong or missing: exit code 1, after the score
    (as a failed gradient check), so that a script can tell."""

    exit_code = 1
    kind = "quiz"
    verdict = True  # the score is the quiz's result: said on stdout, never as "error:"


def failure(result: QuizResult) -> NotAllRight | None:
    s = result.score
    if result.all_right:
        return None
    said = [f"{s.wrong} wrong"] * bool(s.wrong) + [f"{s.unanswered} not answered"] * bool(
        s.unanswered)
    return NotAllRight(f"{s.asked - s.missed} of {counted(s.asked, 'answer')} right "
                       f"({', '.join(said)})")


def verdict(q: Question, tries: tuple, tol: float) -> str:
    if not tries:
        return UNANSWERED
    if agrees(tries[0], q.right, tol):
        return RIGHT
    return SECOND if agrees(tries[-1], q.right, tol) else WRONG


def practice(result: QuizResult) -> Practice:
    """The topic of the questions answered wrong (or, with none wrong, of those right
    only on the second try), from the first kind a person works on (a wrong forward
    pass spoils all that follows); with none of either, the questions left unanswered,
    if any; every answer right the first time: the next level."""
    quiz = result.quiz
    level = quiz.problem.level if quiz.problem is not None else 2
    missed = [g.question for g in result.graded if g.verdict == WRONG] or \
        [g.question for g in result.graded if g.verdict == SECOND]
    if not missed and result.score.unanswered:
        return Practice("rest", level, quiz.kinds,
                        seed=quiz.problem.seed if quiz.problem is not None else None)
    if not missed:
        return Practice("next", min(TOP, level + 1), quiz.kinds)
    graph = quiz.graph
    first = min((q.kind for q in missed), key=KINDS.index)
    mine = [q for q in missed if q.kind == first]
    if first == "value":
        return Practice("forward", level, ("value",))
    if first == "step":
        return Practice("step", level, ("grad", "step"))
    if first == "tangent":
        return Practice("tangent", level, ("local", "tangent"))
    if first == "local":
        ops = [graph.nodes[q.node].op for q in mine]
        op = max(dict.fromkeys(ops), key=ops.count)  # the most missed, first on a tie
        # the op's row says which made-up problem practises it
        return Practice("local", OPS[op].level, ("local",), op)
    reused = [q for q in mine if len(quiz.evaluation.terms[q.node]) > 1]
    if reused:
        return Practice("reuse", 4, ("grad",))
    return Practice("chain", 2, ("local", "grad"))


def grade(quiz: Quiz, answers: Mapping[str, object]) -> QuizResult:
    """A sheet of answers graded, one try per question (answers: values by id, as
    read_answers makes them; None or missing: unanswered)."""
    graded = []
    for q in quiz.questions:
        answer = answers.get(q.id)
        tries = () if answer is None else (answer,)
        graded.append(Graded(q, tries, verdict(q, tries, quiz.tol)))
    return QuizResult(quiz, tuple(graded))


# ---------------------------------------------------------------------------
# a sheet of answers

@dataclass(frozen=True)
class AnswerSheet:
    """A document of answers: `{"answers": {"grad:x": -4, ...}}`, maybe a whole sheet
    (`backprop quiz --sheet --json`, filled in) with its program, values and settings."""

    answers: dict[str, object]  # as written (JSON values), by id
    point: Point | None = None
    kinds: tuple[str, ...] | None = None
    lr: float | None = None
    tol: float | None = None
    problem: dict = field(default_factory=dict)  # a made-up problem's level and seed
    variant: int | None = None  # its number among an exam's variants (quiz --variants)


def read_answer_sheet(text: str, origin: str) -> AnswerSheet:
    """A sheet of answers, every field it has checked: anything malformed in it (a
    wrong type, a key missing, a number past a float or not finite, a tolerance past
    MAX_TOL) is a ValueProblem naming `origin`, exit 2."""
    doc = loads(text, lambda why: ValueProblem(f"{origin} is not a valid JSON document "
                                               f"({why})"))
    if not isinstance(doc, dict) or not isinstance(doc.get("answers"), dict):
        raise ValueProblem(f"{origin} holds no answers",
                           hint='write {"answers": {"grad:x": -4, ...}}, or fill in the '
                                "sheet of backprop quiz --sheet --json")
    point = point_from(doc, origin) if "program" in doc else None
    raw = doc.get("quiz")
    if raw is not None and not isinstance(raw, dict):
        raise ValueProblem(f"{origin}: 'quiz' must be an object of settings, not "
                           f"{_kind(raw)}")
    settings: dict = raw or {}
    ask = settings.get("ask")
    if ask is not None and not (isinstance(ask, list) and all(k in KINDS for k in ask)):
        raise ValueProblem(f"{origin}: quiz.ask must be a list of kinds, from "
                           f"{', '.join(KINDS)}")
    lr = _number(settings.get("lr"), "quiz.lr", origin)
    if lr is not None and not math.isfinite(lr):
        raise ValueProblem(f"{origin}: quiz.lr must be a finite number, not "
                           f"{_said(settings['lr'])}")
    tol = _number(settings.get("tol"), "quiz.tol", origin)
    if tol is not None and tol > MAX_TOL:
        raise ValueProblem(f"{origin}: quiz.tol is {_said(settings['tol'])}, more than the "
                           f"cap of {MAX_TOL}",
                           hint=f"an answer is right within tol·max(1, |right|); tol is at "
                                f"most {MAX_TOL}, as --tol is")
    kinds = tuple(k for k in KINDS if k in ask) if ask else None
    return AnswerSheet(dict(doc["answers"]), point, kinds, lr, tol,
                       _problem(settings.get("random"), origin), _variant(doc, settings, origin))


def _variant(doc: dict, settings: dict, origin: str) -> int | None:
    """The variant a sheet is of: {"variant": k, ...} as a grader writes it, or the
    quiz.variant of a sheet that `quiz --variants N --json` wrote; where both are
    there, they agree."""
    said = [(where, v) for where, v in (("variant", doc.get("variant")),
                                        ("quiz.variant", settings.get("variant")))
            if v is not None]
    for where, v in said:
        if not (_whole(v) and 1 <= v <= MAX_VARIANTS):
            raise ValueProblem(f"{origin}: {where} must be a whole number from 1 to "
                               f"{MAX_VARIANTS}, not {_said(v)}")
    if len({v for _, v in said}) > 1:
        raise ValueProblem(f"{origin}: variant {said[0][1]} and quiz.variant {said[1][1]} "
                           "disagree", hint="leave one of them out")
    return said[0][1] if said else None


def _number(value, what: str, origin: str) -> float | None:
    """A positive number (infinity for one past a float: the caller says what it may be)."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        try:
            return float(value)
        except OverflowError:  # a whole number of hundreds of digits: past any float
            return math.inf
    raise ValueProblem(f"{origin}: {what} must be a positive number, not {_said(value)}")


def _problem(made, origin: str) -> dict:
    """A made-up problem's level and seed, as `--random --level N --seed N` take them."""
    if made is None:
        return {}
    level, seed = (made.get("level"), made.get("seed")) if isinstance(made, dict) else (0, 0)
    if not (isinstance(level, int) and _whole(level) and 1 <= level <= TOP
            and isinstance(seed, int) and _whole(seed) and 0 <= seed < 2**64):
        raise ValueProblem(f"{origin}: quiz.random must be null or "
                           f'{{"level": 1 to {TOP}, "seed": a whole number from 0}}, not '
                           f"{_said(made)}")
    return {"level": level, "seed": seed}


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _kind(value) -> str:
    return {list: "a list", str: "text", bool: "true or false", int: "a number",
            float: "a number"}.get(type(value), "null")


def _said(value) -> str:
    """A JSON value for a message, cut short (a whole number of hundreds of digits by
    its size)."""
    if _whole(value) and abs(value) >= 10**15:
        return f"a number of {len(str(abs(value)))} digits"
    text = json.dumps(value) if not isinstance(value, float) or math.isfinite(value) \
        else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def asked_kinds(answers: Mapping[str, object]) -> tuple[str, ...]:
    """The kinds a bare sheet of answers answers, when nothing else says what to ask."""
    said = {qid.split(":", 1)[0] for qid in answers}
    return tuple(k for k in KINDS if k in said)


def read_answers(quiz: Quiz, sheet: AnswerSheet, origin: str) -> dict[str, object]:
    """The answers as values, by id; a ValueProblem (exit 2) naming every id that is no
    question of the quiz, or every answer that is not a number."""
    unknown = [qid for qid in sheet.answers if quiz.find(qid) is None]
    if unknown:
        ids = [q.id for q in quiz.questions]
        shown = ", ".join(ids[:10]) + (", ..." if len(ids) > 10 else "")
        raise ValueProblem(f"{origin}: no question {', '.join(map(repr, unknown[:10]))}"
                           f"{' ...' if len(unknown) > 10 else ''} in this quiz "
                           f"(asking {', '.join(quiz.kinds)})", hint=f"its questions: {shown}")
    out, bad = {}, []
    for qid, value in sheet.answers.items():
        try:
            out[qid] = from_json(qid, value, origin)
        except NotANumber as e:
            bad.append(e.message)
    if bad:
        more = f" (and {len(bad) - 3} more)" if len(bad) > 3 else ""
        raise ValueProblem("; ".join(bad[:3]) + more,
                           hint="an answer is a number, a list of numbers, arithmetic as "
                                'text ("-2/3"), or null for none')
    return out


def _tally(graded) -> Tally:
    t = Tally()
    for g in graded:
        t = t.add(g.verdict)
    return t
