"""`backprop explain --format latex`: the derivation in LaTeX for notes and slides, a
fragment to paste into a document that loads amsmath, or (standalone) a whole document
that pdflatex compiles alone. One align* environment per input, its rows made to fit the
width of the text (output/texrows.py: a long product or sum is broken between its
factors or terms, each stage of a long equation starts a row), and a page may break
between two paths (\\displaybreak[0]); then the gate notes as an itemize list.
Formulas in the program's notation are turned into LaTeX by one pass over their tokens
with a stack of what each ')' closes, so the braces always balance; the output is ASCII.
Pure text over the data of tasks/explain.py; nothing here computes a number.
"""

from __future__ import annotations

import re

import numpy as np

from ..core import checkable, fmt
from ..core.ops import OPS
from ..tasks.derivation import Derivation, Explanation, Factor, Path
from ..tasks.symbolic import Formulas
from . import formulas as swell_words
from .texrows import BUDGET, Layout, Stage, pack, width
from .text import (
    JACOBIANS,
    SMALL,
    at_text,
    chain,
    count_text,
    factor_numbers,
    formulas,
    grouped,
    more_reuses,
    numbers,
    rest,
)

_TOKEN = re.compile(r"\s+|(\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
                    r"|([A-Za-z_][A-Za-z0-9_]*(?:#\d+)?)|(\*\*|==|>=|<=|.)")
_TEX_TEXT = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "#": r"\#", "$": r"\$",
             "%": r"\%", "&": r"\&", "_": r"\_", "~": r"\textasciitilde{}",
             "^": r"\textasciicircum{}"}


def tex_text(text: str) -> str:
    """Plain text for \\text{...} or a paragraph: LaTeX's special characters escaped."""
    text = "".join(_TEX_TEXT.get(ch, ch) for ch in text)
    return (text.replace("∂", r"$\partial$").replace("·", r"$\cdot$")
            .replace("→", r"$\to$").replace("…", r"\ldots{}"))


def tex_name(name: str) -> str:
    """A node name in math: x, w_{0} for w0, \\mathit{dot}, \\mathit{c\\#1}."""
    m = re.fullmatch(r"([A-Za-z])(\d+)", name)
    if m:
        return f"{m.group(1)}_{{{m.group(2)}}}"
    if re.fullmatch(r"[A-Za-z]", name):
        return name
    if name == "pi":  # the constant (a program cannot name anything else pi)
        return r"\pi"
    if re.fullmatch(r"-?[\d.]+(?:[eE][-+]?\d+)?", name):  # a constant operand
        return tex_number(name)
    return r"\mathit{" + tex_text(name) + "}"


def tex_number(text: str) -> str:
    """1.2e-11 → 1.2 \\cdot 10^{-11}, inf → \\infty; other numbers as they are."""
    if text.startswith("(") and text.endswith(")"):
        return f"({tex_number(text[1:-1])})"
    if text.lstrip("-") in ("inf", "nan"):
        return text.replace("inf", r"\infty").replace("nan", r"\text{nan}")
    mantissa, e, exponent = text.partition("e")
    return f"{mantissa} \\cdot 10^{{{int(exponent)}}}" if e and exponent else text


def tex_formula(formula: str) -> str:
    """A formula in the program's notation (y, 2 * x^(2 - 1), sigmoid(t) * (1 - sigmoid(t)))
    as LaTeX math. One pass with a stack of what each ')' closes: a power's or a square
    root's parentheses become braces, so the result always balances."""
    tokens = [t for t in (m.group(0) for m in _TOKEN.finditer(formula)) if not t.isspace()]
    out: list[str] = []
    closers: list[str] = []
    brace_next = False  # the next "(" opens ^{...} or \sqrt{...}
    pos = 0
    while pos < len(tokens):
        tok = tokens[pos]
        nxt = tokens[pos + 1] if pos + 1 < len(tokens) else ""
        pos += 1
        if tok == "(":
            out.append("{" if brace_next else "(")
            closers.append("}" if brace_next else ")")
            brace_next = False
        elif tok == ")":
            out.append(closers.pop() if closers else ")")
        elif tok in ("^", "**"):
            brace_next = nxt == "("
            if brace_next:
                out.append("^")
            else:  # a power of one token: x^2 → x^{2}
                out.append("^{" + (tex_name(nxt) if nxt else "") + "}")
                pos += 1
        elif _is_name(tok) and nxt == "(":
            tex, brace_next = tex_function(tok)
            out.append(tex)
        else:
            out.append(_tex_token(tok))
    out += reversed(closers)  # never happens for the op table's rules; keeps braces balanced
    return " ".join(out)


def _is_name(tok: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z_]", tok[0]))


def tex_function(name: str) -> tuple[str, bool]:
    """A function's name in LaTeX (the op table's `latex`, else \\operatorname{name}), and
    whether its argument goes in braces rather than parentheses (\\sqrt{a})."""
    op = OPS.get(name)
    tex = op.latex if op is not None and op.latex else r"\operatorname{" + tex_text(name) + "}"
    if tex.endswith("{}"):
        return tex[:-2], True
    return tex, False


def _tex_token(tok: str) -> str:
    """A token that LaTeX writes the same wherever it stands: an operator, a name, a number."""
    if tok == "*":
        return r"\cdot"
    if tok == "==":
        return "="
    if tok in ("if", "else"):
        return r"\text{ " + tok + " }"
    if _is_name(tok):
        return tex_name(tok)
    if tok[0].isdigit() or tok[0] == ".":
        return tex_number(tok)
    if tok in "+-/,<>=@[]":
        return tok
    return r"\text{" + tex_text(tok) + "}"


def tex_partial(top: str, bottom: str) -> str:
    return rf"\frac{{\partial {tex_name(top)}}}{{\partial {tex_name(bottom)}}}"


def _tex_items(path: Path, part) -> tuple[str, ...]:
    items = [part(f) for f in path.factors]
    if path.elided:
        items.insert(path.gap, rf"\cdots_{{\text{{{path.elided} more}}}}")
    return tuple(items) if items else ("1",)


def tex_value(v) -> str:
    """A value in math: a number; a small array's elements (a matrix as a bmatrix); a
    large array's size and the range of its entries."""
    if np.ndim(v) == 0:
        return tex_number(fmt.number(v))
    v = np.asarray(v, dtype=float)
    if v.size <= SMALL and v.ndim == 1:
        return "[" + ", ".join(tex_number(fmt.number(x)) for x in v) + "]"
    if v.size <= SMALL and v.ndim == 2:
        return (r"\begin{bmatrix} " + r" \\ ".join(
            " & ".join(tex_number(fmt.number(x)) for x in row) for row in v)
            + r" \end{bmatrix}")
    # braced: after \text{...} a minus would be set as an operator, not a sign
    low, high = (f"{{{tex_number(fmt.number(x))}}}" for x in (np.min(v), np.max(v)))
    if v.ndim == 1:
        return rf"\text{{a vector of {v.size} entries, from }} {low} \text{{ to }} {high}"
    size = r" \times ".join(str(n) for n in v.shape)
    return rf"\text{{a }} {size} \text{{ array, entries from }} {low} \text{{ to }} {high}"


def tex_stages(path: Path, lhs: str | None = None) -> list[Stage]:
    """The stages of `stages` in LaTeX, each with its factors, leaving out the same
    repeats (`lhs`, in plain text, is what the equation's left side says)."""
    plain: list[str | None] = [lhs] if lhs else []
    parts: list[Stage] = []
    candidates: list[tuple[str | None, Stage]] = [
        (chain(path), Stage(_tex_items(path, lambda f: tex_partial(f.top, f.bottom))))]
    if path.product is not None:
        shown = iter(factor_numbers(path))
        candidates += [
            (formulas(path), Stage(_tex_items(
                path, lambda f: tex_formula(grouped(f.formula, path.length == 1))))),
            (numbers(path), Stage(_tex_items(path, lambda f: tex_number(next(shown))))),
            (fmt.number(path.product), Stage((tex_number(fmt.number(path.product)),))),
        ]
    for text, stage in candidates:
        if not plain or text != plain[-1]:
            plain.append(text)
            parts.append(stage)
    return parts


BREAK = r" \displaybreak[0]"  # amsmath: a page may break after this row (none else may)
GAP = "[1ex]"  # a little space between two paths, so that each reads as one
LONG_BLOCK = 15  # rows of one path past which a page may break inside it too


def latex(exp: Explanation, standalone: bool = False) -> str:
    """The derivation for notes and slides: an align* environment (amsmath) per input,
    then the gate notes as a list. A fragment to paste into a document, or with
    `standalone` a whole document that pdflatex compiles alone. Rows fit the width of
    an article's text: a long equation gets a row per stage, a long product a row per
    few factors."""
    lines: list[str] = []
    if exp.symbolic is not None:  # explain --symbolic: the formulas instead of the paths
        lines = symbolic_latex(exp.symbolic)
        return (_document(exp, lines) if standalone else _fragment(exp, lines)) + "\n"
    for der in exp.derivations:
        blocks = _tex_derivation(exp, der)
        lines += [r"\begin{align*}", _joined(blocks), r"\end{align*}"]
    if exp.has_jacobians:
        lines += [tex_text(JACOBIANS), ""]
    items = _tex_notes(exp)
    if items:
        lines += [r"\begin{itemize}", *items, r"\end{itemize}"]
    if exp.where:
        lines.append("Where " + ", ".join(f"${tex_name(n)} = {tex_formula(t)}$"
                                          for n, t in exp.where)
                     + (f" and {exp.more_where} more" if exp.more_where else "") + ".")
    return (_document(exp, lines) if standalone else _fragment(exp, lines)) + "\n"


def _fragment(exp: Explanation, body: list[str]) -> str:
    lines = [f"% backprop explain: the chain rule from the output {exp.output} down to each "
             "input (needs \\usepackage{amsmath})"]
    at = at_text(exp)
    if at:
        lines.append(f"% at {at}, where {exp.output} = {fmt.number(exp.value)}")
    return "\n".join(lines + body)


def _document(exp: Explanation, body: list[str]) -> str:
    """A whole document: the article class and amsmath only (both in every TeX
    distribution, texlive-latex-base on Debian), a heading and the point."""
    lines = ["% backprop explain --standalone: compile with pdflatex",
             r"\documentclass[11pt]{article}", r"\usepackage{amsmath}",
             # the default bullet is a text-companion glyph, which the base
             # distribution has only as a bitmap font
             r"\renewcommand{\labelitemi}{\ensuremath{\bullet}}",
             # a line of notes with a long formula stretches rather than runs over
             r"\setlength{\emergencystretch}{3em}", r"\begin{document}",
             rf"\section*{{The chain rule, from the output ${tex_name(exp.output)}$ down to "
             "each input}" if exp.symbolic is None else
             rf"\section*{{The gradient of ${tex_name(exp.output)}$ as formulas}}"]
    if at_text(exp):  # the point, where it is short (scalars, a few)
        point = ", ".join(f"${tex_name(n)} = {tex_number(fmt.number(v))}$"
                          for n, v in exp.inputs)
        lines += [f"At {point}, where ${tex_name(exp.output)} = "
                  f"{tex_number(fmt.number(exp.value))}$.", ""]
    return "\n".join(lines + body + [r"\end{document}"])


def _joined(blocks: list[list[str]]) -> str:
    """The rows of an align*: a page may break between two blocks (paths), not inside
    one, unless it is too long for a page."""
    rows: list[str] = []
    for b, block in enumerate(blocks):
        for r, row in enumerate(block):
            if b == len(blocks) - 1 and r == len(block) - 1:
                rows.append(row)
            elif r == len(block) - 1:  # the end of a path, the heading's included
                rows.append(row + BREAK + r" \\" + GAP + "\n")
            else:
                rows.append(row + (BREAK if len(block) > LONG_BLOCK else "") + " \\\\\n")
    return "".join(rows)


def _tex_derivation(exp: Explanation, der: Derivation) -> list[list[str]]:
    """The rows of ∂output/∂input in blocks that stay on one page: no path, one
    equation, or a sum over the paths."""
    lhs = tex_partial(exp.output, der.input) + " "
    out = tex_name(exp.output)
    single = Layout("&= ", "&= ", r"&\qquad ", BUDGET - width(lhs))
    if der.count == 0:
        no_path = (r"\text{no path leads from $" + out + r"$ down to $"
                   + tex_name(der.input) + "$}")
        if width(lhs + no_path) + 3.5 <= BUDGET:
            return [[lhs + r"&= 0 \qquad " + no_path]]
        return [[lhs + "&= 0", r"&\qquad " + no_path]]
    if der.single:
        path = der.paths[0]
        stages = tex_stages(path, "∂" + exp.output + "/∂" + der.input)
        if path.product is None:
            stages.append(Stage((tex_value(der.gradient),)))
        return [_rows(lhs, stages, single)]
    # The paths, in one column: the left side on the first row and the last, so that
    # the paths get the whole width
    first = "the first " + str(len(der.paths)) + " of " if not der.complete and der.paths \
        else ""
    heading = [rf"&{lhs}= \sum_{{\text{{{first}{tex_text(count_text(der.count))} "
               rf"path{'s' * (der.count != 1)}}}}}",
               rf"\text{{ from ${out}$ down to ${tex_name(der.input)}$:}}"]
    blocks = [[" ".join(heading)] if width(" ".join(heading)) <= BUDGET else
              [heading[0], r"&\qquad " + heading[1]]]
    each = Layout(r"&\qquad ", r"&\qquad\quad = ", r"&\qquad\qquad ", BUDGET)
    for k, p in enumerate(der.paths):
        rows = pack(tex_stages(p), each)
        tail = r" \qquad " + tex_route(p)  # where it fits: the chain names the nodes too
        text, used = rows[0]
        if used + width(tail) <= BUDGET:
            rows[0] = (text + tail, used)
        if k == 0:  # the heading stays with the first path
            blocks[0] += [text for text, _ in rows]
        else:
            blocks.append([text for text, _ in rows])
    total = [text for text, _ in pack(_tex_total(der), Layout(
        f"&{lhs}= ", r"&\qquad = ", r"&\qquad\quad ", BUDGET))]
    more = rest(der)
    if more:
        total.insert(0, r"&\qquad \text{" + tex_text(more.split(" (")[0]) + "}")
    blocks.append(total)
    return blocks


def _rows(lhs: str, stages: list[Stage], layout: Layout) -> list[str]:
    """An equation's rows, the left side on the first."""
    rows = [text for text, _ in pack(stages, layout)]
    rows[0] = lhs + rows[0]
    return rows


def _tex_notes(exp: Explanation) -> list[str]:
    """The gate notes and the reuse notes, as items of a list."""
    items = [rf"\item ${tex_name(g.node)} = {tex_formula(g.expr)}$: {tex_text(g.gate)}: "
             + ", ".join(_tex_local(f) for f in g.local)
             + (" (same gate at " + ", ".join(f"${tex_name(n)}$" for n in g.others)
                + (f" and {g.more} more" if g.more else "") + ")" if g.others else "")
             for g in exp.gates]
    items += [rf"\item ${tex_name(r.node)} = {tex_formula(r.expr)}$ takes "
              rf"${tex_name(r.operand)}$ {'twice' if r.times == 2 else f'{r.times} times'}: "
              rf"each use is an edge of its own, so the paths through ${tex_name(r.node)}$ "
              "split there" for r in exp.reuses]
    if exp.more_reuses:
        items.append(rf"\item \ldots{{}} and {more_reuses(exp.more_reuses)}")
    return items


def tex_route(path: Path) -> str:
    """The route of a path in math: c \\to b \\to a, with \\to_{2} through a second use."""
    def arrow(f: Factor) -> str:
        return rf" \to_{{{f.slot + 1}}} " if f.twice else r" \to "

    parts = (path.factors[: path.gap], path.factors[path.gap :]) if path.elided else \
        (path.factors,)
    return r" \to \cdots \to ".join(
        tex_name(part[0].top) + "".join(arrow(f) + tex_name(f.bottom) for f in part)
        for part in parts if part)


def _tex_local(f: Factor) -> str:
    items = [tex_partial(f.top, f.bottom)]
    if " " not in f.formula:
        items.append(tex_formula(f.formula))
    if f.value is not None and fmt.number(f.value) != f.formula:
        items.append(tex_number(fmt.number(f.value)))
    return "$" + " = ".join(items) + "$"


def _tex_total(der: Derivation) -> list[Stage]:
    """The last equation of a sum over paths: the paths' products added up, or (when
    not all are written, or they are Jacobians) the back-propagated gradient."""
    if der.complete and der.numeric:
        texts = checkable.summands([p.product for p in der.paths], der.path_sum)
        terms = tuple(tex_number(t if k == 0 or not t.startswith("-") else f"({t})")
                      for k, t in enumerate(texts))
        return [Stage(terms, "+"), Stage((tex_number(fmt.number(der.path_sum)),))]
    what = "the sum over its path" if der.count == 1 else \
        f"the sum over all {count_text(der.count)} paths"
    return [Stage((r"\text{" + tex_text(what) + "}",)), Stage((tex_value(der.gradient),))]


# explain --symbolic

def symbolic_latex(f: Formulas) -> list[str]:
    """An align* of the formulas (names escaped: x_1 is \\mathit{x\\_1}), the
    definitions they use, a table of the sizes, and the lesson."""
    rows = []
    for formula in f.formulas:
        lhs = tex_partial(f.output, formula.input)
        if formula.expression is None:
            rows.append(rf"{lhs} &: \text{{no formula: {tex_text(formula.reason)}}}")
        else:
            rows.append(f"{lhs} &= {tex_formula(formula.expression)}")
    lines = [r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]
    pairs = swell_words.where(f)
    if pairs:
        lines.append("where " + ", ".join(f"${tex_name(n)} = {tex_formula(t)}$"
                                          for n, t in pairs) + ".")
        lines.append("")
    lines += [r"\begin{tabular}{lrrr}",
              " & ".join(tex_text(h) for h in swell_words.SIZES) + r" \\ \hline"]
    lines += [f"${tex_name(row[0])}$ & " + " & ".join(tex_text(c) for c in row[1:]) + r" \\"
              for row in swell_words.sizes(f)]
    lines += [r"\end{tabular}", "", tex_text(swell_words.lesson(f)), ""]
    return lines
