"""The API's results: evaluate, step and descend, and the Result they return, which
shows the same tables as the command line (see the package's docstring)."""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import numpy as np

from ..core.engine import Evaluation
from ..core.engine import evaluate as evaluate_graph
from ..core.errors import UsageError
from ..core.graph import Graph
from ..tasks.files import expand, read_text
from ..tasks.point import Point
from ..tasks.program import change, reopen, start, take_step

if TYPE_CHECKING:
    from rich.console import RenderableType

    from ..tasks import descend as descending

Names = str | Iterable[str] | None  # "a,b" as on the command line, or ["a", "b"]


class _Shown:
    """Shows itself as the command line does: plain text for a REPL's repr, HTML for
    Jupyter, and a Rich renderable (`rich.print(x)`, Rich's notebook rendering)."""

    __slots__ = ()

    def view(self, full: bool = False) -> RenderableType:
        raise NotImplementedError

    def __rich__(self) -> RenderableType:
        return self.view()

    def __repr__(self) -> str:
        from ..output.terminal import views  # Rich, only when something is shown

        return views.text(self.view())

    def _repr_html_(self) -> str:
        from ..output.terminal import views

        return views.html(self.view())


class Node(NamedTuple):
    """A computed node of an evaluated program, as the eval tables show it."""

    name: str  # as written, or t1, t2, ... for an unnamed part (`g = x*y + z`: t1 = x * y)
    op: str  # the op-table key: "mul", "add", "tanh", ...
    args: tuple[str, ...]  # its operands' names
    expr: str  # what it computes: "x * y"
    value: float | np.ndarray
    local: tuple[float | np.ndarray | None, ...] | None  # ∂node/∂operand (elementwise ops;
    # None for a constant operand; None for all where only the product is known, as in @)
    grad: float | np.ndarray | None  # ∂output/∂node; None for a node made of constants alone


@dataclass(frozen=True, repr=False, eq=False)
class Result(_Shown):
    """A program evaluated at a point: its value, its gradients, every node; after a
    step, where it came from; after a descent, how the run went.

    repr() and Jupyter show the tables of `backprop eval`, of `backprop step` for a
    step's result, and of `backprop descend` for a descent's."""

    evaluation: Evaluation
    point: Point
    previous: Result | None = None  # a step's starting point
    change: float | None = None  # how far the step moved the output (summed, for arrays)
    lr: float | None = None  # the step's learning rate
    ascend: bool = False  # the step climbed the gradient instead of descending it
    run: descending.Run | None = None  # a descent: its trace, why it stopped
    settings: descending.Settings | None = None  # a descent's settings
    start: Point | None = None  # a descent's starting point

    @property
    def program(self) -> str:
        """The program text."""
        return self.point.program

    @property
    def output(self) -> str:
        """The name of the node whose gradient is taken."""
        return self.evaluation.output.name

    @property
    def value(self) -> float | np.ndarray:
        """The output's value."""
        return _plain(self.evaluation.value)

    @property
    def inputs(self) -> dict[str, float | np.ndarray]:
        """The value of every input, in the order the program first uses them."""
        return {k: _plain(v) for k, v in self.evaluation.inputs().items()}

    @property
    def gradients(self) -> dict[str, float | np.ndarray]:
        """∂output/∂input for every input (0 where the output does not depend on it)."""
        return {k: _plain(v) for k, v in self.evaluation.gradients().items()}

    @property
    def params(self) -> list[str]:
        """The inputs a step moves."""
        return list(self.point.params)

    @property
    def nodes(self) -> list[Node]:
        """Every computed node, in the order of the forward pass (inputs are in .inputs)."""
        ev = self.evaluation
        nodes = ev.graph.nodes
        out = []
        for i, node in enumerate(nodes):
            if node.computed:
                local = None if ev.local[i] is None else tuple(
                    None if v is None else _plain(v) for v in ev.local[i])
                out.append(Node(node.name, node.op, tuple(nodes[j].name for j in node.args),
                                node.text, _plain(ev.values[i]), local,
                                None if ev.grad(i) is None else _plain(ev.grad(i))))
        return out

    @property
    def history(self) -> list[dict]:
        """A descent's run step by step, from step 0 (the start): each entry's "step",
        "value", "lr" and "change", and under "watched" the watched nodes' values by
        name (a node may be called "step": it never replaces a key). Thinned to an even spread,
        with the best step, for runs longer than the trace keeps; [] for no descent."""
        if self.run is None or self.settings is None:
            return []
        from ..tasks.descend import history  # with the descent, not at every start

        return history(self.run, self.settings)

    def view(self, full: bool = False) -> RenderableType:
        """The tables the command line shows for this result (a Rich renderable);
        `full` shows every row and element, as --full does."""
        from ..output.terminal import views  # Rich, only when a result is shown

        return views.result(self, full)


Program = str | os.PathLike[str] | Result | Point  # text, a file, a point to go on from


def evaluate(program: Program, values: Mapping[str, object] | None = None, /, *,
             output: str | None = None, params: Names = None, freeze: Names = None,
             seed: int | None = None, base: str | os.PathLike[str] | None = None,
             **inputs: object) -> Result:
    """Evaluate a program: the forward pass, the local gradients, the backward pass.

    `program` is its text, a path to a file (a pathlib.Path), or a result to evaluate
    again with new values; `values` (a dict) and keywords give the inputs. `output`
    chooses the node whose gradient is taken; `params` (only these) and `freeze` (all
    but these) what a step moves; `seed` the random starts of uniform(...) and
    randn(...); `base` the folder that load(...) reads data files from (a file's own
    folder for a path, else the current one)."""
    graph, point = _open(program, _values(values, inputs), output, params, freeze, seed,
                         base)
    return Result(evaluate_graph(graph, point.inputs), point)


def step(program: Program, values: Mapping[str, object] | None = None, /, *,
         lr: float = 0.1, ascend: bool = False, output: str | None = None,
         params: Names = None, freeze: Names = None, seed: int | None = None,
         base: str | os.PathLike[str] | None = None, **inputs: object) -> Result:
    """One gradient-descent step: every param moves by −lr·∂output/∂param (+ with
    `ascend`). From a result, or from a program and values as for evaluate(). The new
    result's `.previous` is the point it came from, `.change` how far the output moved."""
    lr = _positive(lr, "lr")
    graph, point = _open(program, _values(values, inputs), output, params, freeze, seed,
                         base)
    before, after, moved = take_step(graph, point, -lr if ascend else lr)
    return Result(after, moved, previous=Result(before, point), change=change(before, after),
                  lr=lr, ascend=bool(ascend))


def descend(program: Program, values: Mapping[str, object] | None = None, /, *,
            lr: float = 0.1, steps: int = 1000, optimizer: str = "sgd",
            schedule: str = "constant", tol: float = 0.0, ascend: bool = False,
            watch: Names = None, every: int = 1, output: str | None = None,
            params: Names = None, freeze: Names = None, seed: int | None = None,
            base: str | os.PathLike[str] | None = None,
            on_step: Callable[[int, float], None] | None = None,
            **inputs: object) -> Result:
    """Gradient descent to an optimum: up to `steps` steps of `optimizer` ("sgd",
    "momentum", "adam"), stopping early when the value changes by less than `tol`.
    Returns the final result, with `.history` (the value at each step from 0) and
    `.run` (`.stopped`: "steps", "converged" or "diverged", and `.reason`). A run that
    diverges ends at the best point it saw; it does not raise. `watch` names nodes to
    record besides the output, `every` records every k-th step in the history,
    `on_step(k, value)` is called as the run goes."""
    from ..core.compiled import compile_graph  # with a descent only, not at every start
    from ..tasks import descend as descending

    settings = settings_of(lr, steps, optimizer, schedule, tol, ascend)
    every = _whole(every, "every", least=1)
    graph, point = _open(program, _values(values, inputs), output, params, freeze, seed,
                         base)
    nodes = [_node(graph, n, "watch") for n in _names(watch, "watch") or []] \
        if watch is not None else descending.default_watch(graph)
    compiled = compile_graph(graph, point.inputs, nodes)
    run = descending.run(compiled, point.inputs, point.params, settings, on_step, every)
    final = Point(point.program, point.output, run.inputs, point.params, point.base)
    return Result(evaluate_graph(graph, final.inputs), final, run=run, settings=settings,
                  start=point)


def settings_of(lr: float, steps: int, optimizer: str, schedule: str, tol: float,
                ascend: bool) -> descending.Settings:
    """A descent's settings, each checked (the CLI's options and the API's arguments)."""
    from ..tasks import descend as descending

    if optimizer not in descending.OPTIMIZERS:
        raise UsageError(f"--optimizer {optimizer}: choose {', '.join(descending.OPTIMIZERS)}")
    if schedule not in descending.SCHEDULES:
        raise UsageError(f"--schedule {schedule}: choose {', '.join(descending.SCHEDULES)}")
    steps = _whole(steps, "steps", least=0, most=descending.MAX_STEPS,
                   why="the most one descent runs; a longer run is several, each going on "
                       "from where the last stopped")
    if tol:
        tol = _positive(tol, "tol")
    return descending.Settings(lr=_positive(lr, "lr"), steps=steps, optimizer=optimizer,
                               schedule=schedule, tol=tol, ascend=bool(ascend))


# ---------------------------------------------------------------------------

def _open(program: Program, values: Mapping[str, object], output: str | None,
          params: Names, freeze: Names, seed: int | None,
          base: str | os.PathLike[str] | None) -> tuple[Graph, Point]:
    """The graph and the point of what the caller gave: a result or a point to go on
    from (with any values, output or params given replacing theirs), a file, a text."""
    params, freeze = _names(params, "params"), _names(freeze, "freeze")
    if isinstance(program, Result):
        if not (values or output or params or freeze):  # the same point: no need to parse
            return program.evaluation.graph, program.point
        program = program.point
    if isinstance(program, Point):
        return reopen(program, params, freeze, values, output)
    if isinstance(program, os.PathLike):
        path = expand(os.fspath(program))
        text = read_text(path, "the program file ", error=UsageError)
        if base is None:
            base = path.resolve().parent
        program = text
    if not isinstance(program, str):
        raise UsageError(f"a program is its text, a path (pathlib.Path) to its file, or a "
                         f"result to go on from; not {type(program).__name__}")
    if seed is not None:
        seed = _whole(seed, "seed", least=0)
    return start(program, values, base=None if base is None else Path(base), output=output,
                 params=params, freeze=freeze, seed=seed)


def _values(values: Mapping[str, object] | None, keywords: Mapping[str, object]) -> dict:
    """The inputs given as a dict and as keywords, arrays copied: a caller's array
    changed afterwards changes no result."""
    if values is None:
        values = {}
    elif not isinstance(values, Mapping):
        raise UsageError(f"the values are a dict of names to values, not "
                         f"{type(values).__name__}",
                         hint="give the options as keywords: bp.step(r, lr=0.1)")
    twice = sorted(set(values) & set(keywords))
    if twice:
        raise UsageError(f"{', '.join(map(str, twice))}: given both in the dict and as a "
                         "keyword")
    out = {}
    for name, v in {**values, **keywords}.items():
        if not isinstance(name, str):
            raise UsageError(f"an input is named by text, not {name!r}")
        out[name] = v.copy() if isinstance(v, np.ndarray) else v
    return out


def _names(names: Names, what: str) -> list[str] | None:
    """Names as a list: "a,b" (as on the command line) or any iterable of names."""
    if names is None:
        return None
    if isinstance(names, str):
        return [n.strip() for n in names.split(",") if n.strip()]
    names = list(names)
    if not all(isinstance(n, str) for n in names):
        raise UsageError(f"--{what} takes names, not {names!r}")
    return names


_Task = TypeVar("_Task")


def _as(cls: type[_Task], task: Any) -> _Task:
    """A task's result as the API's class of it, which shows itself."""
    return cls(**{f.name: getattr(task, f.name) for f in dataclasses.fields(task)
                  if f.init})


def _node(graph: Graph, name: str, flag: str) -> int:
    index = graph.find(name)
    if index is None:
        raise UsageError(f"--{flag} {name}: the program has no {name!r}",
                         hint="names: " + ", ".join(sorted(graph.names)))
    return index


def _whole(value: int, what: str, least: int, most: int | None = None,
           why: str | None = None) -> int:
    """A whole number (an int or a numpy integer, not a bool) at least `least` (and at
    most `most`: `why` says why, as a hint)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise UsageError(f"--{what} takes a whole number, not {_short(value)}")
    if value < least:
        raise UsageError(f"--{what} must be {least} or more, not {_short(value)}")
    if most is not None and value > most:
        raise UsageError(f"--{what} must be at most {most:,}, not {_short(value)}", hint=why)
    return int(value)


def _short(value: object) -> str:
    """A value for a message; a whole number of hundreds of digits by its size (Python
    will not even write one of more than 4300 digits)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) \
            and abs(int(value)) >= 10**15:
        return f"about {'-' if value < 0 else ''}10^{round(math.log10(abs(int(value))))}"
    return repr(value)


def _positive(value: float, what: str) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"--{what} takes a number, not {value!r}") from None
    if not value > 0 or not np.isfinite(value):
        raise UsageError(f"--{what} must be a positive number, not {value}")
    return value


def _plain(v) -> float | np.ndarray:
    """A value for the caller: a Python float for a number, a numpy array (a copy, so
    that changing it changes no result) for an array."""
    return float(v) if np.ndim(v) == 0 else np.array(v, dtype=float)
