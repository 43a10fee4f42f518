"""`backprop quiz`: its handler, and the conversation of a quiz asked one question at a
time.

The quiz is the one command that talks while it runs, so its handler writes as it
goes: each question, then right, or a hint and one more try, or the right answer and
its derivation. The words go to stdout, or to stderr with --json (stdout is data: one
document at the end, as for every command); the end (the score, what was missed, what
to practise) is an Outcome like any other, drawn and written by app.py.

Answers come from the terminal a line at a time; when stdin is not a terminal, from
its lines, echoed after their prompts so that the transcript reads as a dialogue (a
script, or a test, drives the quiz so: `printf '%s\\n' -4 3 | backprop quiz ...`). End
of input stops the quiz with the score so far; the questions left count as not
answered, so not right (exit code 1). The session is read, never changed.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from .. import api
from ..core.errors import OutputError, UsageError, ValueProblem
from ..output import document as doc
from ..output import quiztext as words
from ..output.text import visible
from ..tasks import grading, problems, session
from ..tasks import quiz as quizzing
from ..tasks.answers import NotANumber, agrees, fits, read_answer, wrong_elements
from ..tasks.grading import AnswerSheet, Graded, Result
from ..tasks.point import Point
from ..tasks.program import program_source
from ..tasks.quiz import Problem, Question, Quiz
from . import options as o
from .options import CommandLine
from .spec import Env, Outcome

OPTIONS = (o.ASK, o.QUIZ_LR, o.QUIZ_TOL, o.RANDOM, o.LEVEL, o.SHEET, o.ANSWERS, o.VALUE,
           o.SET, o.OUTPUT, o.PARAMS, o.FREEZE, o.QUIZ_SEED, o.STATE, o.FULL, o.JSON)


def run_quiz(line: CommandLine, env: Env) -> Outcome:
    _check(line)
    if line.flag("sheet"):
        quiz = _quiz(line, env)
        return Outcome(document=lambda: doc.quiz_sheet(quiz),
                       view=lambda: _views().sheet_view(quiz, line.flag("full")))
    if line.text("answers") is not None:
        sheet, origin = _answer_sheet(line, env)
        quiz = _quiz(line, env, sheet)
        return _ended(grading.grade(quiz, grading.read_answers(quiz, sheet, origin)), line,
                      every=True)
    answers = _answers(line, env)
    quiz = _quiz(line, env)
    with _talk(env.json, answers) as talk:
        result = converse(quiz, talk)
    return _ended(result, line)


def _ended(result: Result, line: CommandLine, every: bool = False) -> Outcome:
    failure = grading.failure(result)

    def document() -> dict:
        fields = doc.quiz_fields(result)
        if failure is not None:
            fields["error"] = failure.to_json()
        return doc.document("quiz", result.quiz.evaluation, result.quiz.point, **fields)

    return Outcome(document=document,
                   view=lambda: _views().results_view(result, every, line.flag("full")),
                   failure=failure)


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

def _quiz(line: CommandLine, env: Env, sheet: AnswerSheet | None = None) -> Quiz:
    """The quiz on PROGRAM, a made-up problem or the session; when grading, on the
    answer sheet's own program and values where it carries them (and its settings)."""
    lr = line.positive("lr", quizzing.LR) if "lr" in line.options else None
    tol = line.positive("tol", quizzing.TOL) if "tol" in line.options else None
    if sheet is None:
        result, problem = _open(line, env)
        kinds = quizzing.kinds_of(line.text("ask"), lr)
        return quizzing.make(result.evaluation, result.point, kinds, lr,
                             tol or quizzing.TOL, problem)
    result, problem = _open_sheet(line, env, sheet)
    if lr is not None and sheet.lr is not None and lr != sheet.lr:
        raise UsageError(f"--lr {line.text('lr')}: the answers are for lr = {sheet.lr}")
    lr = lr if lr is not None else sheet.lr
    ask = line.text("ask")
    kinds = quizzing.kinds_of(ask, None) if ask is not None else \
        sheet.kinds or grading.asked_kinds(sheet.answers) or quizzing.DEFAULT_KINDS
    return quizzing.make(result.evaluation, result.point, kinds, lr,
                         tol or sheet.tol or quizzing.TOL, problem)


def _open(line: CommandLine, env: Env) -> tuple[api.Result, Problem | None]:
    seed = o.seed(line.options["seed"]) if "seed" in line.options else None
    names = {"output": line.text("output"), "params": line.names("params"),
             "freeze": line.names("freeze")}
    if line.flag("random"):
        problem = problems.make_problem(line.whole("level", problems.LEVEL), seed)
        return api.evaluate(problem.program, problem.values, **names), problem
    if line.program is not None:
        program, base = program_source(line.program, env.stdin)
    else:  # the session, read and left as it is
        program, base = session.load(session.location(line.text("state"))).point, None
    return api.evaluate(program, line.values, seed=seed, base=base, **names), None


def _open_sheet(line: CommandLine, env: Env,
                sheet: AnswerSheet) -> tuple[api.Result, Problem | None]:
    """A sheet that carries its point is graded there (PROGRAM or --random, if given too,
    must make the same point); a bare sheet of answers is for PROGRAM, or the session."""
    if sheet.point is None:
        return _open(line, env)
    if line.values and line.program is None:
        raise UsageError(f"--{next(iter(line.values))}: the answers are for the values their "
                         "document holds", hint="leave the values out")
    result = api.evaluate(sheet.point, output=line.text("output"))
    if line.program is not None or line.flag("random"):
        mine, _ = _open(line, env)
        if not _same(mine.point, result.point):
            raise ValueProblem("the answers are for another problem: "
                               f"{_short(result.point.program)} at its own values",
                               hint="leave out PROGRAM (the sheet says what it is for), or "
                                    "give the same program and values")
    level, seed = sheet.problem.get("level"), sheet.problem.get("seed")
    problem = None
    if isinstance(level, int) and isinstance(seed, int):
        problem = Problem(level, seed, result.point.program, dict(result.point.inputs))
    return result, problem


def _same(a: Point, b: Point) -> bool:
    return a.program.strip() == b.program.strip() and a.inputs.keys() == b.inputs.keys() \
        and all(np.array_equal(a.inputs[k], b.inputs[k]) for k in a.inputs)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _answer_sheet(line: CommandLine, env: Env) -> tuple[AnswerSheet, str]:
    path = line.text("answers")
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


# ---------------------------------------------------------------------------
# the conversation

@dataclass
class Talk:
    """Where the quiz's words go, and where its answers come from."""

    write: Callable[[str], None]
    read: Callable[[], str | None]  # the next line of input, None at its end
    echo: bool  # the answers come from a pipe: write each after its prompt


def _answers(line: CommandLine, env: Env) -> list[str] | None:
    """The lines of piped answers, read now (None: a terminal, read as the quiz goes)."""
    if _terminal(sys.stdin):
        return None
    if line.program == "-":
        raise UsageError("PROGRAM - reads the program from stdin, which leaves no answers "
                         "to read there", hint="give the program as text or a file, or use "
                                               "--sheet and --answers FILE")
    piped = env.stdin() or ""
    if piped.lstrip().startswith("{"):  # eval ... --json | backprop quiz: not answers
        raise UsageError("stdin holds a JSON document, where the quiz reads its answers, one "
                         "per line", hint="grade a sheet of answers with --answers -; for a "
                                          "quiz on a program, give PROGRAM (or use the session)")
    return piped.splitlines()


@contextlib.contextmanager
def _talk(as_json: bool, answers: list[str] | None) -> Iterator[Talk]:
    stream = sys.stderr if as_json else sys.stdout

    def write(text: str) -> None:
        try:
            stream.write(visible(text))
            stream.flush()
        except (OSError, ValueError) as e:
            raise OutputError(f"cannot write the quiz: {getattr(e, 'strerror', None) or e}"
                              ) from None

    if answers is None:
        def read() -> str | None:
            try:
                text = sys.stdin.readline()
            except (OSError, ValueError):  # the terminal went away, or sent no text
                return None
            return text.rstrip("\r\n") if text else None

        yield Talk(write, read, echo=False)
    else:
        lines = iter(answers)
        yield Talk(write, lambda: next(lines, None), echo=True)


def _terminal(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False


def converse(quiz: Quiz, talk: Talk) -> Result:
    """Ask every question in order; stop at the end of input with the score so far."""
    problem = words.problem_line(quiz)
    talk.write(f"Quiz: {words.program_line(quiz.point.program)}\n  {words.point_line(quiz)}\n"
               + (f"  {problem}\n" if problem else "")
               + f"{words.asking(quiz)}\n{words.INTRO}\n")
    graded: list[Graded] = []
    kind = None
    for k, q in enumerate(quiz.questions):
        if q.kind != kind:
            kind = q.kind
            talk.write(f"\n{words.kind_title(quiz, kind)}\n")
        talk.write(f"[{k + 1}/{len(quiz.questions)}] "
                   f"{words.context(quiz, q, quiz.known(k))}\n")
        tries, ended = _ask(quiz, q, talk)
        graded.append(Graded(q, tries, grading.verdict(q, tries, quiz.tol)))
        if ended:
            talk.write("(end of input: the questions left count as not answered)\n\n")
            graded += [Graded(rest, (), grading.UNANSWERED)
                       for rest in quiz.questions[k + 1:]]
            return Result(quiz, tuple(graded), stopped=True)
    talk.write("\n")
    return Result(quiz, tuple(graded))


def _ask(quiz: Quiz, q: Question, talk: Talk) -> tuple[tuple, bool]:
    """One question: up to two tries, a hint after the first wrong one, the right answer
    and its derivation after the second. An answer that is not a number is asked again
    and not counted; one of the wrong shape is a wrong try (from a pipe, the next line
    is meant for the next try). Returns the tries and whether input ended."""
    tries: list = []
    while len(tries) < quizzing.TRIES:
        talk.write(f"  {words.symbol(quiz, q)} = ")
        text = talk.read()
        if text is None:
            talk.write("\n")
            return tuple(tries), True
        if talk.echo:
            talk.write(text + "\n")
        try:
            answer = read_answer(text)
        except NotANumber as e:  # asked again, not counted as a try
            talk.write(f"  {e.message}\n")
            continue
        tries.append(answer)
        talk.write(f"  {_feedback(quiz, q, answer, len(tries))}\n")
        if agrees(answer, q.right, quiz.tol):
            break
    return tuple(tries), False


def _feedback(quiz: Quiz, q: Question, answer, tried: int) -> str:
    if agrees(answer, q.right, quiz.tol):
        return "right" if tried == 1 else "right, on the second try"
    if not fits(answer, q.right):  # a try all the same: a typed answer goes on
        said = f"not right: {words.shape_text(quiz, q)}"
    else:
        off = words.off_text(wrong_elements(answer, q.right, quiz.tol))
        said = f"not right ({off})" if off else "not right"
    if tried < quizzing.TRIES:
        return f"{said}. Hint: {words.hint(quiz, q)}. One more try:"
    return f"{said}. {words.derivation(quiz, q)}"
