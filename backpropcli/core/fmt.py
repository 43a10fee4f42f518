"""Numbers as a person writes them: -12.72, not -12.719999999999999; 0.7311 where
the precision runs out; arrays abbreviated. JSON keeps full precision; this is only
for reading; and lists of names cut short. Pure text, shared by the tables, the error
messages and `explain`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DIGITS = 4  # decimals shown for ordinary magnitudes


def number(x, digits: int = DIGITS) -> str:
    x = float(x)
    if x != x:
        return "nan"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    if not 1e-3 <= abs(x) < 1e9:
        mantissa, _, exponent = f"{x:.{digits}g}".partition("e")
        return mantissa + (f"e{int(exponent)}" if exponent else "")
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def rough(x, digits: int = 3) -> str:
    """A number to a few significant digits, for a size said in words: -1.12e7, 0.25."""
    x = float(x)
    if x != x or x in (float("inf"), float("-inf")) or x == 0:
        return number(x)
    mantissa, _, exponent = f"{x:.{digits}g}".partition("e")
    return mantissa + (f"e{int(exponent)}" if exponent else "")


def signed(x) -> str:
    """A change written with its sign: +0.4, -0.3."""
    text = number(x)
    return text if text.startswith("-") or text == "0" else "+" + text


def names(items: Sequence[str], most: int = 8, more: str = "…") -> str:
    """The first `most` names, comma-separated, then `more` if there are others: a list
    that stays about a line long however many there are."""
    return ", ".join(items[:most]) + (f", {more}" if len(items) > most else "")


def paren(x) -> str:
    """A number as a factor in a product: negative ones in parentheses, 1 · (-4)."""
    text = brief(x)
    return f"({text})" if text.startswith("-") else text


def shape(s: tuple[int, ...]) -> str:
    if len(s) == 1:
        return f"({s[0]},)"
    return "(" + ", ".join(map(str, s)) + ")"


def array(v, edge: int = 3, full: bool = False) -> str:
    """An array on a few lines, its middle elided past `edge` items per axis unless full."""
    v = np.asarray(v, dtype=float)
    return np.array2string(
        v, separator=", ", formatter={"float_kind": number},
        threshold=v.size + 1 if full else 48,
        edgeitems=edge, max_line_width=10**9 if full else 72,
    )


def brief(v) -> str:
    """One short line: a number, a small array, or an array's shape and range."""
    if isinstance(v, (int, float)) or np.ndim(v) == 0:  # (float64 is a float: no numpy)
        return number(v)
    v = np.asarray(v)
    if v.size <= 6 and v.ndim == 1:
        return "[" + ", ".join(number(x) for x in v) + "]"
    if v.size <= 6:
        return array(v).replace("\n", "")
    return f"{shape(v.shape)} array in [{number(v.min())}, {number(v.max())}]"


def nonfinite(v) -> str:
    """Say what is wrong with a value that is not finite."""
    if np.ndim(v) == 0:
        return number(v)
    v = np.asarray(v)
    bad = ~np.isfinite(v)
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    return (f"not finite in {int(bad.sum())} of {v.size} elements "
            f"(first at {list(first)}: {number(v[first])})")


EDGE = 3  # items a table cell shows at each end of a long axis


def block(v, edge: int | None = EDGE, full: bool = False, width: int | None = None) -> str:
    """An array for a table cell: a row of a matrix per line, its numbers aligned, and
    an axis longer than 2·edge shown by its first and last `edge` items around '...'
    (every element when full or edge is None; lines wrapped at `width` if given).
    Only the elements shown are formatted, so a 1000×1000 array costs no more than a
    7×7 one."""
    v = np.asarray(v, dtype=float)
    every = full or edge is None
    shown = v if edge is None or full else _edges(v, edge)
    # Next to ordinary numbers, one below 1e-3 is written to 4 decimals (-0.0005, not
    # -0.0005083) so that it does not widen every column of the matrix.
    big = np.max(np.abs(shown)) if shown.size else 0.0
    fixed = 1e-3 <= big < 1e9

    def cell(x) -> str:
        if fixed and 0 < abs(x) < 1e-3:
            text = f"{x:.{DIGITS}f}".rstrip("0").rstrip(".")
            return "0" if text in ("-0", "0", "") else text
        return number(x)

    # a matrix's columns line up; a vector is one line, and reads better unpadded
    pad = max((len(cell(x)) for x in shown.flat), default=1) if v.ndim > 1 else 0
    return np.array2string(
        v, separator=", ", formatter={"float_kind": lambda x: cell(x).rjust(pad)},
        threshold=v.size + 1 if every else 0, edgeitems=edge or EDGE,
        max_line_width=width or 10**9,
    )


def _edges(v: np.ndarray, edge: int) -> np.ndarray:
    """The elements an abbreviated print of v shows: each long axis cut to its ends."""
    for axis, n in enumerate(v.shape):
        if n > 2 * edge:
            v = np.take(v, [*range(edge), *range(n - edge, n)], axis=axis)
    return v


def times(s: tuple[int, ...]) -> str:
    """A shape as a size is said: 100×2, 16 (a vector), 1 (a number)."""
    return "×".join(map(str, s)) or "1"


def summed(operand: tuple[int, ...], result: tuple[int, ...]) -> str:
    """Which axes of `result` broadcasting spread an operand of shape `operand` over,
    said as the chain rule sums them back: "summed over axis 0", "" if none."""
    extra = len(result) - len(operand)
    axes = [*range(extra), *(extra + k for k, n in enumerate(operand)
                             if n == 1 and result[extra + k] != 1)]
    if not axes:
        return ""
    if not operand:
        return "summed"
    return "summed over axis " + str(axes[0]) if len(axes) == 1 else \
        "summed over axes " + ", ".join(map(str, axes))
