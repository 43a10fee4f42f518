"""The quiz's views: the question sheet as text, and the end of a quiz (the score per
kind and per node, the questions missed with their right answers and derivations,
what to practise next); after grading a sheet, every question's row too."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from ..core import fmt
from ..output import hints, quiztext
from ..tasks.grading import RIGHT, SECOND, Graded, QuizResult, Tally
from ..tasks.quiz import Quiz
from .lines import Flow, command_line
from .widgets import fill, new_table, section, value_cell

STYLES = {RIGHT: "green", SECOND: "yellow"}


def heading(quiz: Quiz) -> RenderableType:
    """What the quiz is on: the program, the point, the output; a made-up problem's
    level and seed, to make it again."""
    # wrapped between words, the lines after the first indented under their first word
    lines: list[RenderableType] = [
        Flow(indent=6).add("Quiz:", style="bold").words(quiztext.program_line(
            quiz.point.program)),
        Padding(Flow(indent=2).words(quiztext.point_line(quiz), style="dim"), (0, 0, 0, 2))]
    problem = quiztext.problem_line(quiz)
    if problem:
        lines += [Padding(Flow(indent=2).words(problem, style="dim"), (0, 0, 0, 2)),
                  command_line(quiztext.problem_command(quiz) or "", indent=4)]
    return Group(*lines)


def sheet_view(quiz: Quiz, full: bool = False, key: bool = False) -> RenderableType:
    """The question sheet, for paper: what is given and every question, no answer; or,
    with `key` (for a teacher), the same questions, each with its right answer."""
    given = quiz.given()
    said = ", ".join(f"{quiztext.said(quiz, k)} = {quiztext.known_value(quiz, k, v)}"
                     for k, v in given.items())
    table = new_table("id", "question", *(("answer",) if key else ()))

    def row(q) -> tuple:
        answer = (Text(quiztext.number(q.right), style="green"),) if key else ()
        return Text(q.id), Text(quiztext.prompt(quiz, q, given)), *answer

    end = Text.assemble(("The key: ", "bold"), "the right answers to the questions of "
                        "--sheet; right within tol·max(1, |answer|), tol = ",
                        fmt.number(quiz.tol)) if key else \
        Text.assemble(("To be graded: ", "bold"), "--answers FILE",
                      ("  (JSON: the form --sheet --json writes, filled in)", "dim"))
    return Group(
        heading(quiz), Text(""),
        section("Given", "", Text(said)),
        section("Answers" if key else "Questions", _kinds(quiz),
                fill(table, list(quiz.questions), row, full, "questions")),
        end)


def _kinds(quiz: Quiz) -> str:
    lr = f", lr = {fmt.number(quiz.lr)}" if quiz.lr is not None else ""
    return quiztext.asking(quiz) + lr


def results_view(result: QuizResult, every: bool = False, full: bool = False) -> RenderableType:
    """The end of a quiz: the score, per kind and per node, the questions missed with
    their right answers, and what to practise next. `every`: a row per question first
    (a graded sheet, whose questions were not shown one by one)."""
    parts: list[RenderableType] = []
    if every:
        parts += [heading(result.quiz), Text(""), _graded_table(result, full)]
    head = Text.assemble(("Score: ", "bold"), quiztext.score_line(result))
    if result.stopped:
        head.append("   (the input ended before the last question)", style="dim")
    parts += [head, _kind_table(result), _node_table(result, full)]
    if result.missed:
        parts.append(_missed(result, full))
    topic, command = hints.practice_text(result.practice())
    parts += [Text.assemble(("Practise next: ", "bold"), topic), command_line(command)]
    return Group(*parts)


def _verdict(verdict: str) -> Text:
    return Text(verdict, style=STYLES.get(verdict, "red"))


def _graded_table(result: QuizResult, full: bool) -> RenderableType:
    table = new_table("id", "question", "answer", "right", "verdict")
    quiz = result.quiz

    def row(g: Graded) -> tuple:
        answer = value_cell(g.tries[-1], full) if g.tries else Text("—", style="dim")
        return (Text(g.question.id), Text(quiztext.symbol(quiz, g.question)), answer,
                value_cell(g.question.right, full), _verdict(g.verdict))

    return section("Answers", _kinds(quiz), fill(table, list(result.graded), row, full,
                                                 "questions"))


def _counts(t: Tally) -> tuple:
    return (str(t.asked), str(t.right), str(t.second), str(t.wrong), str(t.unanswered))


def _kind_table(result: QuizResult) -> RenderableType:
    table = new_table("kind", "asked", "right", "2nd try", "wrong", "unanswered",
                      right=(1, 2, 3, 4, 5))
    for kind, t in result.by_kind().items():
        table.add_row(Text(quiztext.KIND_NAMES[kind]), *_counts(t))
    return section("By kind", "", table)


def _node_table(result: QuizResult, full: bool) -> RenderableType:
    table = new_table("node", "asked", "right", "2nd try", "wrong", "unanswered",
                      right=(1, 2, 3, 4, 5))
    rows = list(result.by_node().items())
    return section("By node", "a local gradient counts for its gate",
                   fill(table, rows, lambda item: (Text(item[0]), *_counts(item[1])), full,
                        "nodes"))


def _missed(result: QuizResult, full: bool) -> RenderableType:
    table = new_table("id", "your answer", "right", "how")
    quiz = result.quiz

    def row(g: Graded) -> tuple:
        said = Text(", ".join(quiztext.number(a) for a in g.tries) or "—")
        return (Text(g.question.id), said, value_cell(g.question.right, full),
                Text(hints.derivation(quiz, g.question)))

    return section("Missed", "with the right answers",
                   fill(table, list(result.missed), row, full, "questions"))


def exam_key_view(exam, full: bool = False) -> RenderableType:
    """`quiz --key --variants N`: every variant's answers, each under its number, as
    `quiz --key` shows one sheet's."""
    parts: list[RenderableType] = []
    command = exam.command()
    if command:
        parts += [Text.assemble(("Exam: ", "bold"), f"{len(exam.variants)} variants; again:"),
                  command_line(command, indent=2), Text("")]
    for v in exam.variants:
        parts += [Text(f"Variant {v.number}", style="bold reverse"),
                  sheet_view(v.quiz, full, key=True), Text("")]
    return Group(*parts)
