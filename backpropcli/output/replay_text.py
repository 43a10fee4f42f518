"""The replay as a transcript: every frame once, in order, as plain text; what `backprop
replay` prints when stdout is not a terminal (`backprop replay seed.bp | less`), and
what the API's repr shows."""

from __future__ import annotations

from ..tasks.replay import Replay, lines, title


def frame_text(rp: Replay, n: int, full: bool = False) -> str:
    """Frame n: its title, then what it says, indented."""
    return "\n".join([f"[{n + 1}/{len(rp.frames)}] {title(rp, n)}",
                      *(f"  {line}" for line in lines(rp, n, full))])


def transcript(rp: Replay, full: bool = False) -> str:
    """Every frame in order, a blank line between them."""
    return "\n\n".join(frame_text(rp, n, full) for n in range(len(rp.frames))) + "\n"
