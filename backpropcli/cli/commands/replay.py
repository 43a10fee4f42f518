"""`backprop replay`: back-propagation frame by frame: a player in the terminal, a
transcript when stdout is not one, a web page (--html), an animation (--gif)."""

from __future__ import annotations

import os

from ... import api
from ...api import UsageError
from ...output import document as doc
from .. import options as o
from ..handling import options, program
from ..options import CommandLine
from ..spec import Env, Outcome, Spec

ANIMATED = {".gif": "gif", ".png": "png"}  # --gif FILE: its suffix says which


def run_replay(line: CommandLine, env: Env) -> Outcome:
    html, gif = line.text("html"), line.text("gif")
    form = _animation_format(gif)  # before any work, as --plot is
    r = api.replay(program(line, env), line.values,
                   **options(line, "max-frames", "output", "seed"))
    notes = []
    if html is not None:
        api.save_file(html, r.html().encode("utf-8"), "--html: ")
        notes.append(f"wrote the player ({len(r)} frames) to {html}")
    if gif is not None and form is not None:
        api.save_file(gif, r.animation(form), "--gif: ")
        notes.append(f"wrote the animation ({len(r)} frames) to {gif}")
    full = line.flag("full")

    def document() -> dict:
        from ...output import passes  # with this command only

        return doc.document("replay", r.result.evaluation, r.result.point,
                            **passes.replay_fields(r.replay))

    if notes:  # the files are the output; stdout stays empty (or holds the --json document)
        return Outcome(document=document, text="", note="\n".join(notes))
    return Outcome(document=document, text=r.transcript(full),
                   play=lambda: _play(r, full))


def _play(r: api.Replay, full: bool) -> bool:
    from ...terminal.player import play  # the keys and the screen: only on a terminal

    return play(r.replay, full)


def _animation_format(gif: str | None) -> str | None:
    if gif is None:
        return None
    form = ANIMATED.get(os.path.splitext(gif)[1].lower())
    if form is None:
        raise UsageError("--gif takes a .gif file, or a .png file for an animated PNG",
                         hint=f"not {os.path.basename(gif) or gif!r}: try --gif replay.gif")
    return form


SPEC = Spec(
    "replay", "Watch back-propagation happen, frame by frame.",
    "Replay the forward and backward pass of PROGRAM one frame at a time: each node's "
    "value as the forward pass makes it, then the backward pass edge by edge in the order "
    "the engine takes them (the upstream gradient ∂output/∂node, the local gradient with "
    "its formula, their product, and the operand's gradient growing by it, twice for a "
    "value used twice), and at the end the gradient, as eval prints it.\n"
    "On a terminal, a player: → or space for the next frame, ← for the one before, Home "
    "and End for the first and the last, q to quit. Piped, every frame once as text (a "
    "transcript: backprop replay seed.bp | less). --html writes a web page that plays it "
    "in any browser, --gif an animation; --json the frames as one document. PROGRAM and "
    "values as for eval; without PROGRAM, the JSON document on stdin, or else the session.",
    ('backprop replay "f = x*y; g = f + z" --x 3 --y -4 --z 2',
     "backprop replay samples/neuron.bp --html neuron.html",
     "backprop replay samples/seed.bp --gif seed.gif",
     "backprop replay samples/seed.bp --json | jq '.frames[] | select(.kind == \"backward\")'"),
    (o.VALUE, o.SET, o.OUTPUT, o.SEED, o.STATE, o.HTML, o.GIF, o.MAX_FRAMES, o.DIGITS, o.FULL,
     o.IGNORE_STDIN, o.JSON),
    run_replay, rank=10)
