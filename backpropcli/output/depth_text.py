"""`backprop depth` as text: the bar chart of the norms on a log scale, in characters, to
a given width, and the line that sums it up. No colour is needed to read it (NO_COLOR)."""

from __future__ import annotations

import math

from ..core import fmt
from ..tasks.depth import Depth

FULL, PARTS = "█", " ▏▎▍▌▋▊▉"  # eighths of a character: short bars still differ
SPAN = 2.0  # decades the bars' scale spans at least


def bars(d: Depth, width: int) -> list[str]:
    """A line per layer, the top layer (next to the loss) first: its name, a bar whose
    length grows with log10 of ‖∂L/∂W‖ up to the largest (the whole room; the scale spans
    at least SPAN decades), and the norm. A zero norm has no bar and says 0."""
    rows = list(reversed(d.layers))
    names = [r.param for r in rows]
    numbers = [fmt.rough(r.norm, 2) for r in rows]
    left = max(map(len, names)) + 1
    right = max(map(len, numbers)) + 1
    room = max(4, width - left - right)
    logs = [math.log10(r.norm) for r in rows if r.norm > 0]
    high = max(logs) if logs else 0.0
    span = high - min(logs) if logs else 0.0
    # At least SPAN decades: level norms (0.13 to 0.27) then look level, as they are,
    # rather than stretched over the whole width.
    low = high - max(span, SPAN)
    lines = []
    for r, name, number in zip(rows, names, numbers, strict=True):
        if r.norm <= 0:
            bar = ""
        else:
            share = (math.log10(r.norm) - low) / (high - low)
            eighths = max(1, round(share * room * 8))
            bar = FULL * (eighths // 8) + (PARTS[eighths % 8] if eighths % 8 else "")
        lines.append(f"{name:<{left}}{bar:<{room}} {number}".rstrip())
    if len(rows) > 1:
        lines.append(f"{'':<{left}}(log scale; {span:.1f} decades)")
    return lines


def summary(d: Depth) -> str:
    """The factor per layer on average and the whole way down."""
    top, first = d.layers[-1], d.layers[0]
    if d.factor is None:
        return "factor per layer: none to measure"
    whole = first.norm / top.norm
    return (f"factor per layer (geometric mean, {top.param} down to {first.param}): "
            f"×{fmt.rough(d.factor, 3)}; {first.param}'s gradient is "
            f"{fmt.rough(whole, 3)} × {top.param}'s")
