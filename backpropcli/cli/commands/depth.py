"""`backprop depth`: why deep nets stop learning. A stack of layers, made as a backprop
program and evaluated by the engine; the gradient's norm at each layer as a table and
bars (--plot: a picture), the factor per layer and why; --emit writes the program."""

from __future__ import annotations

import os

from ... import api
from ...api import UsageError
from ...output import document as doc
from ...output.formats import PLOT
from ..handling import options, views
from ..options import JSON, CommandLine, Option
from ..spec import Env, Outcome, Spec

ACT = Option("act", "NAME", "the activation of every layer: sigmoid (default), tanh or relu",
             choices=("sigmoid", "tanh", "relu"))
LAYERS = Option("layers", "L", "how many layers (default 10; at most 200)")
INIT = Option("init", "NAME", "the weights' start: normal (randn, default), xavier "
              "(variance 2/(in + out)) or he (variance 2/in, for relu)",
              choices=("normal", "xavier", "he"))
WIDTH = Option("width", "W", "units per layer (default 32; at most 1024, and layers × width² "
               "at most 4,194,304)")
SEED = Option("seed", "N", "seed of the data and of the weights, as `eval --seed N` makes "
              "them from the emitted program (default 0)")
PLOT_FILE = Option("plot", "FILE", f"save the norms as bars on a log axis, {PLOT.said()} "
                   "(drawn by matplotlib)")
EMIT = Option("emit", "FILE", "write the net as a backprop program (FILE.bp), which "
              "`backprop eval` and `backprop descend` take")


def run_depth(line: CommandLine, env: Env) -> Outcome:
    plot, emit = line.text("plot"), line.text("emit")
    if plot is not None and PLOT.by_suffix(os.path.splitext(plot)[1]) is None:
        raise UsageError(f"--plot takes a {PLOT.said()} file",  # before any work
                         hint=f"not {os.path.basename(plot) or plot!r}: try --plot depth.png")
    r = api.depth(**options(line, "act", "layers", "init", "width", "seed"))
    notes = []
    if emit is not None:
        api.save_file(emit, r.program.encode("utf-8"), "--emit: ")
        seed = r.depth.net.seed
        notes.append(f"wrote the net to {emit}: backprop descend {emit} --seed {seed} "
                     "trains it from the start measured here")
    if plot is not None:
        form = os.path.splitext(plot)[1].lower().lstrip(".")
        api.save_file(plot, r.plot(form), "--plot: ")
        notes.append(f"wrote the bars to {plot}")
    return Outcome(document=lambda: doc.depth_document(r.depth),
                   view=lambda: views().depth(r.depth),
                   note="\n".join(notes) or None)


SPEC = Spec(
    "depth", "Why deep nets stop learning: the gradient's norm layer by layer.",
    "Build a stack of --layers fully connected layers of --width units (h = act(h @ W + b), "
    "--act sigmoid, tanh or relu; weights from --init normal, xavier or he; biases 0) on 16 "
    "random examples under the mean squared error, as a backprop program, and evaluate it "
    "with the calculator's own engine. Shows ‖∂L/∂W‖ at each layer (the layer next to the "
    "loss first, as the backward pass goes), the factor against the layer above, the "
    "activations' size and the activation's mean slope, the same as bars on a log scale, "
    "the factor per layer on average, and why in one sentence (σ′ ≤ ¼: sigmoid layers "
    "pass back at most a quarter; he init keeps relu's variance). --emit writes the "
    "program: `backprop descend FILE --seed N` trains it from the start measured here.",
    ("backprop depth --act sigmoid --layers 20",
     "backprop depth --act relu --layers 20 --init he --width 64",
     "backprop depth --act tanh --init xavier --plot depth.png",
     "backprop depth --act sigmoid --layers 5 --emit deep.bp && backprop descend deep.bp "
     "--seed 0",
     "backprop depth --json | jq '.layers[] | [.param, .norm]'"),
    (ACT, LAYERS, INIT, WIDTH, SEED, PLOT_FILE, EMIT, JSON), run_depth, program=False, rank=11)
