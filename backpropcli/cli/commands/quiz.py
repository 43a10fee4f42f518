"""`backprop quiz`: ask the questions one at a time (the words to stdout, or stderr with
--json), write them as a sheet without the answers (--sheet), or grade a sheet of
answers (--answers); on PROGRAM, a made-up problem (--random), the session, or the
program a sheet of answers carries. Questions left unanswered count as not right (exit
code 1). The session is read, never changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ... import api
from ...api import UsageError
from ...output import document as doc
from .. import options as o
from ..conversation import piped_answers, talk
from ..exam import EXAM_OPTIONS, run_exam
from ..handling import options, program
from ..options import CommandLine
from ..spec import Env, Outcome, Spec
from ..spelling import OPTIONS

SETTINGS = ("ask", "lr", "tol", "level", "seed", "output", "params", "freeze")


def run_quiz(line: CommandLine, env: Env) -> Outcome:
    exam = ["-o" if n == "save" else f"--{n}" for n in EXAM_OPTIONS if n in line.options]
    if line.text("answers") is not None and set(exam) - {"--variants"}:
        raise UsageError(f"--answers grades a sheet of answers; {', '.join(exam)} write "
                         "exam sheets: give one or the other",
                         hint="grading a variant takes the exam's --random --level "
                              "--seed (and --variants), not its files")
    if exam and line.text("answers") is None:
        return run_exam(line, env, _program(line, env, line.flag("random")),
                        options(line, *SETTINGS))
    modes = [f"--{m}" for m in ("sheet", "key") if line.flag(m)]
    modes += ["--answers"] * (line.text("answers") is not None)
    if len(modes) > 1:
        raise UsageError(f"{' and '.join(modes)}: --sheet writes the questions, --key their "
                         "answers, --answers grades a sheet: give one")
    random = line.flag("random")
    given = options(line, *SETTINGS)
    if line.flag("sheet") or line.flag("key"):
        key = line.flag("key")
        made = api.sheet(_program(line, env, random), line.values, random=random, **given)
        return Outcome(document=lambda: doc.quiz_sheet(made, key=key),
                       view=lambda: _views().sheet_view(made, line.flag("full"), key=key))
    if line.text("answers") is not None:
        answers, origin = _answer_sheet(line, env)
        on = None if line.program is None else program(line, env, stdin_document=False)
        graded = api.grade(answers, on, line.values, origin=origin, random=random,
                           session=env.session, **given, **options(line, "variants"))
        return _ended(graded, line, every=True,
                      note=None if graded.note is None else api.spell(graded.note, OPTIONS))
    piped = piped_answers(line, env)  # stdin: the answers, a line at a time
    said = talk(env.json, piped)
    graded = api.quiz(_program(line, env, random), line.values, write=said.write,
                      read=said.read, echo=said.echo, random=random, **given)
    if piped is not None:  # what the quiz left unread still counts against the limit
        piped.drain()
    return _ended(graded, line)


def _program(line: CommandLine, env: Env, random: bool) -> Any:
    """PROGRAM, else (with no made-up problem) the session, read and left as it is."""
    if line.program is not None:
        return program(line, env, stdin_document=False)
    return None if random else env.session


def _ended(graded: api.Grades, line: CommandLine, every: bool = False,
           note: str | None = None) -> Outcome:
    failure = graded.failure()

    def document() -> dict:
        fields = doc.quiz_fields(graded)
        if failure is not None:
            fields["error"] = failure.to_json()
        return doc.document("quiz", graded.quiz.evaluation, graded.quiz.point, **fields)

    return Outcome(document=document,
                   view=lambda: _views().results_view(graded, every, line.flag("full")),
                   failure=failure, note=note)


def _views():
    from ...terminal import quiz as views  # Rich: only where something is drawn

    return views


def _answer_sheet(line: CommandLine, env: Env) -> tuple[str | Path, str]:
    path = line.text("answers") or "-"
    if path == "-":
        if line.program == "-":
            raise UsageError("PROGRAM - and --answers - would both read stdin")
        text = env.stdin()
        if text is None:
            raise UsageError("--answers - reads the answers from stdin, but stdin is a "
                             "terminal or empty")
        return text, "stdin"
    return Path(path), path


SPEC = Spec(
    "quiz", "Practice: work out the backprop of PROGRAM by hand, and be graded.",
    "Practise back-propagation by hand: the quiz hides the numbers and asks, one "
    "question at a time in the order a person works, for each node's value "
    "(value:f), each local gradient (local:f:x), each gradient from the output down "
    "(grad:x) and each param's new value after one step (step:x), as --ask chooses "
    "(default local,grad; step too with --lr). A wrong answer gets a hint and one "
    "more try, a second the right answer and its derivation; the end is the score "
    "per kind and per node, what was missed and what to practise next. Exit code 0 "
    "when every question ended right, 1 otherwise.\nAnswers are numbers or arithmetic "
    "(-4, 1*3, -2/3; [1, 2] for an array), typed, or one per line on stdin. --random "
    "makes up a problem (--level 1 to 5, --seed N). --sheet writes the questions "
    "without the answers, --key (for a teacher) the same questions with their answers; "
    "--answers FILE grades a sheet of answers.\nExam sheets: --random --variants N "
    "writes N different variants of the made-up problem (variant K drawn from --seed and "
    "K), each on a page of its own with a line for the name; -o FILE writes them and, "
    "to FILE-key, their key (each answer, its derivation and the chain rule as explain "
    "writes it), as --format markdown or latex (a whole document; --pdf runs pdflatex "
    "too). --key --variants N shows every variant's answers; --answers grades "
    "{\"variant\": K, \"answers\": {...}} given the exam's --random --level --seed. "
    "PROGRAM and values "
    "as for eval; without PROGRAM, the session (which the quiz leaves as it is).",
    ('backprop quiz "f = x*y; g = f + z" --x 3 --y -4 --z 2',
     "backprop quiz --random --level 3 --seed 7",
     "printf '%s\\n' -4 3 1 1 1 1 3 -4 | backprop quiz samples/seed.bp",
     "backprop quiz samples/reuse.bp --ask value,local,grad,step --lr 0.1",
     "backprop quiz samples/seed.bp --sheet --json > sheet.json   (fill in its answers)",
     "backprop quiz samples/seed.bp --key   (the answers to the same sheet)",
     "backprop quiz --answers sheet.json --json | jq .quiz.score",
     "backprop quiz --random --level 3 --variants 30 --seed 7 --format latex -o exam.tex",
     "backprop quiz --random --level 3 --seed 7 --answers a7.json   (variant 7's answers)"),
    o.QUIZ, run_quiz,
    usage="backprop quiz [PROGRAM [--NAME VALUE ...] | --random] [OPTIONS]", rank=12)
