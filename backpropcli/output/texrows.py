"""Rows of LaTeX that fit a page: about how wide LaTeX sets a formula, and the packing
of an equation's stages (and of a long product's factors or a long sum's terms) into
rows of an align* environment no wider than the text.

LaTeX never breaks a row of align* by itself: a row wider than the text runs off the
right edge ("Overfull \\hbox"). So the rows are made here, from an estimate of each
piece's width in em (one em is the font's size), on the safe side: a little wider
than LaTeX sets it. The width of the text is that of LaTeX's article class, about 34
em at 10pt and 33 em at 11pt and 12pt, less a margin for the estimate's error
(tests/cli/test_explain_latex.py compiles every sample and fails on an overfull row).
Pure text; nothing here computes a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BUDGET = 31.0  # em: the widest row, left column (the ∂out/∂input) included

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[{}^_$]|\s+|[^\\{}^_$\s]")
_MATRIX = re.compile(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", re.S)
# What a command or a character takes in math, spaces around it included (a binary
# operator gets a medium space on each side, a relation a thick one).
_COMMANDS = {r"\cdot": 0.75, r"\cdots": 1.7, r"\ldots": 1.3, r"\to": 1.6, r"\partial": 0.62,
             r"\qquad": 2.0, r"\quad": 1.0, r"\times": 1.25, r"\infty": 1.05, r"\,": 0.17,
             r"\colon": 0.6, r"\textbackslash": 0.55, r"\textasciitilde": 0.55,
             r"\textasciicircum": 0.55, r"\displaybreak": 0.0, r"\left": 0.0,
             r"\right": 0.0, r"\exp": 1.6, r"\log": 1.4, r"\sin": 1.35, r"\cos": 1.4,
             r"\tanh": 2.0}
_CHARS = {"=": 1.4, "+": 1.25, "-": 1.25, "<": 1.4, ">": 1.4, "(": 0.4, ")": 0.4,
          "[": 0.3, "]": 0.3, ",": 0.45, ".": 0.3, "/": 0.5, ":": 0.35, "@": 0.85,
          "'": 0.3, "&": 0.0, "$": 0.0, "#": 0.85, **dict.fromkeys("0123456789", 0.5)}
_LETTER = 0.6  # a letter: math italic letters run 0.4 to 0.9 em (digits 0.5)
_SPACE = 0.34  # a space between words in \text{...} (in math, spaces are not set)
_WORDS = (r"\text", r"\textrm")  # their spaces are set
_GROUPS = (*_WORDS, r"\mathit", r"\mathrm", r"\operatorname", r"\mathbf")
_SCRIPT = 0.72  # a superscript or subscript is set smaller
# Commands whose argument (the next group or token) is set in a way of its own.
_ROLES = {r"\frac": "frac", r"\sqrt": "sqrt",
          **{g: "text" if g in _WORDS else "group" for g in _GROUPS}}


@dataclass
class _Group:
    width: float = 0.0
    role: str = ""  # what closing it means: "", "script", "num", "den", "sqrt", "sum"
    text: bool = False  # inside \text{...}: spaces count
    held: float = 0.0  # a fraction's numerator, while its denominator is read
    pending: str = ""  # a role for the next atom of this group: "script", "frac", ...
    after_sum: bool = False  # the last atom was \sum: its subscript goes below it


def width(tex: str) -> float:
    """About how wide LaTeX sets `tex` in a display, in em (on the safe side). One pass
    over the tokens with a stack of open groups; fractions are as wide as their wider
    part, scripts smaller, a sum's limits below it, bmatrix by its columns."""
    total = 0.0
    for m in _MATRIX.finditer(tex):  # each matrix apart: & and \\ mean columns and rows
        total += _matrix_width(m.group(1))
    tex = _MATRIX.sub("", tex)
    stack = [_Group()]
    for m in _TOKEN.finditer(tex):
        _read(stack, m.group(0))
    while len(stack) > 1:  # unbalanced text: count what is there
        done = stack.pop()
        _close(stack[-1], done)
    return total + stack[0].width


def _read(stack: list[_Group], tok: str) -> None:
    """One token of `width`'s pass: open or close a group, or set an atom."""
    top = stack[-1]
    if tok == "{":
        role, top.pending = top.pending, ""
        if role == "frac":  # its numerator, then (pending "den") its denominator
            top.pending = "den"
            role = "num"
        stack.append(_Group(role=role, text=top.text or role == "text"))
    elif tok == "}":
        if len(stack) > 1:
            done = stack.pop()
            _close(stack[-1], done)
    elif tok in ("^", "_"):
        top.pending = "sum" if tok == "_" and top.after_sum else "script"
        top.after_sum = False
    elif tok in _ROLES:
        top.pending = _ROLES[tok]
    elif tok == r"\sum":
        _atom(top, 1.5)
        top.after_sum = True
    elif tok.isspace():
        _atom(top, _SPACE if top.text else 0.0)
    elif tok.startswith("\\") and len(tok) > 2:
        _atom(top, _COMMANDS.get(tok, 1.0))
    else:
        _atom(top, _CHARS.get(tok[-1], _LETTER))


def _atom(group: _Group, w: float) -> None:
    """A token of width w in `group`, shaped by what is pending (a script, a root...)."""
    role, group.pending = group.pending, ""
    group.after_sum = False
    if role == "den":  # a fraction whose denominator is one token
        group.width += max(group.held, w) + 0.25
    elif role in ("script", "sum"):
        group.width += _scripted(role, w)
    elif role == "sqrt":
        group.width += w + 1.0
    else:
        group.width += w


def _scripted(role: str, w: float) -> float:
    # a sum's subscript sits below its sign: it widens the sum only past the sign's width
    return max(0.0, w * _SCRIPT - 1.5) if role == "sum" else w * _SCRIPT


def _close(parent: _Group, done: _Group) -> None:
    w = done.width
    if done.role == "num":
        parent.held = w
        return
    if done.role == "den":
        parent.width += max(parent.held, w) + 0.25
        parent.held = 0.0
    elif done.role in ("script", "sum"):
        parent.width += _scripted(done.role, w)
    elif done.role == "sqrt":
        parent.width += w + 1.0
    else:
        parent.width += w
    parent.after_sum = False


def _matrix_width(body: str) -> float:
    """A bmatrix: its columns' widths, a gap between columns, the brackets."""
    rows = [row.split("&") for row in body.split(r"\\")]
    columns = max(len(r) for r in rows)
    widest = [max((width(r[k]) for r in rows if k < len(r)), default=0.0)
              for k in range(columns)]
    return sum(widest) + 1.0 * (columns - 1) + 1.4


@dataclass(frozen=True)
class Stage:
    """One stage of an equation (∂g/∂f · ∂f/∂x, or 1 · y, or -4): its items and what joins
    them, so that a stage too wide for a row is broken between two items."""

    items: tuple[str, ...]
    sep: str = r"\cdot"

    @property
    def tex(self) -> str:
        return f" {self.sep} ".join(self.items)


@dataclass(frozen=True)
class Layout:
    """How the rows of an equation start, in the align*'s second column: the first, a
    row that starts another stage (with its '='), and a row that goes on with a stage
    too wide for one (it starts with the stage's operator)."""

    first: str  # "&= "
    then: str  # "&= "
    wrap: str  # r"&\qquad "
    budget: float  # em left for the second column


def pack(stages: list[Stage], layout: Layout) -> list[tuple[str, float]]:
    """The rows of an equation, each with its width: stages joined by '=' on a row while
    they fit, a stage that does not fit on a new row, and a stage wider than a row
    broken between its items onto rows of about equal width."""
    rows: list[tuple[str, float]] = []
    text, used = layout.first, width(layout.first)
    for k, stage in enumerate(stages):
        if k > 0:
            whole = width(" = " + stage.tex)
            if used + whole <= layout.budget:
                text, used = text + " = " + stage.tex, used + whole
                continue
            rows.append((text, used))
            text, used = layout.then, width(layout.then)
        units = _units(stage, layout.budget - width(layout.wrap) - 1.0)
        for n, line in enumerate(_lines(units, used, width(layout.wrap), layout.budget)):
            if n > 0:
                rows.append((text, used))
                text, used = layout.wrap + "{}", width(layout.wrap)
            piece = "".join(joiner + unit for joiner, unit in line)
            text, used = text + piece, used + width(piece)
    rows.append((text, used))
    return rows


# Where a formula may go on in the next row: before an operator or a relation at the
# outermost level of braces (a row of align* must balance them), not after "(" or
# another operator (a sign, not an operator).
_PIECE = re.compile(r"\\text\{[^{}]*\}|\S+")
_BREAKS = {"+", "-", r"\cdot", "/", "=", "<", ">", r"\text{ if }", r"\text{ else }"}


def _units(stage: Stage, room: float) -> list[tuple[str, str]]:
    """A stage's items as (joiner, text) units: one per item, and an item wider than
    `room` em cut into its pieces between two terms (the max rule's long
    `(1 if a > b else 0.5 if a = b else 0)` with long names)."""
    units: list[tuple[str, str]] = []
    for i, item in enumerate(stage.items):
        pieces = _pieces(item) if width(item) > room else [item]
        for j, piece in enumerate(pieces):
            units.append(("" if i == j == 0 else f" {stage.sep} " if j == 0 else " ", piece))
    return units


def _pieces(tex: str) -> list[str]:
    """A formula cut before each operator where a row may break."""
    pieces: list[list[str]] = [[]]
    depth = 0
    for tok in _PIECE.findall(tex):
        before = pieces[-1][-1] if pieces[-1] else ""
        if depth == 0 and tok in _BREAKS and before not in ("", "(", "[", "{", *_BREAKS):
            pieces.append([])
        pieces[-1].append(tok)
        depth += tok.count("{") - tok.count("}") - tok.count(r"\{") + tok.count(r"\}")
    return [" ".join(p) for p in pieces if p]


def _lines(units: list[tuple[str, str]], start: float, indent: float,
           budget: float) -> list[list[tuple[str, str]]]:
    """Units on as few lines as fit (the first after `start` em, the others after
    `indent`), spread evenly over them: no last line of a lone factor."""
    widths = [width(joiner + unit) for joiner, unit in units]
    lines = _fill(widths, start, indent, budget)
    if len(lines) > 1:
        # the narrowest measure that still takes as few lines: found by halving the
        # range between the widest unit and the budget (30 halvings: well under 0.01 em)
        low, high = max(widths) + max(start, indent), budget
        for _ in range(30):
            middle = (low + high) / 2
            if len(_fill(widths, start, indent, middle)) <= len(lines):
                high = middle
            else:
                low = middle
        lines = _fill(widths, start, indent, high)
    return [[units[i] for i in line] for line in lines]


def _fill(widths: list[float], start: float, indent: float,
          measure: float) -> list[list[int]]:
    """Items onto lines greedily, a line taking items while it fits `measure` (the
    first line after `start` em, the others after `indent`); at least one a line."""
    lines: list[list[int]] = [[]]
    used = start
    for i, w in enumerate(widths):
        if lines[-1] and used + w > measure:
            lines.append([])
            used = indent
        lines[-1].append(i)
        used += w
    return lines
