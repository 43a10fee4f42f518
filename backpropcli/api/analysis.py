"""Checking and explaining a result: back-propagation beside central differences, and
the chain rule written out path by path. Loaded with the first call of check() or
explain() (the package's __getattr__), not at every start of the command line."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from ..tasks import check as checking
from ..tasks import explain as explaining
from .results import (
    Program,
    Renderable,
    _as,
    _open,
    _positive,
    _Shown,
    _values,
    _whole,
    evaluate,
)

if TYPE_CHECKING:
    import os


class Check(_Shown, checking.Check):
    """A gradient check (tasks/check.py): `.passed`, `.rows` (each element's
    back-propagated and numeric derivative, their relative error, its verdict),
    `.failures`; shown as the table of `backprop check`."""

    __slots__ = ()

    def view(self, full: bool = False) -> Renderable:
        from ..terminal import views

        return views.check_report(self, full)


class Explanation(_Shown, explaining.Explanation):
    """The chain rule written out (tasks/explain.py): `.derivations`, one per input,
    each with its paths (`.paths[k].factors`, the local gradients ∂top/∂bottom along
    it, and their `.product`) and `.gradient`; shown as `backprop explain` does."""

    __slots__ = ()

    def view(self, full: bool = False) -> Renderable:
        from ..terminal import views

        return views.explanation(self, full)



def check(program: Program, values: Mapping[str, object] | None = None, /, *,
          eps: float = checking.EPS, tol: float = checking.TOL, output: str | None = None,
          seed: int | None = None, base: str | os.PathLike[str] | None = None,
          progress: Callable[[int, int], None] | None = None,
          **inputs: object) -> Check:
    """Back-propagation beside central differences for every element of every input:
    `.passed`, `.rows` (each element's two derivatives and their relative error). A
    failed check is a result (`.passed` is False), not an error."""
    eps, tol = _positive(eps, "eps"), _positive(tol, "tol")
    graph, point = _open(program, _values(values, inputs), output, None, None, seed, base)
    return _as(Check, checking.gradient_check(graph, point.inputs, eps, tol,
                                              progress=progress))


def explain(program: Program, values: Mapping[str, object] | None = None, /, *,
            paths: int = explaining.PATHS, full: bool = False, output: str | None = None,
            seed: int | None = None, base: str | os.PathLike[str] | None = None,
            **inputs: object) -> Explanation:
    """The chain rule for every input, path by path: per input the number of paths, the
    first `paths` of them with their factors, and the gradient (the sum over all).
    `full` keeps every factor of a long path (else its first and last few)."""
    paths = _whole(paths, "paths", least=0)
    result = evaluate(program, _values(values, inputs), output=output, seed=seed, base=base)
    return _as(Explanation, explaining.explain(
        result.evaluation, paths, factors=None if full else explaining.FACTORS,
        budget=explaining.FULL_BUDGET if full else explaining.BUDGET))


