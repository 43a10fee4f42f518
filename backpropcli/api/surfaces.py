"""Where a descent goes: several descents compared from one start (`descents`), the loss
surface of a program with two number params with their paths on it (`surface`), and the
decision boundary of a classifier of two features (`boundary`). The pictures of them are
the output layer's (output/surface.py); the arithmetic is the tasks' (tasks/surface.py,
tasks/boundary.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ..core.errors import UsageError, give, param
from ..core.optim import OPTIMIZERS
from ..core.plural import counted
from . import checks
from .evaluating import descend
from .results import Result
from .source import merged

if TYPE_CHECKING:
    from ..tasks.boundary import Boundary
    from ..tasks.surface import Surface
    from .source import Program


@checks.keywords
def descents(program: Program, values: Mapping[str, object] | None = None, /, *,
             optimizers: checks.Names = ("sgd", "momentum", "adam"),
             **settings: object) -> list[Result]:
    """One descent per optimizer in `optimizers` (a list or "sgd,momentum,adam"), each
    from the same start with the same settings (descend()'s keywords, and the inputs),
    each keeping its path (descend's `path`). Returns their results in that order.
    An unknown optimizer or one named twice raises UsageError."""
    names = checks.names(optimizers, "compare") or []
    chosen = [checks.choice(n, "compare", OPTIMIZERS) for n in names]
    if not chosen:
        raise UsageError(f"{param('compare')} names optimizers to compare: "
                         f"{', '.join(OPTIMIZERS)}")
    twice = sorted({n for n in chosen if chosen.count(n) > 1})
    if twice:
        raise UsageError(f"{param('compare')} names {', '.join(twice)} twice")
    settings.pop("optimizer", None)  # each run has its own
    settings["path"] = True
    given = merged(values, {})
    return [descend(program, given, optimizer=name, **settings)  # type: ignore[arg-type]
            for name in chosen]


def surface_params(result: Result) -> tuple[str, str]:
    """The two number params of a descent's program whose loss surface can be drawn; a
    UsageError that names the params it has and says what to pass, for any other."""
    from ..tasks.surface import scalar_params

    params = result.params
    inputs = result.evaluation.inputs()
    numbers = scalar_params(params, inputs)
    if len(params) == 2 and len(numbers) == 2:
        return numbers[0], numbers[1]
    said = ", ".join(p if p in numbers else f"{p} (an array)" for p in params)
    what = f"{result.output} has {counted(len(params), 'param')}: {said}" if params else \
        f"{result.output} has no params"
    if len(numbers) >= 2:
        hint = f"choose two with {give('params', ','.join(numbers[:2]))}; the others " \
               "keep their values"
    else:
        hint = f"a surface is drawn over two inputs that are numbers ({give('params', 'x,y')}); " \
               f"{result.output} has {counted(len(numbers), 'number param')}"
    raise UsageError(f"a loss surface needs exactly two params that are numbers; {what}",
                     hint=hint)


def surface(results: Result | Sequence[Result], size: int | None = None) -> Surface:
    """The loss surface of a descent's program with two number params: the output's value
    on a `size` × `size` grid (default 60) around the paths of `results` (descents kept
    with `path=True`; each labelled by its optimizer), the other inputs at the first
    result's start. A UsageError says which params the program has, for any other."""
    from ..tasks import surface as surfaces

    runs = [results] if isinstance(results, Result) else list(results)
    if not runs:
        raise UsageError("surface() draws one descent or more")
    first = runs[0]
    names = surface_params(first)
    size = checks.whole(surfaces.GRID if size is None else size, "size", least=2, most=400)
    paths = []
    for r in runs:
        if r.run is None or r.settings is None or r.run.path is None \
                or r.run.path.names != names:
            raise UsageError("surface() draws descents run with path=True over the same params")
        paths.append(surfaces.path_of(r.run, r.settings.optimizer))
    start = first.start.inputs if first.start is not None else first.evaluation.inputs()
    return surfaces.surface(first.evaluation.graph, start, names, paths, size)


def boundary(result: Result, predict: str | None = None) -> Boundary | None:
    """The decision boundary of a classifier of two features (tasks/boundary.py says how
    one is recognised): its prediction over a grid of the features, at the result's
    params; None for a program that is not one. `predict` names the prediction node."""
    from ..tasks import boundary as boundaries

    ev = result.evaluation
    found = boundaries.find(ev.graph, ev.values, predict)
    if found is None:
        return None
    return boundaries.boundary(ev.graph, ev.values, ev.inputs(), found)
