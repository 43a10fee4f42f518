"""`backprop explain --format markdown`: the derivation as a Markdown list for notes.
Every formula sits in a code span (so `x * y` stays as written) and the rest is
escaped. Pure text over the data of tasks/explain.py; nothing here computes a number.
"""

from __future__ import annotations

import re

from ..core import fmt
from ..tasks.derivation import Explanation
from .formulas import markdown as formulas
from .text import (
    JACOBIANS,
    also_text,
    at_text,
    equation,
    gate_text,
    heading,
    more_reuses,
    rest,
    reuse_detail,
    route,
    single_equation,
    total,
)


def markdown(exp: Explanation) -> str:
    """The derivation for notes: a list with one equation per input (or per path)."""
    if exp.symbolic is not None:  # explain --symbolic: the formulas instead of the paths
        return "\n".join(formulas(exp.symbolic)).rstrip("\n") + "\n"
    at = at_text(exp)
    lines = [f"## Chain rule, from the output {exp.output} down to each input", ""]
    if at:
        lines += [f"At {at}, where {exp.output} = {fmt.number(exp.value)}.", ""]
    for der in exp.derivations:
        if der.single:
            lines.append(f"- `{single_equation(exp, der)}`")
            continue
        if der.count == 0:
            lines.append(f"- `{total(exp, der)}`")
            continue
        lines.append(f"- {_md(heading(der, exp))}")
        if der.paths:
            lines.append("")
        for n, p in enumerate(der.paths, 1):
            lines.append(f"   {n}. {_md(route(p))}: `{equation(p)}`")
        more = rest(der)
        if more:
            lines += ["", f"   {_md(more)}"]
        if der.count:
            lines += ["", f"   `{total(exp, der)}`", ""]
    if exp.has_jacobians:
        lines += ["", _md(JACOBIANS)]
    lines += _md_notes(exp)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).rstrip("\n") + "\n"


def _md(text: str) -> str:
    """Plain text in Markdown: escape what would become emphasis or markup."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


def _md_notes(exp: Explanation) -> list[str]:
    lines: list[str] = []
    if exp.gates or exp.reuses:
        lines += ["", "**Gates on these paths**", ""]
        for g in exp.gates:
            also = f" ({_md(also_text(g))})" if g.others else ""
            lines.append(f"- `{g.node} = {g.expr}`: {_md(g.gate)}: `{gate_text(g)}`{also}")
        for r in exp.reuses:
            lines.append(f"- `{r.node} = {r.expr}` {_md(reuse_detail(r))}")
        if exp.more_reuses:
            lines.append(f"- … and {more_reuses(exp.more_reuses)}")
    if exp.where:
        more = f" and {exp.more_where} more" if exp.more_where else ""
        lines += ["", "Where " + ", ".join(f"`{n} = {t}`" for n, t in exp.where) + more + "."]
    return lines
