"""Numbers as a person writes them: -12.72, not -12.719999999999999; 0.7311 where
the precision runs out; arrays abbreviated. JSON keeps full precision; this is only
for reading; and lists of names cut short. Pure text, shared by the tables, the error
messages and `explain`.

How precise the numbers are is one setting for a whole command (`--digits N`
significant digits, `--full` the shortest text that reads back as the same float, or
by default 4 decimals), held in a context variable so that every table, message and
derivation of the command follows it without each caller passing it on. A value the
user typed is written as typed (`typed`); checkable.py chooses, row by row, the digits
that let a reader recompute a row's result from its operands.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np

DIGITS = 4  # decimals shown for ordinary magnitudes
MOST = 17  # significant digits that tell every float64 apart: --digits goes up to it
EXACT = 15  # significant digits any decimal keeps through a float64 (DBL_DIG)


@dataclass(frozen=True)
class Precision:
    """How numbers are written: `digits` significant digits (None: DIGITS decimals for
    ordinary magnitudes, as by default), or in `full` (the shortest exact text)."""

    digits: int | None = None
    full: bool = False


DEFAULT = Precision()
_PRECISION: ContextVar[Precision] = ContextVar("precision")


@contextmanager
def precision(digits: int | None = None, full: bool = False) -> Iterator[Precision]:
    """Write every number inside the block with `digits` significant digits, or in full."""
    if digits is not None and not 1 <= digits <= MOST:
        raise ValueError(f"digits must be from 1 to {MOST}, not {digits}")
    token = _PRECISION.set(shown := Precision(digits, full))
    try:
        yield shown
    finally:
        _PRECISION.reset(token)


def current() -> Precision:
    """The precision of the numbers being written now."""
    return _PRECISION.get(DEFAULT)


def number(x, digits: int | None = None) -> str:
    """x as the command's precision writes it; `digits` asks for that many decimals
    (significant digits past 1e9 and below 1e-3) whatever --digits says, as a check's
    error column does, but --full still writes every number in full."""
    x = float(x)
    if x != x:
        return "nan"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    shown = current()
    if shown.full:
        return shortest(x)
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    if digits is None and shown.digits is not None:
        return significant(x, shown.digits)
    digits = DIGITS if digits is None else digits
    if not 1e-3 <= abs(x) < 1e9:
        return _exponent(f"{x:.{digits}g}")
    text = f"{x:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def significant(x: float, k: int) -> str:
    """x to k significant digits, in the notation number() uses for its size: fixed
    from 1e-3 to 1e9 (never cutting the integer part: 123457, not 1.23e5), else with
    an exponent (1.5e-5)."""
    x = float(x)
    if not math.isfinite(x) or x == 0:
        return number(x)
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    if not 1e-3 <= abs(x) < 1e9:
        return _exponent(f"{x:.{k}g}")
    decimals = max(0, k - 1 - math.floor(math.log10(abs(x))))
    text = f"{x:.{decimals}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def shortest(x: float) -> str:
    """The shortest text that reads back as exactly x (Python's repr), as a person
    writes it: 0.1, 3, 1e-5, 0.30000000000000004."""
    x = float(x)
    if not math.isfinite(x):
        return "nan" if x != x else ("inf" if x > 0 else "-inf")
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return _exponent(repr(x))


def typed(x) -> str:
    """A value the user gave (an input, a number in the program) as they wrote it: every
    digit of its shortest exact text, 0.99999 rather than 1, if it has at most EXACT
    significant digits (any number typed with that many reads back as typed); more
    digits than that mean a computed value, such as a step's 3.4000000000000004, which
    is written as any other."""
    if np.ndim(x) != 0:
        return brief(x)
    x = float(x)
    text = shortest(x)
    if current().full or not math.isfinite(x):
        return text
    mantissa = text.lstrip("-").partition("e")[0].replace(".", "").strip("0")
    return text if len(mantissa) <= EXACT else number(x)


def _exponent(text: str) -> str:
    """1e-05 → 1e-5, 1.5e+20 → 1.5e20."""
    mantissa, _, exponent = text.partition("e")
    return mantissa + (f"e{int(exponent)}" if exponent else "")


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
    fixed = 1e-3 <= big < 1e9 and current() == DEFAULT  # (--digits, --full: as they say)

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
