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
from ..spelling import spelled

SETTINGS = ("lr", "steps", "optimizer", "schedule", "tol", "every", "watch", "damping")


def run_descend(line: CommandLine, env: Env) -> Outcome:
    plot = plot_file(line.text("plot"))  # before a long run, not after it
    compare, predict = line.text("compare"), line.text("predict")
    if compare is not None and "optimizer" in line.options:
        raise UsageError("--compare chooses the optimizers; it takes no --optimizer",
                         hint=f"--compare {line.text('optimizer')},adam names each to run")
    if predict is not None and plot is None:
        raise UsageError("--predict names the prediction whose decision boundary --plot "
                         "draws", hint="add --plot boundary.png")
    given = options(line, *SETTINGS, *PROGRAM_OPTIONS)
    steps = line.options.get("steps")
    # the bar's length, before the API reads --steps (which it checks: a bar is no check)
    total = int(steps) if isinstance(steps, str) and steps.strip().isdigit() \
        and len(steps.strip()) <= 8 else api.STEPS
    source = program(line, env)
    if line.flag("surface"):  # asked for outright: refused before a long run, not after it
        api.surface_params(api.evaluate(source, line.values,
                                        **options(line, *PROGRAM_OPTIONS)))
    results = _descents(line, env, source, compare, given, total)
    r = results[0]  # the session keeps the first optimizer's run
    run, settings, start = r.run, r.settings, r.start
    assert run is not None and settings is not None and start is not None
    fields = doc.descend_fields(run, settings)
    if compare is not None:
        fields["descend"]["compare"] = doc.compared([(x.run, x.settings) for x in results
                                                     if x.run and x.settings])
    surface, no_surface = _surface(results, line.flag("surface"))
    from_file = line.program not in (None, "-") and api.Typed(line.program).names_file
    note = None if plot is None else _save_plot(plot, results, surface, predict, no_surface,
                                                line.program, from_file)
    frozen = frozen_note(line, r)
    warned = [f"warning: {w.message}" for w in run.warnings]  # dead units, a vanishing layer
    note = "\n".join(n for n in (frozen, note, *warned) if n) or None
    failure = r.failure(data=fields)
    return Outcome(
        document=None if failure else (lambda: doc.document("descend", r.evaluation, r.point,
                                                            **fields)),
        view=lambda: _view(results, compare is not None, surface, line.flag("full")),
        session=env.session.continued(r.point, r.history, fresh=line.program is not None),
        note=note, failure=failure)


def _descents(line: CommandLine, env: Env, source, compare: str | None, given: dict,
              total: int) -> list[api.Result]:
    """The descent, or one per optimizer with --compare (each keeping its path, for the
    surface), under one progress bar."""
    count = 1 if compare is None else max(1, len(compare.split(",")))
    with env.progress("descending", total * count) as tell:
        done = [0]

        def told(k: int, v: float) -> None:
            assert tell is not None
            done[0] += 1
            tell(done[0] - 1, note=f"value {number(v)}")

        on_step = None if tell is None else told
        if compare is None:
            return [api.descend(source, line.values, ascend=line.flag("ascend"),
                                on_step=on_step, path=True, **given)]
        return api.descents(source, line.values, optimizers=compare,
                            ascend=line.flag("ascend"), on_step=on_step, **given)


def _surface(results: list[api.Result], demanded: bool) -> tuple[object, str | None]:
    """The loss surface of the runs, when the program has two number params; else None
    and why not (an error when --surface asked for it)."""
    try:
        api.surface_params(results[0])
    except UsageError as e:
        if demanded:
            raise
        spelled(e)  # --params, not the API's params=
        return None, f"no loss surface drawn: {e.message}" + (f" ({e.hint})" if e.hint else "")
    return api.surface(results), None


def _view(results: list[api.Result], compared: bool, surface, full: bool):
    """The report of the first run; the table of the runs compared; the surface."""
    from rich.console import Group

    r = results[0]
    assert r.run is not None and r.settings is not None and r.start is not None
    parts = [views().descend_report(r.evaluation, r.start.inputs, r.run, r.settings, full)]
    if compared:
        rows = [(x.settings.optimizer, None if x.run.trace.last is None else
                 x.run.trace.last.value, x.run.steps, x.run.stopped)
                for x in results if x.run is not None and x.settings is not None]
        parts.append(views().compare_table(rows, r.output))
    if surface is not None:
        parts.append(views().surface_picture(surface))
    return Group(*parts)


def plot_file(text: str | None) -> str | None:
    """--plot FILE, if its suffix names a picture that --plot draws (checked before a long
    descent, not after it)."""
    if text is None:
        return None
    if PLOT.by_suffix(os.path.splitext(text)[1]) is None:
        raise UsageError(f"--plot takes a {PLOT.said()} file",
                         hint=f"not {os.path.basename(text) or text!r}: try --plot loss.svg")
    return text


def _save_plot(plot: str, results: list[api.Result], surface, predict: str | None,
               no_surface: str | None, program: str | None, from_file: bool) -> str:
    """Draw the --plot file: the loss curve, and beside it the loss surface with the
    paths and the decision boundary where the program has them; the note that says so.
    The title names the program (a file by its name, a short text by itself)."""
    r = results[0]
    assert r.run is not None and r.settings is not None
    if r.run.steps < 0:  # not even step 0 had a finite value: no curve to draw
        return f"no loss curve to draw: {plot} not written"
    from ...output import plot as plotting  # matplotlib: with --plot only

    label = plotting.program_label(program, from_file)
    boundary = api.boundary(r, predict)
    if surface is None and boundary is None and len(results) == 1:
        plotting.save(Path(plot), plotting.of_run(r.run, r.settings, r.output, label))
        return "\n".join(n for n in (f"wrote the loss curve to {plot}", no_surface) if n)
    from ...output import surface as drawing

    curves = [plotting.of_run(x.run, x.settings, x.output, label) for x in results
              if x.run is not None and x.settings is not None and x.run.steps >= 0]
    drawing.save(Path(plot), drawing.Scene(surface, boundary, curves,
                                           label or f"{r.output}: where the descent goes"))
    drawn = [what for what, shown in (("the loss surface with the path" +
                                       ("s" if len(results) > 1 else ""), surface),
                                      ("the decision boundary", boundary)) if shown is not None]
    curve = "the loss curves" if len(curves) > 1 else "the loss curve"
    return f"wrote {', '.join(drawn)} and {curve} to {plot}"


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
     'backprop descend "g = (x-1)^2 + 10*(y+2)^2" --x -2 --y 1 --lr 0.04 --plot path.png',
     'backprop descend "g = (x-1)^2 + 10*(y+2)^2" --x -2 --y 1 --compare sgd,momentum,adam',
     'backprop descend "L = exp(a) - 2*a + (b + 1)^2" --a 3 --b 2 --optimizer newton '
     "--steps 10",
     "backprop descend samples/neuron.bp --freeze x0,x1 --json --every 10 | jq .descend"),
    (o.LR, o.STEPS, o.DESCEND_OPTIMIZER, o.DAMPING, o.SCHEDULE, o.STOP, o.ASCEND, o.WATCH,
     o.EVERY, o.PLOT_FILE, o.COMPARE, o.SURFACE, o.PREDICT, *o.PROGRAM, o.DIGITS, o.FULL,
     o.IGNORE_STDIN, o.JSON),
    run_descend, changes_session=True, rank=3)
