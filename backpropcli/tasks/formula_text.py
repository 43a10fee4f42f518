"""A SymPy expression written in the program's own language, so that backprop's parser
reads it back as the same computation: `2 * x * (sigmoid(z) - t)`, `x^2`, `1 / (2 * y)`.

SymPy's own printers recurse, and write Python (`**`, `Abs`, `E`); this one is a loop
with an explicit stack, and writes what the grammar reads: + - * / ^, the language's
function names (every function here is an op of the table, kept opaque to SymPy),
numbers as decimals where a short decimal is exact (0.1) and else as fractions (1/3),
e and pi. Parentheses come from core/written.py, the rules every formula the tool
writes follows (a - (b - c), (-3)^2, x / (2 * y)).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ..core.written import wrap

# Marks a name that cannot be written in the language (a constant array too large to
# write, data read from a file): a formula that contains it is refused, not guessed.
UNWRITABLE = "\x00"


class Unwritable(ValueError):
    """The expression holds something the language cannot say (∞, a complex number)."""


def count(expr: Any) -> int:
    """Nodes of the expression tree (as SymPy holds it), by a loop: a name, a number, an
    operator or a call is one each (an n-term sum is one node with n operands)."""
    n = 0
    stack = [expr]
    while stack:
        e = stack.pop()
        n += 1
        stack.extend(e.args)
    return n


def score(expr: Any) -> int:
    """How hard a form of a formula is to read: its nodes, and three more for a minus
    sign in front of it all (-2 * p * (p - 1) reads worse than 2 * p * (1 - p))."""
    return count(expr) + 3 * bool(expr.could_extract_minus_sign())


def written(expr: Any) -> str:
    """The expression in the language (raises Unwritable where it cannot be said)."""
    import sympy  # noqa: PLC0415  (with --symbolic only, as the module that calls this)

    done: dict[Any, str] = {}
    stack: list[tuple[Any, bool]] = [(expr, False)]
    while stack:
        e, ready = stack.pop()
        if e in done:
            continue
        parts = _parts(e, sympy)
        if ready or not parts:
            done[e] = _compose(e, [done[p] for p in parts], sympy)
            continue
        stack.append((e, True))
        stack.extend((p, False) for p in parts if p not in done)
    return done[expr]


def _parts(e: Any, sympy: Any) -> list[Any]:
    """The subexpressions whose text `e` is written from, in order."""
    if e.is_Add:  # the first term with its sign, each other one without (it gets - or +)
        first, *rest = e.as_ordered_terms()
        return [first, *(-t if t.could_extract_minus_sign() else t for t in rest)]
    if e.is_Mul:
        num, den = _fraction(e, sympy)
        return [*num, *den]
    if e.is_Pow:
        if e.exp.is_Number and e.exp.is_negative:
            return [1 / e]
        return [e.base, e.exp]
    if e.is_Function:
        return list(e.args)
    return []


def _fraction(e: Any, sympy: Any) -> tuple[list[Any], list[Any]]:
    """A product's factors over and under the fraction bar, its sign left out: -2 * x / y
    is ([2, x], [y])."""
    num: list[Any] = []
    den: list[Any] = []
    coeff, rest = e.as_coeff_Mul()
    coeff = abs(coeff)
    # x / 2 reads better than 0.5 * x, but 1e-300 * x better than x / 1000...0 (300 zeros)
    if coeff.is_Rational and 1 < coeff.q <= 1000:
        if coeff.p != 1:
            num.append(sympy.Integer(coeff.p))
        den.append(sympy.Integer(coeff.q))
    elif coeff != 1:
        num.append(coeff)
    for f in rest.as_ordered_factors():
        if f.is_Pow and f.exp.is_Number and f.exp.is_negative:
            den.append(1 / f)
        else:
            num.append(f)
    return num, den


def _compose(e: Any, texts: list[str], sympy: Any) -> str:
    if e.is_Add:
        return _sum(e, texts)
    if e.is_Mul:
        return _mul(e, texts, sympy)
    if e.is_Pow:
        if len(texts) == 1:  # a negative power: 1 / (its reciprocal)
            return f"1 / {wrap(texts[0], '/', '')}"
        return f"{wrap(texts[0], '', '^')}^{wrap(texts[1], '^', '')}"
    if e.func is sympy.exp:  # e^x, which SymPy makes its own exp: the table's exp too
        return f"exp({texts[0]})"
    if e.func is sympy.log:  # the table's log, given to SymPy as its own (symbolic.py)
        return f"log({texts[0]})"
    if isinstance(e.func, sympy.core.function.UndefinedFunction):  # an op of the table
        return f"{e.func.__name__}({', '.join(texts)})"
    return _atom(e, sympy)


def _sum(e: Any, texts: list[str]) -> str:
    """The first term with its own sign, then each other one after - or +."""
    out = texts[0]
    for t, text in zip(e.as_ordered_terms()[1:], texts[1:], strict=True):
        sign = " - " if t.could_extract_minus_sign() else " + "
        out += sign + wrap(text, out + sign, "")
    return out


def _mul(e: Any, texts: list[str], sympy: Any) -> str:
    num, den = _fraction(e, sympy)
    top = _product(texts[:len(num)]) if num else "1"
    sign = "-" if e.as_coeff_Mul()[0] < 0 else ""
    if not den:
        return sign + top
    under = _product(texts[len(num):])
    return f"{sign}{wrap(top, '', '/')} / {wrap(under, '/', '')}"


def _atom(e: Any, sympy: Any) -> str:
    if e.is_Symbol:
        if UNWRITABLE in e.name:
            raise Unwritable(e.name.replace(UNWRITABLE, ""))
        return str(e.name)
    if e is sympy.pi:
        return "pi"
    if e is sympy.E:
        return "e"
    if e.is_Rational:
        return _rational(Fraction(int(e.p), int(e.q)))
    if e.is_Float and e.is_finite:
        return repr(float(e))
    raise Unwritable(f"{e} has no writing in the language")


def _product(texts: list[str]) -> str:
    out = wrap(texts[0], "", "*")
    for t in texts[1:]:
        out += " * " + wrap(t, "*", "*")
    return out


def _rational(r: Fraction) -> str:
    """A number as a decimal where the shortest one is exact (0.1, 2.5), else p/q."""
    if r.denominator == 1:
        return str(r.numerator)
    text = repr(float(r))
    if "inf" not in text and Fraction(text) == r:  # 1e-300 reads back as itself too
        return text
    return f"{r.numerator}/{r.denominator}"
