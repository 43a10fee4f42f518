"""`backprop check`: back-propagation beside central differences, element by element;
exit code 1 when they disagree."""

from __future__ import annotations

import contextlib

from ... import api
from ...output import document as doc
from .. import options as o
from ..handling import late_progress, options, program, views
from ..options import CommandLine
from ..spec import Env, Outcome, Spec


def run_check(line: CommandLine, env: Env) -> Outcome:
    given = options(line, "eps", "tol", "output", "seed")
    with contextlib.ExitStack() as later:
        tell = late_progress(env, later, "finite differences")
        result = api.check(program(line, env), line.values, progress=tell, **given)
    failure = result.failure()
    r = result.result
    assert r is not None

    def document() -> dict:
        fields = doc.check_fields(result)
        if failure is not None:
            fields["error"] = failure.to_json()
        return doc.document("check", result.evaluation, r.point, **fields)

    return Outcome(document=document,
                   view=lambda: views().check_report(result, line.flag("full")),
                   failure=failure)


SPEC = Spec(
    "check", "Back-propagation beside central differences, element by element.",
    "Check back-propagation against central differences, element by element.\n"
    "For every element of every input, the derivative by central differences "
    "(f(x + h) - f(x - h)) / 2h with h = eps·max(1, |x|) beside the back-propagated "
    "one, their relative error |bp - fd| / max(|bp|, |fd|, 1), and a verdict; how many "
    "evaluations each method needed (2 forward per element against 1 forward + 1 "
    "backward for all of them) and how long each took.\nExit code 1 when any relative "
    "error is above --tol (default 1e-5, with --eps 1e-6). PROGRAM and values as for "
    "eval; without PROGRAM, check goes on from the JSON document on stdin, or else from "
    "the session (which it leaves as it is).",
    ('backprop check "f = x*y; g = f + z" --x 3 --y -4 --z 2',
     "backprop check samples/micrograd.bp",
     "backprop check \"h = sum(tanh(W @ x))\" --W '[[1, 2], [3, 4]]' --x '[0.1, -0.2]'",
     "backprop check samples/neuron.bp --json | jq .check.verdict"),
    (o.VALUE, o.SET, o.OUTPUT, o.SEED, o.STATE, o.EPS, o.CHECK_TOL, o.DIGITS,
     o.CHECK_FULL, o.IGNORE_STDIN, o.JSON),
    run_check, rank=5)
