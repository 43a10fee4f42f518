"""A history entry: the tool's own keys, and the watched nodes' values under one more.

Every history (the session's, a descent's, an exported script's) is a list of entries
{"step", "value", "lr", "change", "watched": {name: value}}, and "ascend": true on a step
that climbed the gradient (lr is then how far up it went), "newton": true on a Newton
step (step --newton: lr is null, the step's length came from the Hessian; descend
--optimizer newton: lr is the fraction of Newton's step taken). The values of the nodes a
descent watches live under "watched" and never beside the tool's keys: a program may
name a node `step`, `value`, `lr`, `change` or `watched`, and such a node once replaced
the entry's own number (a float step broke the session for every later command).

Sessions written before that kept a flat entry, {"step", "value", "lr", "change"}; they
are read as they are, their entries given an empty "watched" (any other number in a
flat entry was a watched value, and moves under "watched"). An entry a person edited
by hand that lacks `value`, `lr` or `change` gets null for it, so that what is read
back is always a whole entry; one without a whole-number step is refused.
"""

from __future__ import annotations

import math

KEYS = ("step", "value", "lr", "change")  # the tool's own; the last key is WATCHED
WATCHED = "watched"
ASCEND = "ascend"  # present (true) on an ascent's steps only: a descent's entry is as it was
NEWTON = "newton"  # present (true) on Newton's steps only
MARKS = (ASCEND, NEWTON)


def read(raw: object) -> tuple[dict | None, str | None]:
    """An entry as saved, made whole (see the module's docstring): the entry, or None and
    what is wrong with it, said to follow "entry K ..."."""
    if not isinstance(raw, dict):
        return None, "is not an object"
    step = raw.get("step")
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        return None, "has no whole-number step"
    own = {key: raw.get(key) for key in KEYS}
    if isinstance(raw.get(WATCHED), dict):  # today's layout: nothing else is allowed
        watched = raw[WATCHED]
        others = [k for k in raw if k not in KEYS and k != WATCHED and k not in MARKS]
        if others:
            return None, f"has a key {others[0]!r} that a history entry does not have"
    else:  # the flat layout of older sessions: any other number was a watched value
        watched = {k: v for k, v in raw.items() if k not in KEYS and k not in MARKS}
    bad = [f"a {key!r}" for key, value in own.items() if key != "step" and not _number(value)]
    bad += [f"a watched {name!r}" for name, value in watched.items() if not _number(value)]
    if bad:
        return None, f"has {bad[0]} that is not a finite number"
    for mark in MARKS:
        if mark in raw and not isinstance(raw[mark], bool):
            return None, f"has {'an' if mark[0] in 'aeiou' else 'a'} {mark!r} that is not " \
                         "true or false"
    return {**own, WATCHED: dict(watched),
            **marked(raw.get(ASCEND) is True, raw.get(NEWTON) is True)}, None


def marked(ascend: bool, newton: bool = False) -> dict:
    """The marks of an ascent's step ({"ascend": True}) and of a Newton step ({"newton":
    True}), or nothing for a gradient-descent step."""
    return {**({ASCEND: True} if ascend else {}), **({NEWTON: True} if newton else {})}


def _number(value: object) -> bool:
    """A finite number, or null (no value: an array output, the first entry's lr)."""
    if value is None:
        return True
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer of hundreds of digits is no float
        return False

