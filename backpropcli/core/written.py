"""Formulas written so that they read back as the same computation.

Every formula the tool writes (a node's `expr`, a derivative rule with names or numbers
put in, an error message) is made by putting texts into the slots of a template: an
op's `reads` ("{0}^{1}") or a rule ("b * a^(b - 1)"). A text put in a slot is
wrapped in parentheses when the language would otherwise read it differently there:
-3 as the base of a power (-3^2 is -(3^2) = -9, not (-3)^2 = 9), a sum or a product
as the right operand of - or / (a - (b - c), a / (b * c)), a power as an exponent
((a^b)^c; a^b^c is a^(b^c)), anything but a name or a number before an index. A
negative number as a right operand (3 · (-4)) or an exponent (2^(-3)) is wrapped too,
as people write it, though the grammar would read it right without.

The precedence of a text is found by one scan of its top level (outside parentheses
and brackets), with the grammar's levels: + -, then * / @, then unary minus, then ^,
then atoms (names, numbers, calls, parenthesised or bracketed texts, indexing).
"""

from __future__ import annotations

import re
from collections.abc import Callable

SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5

# The tokens that matter for precedence: numbers (1e-3 is one token: its minus is no
# operator), names (with the tables' #k versions), ∂g/∂x labels (one atom: the label
# of a gradient, put in a rule for g), brackets, and the operators.
_TOKEN = re.compile(
    r"(?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)"
    r"|(?P<partial>∂[^\s/()\[\]]+/∂[^\s()\[\],·*+]+)"
    r"|(?P<name>[^\W\d]\w*(?:#\d+)?)"
    r"|(?P<pow>\*\*|\^)"
    r"|(?P<open>[(\[])|(?P<close>[)\]])"
    r"|(?P<plus>[+\-−])"
    r"|(?P<times>[*·×⋅/÷@])"
    r"|(?P<other>\S)"
)
# After one of these, a minus is a sign (unary), not a subtraction.
_SIGN_AFTER = frozenset({"pow", "open", "plus", "times", "other", None})


def level(text: str) -> int:
    """The loosest operator at the top level of `text`: SUM for "a - b", PRODUCT for
    "-3 * x", UNARY for "-3", POWER for "x^2", ATOM for "x", "(-3)", "f(a, b)", "x[0]"."""
    found = ATOM
    depth = 0
    last: str | None = None  # the kind of the previous token
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth = max(depth - 1, 0)
        elif depth == 0:
            if kind == "plus":
                found = min(found, UNARY if last in _SIGN_AFTER else SUM)
            elif kind == "times":
                found = min(found, PRODUCT)
            elif kind == "pow":
                found = min(found, POWER)
            elif kind == "other" and m.group() not in ",":
                found = min(found, SUM)  # a word or sign the language has not: keep it apart
        last = kind
    return found


def signed(text: str) -> bool:
    """Whether the text begins with a minus sign (-3, -x^2)."""
    return text.lstrip()[:1] in ("-", "−")


def need(before: str, after: str) -> tuple[int, bool]:
    """What a slot between `before` and `after` asks of the text put in it: the lowest
    level that reads right there, and whether a leading minus must be wrapped too."""
    b, a = before.rstrip(), after.lstrip()
    least, no_sign = 0, False
    if a.startswith(("^", "**", "[")):
        least = ATOM  # the base of a power, or what is indexed
    elif a[:1] in ("*", "/", "@", "·", "×", "⋅", "÷"):
        least = PRODUCT  # left-associative: (a * b) / c is a * b / c
    if b.endswith(("^", "**")):
        return ATOM, True  # an exponent: 2^(-3), (a^b)^c written apart from a^(b^c)
    if b[-1:] in ("-", "−"):
        rest = b[:-1].rstrip()
        if not rest or rest[-1] in "([,=^*/@+-−·×⋅÷":  # a sign: -(a + b), -(-3)
            return max(least, POWER), True
        return max(least, PRODUCT), True  # a - (b - c), 3 - (-4)
    if b[-1:] == "+":
        return max(least, PRODUCT), True
    if b[-1:] in ("*", "/", "@", "·", "×", "⋅", "÷"):
        return max(least, UNARY + 1), True  # a / (b * c), 3 · (-4)
    return least, no_sign


def wrap(text: str, before: str, after: str) -> str:
    """`text` as it must be written between `before` and `after`."""
    least, no_sign = need(before, after)
    if least and (level(text) < least or (no_sign and signed(text))):
        return f"({text})"
    return text


def fill(template: str, slots: re.Pattern[str], value: Callable[[re.Match[str]], str | None]
         ) -> str:
    """Put a text in each match of `slots` in `template` (None keeps the match as it is),
    each wrapped as its place asks (wrap)."""
    out: list[str] = []
    pos = 0
    for m in slots.finditer(template):
        text = value(m)
        if text is None:
            continue
        out.append(template[pos:m.start()])
        out.append(wrap(text, template[:m.start()], template[m.end():]))
        pos = m.end()
    out.append(template[pos:])
    return "".join(out)


SLOTS = re.compile(r"\{(\d+|s)\}")  # the operands and statics in an op's `reads`
_RULE_NAMES = re.compile(r"\b(a|b|out|g|s)\b")  # the variables of the op table's rules


def substitute(text: str, names: dict[str, str]) -> str:
    """Replace the rule variables a, b, out, g, s in `text` by the given names (or
    numbers), each in parentheses where the rule would read it otherwise: a = -3 in
    "b * a^(b - 1)" gives "b * (-3)^(b - 1)"."""
    return fill(text, _RULE_NAMES, lambda m: names.get(m.group(1)))
