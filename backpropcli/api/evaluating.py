"""evaluate, step and descend: a program at a point, one step down its gradient, and a
run of steps to an optimum. Every default and check of their arguments is here (and in
checks.py); the work is the tasks'."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from ..core import fmt
from ..core.engine import evaluate as evaluate_graph
from ..core.errors import UsageError, param
from ..core.optim import LR, MAX_STEPS, NEWTON, OPTIMIZERS, SCHEDULES, STEPS
from ..tasks.point import Point
from ..tasks.program import change, find_node, take_step
from . import checks
from .results import Result
from .source import merged, open_program

if TYPE_CHECKING:
    from ..tasks import descend as descending
    from .source import Program


@checks.keywords
def evaluate(program: Program, values: Mapping[str, object] | None = None, /, *,
             output: str | None = None, params: checks.Names = None,
             freeze: checks.Names = None, seed: int | None = None,
             base: str | os.PathLike[str] | None = None, **inputs: object) -> Result:
    """Evaluate a program: the forward pass, the local gradients, the backward pass.

    `program` is its text, a path to a file (a pathlib.Path), a result, a point, a
    Document or a Session to go on from (with new values, if given); `values` (a dict)
    and keywords give the inputs: numbers, nested lists, numpy arrays, or text as typed
    on the command line ("[1, 2]", "@w.npy"). `output` chooses the node whose gradient
    is taken (default: the last name assigned); `params` (only these) and `freeze` (all
    but these) what a step moves, as a list or "a,b"; `seed` the random starts of
    uniform(...) and randn(...); `base` the folder that load(...) reads data files from
    (a file's own folder for a path, else the current one).

    Raises BackpropError for every problem of the program, its values or these
    arguments."""
    graph, point = open_program(program, merged(values, inputs), output=output,
                                params=params, freeze=freeze, seed=seed, base=base)
    return Result(evaluate_graph(graph, point.inputs), point)


@checks.keywords
def step(program: Program, values: Mapping[str, object] | None = None, /, *,
         lr: float = LR, ascend: bool = False, newton: bool = False, damping: float = 0.0,
         output: str | None = None, params: checks.Names = None,
         freeze: checks.Names = None, seed: int | None = None,
         base: str | os.PathLike[str] | None = None, **inputs: object) -> Result:
    """One gradient-descent step: every param moves by −lr·∂output/∂param (+ with
    `ascend`), `lr` a positive number (default 0.1). From a result, or from a program
    and values as for evaluate(). The new result's `.previous` is the point it came
    from, `.change` how far the output moved (summed, for an array).

    With `newton`, Newton's step x ← x − (H + λI)⁻¹∇g instead (`damping` λ ≥ 0, default
    0), over at most 400 param elements: the result is its point, and `.newton` holds
    the Hessian, its eigenvalues and the gradient step at `lr` from the same start,
    for comparison. (A keyword of step, not a function of its own: a Newton step starts
    where a step starts and gives what a step gives, a point to go on from.)

    Raises BackpropError as evaluate() does (and when every input is frozen: a result or
    point keeps its `params`/`freeze` until new ones are given; `freeze=""` frees them),
    and a MathError (exit code 1 on the command line) when the step moves a param beyond
    what a number can hold, or, for Newton's step, when H + λI is singular or not
    positive definite (named with its eigenvalues)."""
    lr, ascend = checks.positive(lr, "lr"), checks.flag(ascend, "ascend")
    newton, damping = _newton_options(newton, damping, ascend)
    graph, point = open_program(program, merged(values, inputs), output=output,
                                params=params, freeze=freeze, seed=seed, base=base)
    if newton:
        from ..tasks import newton as newtons  # with a Newton step only

        done, moved = newtons.step(graph, point, lr, damping)
        return Result(done.after, moved, previous=Result(done.before, point),
                      change=change(done.before, done.after), lr=lr, newton=done)
    before, after, moved = take_step(graph, point, -lr if ascend else lr)
    return Result(after, moved, previous=Result(before, point), change=change(before, after),
                  lr=lr, ascend=ascend)


@checks.keywords
def descend(program: Program, values: Mapping[str, object] | None = None, /, *,
            lr: float | None = None, steps: int = STEPS, optimizer: str = "sgd",
            schedule: str = "constant", tol: float = 0.0, ascend: bool = False,
            damping: float = 0.0,
            watch: checks.Names = None, every: int = 1, output: str | None = None,
            params: checks.Names = None, freeze: checks.Names = None, seed: int | None = None,
            base: str | os.PathLike[str] | None = None,
            on_step: Callable[[int, float], None] | None = None, path: bool = False,
            **inputs: object) -> Result:
    """Gradient descent to an optimum: up to `steps` steps (default 1000) of `optimizer`
    ("sgd", "momentum" with μ = 0.9, or "adam") at learning rate `lr` (default 0.1),
    under `schedule` ("constant", or "linear": lr·(1 − 0.9·k/steps)); `ascend` climbs.
    "newton" takes Newton's step x ← x − lr·(H + λI)⁻¹∇g (`damping` λ, default 0; lr
    default 1, the whole step) over at most 400 param elements, and stops (stopped
    "hessian", a MathError from `.failure()`) where H + λI is not positive definite.

    Returns the final result, with `.history` (the value at each step from 0, thinned
    for long runs) and `.run`, whose `.stopped` says why the run ended and `.reason`
    says it for people:
      "steps"      it ran every step;
      "converged"  the value changed by less than `tol` (a positive number; 0, the
                   default: never) since the step before;
      "diverged"   a value or gradient stopped being finite, or the value kept rising;
      "unbounded"  the value kept getting better, far past its start: the output has no
                   minimum (no lower bound) along the way the params went.
    A run that diverges or is unbounded ends at the best point it saw; it does not
    raise. `watch` names nodes to record besides the output (default: named nodes the
    output does not use, such as an accuracy), `every` records every k-th step in the
    history (a whole number from 1), `on_step(k, value)` is called as the run goes;
    `path` keeps where the params went, step by step, in `.run.path`, for a program with
    exactly two params that are numbers (what surface() draws on its loss surface).
    The rest as for evaluate(); a bad argument raises BackpropError."""
    from ..core.compiled import compile_graph  # with a descent only, not at every start
    from ..tasks import descend as descending
    from ..tasks import learning

    newton = optimizer == NEWTON
    settings = descent_settings((1.0 if newton else LR) if lr is None else lr, steps,
                                optimizer, schedule, tol, ascend, (*OPTIMIZERS, NEWTON))
    if newton:
        _, damping = _newton_options(True, damping, settings.ascend)
        settings = replace(settings, damping=damping)
    elif not _zero(damping):
        raise UsageError(f"{param('damping')} damps Newton's step: it goes with "
                         f"{param('optimizer')} newton")
    every = checks.whole(every, "every", least=1)
    graph, point = open_program(program, merged(values, inputs), output=output,
                                params=params, freeze=freeze, seed=seed, base=base)
    if newton:  # before the run: the Hessian's cap, and a refusal that is no failed run
        from ..core.jvp import check_hessian_size, elements

        check_hessian_size(len(elements(point.inputs, point.params)))
    nodes = watched(graph, watch)
    compiled = compile_graph(graph, point.inputs, nodes)
    # Only a program with two number params has a surface to draw a path on: the others
    # record nothing more than they ever did.
    numbers = [p for p in point.params if np.ndim(point.inputs[p]) == 0]
    follow = numbers if checks.flag(path, "path") and len(numbers) == len(point.params) == 2 \
        else []
    run = descending.run(compiled, point.inputs, point.params, settings, on_step, every,
                         follow=follow)
    final = Point(point.program, point.output, run.inputs, point.params, point.base)
    end = evaluate_graph(graph, final.inputs)
    said = learning.warnings(graph, point.inputs, end, point.params)
    return Result(end, final, run=replace(run, warnings=said), settings=settings,
                  start=point)


def descent_settings(lr: object, steps: object, optimizer: object, schedule: object,
                     tol: object, ascend: object,
                     optimizers: tuple[str, ...] = OPTIMIZERS) -> descending.Settings:
    """A descent's settings, each checked (descend's and export's: an exported script
    has no Newton step, so `optimizers` is descend's own choice)."""
    from ..tasks import descend as descending

    lr = checks.positive(lr, "lr")  # in the order the command line has always said them
    steps = checks.whole(steps, "steps", least=0, most=MAX_STEPS,
                         why="the most one descent runs; a longer run is several, each going "
                             "on from where the last stopped")
    optimizer = checks.choice(optimizer, "optimizer", optimizers)
    schedule = checks.choice(schedule, "schedule", SCHEDULES)
    tol = checks.positive(tol, "tol") if tol else 0.0
    return descending.Settings(lr=lr, steps=steps, optimizer=optimizer, schedule=schedule,
                               tol=tol, ascend=checks.flag(ascend, "ascend"))


def watched(graph, watch: checks.Names) -> list[int]:
    """The nodes a descent follows beside the output: `watch`, or its default."""
    from ..tasks.descend import default_watch

    names = checks.names(watch, "watch")
    if names is None:
        return default_watch(graph)
    return [find_node(graph, name, "watch") for name in names]


def _newton_options(newton: object, damping: object, ascend: bool) -> tuple[bool, float]:
    """newton and damping, checked: damping belongs to Newton's step, which seeks a
    minimum (an ascent's Newton step would be the same step: it is refused)."""
    newton = checks.flag(newton, "newton")
    damping = 0.0 if _zero(damping) else checks.positive(damping, "damping")
    if damping and not newton:
        raise UsageError(f"{param('damping')} damps Newton's step: give {param('newton')} too",
                         hint=f"{param('newton')} {param('damping')} "
                              f"{fmt.number(damping)}, or leave {param('damping')} out")
    if newton and ascend:
        raise UsageError(f"{param('newton')} and {param('ascend')}: Newton's step goes to "
                         "where the gradient is 0 and is refused unless that is a minimum",
                         hint="to maximise g, step on its negative: L = -g")
    return newton, damping


def _zero(value: object) -> bool:
    """0 (no damping, the default) as a number or as typed; anything else is checked."""
    try:
        return not isinstance(value, bool) and float(value) == 0.0  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return False
