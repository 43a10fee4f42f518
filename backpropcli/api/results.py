"""The API's results, value objects that compute nothing and print nothing: a Result
(evaluate, step, descend) with its ComputedNodes, and the base that lets every result
show the tables of the command line (see the package's docstring)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import numpy as np

from ..core.engine import Evaluation
from ..core.errors import MathError
from ..tasks.point import Point

if TYPE_CHECKING:
    from ..tasks import descend as descending
    from ..tasks.newton import Newton

# What a view is: a Rich renderable (rich.console.RenderableType: a ConsoleRenderable,
# a RichCast or a str), named here without importing Rich, which only the views import.
Renderable = Any


class Shown:
    """Shows itself as the command line does: plain text for a REPL's repr, HTML for
    Jupyter, and a Rich renderable (`rich.print(x)`, Rich's notebook rendering)."""

    __slots__ = ()

    def view(self, full: bool = False) -> Renderable:
        raise NotImplementedError

    def __rich__(self) -> Renderable:
        return self.view()

    def __repr__(self) -> str:
        from ..terminal import views  # Rich, only when something is shown

        return views.text(self.view())

    def _repr_html_(self) -> str:
        from ..terminal import views

        return views.html(self.view())


class ComputedNode(NamedTuple):
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
class Result(Shown):
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
    newton: Newton | None = None  # a Newton step: the Hessian, its eigenvalues, the gradient step

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
        return plain(self.evaluation.value)

    @property
    def inputs(self) -> dict[str, float | np.ndarray]:
        """The value of every input, in the order the program first uses them."""
        return {k: plain(v) for k, v in self.evaluation.inputs().items()}

    @property
    def gradients(self) -> dict[str, float | np.ndarray]:
        """∂output/∂input for every input (0 where the output does not depend on it)."""
        return {k: plain(v) for k, v in self.evaluation.gradients().items()}

    @property
    def params(self) -> list[str]:
        """The inputs a step moves."""
        return list(self.point.params)

    @property
    def nodes(self) -> list[ComputedNode]:
        """Every computed node, in the order of the forward pass (inputs are in .inputs)."""
        ev = self.evaluation
        nodes = ev.graph.nodes
        out = []
        for i, node in enumerate(nodes):
            if node.computed:
                local = None if ev.local[i] is None else tuple(
                    None if v is None else plain(v) for v in ev.local[i])
                out.append(ComputedNode(node.name, node.op,
                                        tuple(nodes[j].name for j in node.args),
                                        node.text, plain(ev.values[i]), local,
                                        None if ev.grad(i) is None else plain(ev.grad(i))))
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

    def failure(self, data: dict | None = None) -> MathError | None:
        """A descent that diverged or ran away, as the error (exit code 1) that the
        command line ends with; `data` goes into its JSON error document. None for
        every other result."""
        if self.run is None or self.settings is None:
            return None
        from ..tasks.descend import failure

        return failure(self.run, self.settings, data=data)

    def view(self, full: bool = False) -> Renderable:
        """The tables the command line shows for this result (a Rich renderable);
        `full` shows every row and element, as --full does."""
        from ..terminal import views  # Rich, only when a result is shown

        return views.result(self, full)


_Task = TypeVar("_Task")


def shown_as(cls: type[_Task], task: Any) -> _Task:
    """A task's result as the API's class of it, which shows itself."""
    return cls(**{f.name: getattr(task, f.name) for f in dataclasses.fields(task)
                  if f.init})


def plain(v) -> float | np.ndarray:
    """A value for the caller: a Python float for a number, a numpy array (a copy, so
    that changing it changes no result) for an array."""
    return float(v) if np.ndim(v) == 0 else np.array(v, dtype=float)
