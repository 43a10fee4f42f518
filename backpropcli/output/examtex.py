"""Exam sheets in LaTeX: two whole documents that pdflatex compiles alone (the article
class and amsmath, both in texlive-latex-base), the sheets and their key. Every variant
starts on a page of its own, numbered, with a line for the student's name; the key has
each answer with its derivation and the chain rule path by path as `explain --format
latex` writes it (output/latex.py, reused as it is). Displays may break across pages
(\\allowdisplaybreaks), so a long derivation runs on to the next page rather than off
this one. Every name goes through tex_name and every text through tex_text: LaTeX's
special characters are escaped, and the output is ASCII. Pure text over tasks/exam.py.
"""

from __future__ import annotations

import re

import numpy as np

from ..core import fmt
from ..core.plural import ordinal
from ..tasks.exam import Exam, Variant
from ..tasks.quiz import Question, Quiz
from . import hints, quiztext
from .exam import INSTRUCTIONS, TITLE
from .latex import latex as explain_latex
from .latex import tex_formula, tex_name, tex_number, tex_partial, tex_text, tex_value
from .text import SMALL

BLANK = r"\rule{3.5cm}{0.4pt}"  # where a student writes an answer
NAME = r"\rule{0.6\textwidth}{0.4pt}"
# Unicode the quiz's words use that tex_text leaves: math symbols in math; anything
# else that is not ASCII is spelled by its code point rather than failing pdflatex
_SYMBOLS = {"−": "$-$", "×": r"$\times$", "σ": r"$\sigma$", "≤": r"$\le$", "≥": r"$\ge$",
            "²": r"$^2$", "′": "'", "¼": "1/4", "½": "1/2", "≈": r"$\approx$"}


def latex_sheets(exam: Exam) -> str:
    """The exercise sheets: a page per variant, no answer anywhere."""
    return _document([_sheet(v) for v in exam.variants], "the exercise sheets")


def latex_key(exam: Exam) -> str:
    """The answer key: per variant its answers, their derivations and the chain rule."""
    command = exam.command()
    intro = ["", rf"\noindent Made again by \texttt{{{text(command)}}}; each variant alone "
             "by the command under its heading.", ""] if command else []
    return _document([_key(v) for v in exam.variants], "the key", intro)


def text(said: str) -> str:
    """Plain text for a paragraph: specials escaped, the quiz's symbols set in math."""
    out = tex_text(said)
    out = "".join(_SYMBOLS.get(ch, ch) for ch in out)
    return re.sub(r"[^\x00-\x7f]", lambda m: f"[U+{ord(m.group(0)):04X}]", out)


def _document(pages: list[list[str]], what: str, intro: list[str] | None = None) -> str:
    lines = [f"% backprop quiz --variants: {what}; compile with pdflatex",
             r"\documentclass[11pt]{article}", r"\usepackage{amsmath}",
             r"\allowdisplaybreaks",  # a long derivation goes on to the next page
             # the default bullet is a text-companion glyph, which the base distribution
             # has only as a bitmap font
             r"\renewcommand{\labelitemi}{\ensuremath{\bullet}}",
             r"\setlength{\emergencystretch}{3em}", r"\setlength{\parindent}{0pt}",
             r"\setlength{\parskip}{0.6ex plus 0.3ex}",
             r"\begin{document}"]
    lines += intro or []
    for n, page in enumerate(pages):
        if n:
            lines.append(r"\clearpage")
        lines += page
    return "\n".join([*lines, r"\end{document}"]) + "\n"


def symbol(quiz: Quiz, q: Question) -> str:
    """What a question asks, in math: f, \\frac{\\partial f}{\\partial x}, new x."""
    name = quiz.name(q.node)
    if q.kind == "value":
        return tex_name(name)
    if q.kind == "local":
        use = rf"\ \text{{(its {ordinal(q.use)} }}{tex_name(quiz.name(q.operand))}\text{{)}}" \
            if q.use else ""
        return tex_partial(name, quiz.name(q.operand)) + use
    if q.kind == "grad":
        return tex_partial(quiz.evaluation.output.name, name)
    return rf"\text{{new }} {tex_name(name)}"


def _given(quiz: Quiz, qid: str, value) -> str:
    kind, _, name = qid.partition(":")
    left = tex_partial(quiz.evaluation.output.name, name) if kind == "grad" else tex_name(name)
    v = np.asarray(value, dtype=float)
    if v.size <= SMALL:
        return f"${left} = {tex_value(value)}$"
    # a large array in words, outside math, so that the line may break between them
    size = " x ".join(str(n) for n in v.shape)
    return (f"${left}$: a {size} array, entries from ${tex_number(fmt.number(v.min()))}$ "
            f"to ${tex_number(fmt.number(v.max()))}$")


def _head(v: Variant, title: str, name: bool) -> list[str]:
    quiz = v.quiz
    ev = quiz.evaluation
    lines = [rf"\section*{{{text(TITLE)}: variant {v.number}{title}}}", ""]
    if name:
        lines += [rf"Name: {NAME}", r"\bigskip", ""]
    lines += ["The program, node by node (output $" + tex_name(ev.output.name) + "$):",
              r"\begin{align*}"]
    rows = [rf"{tex_name(n.name)} &= {tex_formula(n.text)}"
            for n in quiz.graph.nodes if n.computed]
    lines += [" \\\\\n".join(rows), r"\end{align*}"]
    given = ", ".join(_given(quiz, k, val) for k, val in quiz.given().items())
    return [*lines, f"Given: {given}.", ""]


def _sheet(v: Variant) -> list[str]:
    quiz = v.quiz
    lines = [*_head(v, "", True), text(INSTRUCTIONS), "", text(quiztext.asking(quiz)) + ":",
             r"\begin{enumerate}"]
    for q in quiz.questions:
        lines.append(rf"\item ${symbol(quiz, q)} = $ {BLANK} \hfill "
                     rf"{{\small {_where(quiz, q)}\quad \texttt{{{text(q.id)}}}}}")
    return [*lines, r"\end{enumerate}"]


def _where(quiz: Quiz, q: Question) -> str:
    """Where the question is in the program: at f = x * y; from the output down."""
    node = quiz.graph.nodes[q.node]
    if q.kind in ("value", "local"):
        return rf"at ${tex_name(node.name)} = {tex_formula(node.text)}$"
    if q.kind == "step":
        return rf"one step, $\mathit{{lr}} = {fmt.number(quiz.lr)}$"
    return "backward"


def _key(v: Variant) -> list[str]:
    quiz = v.quiz
    lines = _head(v, ": the key", False)
    if quiz.problem is not None:
        p = quiz.problem
        lines += [rf"Level {p.level}, seed {p.seed}: "
                  rf"\texttt{{{text(str(quiztext.problem_command(quiz)))} --key}}", ""]
    lines += [r"\subsection*{Answers}", r"\begin{enumerate}"]
    for q in quiz.questions:
        lines.append(rf"\item ${symbol(quiz, q)} = {tex_value(q.right)}$ "
                     rf"\hfill \texttt{{{text(q.id)}}}\\" + "\n"
                     rf"{{\small {text(hints.derivation(quiz, q))}}}")
    lines += [r"\end{enumerate}", r"\subsection*{The chain rule, path by path}",
              explain_latex(v.explanation).rstrip("\n"), ""]
    return lines


def latex(exam: Exam, key: bool = False) -> str:
    """The sheets, or with `key` their key (the format "latex" of formats.EXAM)."""
    return latex_key(exam) if key else latex_sheets(exam)
