"""`backprop explain --forward [--format markdown|latex]`: the forward-mode derivation
written out, sweep by sweep: each node's tangent by its rule, with the numbers of the
sweep put in (ḟ = ẋ·y + ẏ·x = 1·(-4) + 0·3 = -4), then the gradient read off the
output's row beside the reverse pass's. The rows are tasks/forward.py's, the same as
`backprop forward` shows; LaTeX sets them from the same terms (the op table's local
formulas through latex.tex_formula). Pure text; nothing here computes a number.
"""

from __future__ import annotations

import re

import numpy as np

from ..core import fmt
from ..core.ops import OPS
from ..tasks.forward import Forward, Sweep, dot, rule_terms
from .latex import tex_formula, tex_name, tex_number, tex_text
from .texrows import BUDGET, width


def _along(f: Forward, s: Sweep) -> str:
    if f.mode == "direction":
        return "along the direction " + ", ".join(f"{dot(k)} = {fmt.brief(v)}"
                                                 for k, v in s.direction.items())
    return f"along {s.label} ({dot(s.label.split('[')[0])} = 1 there, every other input 0)"


def _verdict(f: Forward) -> str | None:
    if f.gradient is None:
        return None
    out = f.output
    said = ", ".join(f"∂{out}/∂{k} = {fmt.brief(v)}" for k, v in f.gradient.items())
    same = "the same as eval's (reverse mode)" if f.agrees else \
        f"differs from eval's by up to {fmt.number(f.difference or 0.0)}"
    return f"Gradient from the output's row: {said}; {same}."


def markdown(f: Forward) -> str:
    """A section per sweep, a line per node: rule = numbers = tangent."""
    return _written(f, "# ", "## ", "- `{}`: ")


def text(f: Forward) -> str:
    """The same as plain text, for the terminal (`explain --forward`)."""
    return _written(f, "", "", "  {}    ")


def _written(f: Forward, title: str, heading: str, item: str) -> str:
    lines = [f"{title}Forward mode: the tangent of every node of {f.output}", ""]
    for k, s in enumerate(f.sweeps):
        lines += [f"{heading}{_along(f, s).capitalize()}", ""]
        for row in f.rows:
            if row.expr == "input":
                continue
            lines.append(item.format(f"{row.name} = {row.expr}") +
                         f"{row.rule} = {row.numbers[k]}")
        lines.append("")
    verdict = _verdict(f)
    if verdict:
        lines += [verdict, ""]
    return "\n".join(lines)


def tex_dot(name: str) -> str:
    """A tangent in LaTeX: \\dot{x}, \\dot{w}_{0}, \\dot{\\mathit{dot}}."""
    m = re.fullmatch(r"([A-Za-z])(\d+)", name)
    if m:
        return rf"\dot{{{m.group(1)}}}_{{{m.group(2)}}}"
    return rf"\dot{{{tex_name(name)}}}"


def _tex_rule(f: Forward, i: int) -> str:
    ev = f.evaluation
    node = ev.graph.nodes[i]
    parts = []
    for k, d in rule_terms(ev, i):
        operand = ev.graph.nodes[node.args[k]].name
        if not d:  # not elementwise: the op's Jacobian applied to the tangent
            parts.append(rf"\frac{{\partial {tex_name(node.name)}}}{{\partial "
                         rf"{tex_name(operand)}}} {tex_dot(operand)}")
        elif d == "1":
            parts.append(tex_dot(operand))
        elif d == "-1":
            parts.append("-" + tex_dot(operand))
        else:
            tex = tex_formula(d)
            simple = re.fullmatch(r"-?[\w.{}\\]+", tex.replace(" ", "")) is not None
            parts.append(rf"{tex_dot(operand)} \cdot " + (tex if simple else
                                                            rf"\left({tex}\right)"))
    return " + ".join(parts).replace("+ -", "- ") if parts else "0"


def _tex_numbers(f: Forward, i: int, s: Sweep) -> str | None:
    """The numbers of the sweep in the rule, where the node and its operands are numbers."""
    ev = f.evaluation
    node = ev.graph.nodes[i]
    if np.ndim(ev.values[i]) or any(np.ndim(ev.values[j]) for j in node.args) or \
            not OPS[node.op].elementwise:
        return None
    parts = []
    for k, d in rule_terms(ev, i):
        t = tex_number(_signed(s.tangents[node.args[k]]))
        parts.append(t if d in ("1", "-1") else
                     rf"{t} \cdot {tex_number(_signed(ev.local[i][k]))}")
        if d == "-1":
            parts[-1] = "-" + parts[-1]
    return " + ".join(parts) if parts else None


def _signed(v) -> str:
    text = fmt.number(v)
    return f"({text})" if text.startswith("-") else text


def _tex_value(v) -> str:
    return tex_number(fmt.number(v)) if np.ndim(v) == 0 else \
        r"\text{" + tex_text(fmt.brief(v)) + "}"


def _tex_along(f: Forward, s: Sweep) -> str:
    """The sweep's direction, in ASCII LaTeX (pdflatex has no glyph for a dotted x)."""
    if f.mode == "direction":
        return "Along the direction " + ", ".join(
            rf"${tex_dot(k)} = {_tex_value(v)}$" for k, v in s.direction.items()) + ":"
    name = s.label.split("[")[0]
    where = tex_text(s.label[len(name):])
    return (rf"Along ${tex_name(name)}${where} (${tex_dot(name)} = 1$ there, every other "
            "input 0):")


def latex(f: Forward, standalone: bool = False) -> str:
    """An align* environment per sweep (amsmath): a row per node, its stages on rows of
    their own where one row would run past the text's width."""
    body: list[str] = []
    for s in f.sweeps:
        body += [_tex_along(f, s), r"\begin{align*}"]
        rows = []
        for row in f.rows:
            if row.expr == "input":
                continue
            i = row.index
            made = [_tex_rule(f, i), _tex_numbers(f, i, s), _tex_value(s.tangents[i])]
            stages = [x for k, x in enumerate(made) if x and x not in made[:k]]
            lhs = tex_dot(row.name)
            whole = f"{lhs} &= " + " = ".join(stages)
            rows.append(whole if width(whole) <= BUDGET else
                        f"{lhs} &= " + r" \\ &= ".join(stages))
        body += [" \\\\\n".join(rows) or r"\text{(no computed node)}", r"\end{align*}"]
    verdict = _verdict(f)
    if verdict:
        body += [tex_text(verdict), ""]
    head = (f"% backprop explain --forward: the tangent of every node of {f.output}, sweep by "
            "sweep (needs \\usepackage{amsmath})")
    if not standalone:
        return "\n".join([head, *body]) + "\n"
    return "\n".join([
        "% backprop explain --forward --standalone: compile with pdflatex",
        r"\documentclass[11pt]{article}", r"\usepackage{amsmath}",
        r"\setlength{\emergencystretch}{3em}", r"\begin{document}",
        rf"\section*{{Forward mode: the tangent of every node of ${tex_name(f.output)}$}}",
        *body, r"\end{document}"]) + "\n"
