"""`backprop explain --symbolic` as words and Markdown: each gradient as a formula, and
the lesson of expression swell. Pure text over tasks/symbolic.py's data (no SymPy here:
the formulas arrive written in the program's language); the terminal's view
(terminal/explain.py), the LaTeX (output/latex.py: symbolic_latex) and the JSON
(output/document.py) use the same words.
"""

from __future__ import annotations

import re

from ..tasks.symbolic import Formula, Formulas


def heading(f: Formulas) -> str:
    return (f"The gradient of {f.output} as formulas (simplified by SymPy; they hold at "
            "every point, not only this one)")


def equation(f: Formulas, formula: Formula) -> str:
    """∂g/∂x = y, or why there is no formula."""
    lhs = f"∂{f.output}/∂{formula.input}"
    if formula.expression is None:
        return f"{lhs}: no formula: {formula.reason}"
    return f"{lhs} = {formula.expression}"


def where(f: Formulas) -> tuple[tuple[str, str], ...]:
    """The named nodes the formulas use, each defined once, in the program's order."""
    seen: dict[str, str] = {}
    for formula in f.formulas:
        for name, text in formula.where:
            seen.setdefault(name, text)
    return tuple(seen.items())


def where_text(f: Formulas) -> str:
    pairs = where(f)
    return "where " + "; ".join(f"{n} = {t}" for n, t in pairs) if pairs else ""


SIZES = ("input", "paths", "nodes written out in full", "nodes simplified")


def sizes(f: Formulas) -> list[tuple[str, str, str, str]]:
    """A row per input: its paths, its expanded formula's nodes, its formula's nodes."""
    return [(x.input, f"{x.paths:,}", f"{x.expanded:,}", f"{x.size:,}" if x.size else "–")
            for x in f.formulas]


def lesson(f: Formulas) -> str:
    """Expression swell in one paragraph, with the two counts."""
    return (
        f"Expression swell: written out with nothing shared (for each input, the sum over "
        f"every path of the product of its local derivatives, each with its operands' "
        f"formulas put in whole), these gradients have {f.expanded:,} nodes in all; "
        f"back-propagation computes every one of them with {f.products:,} products, one per "
        f"edge of the backward pass, because it works out each node's gradient once and "
        f"shares it among all the paths through it. The written-out formula grows with the "
        f"number of paths, which can double with each layer; back-propagation grows with "
        f"the edges. That is why frameworks do not differentiate symbolically.")


# Markdown

def markdown(f: Formulas) -> list[str]:
    lines = [f"## {_md(heading(f))}", ""]
    for formula in f.formulas:
        if formula.expression is None:
            lines.append(f"- {_md(equation(f, formula))}")
        else:
            lines.append(f"- `{equation(f, formula)}`")
    pairs = where(f)
    if pairs:
        lines += ["", "Where " + ", ".join(f"`{n} = {t}`" for n, t in pairs) + "."]
    lines += ["", "| " + " | ".join(SIZES) + " |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| `{row[0]}` | " + " | ".join(row[1:]) + " |" for row in sizes(f)]
    lines += ["", _md(lesson(f))]
    return lines


def _md(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)
