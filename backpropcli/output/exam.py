"""Exam sheets in Markdown, and the exam's JSON document: every variant on a page of
its own (a rule between them), numbered, with a line for the student's name; the key
with each answer, its derivation (the quiz's line), and the chain rule path by path as
`explain --format markdown` writes it. The LaTeX is output/examtex.py's. Pure text over
the data of tasks/exam.py."""

from __future__ import annotations

import re

from ..tasks.exam import Exam, Variant
from ..tasks.point import SCHEMA
from . import hints, quiztext
from .document import quiz_sheet
from .markdown import markdown as explain_markdown

TITLE = "Back-propagation by hand"
RULE = "\\_" * 30  # where a student writes: escaped, so it is no emphasis
INSTRUCTIONS = ("Work out each quantity by hand, in order; an answer is a number or "
                "arithmetic (-4, 0.25, 1/4), an array as [1, 2].")


def exam_document(exam: Exam, key: bool, files: list[str]) -> dict:
    """`quiz --variants N --json`: every variant's sheet as `quiz --sheet --json` writes
    it (with `quiz.variant`), filled in on the key; each one graded by --answers as it
    is, or by its number: {"variant": k, "answers": {...}} and the exam's options."""
    return {"schema": SCHEMA, "command": "quiz", "exam": {
        "variants": len(exam.variants), "level": exam.level, "seed": exam.seed,
        "key": key, "files": files,
        "sheets": [quiz_sheet(v.quiz, key=key) for v in exam.variants]}}


def markdown_sheets(exam: Exam) -> str:
    """The exercise sheets: a page per variant, no answer anywhere."""
    pages = [_sheet(v) for v in exam.variants]
    return "\n\n---\n\n".join(pages).rstrip("\n") + "\n"


def markdown_key(exam: Exam) -> str:
    """The answer key: per variant its answers, their derivations, and the chain rule."""
    head = [f"# {TITLE}: the key", ""]
    command = exam.command()
    if command:
        head += [f"Made again by `{command}`; each variant alone by the command under "
                 "its heading.", ""]
    pages = [_key(v) for v in exam.variants]
    return "\n".join(head) + "\n" + "\n\n---\n\n".join(pages).rstrip("\n") + "\n"


def md(text: str) -> str:
    """Plain text in Markdown: what would become emphasis or markup, escaped."""
    return re.sub(r"([\\`*_\[\]<>#|~])", r"\\\1", text)


def _code(text: str) -> str:
    """A code span that holds any text: fenced with more backticks than it has in a row."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _head(v: Variant, title: str = "", name: bool = True) -> list[str]:
    quiz = v.quiz
    lines = [f"## Variant {v.number}{title}", "", *([f"Name: {RULE}", ""] * name),
             f"Program: {_code(quiztext.program_line(quiz.point.program))}", "",
             f"{md(quiztext.point_line(quiz)[:1].upper() + quiztext.point_line(quiz)[1:])}.",
             ""]
    given = quiz.given()
    said = ", ".join(_code(f"{quiztext.said(quiz, k)} = {quiztext.known_value(quiz, k, val)}")
                     for k, val in given.items())
    return [*lines, f"Given: {said}.", ""]


def _sheet(v: Variant) -> str:
    quiz = v.quiz
    lines = [f"# {TITLE}", "", *_head(v), md(INSTRUCTIONS), "",
             f"{md(quiztext.asking(quiz))}:", ""]
    for n, q in enumerate(quiz.questions, 1):
        lines.append(f"{n}. {md(quiztext.about(quiz, q))}: "
                     f"{_code(quiztext.symbol(quiz, q))} = {RULE}  ({_code(q.id)})")
    return "\n".join(lines) + "\n"


def _key(v: Variant) -> str:
    quiz = v.quiz
    lines = _head(v, ": the key", name=False)
    problem = quiz.problem
    if problem is not None:
        lines += [f"Level {problem.level}, seed {problem.seed}: "
                  f"`{quiztext.problem_command(quiz)} --key`", ""]
    lines += ["### Answers", ""]
    for n, q in enumerate(quiz.questions, 1):
        lines.append(f"{n}. {_code(q.id)}: {_code(quiztext.symbol(quiz, q))} = "
                     f"**{md(quiztext.number(q.right))}**; {_code(hints.derivation(quiz, q))}")
    chain = explain_markdown(v.explanation).replace("## Chain rule", "### Chain rule", 1)
    return "\n".join(lines) + "\n\n" + chain


def markdown(exam: Exam, key: bool = False) -> str:
    """The sheets, or with `key` their key (the format "markdown" of formats.EXAM)."""
    return markdown_key(exam) if key else markdown_sheets(exam)
