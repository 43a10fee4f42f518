"""`backprop eval`: the forward pass, the local gradients, the backward pass and the
gradient of PROGRAM; saves the session that `step` goes on from."""

from __future__ import annotations

import numpy as np

from ... import api
from ...output import document as doc
from .. import options as o
from ..handling import PROGRAM_OPTIONS, options, program, views
from ..options import CommandLine
from ..spec import Env, Outcome, Spec


def entry(result: api.Result, lr: float | None = None, change: float | None = None,
          ascend: bool = False, newton: bool = False) -> dict:
    """The history's entry of a result: its value (None for an array), lr and change, and
    the mark of a step up the gradient (an ascent's lr is not a descent's) or of a
    Newton step (whose length is the Hessian's: no lr)."""
    value = result.evaluation.value
    return {"value": float(value) if value.ndim == 0 else None, "lr": None if newton else lr,
            "change": change, "watched": {}, **({"ascend": True} if ascend else {}),
            **({"newton": True} if newton else {})}


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def run_eval(line: CommandLine, env: Env) -> Outcome:
    r = api.evaluate(program(line, env), line.values, **options(line, *PROGRAM_OPTIONS))
    old = env.session.current()
    # From the session, eval goes on from its point: the history stays, and gains an
    # entry only where values typed on the command line moved the point.
    fresh = line.program is not None
    moved = fresh or old is None or not _same(old.point.inputs, r.point.inputs)
    return Outcome(
        document=lambda: doc.document("eval", r.evaluation, r.point),
        view=lambda: views().evaluation(r.evaluation, r.point.params, line.flag("full"),
                                        line.text("state")),
        session=env.session.continued(r.point, [entry(r)] if moved else [], fresh=fresh))


SPEC = Spec(
    "eval", "Forward pass, local gradients, backward pass and the gradient of PROGRAM.",
    "Evaluate PROGRAM at the given values and show the forward pass, the local gradient "
    "of every node, the backward pass by the chain rule, and the gradient of the output "
    "with respect to every input. Saves the session that `backprop step` continues "
    "from.\nPROGRAM is the formula itself, a .bp file, or - to read it from stdin. "
    "Without PROGRAM, eval goes on from the JSON document on stdin, or else from the "
    "session.",
    ('backprop eval "g = x*y + z" --x 3 --y -4 --z 2',
     'backprop eval "f = x*y; g = f + z" --x 3 --y -4 --z 2 --json | jq .gradients',
     "backprop eval samples/seed.bp",
     "backprop eval samples/twolayer.bp   (arrays: a two-layer network on data from a "
     "file)"),
    (*o.PROGRAM, o.DIGITS, o.FULL, o.IGNORE_STDIN, o.JSON), run_eval, changes_session=True,
    rank=1)
