"""The commands, each one spec: name, summary, help, examples, options and handler. A
handler reads its command line, calls the Python API (api.py) and says what to show (a
JSON document, a view, plain text), the session to save and a verdict (a failed check, a
diverged descent); it writes nothing itself: app.py draws, saves and writes, in order."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .. import api
from ..core import fmt
from ..core.errors import UsageError
from ..core.optim import OPTIMIZERS, SCHEDULES
from ..output import document as doc
from ..tasks import session
from ..tasks.point import Point, read_point
from ..tasks.program import program_source
from . import options as o
from .options import CommandLine
from .schema import SPEC as SCHEMA
from .spec import Env, Outcome, Spec

if TYPE_CHECKING:
    from ..tasks.descend import Run, Settings

__all__ = ["BY_NAME", "SPECS", "Env", "Outcome", "Spec"]  # what app.py runs

# ---------------------------------------------------------------------------
# shared by the handlers

def source(line: CommandLine, env: Env) -> tuple[str | Point, Path | None]:
    """What a program command works on: PROGRAM (text, file, or - for stdin), else the
    document on stdin, else the session (locked, for a command that changes it)."""
    if line.program is not None:
        return program_source(line.program, env.stdin)
    piped = env.stdin()
    if piped:
        return read_point(piped, "stdin"), None
    current = env.tx.current() if env.tx is not None else None
    return (current or session.load(env.state)).point, None


def evaluate(line: CommandLine, env: Env) -> api.Result:
    program, base = source(line, env)
    return api.evaluate(program, line.values, output=line.text("output"),
                        params=line.names("params"), freeze=line.names("freeze"),
                        seed=o.seed(line.options["seed"]) if "seed" in line.options else None,
                        base=base)


def _entry(result: api.Result, lr: float | None = None, change: float | None = None) -> dict:
    value = result.evaluation.value
    return {"value": float(value) if value.ndim == 0 else None, "lr": lr, "change": change,
            "watched": {}}


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def _views():
    from ..output.terminal import views  # Rich: only where something is drawn

    return views


# ---------------------------------------------------------------------------
# the handlers

def run_eval(line: CommandLine, env: Env) -> Outcome:
    r = evaluate(line, env)
    old = env.tx.current() if env.tx is not None else None
    # From the session, eval goes on from its point: the history stays, and gains an
    # entry only where values typed on the command line moved the point.
    fresh = line.program is not None
    moved = fresh or old is None or not _same(old.point.inputs, r.point.inputs)
    return Outcome(
        document=lambda: doc.document("eval", r.evaluation, r.point),
        view=lambda: _views().evaluation(r.evaluation, r.point.params, line.flag("full"),
                                         line.text("state")),
        session=session.continued(old, r.point, [_entry(r)] if moved else [], fresh=fresh))


def run_step(line: CommandLine, env: Env) -> Outcome:
    lr, ascend = line.positive("lr", 0.1), line.flag("ascend")
    piped = env.stdin()
    saved = env.tx.current() if env.tx is not None else None
    point = read_point(piped, "stdin") if piped else (saved or session.load(env.state)).point
    r = api.step(point, lr=lr, ascend=ascend, params=line.names("params"),
                 freeze=line.names("freeze"))
    before = r.previous.evaluation if r.previous else r.evaluation
    return Outcome(
        document=lambda: doc.document("step", r.evaluation, r.point,
                                      **doc.step_fields(before, lr, ascend, r.change or 0.0)),
        view=lambda: _views().step_report(before, r.evaluation, r.point.params,
                                          -lr if ascend else lr, line.flag("full")),
        session=session.continued(saved, r.point, [_entry(r, lr, r.change)]))


def run_descend(line: CommandLine, env: Env) -> Outcome:
    settings = api.settings_of(
        line.positive("lr", 0.1), line.whole("steps", 1000, least=0),
        line.choice("optimizer", OPTIMIZERS, "sgd"),
        line.choice("schedule", SCHEDULES, "constant"),
        line.positive("tol", 1.0) if "tol" in line.options else 0.0, line.flag("ascend"))
    every = line.whole("every", 1, least=1)
    plot = o.plot_file(line.text("plot"))  # before a long run, not after it
    program, base = source(line, env)
    with env.progress("descending", settings.steps) as tell:
        r = api.descend(
            program, line.values, lr=settings.lr, steps=settings.steps,
            optimizer=settings.optimizer, schedule=settings.schedule, tol=settings.tol,
            ascend=settings.ascend, every=every, output=line.text("output"),
            watch=line.names("watch") if "watch" in line.options else None,
            params=line.names("params"), freeze=line.names("freeze"), base=base,
            seed=o.seed(line.options["seed"]) if "seed" in line.options else None,
            on_step=None if tell is None else (lambda k, v: tell(k, note=f"value {fmt.number(v)}")))
    run = r.run
    assert run is not None and r.start is not None
    fields = doc.descend_fields(run, settings)
    note = None if plot is None else _save_plot(plot, run, settings, r.output,
                                                line.program, base is not None)
    from ..tasks.descend import failure as diverged  # with a descent only

    failure = diverged(run, settings, data=fields)
    start = r.start
    old = env.tx.current() if env.tx is not None else None
    return Outcome(
        document=None if failure else (lambda: doc.document("descend", r.evaluation, r.point,
                                                            **fields)),
        view=lambda: _views().descend_report(r.evaluation, start.inputs, run, settings,
                                             line.flag("full")),
        session=session.continued(old, r.point, r.history, fresh=line.program is not None),
        note=note, failure=failure)


def _save_plot(plot: str, run: Run, settings: Settings, output: str, program: str | None,
               from_file: bool) -> str:
    """Draw the run's loss curve into the --plot file; the note that says so. The title
    names the program (a file by its name, a short text by itself)."""
    if run.steps < 0:  # not even step 0 had a finite value: no curve to draw
        return f"no loss curve to draw: {plot} not written"
    from ..output import plot as plotting  # matplotlib: with --plot only

    label = plotting.program_label(program, from_file)
    plotting.save(Path(plot), plotting.of_run(run, settings, output, label))
    return f"wrote the loss curve to {plot}"


def run_explain(line: CommandLine, env: Env) -> Outcome:
    form = line.choice("format", ("text", "markdown", "latex"), "text")
    if env.json and "format" in line.options:
        raise UsageError("--json and --format each choose the output: give one of them")
    if line.flag("standalone") and form != "latex":
        raise UsageError("--standalone writes a whole LaTeX document: add --format latex")
    from ..tasks.explain import PATHS  # with explain only

    paths = line.whole("paths", PATHS, least=0)
    r = evaluate(line, env)
    exp = api.explain(r, paths=paths, full=line.flag("full"))
    text = None
    if form == "markdown":
        from ..output.markdown import markdown

        text = markdown(exp)
    elif form == "latex":
        from ..output.latex import latex

        text = latex(exp, standalone=line.flag("standalone"))
    return Outcome(
        document=lambda: doc.document("explain", r.evaluation, r.point,
                                      **doc.explain_fields(exp)),
        view=lambda: _views().explanation(exp, line.flag("full")), text=text)


def run_check(line: CommandLine, env: Env) -> Outcome:
    from ..tasks import check as checking  # with check only

    eps = line.positive("eps", checking.EPS)
    tol = line.positive("tol", checking.TOL)
    r = evaluate(line, env)
    elements = sum(int(np.size(v)) for v in r.evaluation.inputs().values())
    with env.progress("finite differences", elements) as tell:
        result = api.check(r, eps=eps, tol=tol, progress=tell)
    failure = checking.failure(result)

    def document() -> dict:
        fields = doc.check_fields(result)
        if failure is not None:
            fields["error"] = failure.to_json()
        return doc.document("check", result.evaluation, r.point, **fields)

    return Outcome(document=document,
                   view=lambda: _views().check_report(result, line.flag("full")),
                   failure=failure)


def run_graph(line: CommandLine, env: Env) -> Outcome:
    save = line.text("save")
    form = _picture_format(line, save, env.json)
    r = evaluate(line, env)
    ev = r.evaluation
    picture: str | bytes | None = None
    if form == "mermaid":
        from ..output.mermaid import mermaid

        picture = mermaid(ev)
    elif form in ("dot", "svg", "png"):
        from ..output import graphviz

        dot = graphviz.dot(ev)
        picture = dot if form == "dot" else graphviz.layout(dot, form)
    if isinstance(picture, str):
        from ..output.text import visible

        picture = visible(picture)

    def document() -> dict:
        extra = {}
        if picture is not None:  # the picture comes along; a PNG as base64
            extra[form] = picture if isinstance(picture, str) else \
                base64.b64encode(picture).decode("ascii")
        return doc.document("graph", ev, r.point, **doc.graph_fields(ev), **extra)

    if save is not None and picture is not None and not env.json:
        from ..tasks.files import expand, write_atomic

        data = picture if isinstance(picture, bytes) else picture.encode("utf-8")
        write_atomic(expand(save), data, label="--save: ", error=UsageError)
        return Outcome(document=document, text="", note=f"wrote the {form} picture to {save}")
    if isinstance(picture, bytes):
        return Outcome(document=document, data=picture)
    return Outcome(document=document,
                   view=lambda: _views().graph_tree(ev, line.flag("full")), text=picture,
                   terminal_note="(SVG text; to keep it: > graph.svg, or --save graph.svg)"
                   if form == "svg" else None)


def _picture_format(line: CommandLine, save: str | None, as_json: bool) -> str:
    """--format, or the one --save's suffix names; refused where they disagree (a PNG
    file with SVG in it) or where nothing is written to the file."""
    named = o.SUFFIXES.get(Path(save).suffix.lower()) if save is not None else None
    form = line.choice("format", o.GRAPH_FORMATS, named or "tree")
    if save is None:
        return form
    if as_json or form == "tree":
        raise UsageError("--save writes a picture: dot, mermaid, svg or png",
                         hint="add --format dot, mermaid, svg or png; or redirect: > FILE")
    if named is not None and named != form:
        raise UsageError(f"--save {save} names a {named} file, but --format {form} writes "
                         f"{form}", hint=f"--format {named}, or a file ending in "
                         f".{form if form != 'mermaid' else 'mmd'}")
    return form


def run_history(line: CommandLine, env: Env) -> Outcome:
    saved = session.load(env.state)
    return Outcome(
        document=lambda: doc.history_document(saved.point, saved.history),
        view=lambda: _views().history_table(saved.history, saved.point.output,
                                            line.flag("full")))


def run_reset(line: CommandLine, env: Env) -> Outcome:
    path = env.state
    removed = os.path.lexists(path)

    def commit(publish: Callable[[], None]) -> None:
        session.clear(path, then=publish)

    return Outcome(document=lambda: doc.reset_document(str(path), removed), text="",
                   note=f"removed the session {path}" if removed else f"no session at {path}",
                   commit=commit)


def run_export(line: CommandLine, env: Env) -> Outcome:
    from . import export  # export's options and files load with export only
    return export.run_export(line, env)


def run_quiz(line: CommandLine, env: Env) -> Outcome:
    from . import quiz  # the quiz's questions, grading and words load with the quiz only

    return quiz.run_quiz(line, env)


# ---------------------------------------------------------------------------
# the specs

SPECS = (
    Spec("eval", "Forward pass, local gradients, backward pass and the gradient of PROGRAM.",
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
         (*o.PROGRAM, o.DIGITS, o.FULL, o.JSON), run_eval, changes_session=True),
    Spec("step", "One gradient-descent step from the session, or from a document on stdin.",
         "Move every param one step down the gradient (up with --ascend), from the session or "
         "from the JSON document on stdin, and show each param's value, gradient, move and "
         "new value, and how the output changed. Saves the new point in the session and adds "
         "to its history.",
         ("backprop step --lr 0.1",
          'backprop eval "g = x*y + z" --x 3 --y -4 --z 2 --json | backprop step --json',
          "backprop step --ascend --params x"),
         (o.LR, o.ASCEND, o.PARAMS, o.FREEZE, o.STATE, o.DIGITS, o.FULL, o.JSON), run_step,
         program=False, changes_session=True),
    Spec("descend", "Gradient descent on PROGRAM to an optimum, with a loss curve.",
         "Run gradient descent on PROGRAM to an optimum: evaluate, step, and again, with a "
         "progress bar on stderr; stop after --steps, when the value settles (--tol) or when "
         "it diverges (exit 1; the session keeps the best point). Ends with the params, the "
         "first and last value and the loss curve, and saves the session so that step, eval "
         "and the other commands go on from the result.",
         ('backprop descend "L = (a - 3)^2" --a 0 --steps 100',
          "backprop descend samples/moons.bp",
          "backprop descend samples/moons.bp --optimizer adam --lr 0.01 --plot loss.svg",
          "backprop descend samples/neuron.bp --freeze x0,x1 --json --every 10 | jq .descend"),
         (o.LR, o.STEPS, o.OPTIMIZER, o.SCHEDULE, o.STOP, o.ASCEND, o.WATCH, o.EVERY, o.PLOT,
          *o.PROGRAM, o.DIGITS, o.FULL, o.JSON), run_descend, changes_session=True),
    Spec("explain", "The chain rule written out for every input, path by path.",
         "Write out the chain rule for every input, path by path, from the output down.\n"
         "For each path from the output to an input, the product of the local gradients "
         "along it — symbolically, with the local formulas, with numbers — and its value; an "
         "input reached along several paths gets their sum. Notes say which gate patterns "
         "apply (add passes the gradient through, multiply swaps its inputs' values, max "
         "routes it to the larger input).\nPaths are counted, however many (2^40 is fine), "
         "and at most --paths of them are written out per input. PROGRAM and values as for "
         "eval; without PROGRAM, explain goes on from the JSON document on stdin, or else "
         "from the session (which it leaves as it is).",
         ('backprop explain "f = x*y; g = f + z" --x 3 --y -4 --z 2',
          'backprop explain "b = a + a; c = b + b" --a 1',
          "backprop explain samples/neuron.bp --format latex --standalone > neuron.tex",
          "backprop eval samples/reuse.bp && backprop explain --format markdown"),
         (o.VALUE, o.SET, o.OUTPUT, o.SEED, o.STATE, o.PATHS, o.EXPLAIN_FORMAT, o.STANDALONE,
          o.DIGITS, o.EXPLAIN_FULL, o.JSON), run_explain),
    Spec("check", "Back-propagation beside central differences, element by element.",
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
          o.CHECK_FULL, o.JSON), run_check),
    Spec("graph", "The computation graph as a tree, or a picture (dot, mermaid, svg).",
         "Draw the computation graph of PROGRAM, each node with its value and its gradient "
         "(∂output/∂node), and each edge with the local derivative where there is one. The "
         "tree shows it in the terminal from the output down to the inputs; dot, mermaid and "
         "svg make a picture. Without PROGRAM, graph draws the JSON document on stdin, or "
         "else the session.",
         ("backprop graph samples/seed.bp",
          "backprop graph samples/seed.bp --format svg > seed.svg",
          'backprop graph "g = x*y + z" --x 3 --y -4 --z 2 --format mermaid',
          "backprop graph samples/micrograd.bp --format dot | dot -Tpng > micrograd.png"),
         (*o.PROGRAM, o.GRAPH_FORMAT, o.SAVE, o.DIGITS, o.GRAPH_FULL, o.JSON), run_graph),
    Spec("quiz", "Practice: work out the backprop of PROGRAM by hand, and be graded.",
         "Practise back-propagation by hand: the quiz hides the numbers and asks, one "
         "question at a time in the order a person works, for each node's value "
         "(value:f), each local gradient (local:f:x), each gradient from the output down "
         "(grad:x) and each param's new value after one step (step:x), as --ask chooses "
         "(default local,grad; step too with --lr). A wrong answer gets a hint and one "
         "more try, a second the right answer and its derivation; the end is the score "
         "per kind and per node, what was missed and what to practise next. Exit code 0 "
         "when every question ended right, 1 otherwise.\nAnswers are numbers or arithmetic "
         "(-4, 1*3, -2/3; [1, 2] for an array), typed, or one per line on stdin. --random "
         "makes up a problem (--level 1 to 5, --seed N). --sheet writes the questions "
         "without the answers; --answers FILE grades a sheet of answers. PROGRAM and values "
         "as for eval; without PROGRAM, the session (which the quiz leaves as it is).",
         ('backprop quiz "f = x*y; g = f + z" --x 3 --y -4 --z 2',
          "backprop quiz --random --level 3 --seed 7",
          "printf '%s\\n' -4 3 1 1 1 1 3 -4 | backprop quiz samples/seed.bp",
          "backprop quiz samples/reuse.bp --ask value,grad,step --lr 0.1",
          "backprop quiz samples/seed.bp --sheet --json > sheet.json   (fill in its answers)",
          "backprop quiz --answers sheet.json --json | jq .quiz.score"),
         o.QUIZ, run_quiz,
         usage="backprop quiz [PROGRAM [--NAME VALUE ...] | --random] [OPTIONS]"),
    Spec("export", "PROGRAM as a Python script: numpy by hand, PyTorch or JAX.",
         "Write PROGRAM at its point as one Python script (stdout, or -o FILE): --to numpy "
         "writes the backward pass by hand, a line per edge under its gate's rule; torch and "
         "jax leave it to loss.backward() and jax.value_and_grad. Each script prints eval's "
         "document, or with --descend descend's at the run's end. Numbers are written "
         "exactly, load(...) data read from its file (or held: --embed-data).\nWithout "
         "PROGRAM, the document on stdin or the session's point.",
         ('backprop export "g = x*y + z" --x 3 --y -4 --z 2 > g.py && python g.py',
          "backprop export samples/seed.bp --to torch | python - | jq .gradients",
          "backprop export samples/moons.bp --to jax --descend --seed 1 -o moons_jax.py"),
         o.EXPORT, run_export),
    Spec("history", "The session's history: the output's value at each step.",
         "The session's history: the output's value at the evaluation and after each step "
         "(a long descent's thinned to an even spread).",
         ("backprop history", "backprop history --json | jq '.history[-1]'"),
         (o.STATE, o.DIGITS, o.HISTORY_FULL, o.JSON), run_history, program=False),
    Spec("reset", "Forget the session (remove its file).",
         "Forget the session: remove its file. Only a backprop session, or what is left of "
         "one, is removed; any other file given with --state is left alone.",
         ("backprop reset", "backprop reset --state other.json"),
         (o.STATE, o.JSON), run_reset, program=False),
    SCHEMA,
)

BY_NAME = {spec.name: spec for spec in SPECS}
