"""`backprop descend`: gradient descent on PROGRAM to an optimum, with a progress bar, a
loss curve (--plot) and the session saved at the end (the best point, if it diverged)."""

from __future__ import annotations

import os
from pathlib import Path

from ... import api
from ...api import UsageError
from ...output import document as doc
from ...output.formats import PLOT
from ...output.text import number
from .. import options as o
from ..handling import PROGRAM_OPTIONS, frozen_note, options, program, views
from ..options import CommandLine
from ..spec import Env, Outcome, Spec

SETTINGS = ("lr", "steps", "optimizer", "schedule", "tol", "every", "watch", "damping")


def run_descend(line: CommandLine, env: Env) -> Outcome:
    plot = plot_file(line.text("plot"))  # before a long run, not after it
    given = options(line, *SETTINGS, *PROGRAM_OPTIONS)
    steps = line.options.get("steps")
    # the bar's length, before the API reads --steps (which it checks: a bar is no check)
    total = int(steps) if isinstance(steps, str) and steps.strip().isdigit() \
        and len(steps.strip()) <= 8 else api.STEPS
    with env.progress("descending", total) as tell:
        r = api.descend(program(line, env), line.values, ascend=line.flag("ascend"),
                        on_step=None if tell is None else
                        (lambda k, v: tell(k, note=f"value {number(v)}")), **given)
    run, settings, start = r.run, r.settings, r.start
    assert run is not None and settings is not None and start is not None
    fields = doc.descend_fields(run, settings)
    from_file = line.program not in (None, "-") and api.Typed(line.program).names_file
    note = None if plot is None else _save_plot(plot, r, line.program, from_file)
    frozen = frozen_note(line, r)
    note = "\n".join(n for n in (frozen, note) if n) or None
    failure = r.failure(data=fields)
    return Outcome(
        document=None if failure else (lambda: doc.document("descend", r.evaluation, r.point,
                                                            **fields)),
        view=lambda: views().descend_report(r.evaluation, start.inputs, run, settings,
                                            line.flag("full")),
        session=env.session.continued(r.point, r.history, fresh=line.program is not None),
        note=note, failure=failure)


def plot_file(text: str | None) -> str | None:
    """--plot FILE, if its suffix names a picture that --plot draws (checked before a long
    descent, not after it)."""
    if text is None:
        return None
    if PLOT.by_suffix(os.path.splitext(text)[1]) is None:
        raise UsageError(f"--plot takes a {PLOT.said()} file",
                         hint=f"not {os.path.basename(text) or text!r}: try --plot loss.svg")
    return text


def _save_plot(plot: str, r: api.Result, program: str | None, from_file: bool) -> str:
    """Draw the run's loss curve into the --plot file; the note that says so. The title
    names the program (a file by its name, a short text by itself)."""
    assert r.run is not None and r.settings is not None
    if r.run.steps < 0:  # not even step 0 had a finite value: no curve to draw
        return f"no loss curve to draw: {plot} not written"
    from ...output import plot as plotting  # matplotlib: with --plot only

    label = plotting.program_label(program, from_file)
    plotting.save(Path(plot), plotting.of_run(r.run, r.settings, r.output, label))
    return f"wrote the loss curve to {plot}"


SPEC = Spec(
    "descend", "Gradient descent on PROGRAM to an optimum, with a loss curve.",
    "Run gradient descent on PROGRAM to an optimum: evaluate, step, and again, with a "
    "progress bar on stderr; stop after --steps, when the value settles (--tol) or when "
    "it diverges (exit 1; the session keeps the best point). Ends with the params, the "
    "first and last value and the loss curve, and saves the session so that step, eval "
    "and the other commands go on from the result.\n--optimizer newton takes Newton's "
    "steps x ← x − lr·(H + λI)⁻¹∇g (lr 1 unless given; --damping λ) for programs of at "
    "most 400 param elements, and stops with exit code 1 where the Hessian is singular "
    "or indefinite.",
    ('backprop descend "L = (a - 3)^2" --a 0 --steps 100',
     "backprop descend samples/moons.bp",
     "backprop descend samples/moons.bp --optimizer adam --lr 0.01 --plot loss.svg",
     'backprop descend "L = exp(a) - 2*a + (b + 1)^2" --a 3 --b 2 --optimizer newton '
     "--steps 10",
     "backprop descend samples/neuron.bp --freeze x0,x1 --json --every 10 | jq .descend"),
    (o.LR, o.STEPS, o.DESCEND_OPTIMIZER, o.DAMPING, o.SCHEDULE, o.STOP, o.ASCEND, o.WATCH,
     o.EVERY, o.PLOT_FILE,
     *o.PROGRAM, o.DIGITS, o.FULL, o.IGNORE_STDIN, o.JSON), run_descend, changes_session=True,
    rank=3)
