"""The axes of a loss curve, as arithmetic: which values can be drawn, on which scale
and between which ends, from the values alone. The terminal's braille curve
(terminal/descend.py) is drawn on them; the pictures (plot.py, by matplotlib) check
their values here and leave ticks and layout to matplotlib.

Values may be constant, negative, a single one, a million, or span hundreds of
decades; they must be finite (a descent that diverged has already failed with
exit code 1 before there is anything to draw). The y axis is logarithmic when
asked, or by itself when every value is positive and they span more than three
decades — a loss falling from 10 to 1e-6 is a flat line on a linear scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core import fmt
from ..core.errors import MathError, UsageError

DECADES = 3.0  # a positive series spanning more than this many decades gets a log axis
MAX_FLOAT = float(np.finfo(float).max)


def as_values(values) -> np.ndarray:
    """The values as a 1-D float array; an error a user can read if there is nothing
    to draw or a value is not finite."""
    try:
        v = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError) as e:
        raise UsageError(f"cannot plot these values: {e}") from None
    if v.size == 0:
        raise UsageError("there is no value to plot")
    bad = np.flatnonzero(~np.isfinite(v))
    if bad.size:
        raise MathError(f"cannot plot a value that is not finite: {fmt.number(v[bad[0]])} "
                        f"at step {bad[0]}")
    return v


def as_steps(steps, n: int) -> np.ndarray:
    """The step number of each of n values, as whole numbers: 0, 1, …, n − 1 if not
    given; else they must be n increasing whole numbers (a long descent keeps only
    some of its steps, evenly spread)."""
    if steps is None:
        return np.arange(n)
    try:
        at = np.asarray(steps, dtype=np.int64).reshape(-1)
    except (TypeError, ValueError, OverflowError) as e:
        raise UsageError(f"cannot plot at these steps: {e}") from None
    if len(at) != n or np.any(np.diff(at) <= 0):
        raise UsageError(f"the steps must be {n} increasing whole numbers, one per value")
    return at


def use_log(values: np.ndarray, log: bool | None = None) -> bool:
    """Whether the y axis is logarithmic: as asked, or (log=None) when every value is
    positive and the largest is more than 10**DECADES times the smallest."""
    positive = bool(np.all(values > 0))
    if log is None:
        return positive and math.log10(values.max()) - math.log10(values.min()) > DECADES
    if log and not positive:
        raise UsageError(f"a log scale needs values above 0; the smallest is "
                         f"{fmt.number(values.min())}")
    return bool(log)


@dataclass(frozen=True)
class Axis:
    """An axis from lo to hi, in its own coordinate: the value on a linear axis, its
    log10 on a log axis."""

    lo: float
    hi: float
    log: bool

    def frac(self, v) -> np.ndarray:
        """Where values sit along the axis: 0 at lo, 1 at hi."""
        v = np.asarray(v, dtype=float)
        if self.log:
            return (np.log10(v) - self.lo) / (self.hi - self.lo)
        # Halves first: hi - lo overflows for values near ±1.8e308, their halves never do.
        return (v / 2 - self.lo / 2) / (self.hi / 2 - self.lo / 2)


def y_axis(values: np.ndarray, log: bool, pad: float = 0.05) -> Axis:
    """The value axis: from the smallest to the largest value, widened by `pad` of the
    span at each end; a constant (or nearly constant) series is centred in ±10 %."""
    if log:
        lo, hi = math.log10(values.min()), math.log10(values.max())
        if hi - lo < 1e-9:
            lo, hi = lo - 0.5, hi + 0.5
        span = hi - lo
        return Axis(lo - pad * span, hi + pad * span, True)
    lo, hi = float(values.min()), float(values.max())
    size = max(abs(lo), abs(hi))
    if hi / 2 - lo / 2 <= max(5e-13 * size, 1e-300):
        # Flat within rounding: a span of 1e-15 would put rounding noise across the whole
        # height, and one of subnormal numbers has no step at all. Such values get ±10 %
        # or ±1 around them.
        mid = lo / 2 + hi / 2
        half = abs(mid) / 10 if abs(mid) > 1e-290 else 1.0
        lo, hi = mid - half, mid + half
    else:
        half = hi / 2 - lo / 2
        lo = max(lo - 2 * pad * half, -MAX_FLOAT)
        hi = min(hi + 2 * pad * half, MAX_FLOAT)
    return Axis(lo, hi, False)
