"""`backprop hessian`: the matrix of second derivatives over the params, by
forward-over-reverse on the program's own graph, with its symmetry; one entry written
out (--explain); a Hessian-vector product without the matrix (--hvp)."""

from __future__ import annotations

import contextlib

from ... import api
from .. import options as o
from ..handling import late_progress, left_out_note, options, pass_outcome, program
from ..options import CommandLine, Option
from ..spec import Env, Outcome, Spec

EXPLAIN = Option("explain", "X,Y", "write the entry ∂²out/∂X∂Y out: ∂(∂out/∂X)/∂Y, with the "
                 "formula of ∂out/∂X from the op table's derivatives (W[0, 1] names an element)")
HVP = Option("hvp", "X=N,Y=N", "the product H·v along v = \"w1=1,w2=0\" in one sweep, without "
             "the matrix; a param left out is 0")


def run_hessian(line: CommandLine, env: Env) -> Outcome:
    given = options(line, "explain", "hvp", "output", "params", "freeze", "seed")
    with contextlib.ExitStack() as later:
        tell = late_progress(env, later, "Hessian columns")
        result = api.hessian(program(line, env), line.values, progress=tell, **given)
    return pass_outcome("hessian", result, line.flag("full"),
                        left_out_note("hvp", result.missing))


SPEC = Spec(
    "hessian", "Second derivatives over the params, by forward-over-reverse.",
    "The Hessian of the output over the params (numbers, and the elements of arrays; at "
    "most 400), computed on the program's own graph by forward-over-reverse: the forward "
    "and backward pass run on dual numbers, so each gradient's tangent is a column H·e "
    "(no finite differences). Its symmetry is measured, max |H − Hᵀ|. Kinks follow the "
    "op table's conventions: relu'' = 0, abs'' = 0, a tie of max or min shares half.\n"
    "--explain X,Y writes one entry out; --hvp gives H·v in one sweep, without the matrix. "
    "A second derivative that is not finite stops with exit code 1, naming the op.\n"
    "PROGRAM and values as for eval; without PROGRAM, hessian goes on from the JSON "
    "document on stdin, or else from the session (which it leaves as it is).",
    ('backprop hessian "g = x*y + z" --x 3 --y -4 --z 2',
     'backprop hessian "g = x*y + z" --x 3 --y -4 --z 2 --explain x,y',
     'backprop hessian samples/neuron.bp --hvp "w1=1,w2=0,b=0"',
     "backprop hessian samples/neuron.bp --json | jq .hessian.matrix"),
    (o.VALUE, o.SET, EXPLAIN, HVP, o.OUTPUT, o.PARAMS, o.FREEZE, o.SEED, o.STATE, o.DIGITS,
     o.FULL, o.IGNORE_STDIN, o.JSON),
    run_hessian, rank=7)
