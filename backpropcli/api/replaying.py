"""replay: back-propagation frame by frame (tasks/replay.py), and the ways to watch it:
a transcript, a self-contained web page (output/replay_html.py), an animation
(output/replay_anim.py). Loaded with the first call of replay()."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..tasks import replay as replaying
from . import checks
from .evaluating import evaluate
from .results import Renderable, Result, Shown
from .source import merged

if TYPE_CHECKING:
    from .source import Program

ANIMATIONS = ("gif", "png")  # what animation() writes: a GIF, or an animated PNG


@dataclass(frozen=True, repr=False, eq=False)
class Replay(Shown):
    """The frames of back-propagation (`.frames`, each a tasks.replay.Frame: its `.kind`,
    forward, seed, backward or gradient, the node or edge, and the numbers), with
    `.text(n)`, what frame n says; `.html()`, the player as one web page; `.animation()`,
    the frames as a GIF or an animated PNG. In Jupyter it shows as the player."""

    replay: replaying.Replay
    result: Result

    @property
    def frames(self) -> tuple[replaying.Frame, ...]:
        return self.replay.frames

    def __len__(self) -> int:
        return len(self.replay.frames)

    def title(self, n: int) -> str:
        """Frame n's place and what happens in it: "backward 3 of 4: f → x"."""
        return replaying.title(self.replay, n)

    def text(self, n: int) -> str:
        """What frame n says, a line per fact."""
        return "\n".join(replaying.lines(self.replay, n))

    def transcript(self, full: bool = False) -> str:
        """Every frame, in order, as plain text (`full`: every element of an array)."""
        from ..output.replay_text import transcript

        return transcript(self.replay, full)

    def html(self) -> str:
        """The player: one self-contained HTML page (nothing fetched from anywhere)."""
        from ..output.replay_html import page

        return page(self.replay)

    def animation(self, format: str = "gif") -> bytes:
        """The frames as an animation: "gif", or "png" for an animated PNG."""
        from ..output.replay_anim import animation

        return animation(self.replay, checks.choice(format, "format", ANIMATIONS))

    def view(self, full: bool = False) -> Renderable:
        from ..terminal import views

        return views.plain(self.transcript(full))

    def _repr_html_(self) -> str:
        from ..output.replay_html import embedded

        return embedded(self.replay)


@checks.keywords
def replay(program: Program, values: Mapping[str, object] | None = None, /, *,
           max_frames: int = replaying.MAX_FRAMES, output: str | None = None,
           seed: int | None = None, base: str | os.PathLike[str] | None = None,
           **inputs: object) -> Replay:
    """Back-propagation frame by frame: the forward pass node by node, then the backward
    pass edge by edge in the engine's own order, then the gradient. A program of more
    than `max_frames` frames (a whole number from 1, default 2000) is refused with a
    LimitError that says how many it needs. The program and the rest as for
    evaluate(); a bad argument raises BackpropError."""
    max_frames = checks.whole(max_frames, "max_frames", least=1)
    result = evaluate(program, merged(values, inputs), output=output, seed=seed, base=base)
    return Replay(replaying.replay(result.evaluation, max_frames), result)
