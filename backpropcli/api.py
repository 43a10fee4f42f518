"""The Python API: the calculator for notebooks and scripts, and what the CLI calls.

    import backpropcli as bp
    r = bp.evaluate("g = x*y + z", x=3, y=-4, z=2)
    r.value                      # -10.0
    r.gradients                  # {'x': -4.0, 'y': 3.0, 'z': 1.0}
    bp.step(r, lr=0.1).value     # -12.72
    bp.descend("L = (a - 3)^2", a=0, lr=0.1, steps=200).inputs   # {'a': 3.0} (nearly)
    bp.check(r).passed           # True
    bp.explain(r)                # the chain rule, path by path

A program is its text, or a result (or point) to go on from. Values are numbers, nested
lists, numpy arrays, or text as typed on the command line ('[1, 2]', '@w.npy'); give
them as keywords, or as a dict when a name clashes with an option (`{"seed": 1}`).
Numbers come back as floats, arrays as numpy arrays. A result shows the same tables as
the command line, in a terminal REPL and in Jupyter. Every error is a BackpropError
(with .kind, .message, .line, .column, .hint), never SystemExit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .core.compiled import compile_graph
from .core.engine import Evaluation
from .core.engine import evaluate as evaluate_graph
from .core.errors import BackpropError, UsageError
from .core.graph import Graph
from .tasks import check as checking
from .tasks import descend as descending
from .tasks import explain as explaining
from .tasks.point import Point
from .tasks.program import change, reopen, start, take_step

__all__ = ["BackpropError", "Node", "Result", "check", "descend", "evaluate", "explain", "step"]


class Node(NamedTuple):
    """A computed node of an evaluated program, as the eval tables show it."""

    name: str
    op: str
    args: tuple[str, ...]
    expr: str
    value: float | np.ndarray
    local: tuple[float | np.ndarray | None, ...] | None  # ∂node/∂operand (elementwise ops)
    grad: float | np.ndarray  # ∂output/∂node


@dataclass(frozen=True)
class Result:
    """A program evaluated at a point: its value, its gradients, every node; after a
    step, where it came from; after a descent, how the run went."""

    evaluation: Evaluation
    point: Point
    previous: Result | None = None  # a step's starting point
    change: float | None = None  # how far the step moved the output (summed, for arrays)
    lr: float | None = None  # the step's learning rate (negative: it climbed)
    run: descending.Run | None = None  # a descent: its trace, why it stopped
    settings: descending.Settings | None = None
    start: Point | None = None  # a descent's starting point

    @property
    def program(self) -> str:
        return self.point.program

    @property
    def output(self) -> str:
        return self.evaluation.output.name

    @property
    def value(self) -> float | np.ndarray:
        return _plain(self.evaluation.value)

    @property
    def inputs(self) -> dict[str, float | np.ndarray]:
        return {k: _plain(v) for k, v in self.evaluation.inputs().items()}

    @property
    def gradients(self) -> dict[str, float | np.ndarray]:
        return {k: _plain(v) for k, v in self.evaluation.gradients().items()}

    @property
    def params(self) -> list[str]:
        return list(self.point.params)

    @property
    def nodes(self) -> list[Node]:
        ev = self.evaluation
        nodes = ev.graph.nodes
        out = []
        for i, node in enumerate(nodes):
            if node.computed:
                local = None if ev.local[i] is None else tuple(
                    None if nodes[j].is_const else _plain(v)
                    for j, v in zip(node.args, ev.local[i], strict=True))
                out.append(Node(node.name, node.op, tuple(nodes[j].name for j in node.args),
                                node.text, _plain(ev.values[i]), local, _plain(ev.grad(i))))
        return out

    @property
    def history(self) -> list[dict]:
        """A descent's values step by step (thinned for long runs), else []."""
        if self.run is None or self.settings is None:
            return []
        return descending.history(self.run, self.settings)

    def view(self, full: bool = False):
        """The tables the command line shows for this result (a Rich renderable)."""
        from .output.terminal import views  # Rich, only when a result is shown

        return views.result(self, full)

    def __repr__(self) -> str:
        from .output.terminal import views

        return views.text(self.view())

    def _repr_html_(self) -> str:
        from .output.terminal import views

        return views.html(self.view())


def evaluate(program: str | Point | Result, values: Mapping[str, object] | None = None,
             /, *, output: str | None = None, params: list[str] | None = None,
             freeze: list[str] | None = None, seed: int | None = None,
             base: str | Path | None = None, **inputs: object) -> Result:
    """Evaluate a program: the forward pass, the local gradients, the backward pass.

    `program` is its text (or a result to evaluate again, with new values); `output`
    chooses the node whose gradient is taken; `params`/`freeze` what a step moves;
    `seed` the random starts of uniform(...) and randn(...); `base` the folder data
    files are read from."""
    graph, point = _open(program, {**(values or {}), **inputs}, output, params, freeze, seed,
                         base)
    return Result(evaluate_graph(graph, point.inputs), point)


def step(result: Result | str | Point, lr: float = 0.1, *, ascend: bool = False,
         params: list[str] | None = None, freeze: list[str] | None = None) -> Result:
    """One gradient-descent step from a result (or ascent: `ascend`): every param moves
    by −lr·∂output/∂param. The new result's `previous` is where it came from."""
    lr = _positive(lr, "lr")
    graph, point = _open(result, {}, None, params, freeze, None, None)
    rate = -lr if ascend else lr
    before, after, moved = take_step(graph, point, rate)
    return Result(after, moved, previous=Result(before, point), change=change(before, after),
                  lr=rate)


def descend(program: str | Point | Result, values: Mapping[str, object] | None = None, /, *,
            lr: float = 0.1, steps: int = 1000, optimizer: str = "sgd",
            schedule: str = "constant", tol: float = 0.0, ascend: bool = False,
            watch: list[str] | None = None, every: int = 1, output: str | None = None,
            params: list[str] | None = None, freeze: list[str] | None = None,
            seed: int | None = None, base: str | Path | None = None,
            on_step: Callable[[int, float], None] | None = None,
            **inputs: object) -> Result:
    """Gradient descent to an optimum: the final result, with `.run` (why it stopped, its
    trace) and `.history`. A run that diverges ends at the best point it saw; it does
    not raise (`result.run.stopped == "diverged"`)."""
    settings = settings_of(lr, steps, optimizer, schedule, tol, ascend)
    if every < 1:
        raise UsageError("--every must be at least 1")
    graph, point = _open(program, {**(values or {}), **inputs}, output, params, freeze, seed,
                         base)
    nodes = [_node(graph, n, "watch") for n in watch] if watch is not None else \
        descending.default_watch(graph)
    compiled = compile_graph(graph, point.inputs, nodes)
    run = descending.run(compiled, point.inputs, point.params, settings, on_step, every)
    final = Point(point.program, point.output, run.inputs, point.params, point.base)
    return Result(evaluate_graph(graph, final.inputs), final, run=run, settings=settings,
                  start=point)


def check(program: str | Point | Result, values: Mapping[str, object] | None = None, /, *,
          eps: float = checking.EPS, tol: float = checking.TOL, output: str | None = None,
          seed: int | None = None, base: str | Path | None = None,
          progress: Callable[[int, int], None] | None = None,
          **inputs: object) -> checking.Check:
    """Back-propagation beside central differences for every element of every input:
    `.passed`, `.rows` (each element's two derivatives and their relative error)."""
    eps, tol = _positive(eps, "eps"), _positive(tol, "tol")
    graph, point = _open(program, {**(values or {}), **inputs}, output, None, None, seed,
                         base)
    return checking.gradient_check(graph, point.inputs, eps, tol, progress=progress)


def explain(program: str | Point | Result, values: Mapping[str, object] | None = None, /, *,
            paths: int = explaining.PATHS, full: bool = False, output: str | None = None,
            seed: int | None = None, base: str | Path | None = None,
            **inputs: object) -> explaining.Explanation:
    """The chain rule for every input, path by path: per input the number of paths, the
    first `paths` of them with their factors, and the gradient (the sum over all)."""
    if paths < 0:
        raise UsageError(f"--paths must be 0 or more, not {paths}")
    result = evaluate(program, {**(values or {}), **inputs}, output=output, seed=seed,
                      base=base)
    return explaining.explain(result.evaluation, paths,
                              factors=None if full else explaining.FACTORS,
                              budget=explaining.FULL_BUDGET if full else explaining.BUDGET)


def settings_of(lr: float, steps: int, optimizer: str, schedule: str, tol: float,
                ascend: bool) -> descending.Settings:
    """A descent's settings, each checked (the CLI's options and the API's arguments)."""
    if optimizer not in descending.OPTIMIZERS:
        raise UsageError(f"--optimizer {optimizer}: choose {', '.join(descending.OPTIMIZERS)}")
    if schedule not in descending.SCHEDULES:
        raise UsageError(f"--schedule {schedule}: choose {', '.join(descending.SCHEDULES)}")
    if steps < 0:
        raise UsageError("--steps must be 0 or more")
    if tol:
        tol = _positive(tol, "tol")
    return descending.Settings(lr=_positive(lr, "lr"), steps=steps, optimizer=optimizer,
                               schedule=schedule, tol=tol, ascend=ascend)


def _open(program: str | Point | Result, values: Mapping[str, object], output: str | None,
          params: list[str] | None, freeze: list[str] | None, seed: int | None,
          base: str | Path | None) -> tuple[Graph, Point]:
    if isinstance(program, Result):
        if not (values or output or params or freeze):  # the same point: no need to parse
            return program.evaluation.graph, program.point
        program = program.point
    if isinstance(program, Point):
        return reopen(program, params, freeze, values, output)
    if not isinstance(program, str):
        raise UsageError(f"a program is its text, or a result to go on from; not "
                         f"{type(program).__name__}")
    if seed is not None and seed < 0:
        raise UsageError(f"--seed must be 0 or more, not {seed}")
    return start(program, values, base=None if base is None else Path(base), output=output,
                 params=params, freeze=freeze, seed=seed)


def _node(graph: Graph, name: str, flag: str) -> int:
    index = graph.find(name)
    if index is None:
        raise UsageError(f"--{flag} {name}: the program has no {name!r}",
                         hint="names: " + ", ".join(sorted(graph.names)))
    return index


def _positive(value: float, what: str) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"--{what} takes a number, not {value!r}") from None
    if not value > 0 or not np.isfinite(value):
        raise UsageError(f"--{what} must be a positive number, not {value}")
    return value


def _plain(v) -> float | np.ndarray:
    """A value for the caller: a Python float for a number, a numpy array for an array."""
    return float(v) if np.ndim(v) == 0 else np.asarray(v)
