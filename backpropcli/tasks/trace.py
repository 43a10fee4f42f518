"""The values of a long run at a bounded number of steps, evenly spread over it.

A descent of 10⁹ steps cannot keep every value: the trace keeps every step of a run up
to LIMIT steps, and for longer runs LIMIT points or fewer, evenly spread, with the
first, the best and the last step always among them; so memory stays flat however
many steps are asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

LIMIT = 10_000  # points a trace keeps evenly spread, besides the best and the last step


class TraceEntry(NamedTuple):
    """One step of a run as a trace keeps it."""

    step: int
    value: float  # the output's value after `step` steps
    change: float | None  # since the step before (None at step 0)
    watched: tuple[float, ...] = ()  # the watched nodes' values, in the trace's order


@dataclass
class Trace:
    """The values of a run at a bounded number of steps, evenly spread over it.

    It keeps every `gap`-th step (gap = every · stride). When a step would make more
    than `limit` of them, every other one goes and the stride doubles: the points are
    then the multiples of the new gap, still evenly spread, and the first (step 0, a
    multiple of every gap) stays. So a run of any length keeps between limit/2 and
    limit of them, and a run of `limit` steps keeps every one. The last step is
    always among the points read, and so is the best once the trace has been thinned
    (thinning must not lose the lowest value; before it, the points are exactly the
    multiples of `every` and the last, as --every has always given). The last joins
    the others only once a later step comes, so that a run of exactly `limit` steps
    is not thinned for its last one.
    """

    names: tuple[str, ...] = ()  # the watched nodes
    every: int = 1  # only multiples of this (--every K)
    limit: int = LIMIT
    stride: int = 1
    kept: list[TraceEntry] = field(default_factory=list)  # the evenly spread ones, by step
    best: TraceEntry | None = None
    last: TraceEntry | None = None

    @property
    def gap(self) -> int:
        return self.every * self.stride

    def add(self, point: TraceEntry, best: bool = False) -> None:
        """Record the next step (steps come in order: 0, 1, 2, ...)."""
        if self.last is not None and self.last.step % self.gap == 0:
            self._keep(self.last)
        self.last = point
        if best:
            self.best = point

    def _keep(self, point: TraceEntry) -> None:
        if len(self.kept) >= self.limit:
            del self.kept[1::2]  # the kept steps are 0, g, 2g, ...: 0, 2g, 4g, ... remain
            self.stride *= 2
            if point.step % self.gap:
                return
        self.kept.append(point)

    def points(self) -> list[TraceEntry]:
        """The recorded steps in order: the evenly spread ones, the best (if thinned)
        and the last."""
        best = self.best if self.stride > 1 else None
        extra = [p for p in (best, self.last) if p is not None]
        if not extra:
            return list(self.kept)
        by_step = {p.step: p for p in self.kept}
        by_step.update((p.step, p) for p in extra)
        return [by_step[k] for k in sorted(by_step)]

    @property
    def steps(self) -> list[int]:
        return [p.step for p in self.points()]

    @property
    def values(self) -> list[float]:
        return [p.value for p in self.points()]

    @property
    def watched(self) -> dict[str, list[float]]:
        points = self.points()
        return {name: [p.watched[j] for p in points] for j, name in enumerate(self.names)}
