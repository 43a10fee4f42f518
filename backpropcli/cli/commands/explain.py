"""`backprop explain`: the chain rule written out for every input, path by path, as
the terminal's tables or in a format of output/formats.py (EXPLAIN)."""

from __future__ import annotations

from ... import api
from ...api import UsageError
from ...output import document as doc
from ...output.formats import EXPLAIN
from .. import options as o
from ..handling import PROGRAM_OPTIONS, options, program, views
from ..options import CommandLine
from ..spec import Env, Outcome, Spec


def run_explain(line: CommandLine, env: Env) -> Outcome:
    form = o.choice(line, "format", EXPLAIN)
    if env.json and "format" in line.options:
        raise UsageError("--json and --format each choose the output: give one of them")
    if line.flag("standalone") and form != "latex":
        raise UsageError("--standalone writes a whole LaTeX document: add --format latex")
    given = options(line, "paths", *PROGRAM_OPTIONS)
    exp = api.explain(program(line, env), line.values, full=line.flag("full"),
                      symbolic=line.flag("symbolic"), **given)
    row = EXPLAIN[form]
    whole = {"standalone": line.flag("standalone")} if form == "latex" else {}
    text = None if row.writer is None else str(row.write(exp, **whole))
    assert exp.result is not None
    r = exp.result
    return Outcome(
        document=lambda: doc.document("explain", r.evaluation, r.point,
                                      **doc.explain_fields(exp)),
        view=lambda: views().explanation(exp, line.flag("full")), text=text)


SPEC = Spec(
    "explain", "The chain rule written out for every input, path by path.",
    "Write out the chain rule for every input, path by path, from the output down.\n"
    "For each path from the output to an input, the product of the local gradients "
    "along it — symbolically, with the local formulas, with numbers — and its value; an "
    "input reached along several paths gets their sum. Notes say which gate patterns "
    "apply (add passes the gradient through, multiply swaps its inputs' values, max "
    "routes it to the larger input).\nPaths are counted, however many (2^40 is fine), "
    "and at most --paths of them are written out per input. PROGRAM and values as for "
    "eval; without PROGRAM, explain goes on from the JSON document on stdin, or else "
    "from the session (which it leaves as it is).\nWith --symbolic, each gradient as one "
    "formula instead, simplified by SymPy and written in the program's own language (so "
    "that backprop reads it back), and the lesson of expression swell: the size of the "
    "formula written out with nothing shared against the products back-propagation "
    "computes.",
    ('backprop explain "f = x*y; g = f + z" --x 3 --y -4 --z 2',
     'backprop explain "b = a + a; c = b + b" --a 1',
     "backprop explain samples/neuron.bp --format latex --standalone > neuron.tex",
     "backprop eval samples/reuse.bp && backprop explain --format markdown",
     'backprop explain "f = x*y; g = f + z" --x 3 --y -4 --z 2 --symbolic',
     "backprop explain samples/neuron.bp --symbolic --format latex"),
    (o.VALUE, o.SET, o.OUTPUT, o.SEED, o.STATE, o.PATHS, o.SYMBOLIC, o.EXPLAIN_FORMAT,
     o.STANDALONE,
     o.DIGITS, o.EXPLAIN_FULL, o.IGNORE_STDIN, o.JSON), run_explain, rank=4)
