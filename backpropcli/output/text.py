"""Plain text that every view shares: the chain rule in words and symbols, values as
a line of text, and user text made safe for a terminal.

Pure functions of the data (tasks/explain.py's Explanation, numbers); the terminal,
Markdown and LaTeX views put these words in their own frames. Numbers are written by
core/fmt.py.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

import numpy as np

from ..core import fmt
from ..core.fmt import number as number  # the CLI's way to a number as a person writes it
from ..core.plural import counted

if TYPE_CHECKING:  # the explain prose's data, loaded with explain
    from ..tasks.derivation import (
        Derivation,
        Explanation,
        Factor,
        GateNote,
        Path,
        ReuseNote,
    )

# Characters that a terminal acts on rather than shows: the C0 controls but the line
# break and the tab (ESC starts colour codes, cursor moves and OSC 52 clipboard
# writes), DEL and the C1 controls, bidirectional overrides (text that reads in
# another order than it is), and lone surrogates (no encoder can write them).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
                       "\ud800-\udfff]")


def visible(text: str) -> str:
    """User text made safe to show on a terminal: every control character written as
    its escape (\\x1b, \\u202e), so it is seen and never obeyed."""
    return _CONTROLS.sub(_escape, text)


def _escape(m: re.Match) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def count_text(n: int) -> str:
    """A path count as a person reads it: 1,099,511,627,776; about 1.2e+301 past 15 digits."""
    if n < 10**15:
        return f"{n:,}"
    exponent = math.log10(n)  # works for an int of any size, unlike float(n)
    whole = math.floor(exponent)
    return f"about {10 ** (exponent - whole):.2f}e{whole}"


def constant_text(output: str) -> str:
    """What is said instead of a gradient where the output is made of constants alone."""
    return (f"{output} depends on no input: it is made of constants alone, so there is "
            "nothing to differentiate (write a name, such as x, for a value to vary).")


def d(top: str, bottom: str) -> str:
    return f"∂{top}/∂{bottom}"


def grouped(formula: str, alone: bool = False) -> str:
    """A formula as a factor of a product: in parentheses when it is more than one term
    or starts with a minus, so `1 · (1 - tanh(t)^2)` and `1 · (1 / 2)` read right.
    `alone`: the only factor, which needs no parentheses."""
    if alone:
        return formula
    if formula.startswith("-"):
        return f"({formula})"
    depth = 0
    for ch in formula:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and ch == " ":
            return f"({formula})"
    return formula


def _joined(path: Path, part) -> str:
    items = [part(f) for f in path.factors]
    if path.elided:
        items.insert(path.gap, f"…({path.elided} more)…")
    return " · ".join(items) if items else "1"


def chain(path: Path) -> str:
    """The symbolic product: ∂g/∂f · ∂f/∂x."""
    return _joined(path, lambda f: f.symbol)


def formulas(path: Path) -> str | None:
    """The product of the local gradients as formulas (1 · y), where they are numbers."""
    if path.product is None:
        return None
    alone = path.length == 1
    return _joined(path, lambda f: grouped(f.formula, alone))


def numbers(path: Path) -> str | None:
    """The product with numbers: 1 · (-4)."""
    if path.product is None:
        return None
    texts = iter(factor_numbers(path))
    return _joined(path, lambda f: next(texts))


def factor_numbers(path: Path) -> list[str]:
    """Each factor's value, in parentheses if negative, with the digits that let their
    product recompute to the path's product as shown (checkable.py); an elided path's
    factors as they come (their product is not all written)."""
    if path.elided or path.product is None:
        texts = [fmt.number(f.value) for f in path.factors]
    else:
        from ..core import checkable  # noqa: PLC0415  (explain's rows only, not every start)

        texts = checkable.product([f.value for f in path.factors], path.product)
    return [f"({t})" if t.startswith("-") else t for t in texts]


_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def route(path: Path) -> str:
    """The nodes along the path, output first: c → b → a. Where a node takes the same
    operand twice (b = a + a), the arrow says through which operand: c →₁ b →₂ a."""
    def arrow(f: Factor) -> str:
        return f" →{str(f.slot + 1).translate(_SUBSCRIPT)} " if f.twice else " → "

    parts = (path.factors[: path.gap], path.factors[path.gap :]) if path.elided else \
        (path.factors,)
    return " → … → ".join(part[0].top + "".join(arrow(f) + f.bottom for f in part)
                          for part in parts if part)


def stages(path: Path, lhs: str | None = None, gradient=None) -> list[str]:
    """The equation for one path, stage by stage: the symbolic product, the same with the
    local formulas, with numbers, and the result; a stage equal to the one before it
    is said once (∂g/∂z = 1, not ∂g/∂z = ∂g/∂z = 1 = 1 = 1). Where the factors are
    Jacobians, the chain is followed by `gradient` (the path's whole sum), if given."""
    parts = [lhs] if lhs else []
    result = fmt.number(path.product) if path.product is not None else \
        (None if gradient is None else value_text(gradient))
    for stage in (chain(path), formulas(path), numbers(path), result):
        if stage is not None and (not parts or stage != parts[-1]):
            parts.append(stage)
    return parts


def equation(path: Path, lhs: str | None = None, gradient=None) -> str:
    """One line: ∂g/∂x = ∂g/∂f · ∂f/∂x = 1 · y = 1 · (-4) = -4."""
    return " = ".join(stages(path, lhs, gradient))


def single_equation(exp: Explanation, der: Derivation) -> str:
    """The equation of a derivation with one path, written out."""
    return equation(der.paths[0], d(exp.output, der.input), der.gradient)


JACOBIANS = ("With arrays, each factor is a Jacobian matrix; the backward pass never forms "
             "it, but multiplies the arriving gradient by it (a vector-Jacobian product) "
             "from the output down.")


def value_text(v) -> str:
    """A gradient: the number, a small array's elements and its shape, or a large
    array's shape and the range of its entries (the shape said once)."""
    if np.ndim(v) == 0:
        return fmt.number(v)
    v = np.asarray(v, dtype=float)
    if v.size > SMALL:
        return (f"a {fmt.shape(v.shape)} array, entries from {fmt.number(np.min(v))} to "
                f"{fmt.number(np.max(v))}")
    return f"{fmt.brief(v)}, shape {fmt.shape(v.shape)}"


SMALL = 6  # elements of an array written out in full (as fmt.brief does)


def total(exp: Explanation, der: Derivation) -> str:
    """The last line of a derivation with several paths (or none): what they sum to."""
    lhs = d(exp.output, der.input)
    if der.count == 0:
        return f"{lhs} = 0   (no path leads from {exp.output} down to {der.input})"
    if der.complete and der.numeric:
        from ..core import checkable  # noqa: PLC0415  (explain's rows only, not every start)

        texts = checkable.summands([p.product for p in der.paths], der.path_sum)
        terms = [t if k == 0 or not t.startswith("-") else f"({t})"
                 for k, t in enumerate(texts)]
        return f"{lhs} = {' + '.join(terms)} = {fmt.number(der.path_sum)}"
    what = "the sum over its path" if der.count == 1 else \
        f"the sum over all {count_text(der.count)} paths"
    return f"{lhs} = {what} = {value_text(der.gradient)}"


def heading(der: Derivation, exp: Explanation) -> str:
    """The line above the paths of a derivation that has more than one (or none written)."""
    n = count_text(der.count)
    lhs = d(exp.output, der.input)
    if der.count == 1:
        return f"{lhs}: 1 path from {exp.output} down to {der.input}"
    if der.complete:
        return f"{lhs} is the sum over {n} paths from {exp.output} down to {der.input}:"
    if der.paths:
        first = "the first" if len(der.paths) == 1 else f"the first {len(der.paths)}"
        return (f"{lhs} is the sum over {n} paths from {exp.output} down to {der.input}; "
                f"{first}:")
    return f"{lhs} is the sum over {n} paths from {exp.output} down to {der.input}"


def rest(der: Derivation) -> str | None:
    """What is said about the paths not written out."""
    if der.complete or der.count == 0:
        return None
    left = der.count - len(der.paths)
    if not der.budget_ran_out:
        why = "--paths N writes out more"
    elif der.budget_raisable:
        why = "the walk over the paths has a budget of steps; --full raises it"
    else:
        why = "the walk over the paths spent its whole budget of steps"

    return (f"… and {count_text(left)} more path{'s' * (left != 1)} ({why}). The backward pass "
            f"adds up every one of them without listing them: one product per edge, "
            f"summed at each node.")


def gate_text(note: GateNote) -> str:
    """A gate note's local gradients: ∂f/∂x = y = -4, ∂f/∂y = x = 3."""
    parts = []
    for f in note.local:
        items = [f.symbol]
        if " " not in f.formula:
            items.append(f.formula)
        if f.value is not None and fmt.number(f.value) != items[-1]:
            items.append(fmt.number(f.value))
        parts.append(" = ".join(items))
    return ", ".join(parts)


def also_text(note: GateNote) -> str:
    """The other nodes a gate note applies to: "same gate at b", "same gate at t1, t2, t3, t4
    and 9 more"."""
    if not note.others:
        return ""
    more = f" and {note.more} more" if note.more else ""
    return "same gate at " + ", ".join(note.others) + more


def reuse_detail(note: ReuseNote) -> str:
    times = "twice" if note.times == 2 else f"{note.times} times"
    return (f"takes {note.operand} {times}: each use is an edge of its own, so the paths "
            f"through {note.node} split there")


def at_text(exp: Explanation) -> str:
    """The point, where it is short: x = 3, y = -4, z = 2."""
    if len(exp.inputs) > 8 or any(np.ndim(v) for _, v in exp.inputs):
        return ""
    return ", ".join(f"{name} = {fmt.typed(v)}" for name, v in exp.inputs)


def more_reuses(n: int) -> str:
    """The nodes past those listed that take an operand twice: "1 more node that takes"."""
    return f"{counted(n, 'more node')} that {'takes' if n == 1 else 'take'} an operand twice"
