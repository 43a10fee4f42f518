"""The quiz: its sheet of questions (sheet), the grading of a sheet of answers (grade),
and the asking of the questions one at a time (quiz), on a program, a made-up problem
(`random`), a session, or the program a sheet of answers carries."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from ..core.errors import BackpropError, UsageError, ValueProblem, param
from ..core.optim import LR
from ..output import hints
from ..output import quiztext as words
from ..tasks import grading, problems
from ..tasks import quiz as quizzing
from ..tasks.answers import (  # AnswerLines: piped answers, for the command line
    AnswerLines,
    NotANumber,
    agrees,
    read_answer,
    wrong_elements,
)
from ..tasks.files import expand, read_text
from ..tasks.grading import AnswerSheet, Graded
from ..tasks.point import Point
from ..tasks.quiz import KINDS, Problem, Question, Quiz
from . import checks
from .evaluating import evaluate
from .results import Renderable, Result, Shown, shown_as
from .source import merged

if TYPE_CHECKING:
    from .source import Program

__all__ = ["KINDS", "AnswerLines", "Grades", "Sheet", "grade", "quiz", "sheet"]


class Sheet(Shown, Quiz):
    """The questions of a quiz, with their right answers (`.questions[k].right`), shown
    as `backprop quiz --sheet` writes them (never the answers)."""

    __slots__ = ()

    def view(self, full: bool = False) -> Renderable:
        from ..terminal import views

        return views.sheet_view(self, full)


@dataclass(frozen=True, repr=False, eq=False)
class Grades(Shown, grading.QuizResult):
    """A quiz graded: `.score`, `.graded` (each question, its tries, its verdict),
    `.all_right`, `.by_kind()`, `.by_node()`, `.practice()`; `.note`, what a grader
    should know of a sheet's settings that were not used; shown as the quiz's end."""

    note: str | None = None

    def failure(self) -> BackpropError | None:
        """Questions not all right, as the error (exit code 1) the command line ends
        with."""
        return grading.failure(self)

    def view(self, full: bool = False) -> Renderable:
        from ..terminal import views

        return views.results_view(self, True, full)


def _make(program: Program | None, values: Mapping[str, object], *, ask, lr, tol, random,
          level, seed, output, params, freeze, base,
          answers: AnswerSheet | None = None, origin: str = "") -> Quiz:
    """The quiz on the program, a made-up problem or a sheet's own program, with its
    settings (a sheet's own where not given, when the quiz is the sheet's own)."""
    typed_lr, lr = lr, None if lr is None else checks.positive(lr, "lr")
    tol = _tol(tol)
    random = checks.flag(random, "random")
    if random and program is not None:
        raise UsageError(f"{param('random')} makes up a problem: give it, or PROGRAM, not both")
    if random and values:
        raise UsageError(f"{param('random')} makes up its own values, not {', '.join(values)}")
    if level is not None and not random:
        raise UsageError(f"{param('level')} is the made-up problem's: add {param('random')}")
    opened = dict(program=program, values=values, random=random, level=level, seed=seed,
                  output=output, params=params, freeze=freeze, base=base)
    if answers is None:
        result, problem = _open(**opened)
        kinds = quizzing.kinds_of(ask, lr)
        return quizzing.make(result.evaluation, result.point, kinds, lr,
                             tol or quizzing.TOL, problem)
    result, problem = _open_sheet(answers, origin, **opened)
    if _own(answers, program, random):  # the sheet says what it is for, and how graded
        if lr is not None and answers.lr is not None and lr != answers.lr:
            raise UsageError(f"{param('lr')} {typed_lr}: the answers are for lr = "
                             f"{answers.lr}")
        tol = tol or answers.tol
    # else a grader's program (random, the session) and numbers, graded within the
    # grader's tolerance: a sheet, which a student can edit, never loosens it
    lr = lr if lr is not None else answers.lr
    kinds = quizzing.kinds_of(ask, None) if ask is not None else \
        answers.kinds or grading.asked_kinds(answers.answers) or quizzing.DEFAULT_KINDS
    return quizzing.make(result.evaluation, result.point, kinds, lr, tol or quizzing.TOL,
                         problem)


def _tol(tol: object) -> float | None:
    if tol is None:
        return None
    checked = checks.positive(tol, "tol")
    if checked > quizzing.MAX_TOL:
        raise UsageError(f"{param('tol')} must be at most {quizzing.MAX_TOL}, not {tol}",
                         hint="an answer is right within tol·max(1, |right|): past 10 % "
                              "off, right says nothing")
    return checked


def _own(answers: AnswerSheet, program: object, random: bool) -> bool:
    """The sheet is graded on its own program and settings: it carries them, and
    neither a program nor `random` says what the quiz is."""
    return answers.point is not None and program is None and not random


def _note(answers: AnswerSheet, made: Quiz, program: object, random: bool,
          tol: object, lr: object) -> str | None:
    """What a grader should know of the sheet's settings that were not used as written."""
    said = []
    own = _own(answers, program, random)
    if not own and answers.tol is not None and answers.tol != made.tol:
        said.append(f"the sheet's tol {answers.tol:g} is not used: graded within tol "
                    f"{made.tol:g} ({param('tol') if tol is not None else 'the default'})")
    if not own and lr is None and made.lr is not None and made.lr == answers.lr \
            and answers.lr != LR:
        said.append(f"the step questions are graded at the sheet's lr = {made.lr:g} "
                    f"({param('lr')} sets it)")
    return "note: " + "; ".join(said) if said else None


def _open(*, program, values, random, level, seed, output, params,
          freeze, base) -> tuple[Result, Problem | None]:
    if random:
        problem = problems.make_problem(
            problems.LEVEL if level is None else checks.whole(level, "level"),
            None if seed is None else checks.seed(seed))
        return evaluate(problem.program, problem.values, output=output, params=params,
                        freeze=freeze), problem
    if program is None:
        raise UsageError("a quiz is on a program: give one, or random=True")
    return evaluate(program, values, seed=seed, base=base, output=output, params=params,
                    freeze=freeze), None


def _open_sheet(answers: AnswerSheet, origin: str, **opened) -> tuple[Result, Problem | None]:
    """A sheet that carries its point is graded there; a program or a made-up problem,
    if given too, must make the same point, and then the quiz is theirs (their params
    and output, not the sheet's). A bare sheet of answers is for the program given."""
    if answers.point is None:
        return _open(**opened)
    if opened["values"] and opened["program"] is None:
        raise UsageError(f"{param(next(iter(opened['values'])))}: the answers are for the "
                         "values their document holds", hint="leave the values out")
    with _named(origin):  # the sheet's program and values, as a file's, are named by it
        result = evaluate(answers.point, output=opened["output"])
    if opened["program"] is not None or opened["random"]:
        mine, problem = _open(**opened)
        if not _same(mine.point, result.point):
            raise ValueProblem(f"{origin}: the answers are for another problem: "
                               f"{_short(result.point.program)} at its own values",
                               hint="leave out PROGRAM (the sheet says what it is for), or "
                                    "give the same program and values")
        return mine, problem
    level, seed = answers.problem.get("level"), answers.problem.get("seed")
    problem = None
    if isinstance(level, int) and isinstance(seed, int):
        problem = Problem(level, seed, result.point.program, dict(result.point.inputs),
                          answers.variant)
    return result, problem


@contextmanager
def _named(origin: str) -> Iterator[None]:
    try:
        yield
    except BackpropError as e:
        if not e.message.startswith(f"{origin}: "):
            e.message = f"{origin}: {e.message}"
            e.args = (e.message,)
            message, hint = e._said
            e._said = (f"{origin}: {message}", hint)
        raise


def _same(a: Point, b: Point) -> bool:
    return a.program.strip() == b.program.strip() and a.inputs.keys() == b.inputs.keys() \
        and all(np.array_equal(a.inputs[k], b.inputs[k]) for k in a.inputs)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= 40 else text[:37] + "...")


_COMMON = """
    The quiz is on `program` (as for evaluate(), with `values`, `seed`, `output`,
    `params`, `freeze`, `base`), or with `random` on a made-up problem of `level` 1 (one
    gate) to 5 (a vector layer; default 2) drawn from `seed`. `ask` chooses the kinds of
    questions, "value,local,grad,step" or some of them (default "local,grad", and step
    with `lr`); `lr` (default 0.1) is the step questions' learning rate, `tol` how close
    a right answer is: |answer − right| ≤ tol·max(1, |right|) (default 1e-3). A bad
    argument raises BackpropError."""


@checks.keywords
def sheet(program: Program | None = None, values: Mapping[str, object] | None = None, /, *,
          ask: str | None = None, lr: float | None = None, tol: float | None = None,
          random: bool = False, level: int | None = None, seed: int | None = None,
          output: str | None = None, params: checks.Names = None, freeze: checks.Names = None,
          base: str | os.PathLike[str] | None = None, **inputs: object) -> Sheet:
    return shown_as(Sheet, _make(program, merged(values, inputs), ask=ask, lr=lr, tol=tol,
                                 random=random, level=level, seed=seed, output=output,
                                 params=params, freeze=freeze, base=base))


sheet.__doc__ = ("The questions of a quiz, in the order a person works (each node's value, "
                 "each local gradient, each gradient from the output down, each param's new "
                 "value after a step), with their right answers." + _COMMON)


@checks.keywords
def grade(answers: str | os.PathLike[str] | Mapping[str, object],
          program: Program | None = None, values: Mapping[str, object] | None = None, /, *,
          origin: str | None = None, ask: str | None = None, lr: float | None = None,
          tol: float | None = None, random: bool = False, level: int | None = None,
          seed: int | None = None, output: str | None = None, params: checks.Names = None,
          freeze: checks.Names = None, base: str | os.PathLike[str] | None = None,
          session: Program | None = None, variants: int | None = None,
          **inputs: object) -> Grades:
    sheet_of, origin = _answers(answers, origin)
    if variants is not None and sheet_of.variant is None:
        raise UsageError(f"{param('variants')}: {origin} does not say which variant it "
                         "answers", hint='write {"variant": K, "answers": {...}}')
    if sheet_of.variant is not None and sheet_of.point is None:
        seed = _variant_seed(sheet_of.variant, origin, program, random, level, seed, variants)
    if program is None and not random and sheet_of.point is None:
        if session is None:
            raise UsageError("the answers do not say what they are for: give the program",
                             hint="or grade a sheet that sheet() made (it carries its "
                                  "program)")
        program = session
    given = program
    made = _make(program, merged(values, inputs), ask=ask, lr=lr, tol=tol, random=random,
                 level=level, seed=seed, output=output, params=params, freeze=freeze,
                 base=base, answers=sheet_of, origin=origin)
    if made.problem is not None and sheet_of.variant is not None:
        made = replace(made, problem=replace(made.problem, variant=sheet_of.variant))
    graded = shown_as(Grades, grading.grade(made, grading.read_answers(made, sheet_of, origin)))
    return replace(graded, note=_note(sheet_of, made, given, bool(random), tol, lr))


grade.__doc__ = ("Grade a sheet of answers: `answers` is its JSON text, a path to its file "
                 "(a pathlib.Path) or its dict, {\"answers\": {\"grad:x\": -4, ...}}, maybe a "
                 "whole sheet that sheet() made and --json wrote, filled in (which says its "
                 "own program, values and settings); `origin` names it in errors. A bare "
                 "sheet of answers is for `program`, else for `session` (a Session)."
                 + _COMMON)


def _variant_seed(number: int, origin: str, program: object, random: object, level: object,
                  seed: object, variants: object) -> int:
    """The seed of the made-up problem of an exam's variant `number`, made again from
    the exam's level and seed (tasks/exam.py): its sheet is graded as that problem's."""
    from ..tasks import exam

    exam_options = f"{param('random')} {param('level')} N {param('seed')} N"
    if program is not None or not checks.flag(random, "random"):
        raise UsageError(f"{origin} answers variant {number} of an exam: give the exam's "
                         f"{exam_options}, not a program")
    if seed is None:
        raise UsageError(f"{origin} answers variant {number} of an exam: give the exam's "
                         f"{param('seed')}", hint=f"the options that made it: {exam_options}")
    if variants is not None:
        count = checks.whole(variants, "variants", least=1, most=exam.MAX_VARIANTS)
        if number > count:
            raise UsageError(f"{origin} answers variant {number}, but the exam has "
                             f"{count} variants")
    level = problems.LEVEL if level is None else checks.whole(level, "level")
    return exam.variant(level, checks.seed(seed), number).seed


def _answers(answers: object, origin: str | None) -> tuple[AnswerSheet, str]:
    import json

    if isinstance(answers, os.PathLike):
        path = os.fspath(answers)
        text = read_text(expand(path), f"{param('answers')} ")
        return grading.read_answer_sheet(text, origin or path), origin or path
    if isinstance(answers, Mapping):
        answers = json.dumps(answers, default=lambda v: np.asarray(v).tolist())
    if not isinstance(answers, str):
        raise UsageError(f"answers are JSON text, a path or a dict, not "
                         f"{type(answers).__name__}")
    said = origin or f"the JSON text of {param('answers')}"
    if not answers.lstrip().startswith(("{", "[")) and origin is None:
        raise UsageError(f"{said} is no JSON document: {_short(answers)}",
                         hint="a sheet's file is given as a pathlib.Path, its text as a str")
    return grading.read_answer_sheet(answers, said), said


@checks.keywords
def quiz(program: Program | None = None, values: Mapping[str, object] | None = None, /, *,
         write: Callable[[str], None], read: Callable[[], str | None], echo: bool = False,
         ask: str | None = None, lr: float | None = None, tol: float | None = None,
         random: bool = False, level: int | None = None, seed: int | None = None,
         output: str | None = None, params: checks.Names = None, freeze: checks.Names = None,
         base: str | os.PathLike[str] | None = None, **inputs: object) -> Grades:
    made = _make(program, merged(values, inputs), ask=ask, lr=lr, tol=tol, random=random,
                 level=level, seed=seed, output=output, params=params, freeze=freeze,
                 base=base)
    return shown_as(Grades, _converse(made, write, read, echo))


quiz.__doc__ = ("Ask the questions one at a time: `write(text)` says each, `read()` gives "
                "the next line of answer (None at the end of input, which stops the quiz "
                "with the questions left unanswered); `echo` writes each answer after its "
                "prompt (answers from a pipe). A wrong answer gets a hint and one more try, "
                "a second the right answer and its derivation." + _COMMON)


def _converse(made: Quiz, write, read, echo: bool) -> grading.QuizResult:
    """Ask every question in order; stop at the end of input with the score so far."""
    problem = words.problem_line(made)
    write(f"Quiz: {words.program_line(made.point.program)}\n  {words.point_line(made)}\n"
          + (f"  {problem}\n    {words.problem_command(made)}\n" if problem else "")
          + f"{words.asking(made)}\n{words.INTRO}\n")
    graded: list[Graded] = []
    kind = None
    for k, q in enumerate(made.questions):
        if q.kind != kind:
            kind = q.kind
            write(f"\n{words.kind_title(made, kind)}\n")
        write(f"[{k + 1}/{len(made.questions)}] {words.context(made, q, made.known(k))}\n")
        tries, ended = _ask(made, q, write, read, echo)
        graded.append(Graded(q, tries, grading.verdict(q, tries, made.tol)))
        if ended:
            write("(end of input: the questions left count as not answered)\n\n")
            graded += [Graded(rest, (), grading.UNANSWERED) for rest in made.questions[k + 1:]]
            return grading.QuizResult(made, tuple(graded), stopped=True)
    write("\n")
    return grading.QuizResult(made, tuple(graded))


def _ask(made: Quiz, q: Question, write, read, echo: bool) -> tuple[tuple, bool]:
    """One question: up to two tries, a hint after the first wrong one, the right answer
    and its derivation after the second. An answer that is not a number, or not of the
    question's shape (a list for one number, one number for an array that is not that
    number everywhere), is asked again and not counted: it is a slip of writing, not of
    working out. Returns the tries and whether input ended."""
    tries: list = []
    while len(tries) < quizzing.TRIES:
        write(f"  {words.symbol(made, q)} = ")
        text = read()
        if text is None:
            write("\n")
            return tuple(tries), True
        if echo:
            write(text + "\n")
        try:
            answer = read_answer(text)
        except NotANumber as e:  # asked again, not counted as a try
            write(f"  {e.message}\n")
            continue
        if np.shape(answer) != np.shape(q.right) and not agrees(answer, q.right, made.tol):
            write(f"  {words.shape_text(made, q)}\n")  # asked again, not counted either
            continue
        tries.append(answer)
        write(f"  {_feedback(made, q, answer, len(tries))}\n")
        if agrees(answer, q.right, made.tol):
            break
    return tuple(tries), False


def _feedback(made: Quiz, q: Question, answer, tried: int) -> str:
    if agrees(answer, q.right, made.tol):
        return "right" if tried == 1 else "right, on the second try"
    off = words.off_text(wrong_elements(answer, q.right, made.tol))  # (shape: as asked)
    said = f"not right ({off})" if off else "not right"
    if tried < quizzing.TRIES:
        return f"{said}. Hint: {hints.hint(made, q)}. One more try:"
    return f"{said}. {hints.derivation(made, q)}"
