"""`backprop explain --format latex`: the derivation as a LaTeX fragment for slides and
notes, an align* environment (amsmath) with one row per equation, or per stage of a
long one, then the gate notes as an itemize list. Formulas in the program's notation
are turned into LaTeX by one pass over their tokens with a stack of what each ')'
closes, so the braces always balance; the output is ASCII. Pure text over the data of
tasks/explain.py; nothing here computes a number.
"""

from __future__ import annotations

import re

import numpy as np

from ..core import checkable, fmt
from ..core.ops import OPS
from ..tasks.derivation import Derivation, Explanation, Factor, Path
from .text import (
    JACOBIANS,
    at_text,
    chain,
    count_text,
    d,
    equation,
    factor_numbers,
    formulas,
    grouped,
    numbers,
    rest,
    single_equation,
    value_text,
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
    """1.2e-11 → 1.2 \\cdot 10^{-11}; other numbers as they are."""
    if text.startswith("(") and text.endswith(")"):
        return f"({tex_number(text[1:-1])})"
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


def _tex_joined(path: Path, part) -> str:
    items = [part(f) for f in path.factors]
    if path.elided:
        items.insert(path.gap, rf"\cdots_{{\text{{{path.elided} more}}}}")
    return r" \cdot ".join(items) if items else "1"


def _tex_value(v) -> str:
    if np.ndim(v) == 0:
        return tex_number(fmt.number(v))
    return r"\text{" + tex_text(value_text(v)) + "}"


def tex_stages(path: Path, lhs: str | None = None) -> list[str]:
    """The stages of `stages` in LaTeX, leaving out the same repeats (`lhs`, in plain
    text, is what the equation's left side says)."""
    plain: list[str | None] = [lhs] if lhs else []
    parts: list[str] = []
    candidates: list[tuple[str | None, str]] = [
        (chain(path), _tex_joined(path, lambda f: tex_partial(f.top, f.bottom)))]
    if path.product is not None:
        shown = iter(factor_numbers(path))
        candidates += [
            (formulas(path), _tex_joined(
                path, lambda f: tex_formula(grouped(f.formula, path.length == 1)))),
            (numbers(path), _tex_joined(path, lambda f: tex_number(next(shown)))),
            (fmt.number(path.product), tex_number(fmt.number(path.product))),
        ]
    for text, tex in candidates:
        if not plain or text != plain[-1]:
            plain.append(text)
            parts.append(tex)
    return parts


LONG = 70  # characters of an equation (in plain text) that fit on one row of a slide


def latex(exp: Explanation) -> str:
    """The derivation for slides and notes: an align* environment (amsmath), then the
    gate notes as a list. A fragment to paste into a document. A long equation gets a
    row per stage: the chain, the local gradients, the numbers and the result."""
    lines = [f"% backprop explain: the chain rule from the output {exp.output} down to each "
             "input (needs \\usepackage{amsmath})"]
    at = at_text(exp)
    if at:
        lines.append(f"% at {at}, where {exp.output} = {fmt.number(exp.value)}")
    rows = [row for der in exp.derivations for row in _tex_derivation(exp, der)]
    lines += [r"\begin{align*}", " \\\\\n".join(rows), r"\end{align*}"]
    if exp.has_jacobians:
        lines += [tex_text(JACOBIANS), ""]
    items = _tex_notes(exp)
    if items:
        lines += [r"\begin{itemize}", *items, r"\end{itemize}"]
    if exp.where:
        lines.append("Where " + ", ".join(f"${tex_name(n)} = {tex_formula(t)}$"
                                          for n, t in exp.where)
                     + (f" and {exp.more_where} more" if exp.more_where else "") + ".")
    return "\n".join(lines) + "\n"


def _tex_derivation(exp: Explanation, der: Derivation) -> list[str]:
    """The rows of ∂output/∂input: no path, one equation, or a sum over the paths."""
    lhs = tex_partial(exp.output, der.input)
    out = tex_name(exp.output)
    if der.count == 0:
        return [lhs + r" &= 0 && \text{no path leads from $" + out + r"$ down to $"
                + tex_name(der.input) + "$}"]
    if der.single:
        path = der.paths[0]
        parts = tex_stages(path, d(exp.output, der.input))
        if path.product is None:
            parts.append(_tex_value(der.gradient))
        return _tex_rows(lhs + " &= ", "&= ", parts, len(single_equation(exp, der)) > LONG)
    first = "the first " + str(len(der.paths)) + " of " if not der.complete and der.paths \
        else ""
    rows = [lhs + rf" &= \sum_{{\text{{{first}{tex_text(count_text(der.count))} "
            rf"path{'s' * (der.count != 1)}}}}} \text{{ from ${out}$ down to "
            rf"${tex_name(der.input)}$:}}"]
    for p in der.paths:
        parts = tex_stages(p)
        long = len(equation(p)) > LONG
        # a long path's chain already names its nodes: no room for the route beside it
        rows += _tex_rows(r"&\qquad ", r"&\qquad\quad = ", parts, long,
                          "" if long else r" && " + tex_route(p))
    more = rest(der)
    if more:
        rows.append(r"&\qquad \text{" + tex_text(more.split(" (")[0]) + "}")
    rows.append("&= " + _tex_total(exp, der))
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
        items.append(rf"\item \ldots{{}} and {exp.more_reuses} more nodes that take an "
                     "operand twice")
    return items


def _tex_rows(first: str, then: str, parts: list[str], long: bool, tail: str = "") -> list[str]:
    """An equation's stages on one row, or (long) the chain on the first row, the local
    gradients on the next, and the numbers with the result on the last."""
    if not long or len(parts) < 3:
        return [first + " = ".join(parts) + tail]
    rows = [first + parts[0] + tail]
    middle, last = parts[1:-2], parts[-2:]
    rows += [then + p for p in middle]
    rows.append(then + " = ".join(last))
    return rows


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


def _tex_total(exp: Explanation, der: Derivation) -> str:
    if der.complete and der.numeric:
        texts = checkable.summands([p.product for p in der.paths], der.path_sum)
        terms = [tex_number(t if k == 0 or not t.startswith("-") else f"({t})")
                 for k, t in enumerate(texts)]
        return " + ".join(terms) + " = " + tex_number(fmt.number(der.path_sum))
    what = "the sum over its path" if der.count == 1 else \
        f"the sum over all {count_text(der.count)} paths"
    return r"\text{" + tex_text(what) + "} = " + _tex_value(der.gradient)
