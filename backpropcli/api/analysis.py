"""Checking and explaining a result: back-propagation beside central differences, and
the chain rule written out path by path. Loaded with the first call of check() or
explain() (the package's __getattr__), not at every start of the command line."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..core.errors import CheckFailed
from ..tasks import check as checking
from ..tasks import explain as explaining
from . import checks
from .evaluating import evaluate
from .results import Renderable, Result, Shown, shown_as
from .source import merged

if TYPE_CHECKING:
    from .source import Program


@dataclass(frozen=True, repr=False, eq=False)
class Check(Shown, checking.Check):
    """A gradient check (tasks/check.py): `.passed`, `.rows` (each element's
    back-propagated and numeric derivative, their relative error, its verdict),
    `.failures`; `.result`, the evaluation checked; shown as the table of `backprop
    check`."""

    result: Result | None = None

    def failure(self) -> CheckFailed | None:
        """A failed check as the error (exit code 1) the command line ends with."""
        return checking.failure(self)

    def view(self, full: bool = False) -> Renderable:
        from ..terminal import views

        return views.check_report(self, full)


@dataclass(frozen=True, repr=False, eq=False)
class Explanation(Shown, explaining.Explanation):
    """The chain rule written out (tasks/explain.py): `.derivations`, one per input,
    each with its paths (`.paths[k].factors`, the local gradients ∂top/∂bottom along
    it, and their `.product`) and `.gradient`; `.result`, the evaluation explained;
    shown as `backprop explain` does."""

    result: Result | None = None

    def view(self, full: bool = False) -> Renderable:
        from ..terminal import views

        return views.explanation(self, full)


@checks.keywords
def check(program: Program, values: Mapping[str, object] | None = None, /, *,
          eps: float = checking.EPS, tol: float = checking.TOL, output: str | None = None,
          seed: int | None = None, base: str | os.PathLike[str] | None = None,
          progress: Callable[[int, int], None] | None = None,
          **inputs: object) -> Check:
    """Back-propagation beside central differences for every element of every input:
    `.passed`, `.rows` (each element's two derivatives and their relative error). The
    difference quotient is (f(x + h) − f(x − h)) / 2h with h = eps·max(1, |x|), `eps` a
    positive number (default 1e-6); an element fails when the relative error is above
    `tol` (default 1e-5). A failed check is a result (`.passed` is False), not an
    error. `progress(done, total)` is told as the elements are done. The program and
    the rest as for evaluate(); a bad argument raises BackpropError."""
    eps, tol = checks.positive(eps, "eps"), checks.positive(tol, "tol")
    result = evaluate(program, merged(values, inputs), output=output, seed=seed, base=base)
    graph, point = result.evaluation.graph, result.point
    done = checking.gradient_check(graph, point.inputs, eps, tol, progress=progress)
    return replace(shown_as(Check, done), result=result)


@checks.keywords
def explain(program: Program, values: Mapping[str, object] | None = None, /, *,
            paths: int = explaining.PATHS, full: bool = False, output: str | None = None,
            seed: int | None = None, base: str | os.PathLike[str] | None = None,
            symbolic: bool = False, **inputs: object) -> Explanation:
    """The chain rule for every input, path by path: per input the number of paths, the
    first `paths` of them (a whole number from 0, default 16) with their factors, and
    the gradient (the sum over all). `full` keeps every factor of a long path (else its
    first and last few) and walks further. `symbolic` adds each gradient as a formula
    (`.symbolic`, tasks/symbolic.py; it needs SymPy) and the sizes of expression swell;
    the views then show the formulas instead of the paths. The program and the rest as
    for evaluate(); a bad argument raises BackpropError, a program too large for
    formulas a LimitError."""
    paths = checks.whole(paths, "paths", least=0)
    full = checks.flag(full, "full")
    symbolic = checks.flag(symbolic, "symbolic")
    result = evaluate(program, merged(values, inputs), output=output, seed=seed, base=base)
    done = explaining.explain(
        result.evaluation, paths, factors=None if full else explaining.FACTORS,
        budget=explaining.FULL_BUDGET if full else explaining.BUDGET)
    if symbolic:
        from ..tasks.symbolic import formulas  # SymPy with this option only

        done = replace(done, symbolic=formulas(result.evaluation))
    return replace(shown_as(Explanation, done), result=result)
