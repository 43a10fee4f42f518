"""`backprop quiz`: its handler, and what a quiz is on (PROGRAM, a made-up problem, the
session, or the program a sheet of answers carries).

Three ways to run: ask the questions one at a time (conversation.py), write them as a
sheet without the answers (--sheet), or grade a sheet of answers (--answers). The quiz
is the one command that talks while it runs; its end (the score, what was missed, what
to practise) is an Outcome like any other, drawn and written by app.py. Questions left
unanswered count as not right (exit code 1). The session is read, never changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from .. import api
from ..core.errors import BackpropError, UsageError, ValueProblem
from ..output import document as doc
from ..tasks import grading, problems, session
from ..tasks import quiz as quizzing
from ..tasks.grading import AnswerSheet, Result
from ..tasks.point import Point
from ..tasks.program import program_source
from ..tasks.quiz import Problem, Quiz
from . import options as o
from .conversation import converse, piped_answers, talk
from .options import CommandLine
from .spec import Env, Outcome


def run_quiz(line: CommandLine, env: Env) -> Outcome:
    _check(line)
    if line.flag("sheet"):
        quiz = _quiz(line, env)
        return Outcome(document=lambda: doc.quiz_sheet(quiz),
                       view=lambda: _views().sheet_view(quiz, line.flag("full")))
    if line.text("answers") is not None:
        sheet, origin = _answer_sheet(line, env)
        quiz = _quiz(line, env, sheet, origin)
        return _ended(grading.grade(quiz, grading.read_answers(quiz, sheet, origin)), line,
                      every=True, note=_note(line, sheet, quiz))
    answers = piped_answers(line, env)
    quiz = _quiz(line, env)
    result = converse(quiz, talk(env.json, answers))
    if answers is not None:  # what the quiz left unread still counts against the limit
        answers.drain()
    return _ended(result, line)


def _ended(result: Result, line: CommandLine, every: bool = False,
           note: str | None = None) -> Outcome:
    failure = grading.failure(result)

    def document() -> dict:
        fields = doc.quiz_fields(result)
        if failure is not None:
            fields["error"] = failure.to_json()
        return doc.document("quiz", result.quiz.evaluation, result.quiz.point, **fields)

    return Outcome(document=document,
                   view=lambda: _views().results_view(result, every, line.flag("full")),
                   failure=failure, note=note)


def _views():
    from ..output.terminal import quiz as views  # Rich: only where something is drawn

    return views


def _check(line: CommandLine) -> None:
    """The ways of running a quiz that exclude each other, refused before any work."""
    if line.flag("sheet") and line.text("answers") is not None:
        raise UsageError("--sheet writes the questions, --answers grades them: give one")
    if line.flag("random") and line.program is not None:
        raise UsageError("--random makes up a problem: give it, or PROGRAM, not both")
    if line.flag("random") and line.values:
        raise UsageError(f"--random makes up its own values, not {', '.join(line.values)}")
    if "level" in line.options and not line.flag("random"):
        raise UsageError("--level is the made-up problem's: add --random")


# ---------------------------------------------------------------------------
# what the quiz is on

def _quiz(line: CommandLine, env: Env, sheet: AnswerSheet | None = None,
          origin: str = "") -> Quiz:
    """The quiz on PROGRAM, a made-up problem or the session; when grading, on the
    answer sheet's own program and values where it carries them (and its settings)."""
    lr = line.positive("lr", quizzing.LR) if "lr" in line.options else None
    tol = _tol(line)
    if sheet is None:
        result, problem = _open(line, env)
        kinds = quizzing.kinds_of(line.text("ask"), lr)
        return quizzing.make(result.evaluation, result.point, kinds, lr,
                             tol or quizzing.TOL, problem)
    result, problem = _open_sheet(line, env, sheet, origin)
    if _own(line, sheet):  # the sheet says what it is for, and how it is graded
        if lr is not None and sheet.lr is not None and lr != sheet.lr:
            raise UsageError(f"--lr {line.text('lr')}: the answers are for lr = {sheet.lr}")
        tol = tol or sheet.tol
    # else a grader's PROGRAM (--random, the session) and numbers, graded within the
    # grader's tolerance: a sheet, which a student can edit, never loosens it
    lr = lr if lr is not None else sheet.lr
    ask = line.text("ask")
    kinds = quizzing.kinds_of(ask, None) if ask is not None else \
        sheet.kinds or grading.asked_kinds(sheet.answers) or quizzing.DEFAULT_KINDS
    return quizzing.make(result.evaluation, result.point, kinds, lr, tol or quizzing.TOL,
                         problem)


def _tol(line: CommandLine) -> float | None:
    if "tol" not in line.options:
        return None
    tol = line.positive("tol", quizzing.TOL)
    if tol > quizzing.MAX_TOL:
        raise UsageError(f"--tol must be at most {quizzing.MAX_TOL}, not {line.text('tol')}",
                         hint="an answer is right within tol·max(1, |right|): past 10 % "
                              "off, right says nothing")
    return tol


def _own(line: CommandLine, sheet: AnswerSheet) -> bool:
    """The sheet is graded on its own program and settings: it carries them, and
    neither PROGRAM nor --random says what the quiz is."""
    return sheet.point is not None and line.program is None and not line.flag("random")


def _note(line: CommandLine, sheet: AnswerSheet, quiz: Quiz) -> str | None:
    """What a grader should know of the sheet's settings that were not used as written."""
    said = []
    if not _own(line, sheet) and sheet.tol is not None and sheet.tol != quiz.tol:
        said.append(f"the sheet's tol {sheet.tol:g} is not used: graded within tol "
                    f"{quiz.tol:g} ({'--tol' if 'tol' in line.options else 'the default'})")
    if not _own(line, sheet) and "lr" not in line.options and quiz.lr is not None \
            and quiz.lr == sheet.lr and sheet.lr != quizzing.LR:
        said.append(f"the step questions are graded at the sheet's lr = {quiz.lr:g} "
                    "(--lr sets it)")
    return "note: " + "; ".join(said) if said else None


def _open(line: CommandLine, env: Env) -> tuple[api.Result, Problem | None]:
    seed = o.seed(line.options["seed"]) if "seed" in line.options else None
    output, params, freeze = line.text("output"), line.names("params"), line.names("freeze")
    if line.flag("random"):
        problem = problems.make_problem(line.whole("level", problems.LEVEL), seed)
        return api.evaluate(problem.program, problem.values, output=output, params=params,
                            freeze=freeze), problem
    program: str | Point
    if line.program is not None:
        program, base = program_source(line.program, env.stdin)
    else:  # the session, read and left as it is
        program, base = session.load(env.state).point, None
    return api.evaluate(program, line.values, seed=seed, base=base, output=output,
                        params=params, freeze=freeze), None


def _open_sheet(line: CommandLine, env: Env, sheet: AnswerSheet,
                origin: str) -> tuple[api.Result, Problem | None]:
    """A sheet that carries its point is graded there; PROGRAM or --random, if given too,
    must make the same point, and then the quiz is theirs (their params and output, not
    the sheet's). A bare sheet of answers is for PROGRAM, or the session."""
    if sheet.point is None:
        return _open(line, env)
    if line.values and line.program is None:
        raise UsageError(f"--{next(iter(line.values))}: the answers are for the values their "
                         "document holds", hint="leave the values out")
    with _named(origin):  # the sheet's program and values, as a file's, are named by it
        result = api.evaluate(sheet.point, output=line.text("output"))
    if line.program is not None or line.flag("random"):
        mine, problem = _open(line, env)
        if not _same(mine.point, result.point):
            raise ValueProblem(f"{origin}: the answers are for another problem: "
                               f"{_short(result.point.program)} at its own values",
                               hint="leave out PROGRAM (the sheet says what it is for), or "
                                    "give the same program and values")
        return mine, problem
    level, seed = sheet.problem.get("level"), sheet.problem.get("seed")
    problem = None
    if isinstance(level, int) and isinstance(seed, int):
        problem = Problem(level, seed, result.point.program, dict(result.point.inputs))
    return result, problem


@contextmanager
def _named(origin: str) -> Iterator[None]:
    try:
        yield
    except BackpropError as e:
        if not e.message.startswith(f"{origin}: "):
            e.message = f"{origin}: {e.message}"
            e.args = (e.message,)
        raise


def _same(a: Point, b: Point) -> bool:
    return a.program.strip() == b.program.strip() and a.inputs.keys() == b.inputs.keys() \
        and all(np.array_equal(a.inputs[k], b.inputs[k]) for k in a.inputs)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _answer_sheet(line: CommandLine, env: Env) -> tuple[AnswerSheet, str]:
    path = line.text("answers") or "-"
    if path == "-":
        if line.program == "-":
            raise UsageError("PROGRAM - and --answers - would both read stdin")
        text = env.stdin()
        if text is None:
            raise UsageError("--answers - reads the answers from stdin, but stdin is a "
                             "terminal or empty")
        return grading.read_answer_sheet(text, "stdin"), "stdin"
    from ..tasks.files import expand, read_text

    return grading.read_answer_sheet(read_text(expand(path), "--answers "), path), path
