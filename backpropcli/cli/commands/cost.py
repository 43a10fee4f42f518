"""`backprop cost`: numerical differences, forward mode and reverse mode side by side on
PROGRAM: the passes each takes, the op evaluations each runs (counted by the engine),
what reverse mode keeps for its backward pass, the time of each, and the verdict."""

from __future__ import annotations

from ... import api
from .. import options as o
from ..handling import options, pass_outcome, program
from ..options import CommandLine, Option
from ..spec import Env, Outcome, Spec

REPEATS = Option("repeats", "N", "timed runs of each method, the median shown (default 5)")


def run_cost(line: CommandLine, env: Env) -> Outcome:
    result = api.cost(program(line, env), line.values,
                      **options(line, "repeats", "output", "seed"))
    return pass_outcome("cost", result, line.flag("full"))


SPEC = Spec(
    "cost", "What each way to the derivatives costs: numerical, forward and reverse mode.",
    "The three ways to the derivatives side by side on PROGRAM, over every input element: "
    "central differences (2 evaluations per input element), forward mode (one sweep on "
    "dual numbers per input element) and reverse mode (one forward and one backward "
    "pass). For each: its passes, the op evaluations it runs (values and derivative "
    "terms, counted as the engine runs them) and its time (the median of a few runs, with "
    "the machine's noise); what reverse mode keeps for its backward pass; and which is "
    "cheaper, by how much.\nFor an array output the three are compared on its whole "
    "Jacobian, where reverse mode takes one backward sweep per output element: forward "
    "mode wins where there are more outputs than inputs.\nPROGRAM and values as for "
    "eval; without PROGRAM, cost goes on from the JSON document on stdin, or else from "
    "the session (which it leaves as it is).",
    ("backprop cost samples/twolayer.bp",
     'backprop cost "g = x*y + z" --x 3 --y -4 --z 2',
     'backprop cost "y = [1, 2, 3] * x" --x 2',
     "backprop cost samples/neuron.bp --json | jq .cost.sentence"),
    (o.VALUE, o.SET, REPEATS, o.OUTPUT, o.SEED, o.STATE, o.DIGITS, o.FULL, o.IGNORE_STDIN,
     o.JSON),
    run_cost, rank=8)
