"""`backprop explain`: the chain rule written out for every input, path by path, as
the terminal's tables or in a format of output/formats.py (EXPLAIN)."""

from __future__ import annotations

from ... import api
from ...api import UsageError
from ...output import document as doc
from ...output.formats import EXPLAIN
from .. import options as o
from ..handling import PROGRAM_OPTIONS, options, program, views
from ..options import CommandLine, Option
from ..spec import Env, Outcome, Spec

# A flag, not a --mode: explain's options choose how the derivation is written (--format,
# --paths, --standalone), and reverse mode, what every explain has always written, stays
# the default with nothing to type; --forward names the other derivation as the
# `forward` command does.
FORWARD = Option("forward", None, "write forward mode's derivation instead: every node's "
                 "tangent, sweep by sweep, as `backprop forward` computes it")


def run_explain(line: CommandLine, env: Env) -> Outcome:
    form = o.choice(line, "format", EXPLAIN)
    if env.json and "format" in line.options:
        raise UsageError("--json and --format each choose the output: give one of them")
    if line.flag("standalone") and form != "latex":
        raise UsageError("--standalone writes a whole LaTeX document: add --format latex")
    if line.flag("forward"):
        return _forward(line, env, form)
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


def _forward(line: CommandLine, env: Env, form: str) -> Outcome:
    """explain --forward: tasks/forward.py's rows, written as text, Markdown or LaTeX."""
    if env.json:
        raise UsageError("explain --forward writes the derivation for people; its numbers "
                         "as JSON are forward's document",
                         hint="backprop forward PROGRAM ... --json")
    if "paths" in line.options:
        raise UsageError("--paths counts the chain rule's paths of reverse mode; forward "
                         "mode has none: one sweep per input element",
                         hint="leave --paths out, or --forward")
    if form not in ("text", "markdown", "latex"):
        raise UsageError(f"explain --forward writes text, markdown or latex, not {form}")
    from ...output import forwardtext  # with explain --forward only

    f = api.forward(program(line, env), line.values, **options(line, "output", "seed"))
    text = forwardtext.markdown(f) if form == "markdown" else \
        forwardtext.latex(f, standalone=line.flag("standalone")) if form == "latex" else \
        forwardtext.text(f)
    return Outcome(document=None, text=text)


SPEC = Spec(
    "explain", "The chain rule written out for every input, path by path.",
    "Write out the chain rule for every input, path by path, from the output down.\n"
    "For each path from the output to an input, the product of the local gradients "
    "along it — symbolically, with the local formulas, with numbers — and its value; an "
    "input reached along several paths gets their sum. Notes say which gate patterns "
    "apply (add passes the gradient through, multiply swaps its inputs' values, max "
    "routes it to the larger input).\nPaths are counted, however many (2^40 is fine), "
    "and at most --paths of them are written out per input.\n--forward writes forward "
    "mode's derivation instead: each node's tangent by its rule with the numbers, one "
    "sweep per input element (as `backprop forward`), in any of the three formats. "
    "PROGRAM and values as for "
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
     "backprop explain samples/neuron.bp --symbolic --format latex",
     "backprop explain samples/seed.bp --forward --format latex --standalone > seed.tex"),
    (o.VALUE, o.SET, o.OUTPUT, o.SEED, o.STATE, o.PATHS, o.SYMBOLIC, FORWARD, o.EXPLAIN_FORMAT,
     o.STANDALONE,
     o.DIGITS, o.EXPLAIN_FULL, o.IGNORE_STDIN, o.JSON), run_explain, rank=4)
