"""The axes of a loss curve, as arithmetic: which values can be drawn, on which scale,
and the round ticks and their labels, from the values alone. Shared by the pictures
(plot.py, SVG and PNG) and the terminal's braille curve (terminal/descend.py).

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
    log10 on a log axis. Ticks are values (never log10s), labelled by fmt.number."""

    lo: float
    hi: float
    log: bool
    ticks: tuple[float, ...]
    labels: tuple[str, ...]

    def frac(self, v) -> np.ndarray:
        """Where values sit along the axis: 0 at lo, 1 at hi."""
        v = np.asarray(v, dtype=float)
        if self.log:
            return (np.log10(v) - self.lo) / (self.hi - self.lo)
        # Halves first: hi - lo overflows for values near ±1.8e308, their halves never do.
        return (v / 2 - self.lo / 2) / (self.hi / 2 - self.lo / 2)


def nice_ticks(lo: float, hi: float, target: int = 5, whole: bool = False) -> list[float]:
    """About `target` round values (1, 2 or 5 times a power of ten apart) in [lo, hi];
    whole=True keeps them whole numbers (steps of a descent)."""
    raw = (hi / 2 - lo / 2) / (max(target, 1) / 2)  # (hi - lo) / target without overflow
    if not raw > 0:
        return [lo] if lo == hi else []
    e = math.floor(math.log10(raw))
    m = next(m for m in (1, 2, 5, 10) if m * 10.0**e >= raw)
    if m == 10:
        m, e = 1, e + 1
    if whole and e < 0:
        m, e = 1, 0
    step = m * 10.0**e
    # A hair of slack keeps a tick that sits on an end: 0.9 / 0.05 is 18.000000000000004.
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    # A tick is parsed from its decimal text, so 0.3 is 0.3 and not 0.30000000000000004.
    return [float(f"{k * m}e{e}") for k in range(first, last + 1)]


def log_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round values for a log axis from 10**lo to 10**hi: powers of ten (every second,
    fifth, tenth… decade when there are many), or 1-2-5 when that gives too few, or
    ordinary round values when the axis spans less than a decade."""
    first, last = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
    if last - first + 1 >= 2:
        stride = 1
        while (last - first) // stride + 1 > target + 1:
            stride = _next_stride(stride)
        return [float(f"1e{k}") for k in range(first, last + 1) if k % stride == 0]
    # Compared in log10: 10**hi overflows near the largest float, 1e-324 is 0.
    ticks = [t for k in range(first - 1, last + 1) for m in (1, 2, 5)
             if 0 < (t := float(f"{m}e{k}")) < math.inf and lo <= math.log10(t) <= hi]
    if len(ticks) >= 2:
        return ticks
    return [t for t in nice_ticks(_pow10(lo), _pow10(hi), target)
            if t > 0 and lo <= math.log10(t) <= hi]


def _pow10(x: float) -> float:
    """10**x, kept within the floats: 10**308.5 raises OverflowError."""
    try:
        return 10.0**x
    except OverflowError:
        return MAX_FLOAT


def _next_stride(stride: int) -> int:
    """1, 2, 5, 10, 20, 50, …: strides between labelled decades."""
    power = 10 ** (len(str(stride)) - 1)
    lead = stride // power
    return {1: 2, 2: 5, 5: 10}[lead] * power


def tick_labels(ticks) -> tuple[str, ...]:
    """fmt.number for each tick, with as many digits as it takes to tell them apart
    (fmt's usual 4 decimals write 0.50002 and 0.50004 both as 0.5)."""
    labels: list[str] = []
    for digits in range(fmt.DIGITS, 18):
        labels = [fmt.number(t, digits) for t in ticks]
        if len(set(labels)) == len(labels):
            break
    return tuple(labels)


def y_axis(values: np.ndarray, log: bool, target: int = 5, pad: float = 0.05) -> Axis:
    """The value axis: from the smallest to the largest value, widened by `pad` of the
    span at each end; a constant (or nearly constant) series is centred in ±10 %."""
    if log:
        lo, hi = math.log10(values.min()), math.log10(values.max())
        if hi - lo < 1e-9:
            lo, hi = lo - 0.5, hi + 0.5
        span = hi - lo
        lo, hi = lo - pad * span, hi + pad * span
        ticks = log_ticks(lo, hi, target)
        return Axis(lo, hi, True, tuple(ticks), tick_labels(ticks))
    lo, hi = float(values.min()), float(values.max())
    size = max(abs(lo), abs(hi))
    if hi / 2 - lo / 2 <= max(5e-13 * size, 1e-300):
        # Flat within rounding: a span of 1e-15 would give ticks that print alike, and
        # one of subnormal numbers no step at all. Such values get ±10 % or ±1 around them.
        mid = lo / 2 + hi / 2
        half = abs(mid) / 10 if abs(mid) > 1e-290 else 1.0
        lo, hi = mid - half, mid + half
    else:
        half = hi / 2 - lo / 2
        lo = max(lo - 2 * pad * half, -MAX_FLOAT)
        hi = min(hi + 2 * pad * half, MAX_FLOAT)
    ticks = nice_ticks(lo, hi, target)
    return Axis(lo, hi, False, tuple(ticks), tick_labels(ticks))


def x_axis(n: int, target: int = 5) -> Axis:
    """The step axis, 0 to n − 1; a single value stands in the middle of -1 … 1."""
    lo, hi = (-1.0, 1.0) if n == 1 else (0.0, float(n - 1))
    ticks = [0.0] if n == 1 else nice_ticks(lo, hi, target, whole=True)
    return Axis(lo, hi, False, tuple(ticks), tick_labels(ticks))
