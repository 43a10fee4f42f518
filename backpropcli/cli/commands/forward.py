"""`backprop forward`: forward mode (dual numbers), node by node: every node's tangent
along one input (--wrt), along every input element in turn (the gradient assembled
from the last row, beside eval's), or along one direction (a Jacobian-vector product)."""

from __future__ import annotations

from ... import api
from .. import options as o
from ..handling import left_out_note, options, pass_outcome, program
from ..options import CommandLine, Option
from ..spec import Env, Outcome, Spec

WRT = Option("wrt", "NAME", "one sweep per element of the input NAME: ∂node/∂NAME for every node, "
             "each row with its rule and numbers")
DIRECTION = Option("direction", "X=N,Y=N", "one sweep along this direction, the directional "
                   "derivative (a JVP): \"x=1,y=0.5\"; an input left out is 0")


def run_forward(line: CommandLine, env: Env) -> Outcome:
    result = api.forward(program(line, env), line.values,
                         **options(line, "wrt", "direction", "output", "seed"))
    return pass_outcome("forward", result, line.flag("full"),
                        left_out_note("direction", result.missing))


SPEC = Spec(
    "forward", "Forward mode (dual numbers): every node's tangent, sweep by sweep.",
    "Forward-mode differentiation with dual numbers: the forward pass again, carrying beside "
    "each value its tangent, the derivative along a direction in the inputs. Each row "
    "shows the rule that made its tangent from the operands' (ḟ = ẋ·y + ẏ·x) with the "
    "numbers.\nWith --wrt NAME, one sweep per element of NAME; without it, one sweep per "
    "element of every input, and the gradient read off the output's row, compared with "
    "eval's (reverse mode: one forward and one backward sweep for all of them). "
    "--direction gives one directional derivative (a Jacobian-vector product) in one sweep."
    "\nPROGRAM and values as for eval; without PROGRAM, forward goes on from the JSON "
    "document on stdin, or else from the session (which it leaves as it is).",
    ('backprop forward "f = x*y; g = f + z" --x 3 --y -4 --z 2',
     "backprop forward samples/neuron.bp --wrt w1",
     'backprop forward samples/seed.bp --direction "x=1,y=0.5,z=0"',
     "backprop forward samples/neuron.bp --json | jq .forward.gradient"),
    (o.VALUE, o.SET, WRT, DIRECTION, o.OUTPUT, o.SEED, o.STATE, o.DIGITS, o.FULL,
     o.IGNORE_STDIN, o.JSON),
    run_forward, rank=6)
