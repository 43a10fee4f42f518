"""Exam sheets: N variants of a made-up problem, or one sheet of a program, each with
its questions and, for the key, its right answers and the chain rule written out (the
derivation `explain` makes). The sheets' text is output/exam.py's and output/examtex.py's;
writing them to files (and pdflatex) is the command line's."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..core.errors import UsageError, param
from ..core.limits import MAX_VARIANTS
from ..tasks import exam as exams
from ..tasks import explain as explaining
from ..tasks import problems
from ..tasks.exam import Variant, key_path
from . import checks
from .quizzing import _make
from .results import Renderable, Shown
from .source import merged

if TYPE_CHECKING:
    from .source import Program

__all__ = ["Exam", "exam", "key_path"]


@dataclass(frozen=True, repr=False, eq=False)
class Exam(Shown, exams.Exam):
    """The sheets of an exam (`.variants`, each with `.number`, `.quiz` and
    `.explanation`), shown as `quiz --key` shows them: every variant's answers."""

    def view(self, full: bool = False) -> Renderable:
        from ..terminal import views

        return views.exam_key_view(self, full)


@checks.keywords
def exam(program: Program | None = None, values: Mapping[str, object] | None = None, /, *,
         variants: int = 1, random: bool = False, level: int | None = None,
         seed: int | None = None, ask: str | None = None, lr: float | None = None,
         tol: float | None = None, output: str | None = None, params: checks.Names = None,
         freeze: checks.Names = None, base: str | os.PathLike[str] | None = None,
         **inputs: object) -> Exam:
    """The sheets of an exam: with `random`, `variants` (1 to MAX_VARIANTS) different
    made-up problems of `level`, variant k drawn from a seed derived from `seed` and k
    (a drawn `seed` when None, kept in the result: the same seed makes the same
    sheets); else one sheet of `program` at its values (a program's values are the
    teacher's to choose, so it has no variants). `ask`, `lr`, `tol`, `output`,
    `params`, `freeze` as for sheet(). A bad argument raises BackpropError."""
    count = checks.whole(variants, "variants", least=1, most=MAX_VARIANTS,
                         why="the cap of one exam: split a larger class into exams with "
                             "seeds of their own")
    random = checks.flag(random, "random")
    settings: dict[str, Any] = dict(ask=ask, lr=lr, tol=tol, output=output, params=params,
                                    freeze=freeze, base=base)
    if not random:
        if count > 1:
            raise UsageError(f"{param('variants')} {count} makes variants of a made-up "
                             f"problem: add {param('random')}",
                             hint="a program's values are yours to choose: write a sheet "
                                  "per set of values")
        made = _make(program, merged(values, inputs), random=False, level=level,
                     seed=seed, **settings)
        return Exam((_variant(1, made),), None, None)
    if program is not None:
        raise UsageError(f"{param('random')} makes up a problem: give it, or PROGRAM, "
                         "not both")
    level = problems.LEVEL if level is None else checks.whole(level, "level")
    seed = problems.new_seed() if seed is None else checks.seed(seed)
    sheets = []
    for problem in exams.variants(level, seed, count):
        made = _make(None, merged(values, inputs), random=True, level=level,
                     seed=problem.seed, **settings)
        sheets.append(_variant(problem.variant or 1, replace(made, problem=problem)))
    return Exam(tuple(sheets), level, seed)


def _variant(number: int, made) -> Variant:
    return Variant(number, made, explaining.explain(made.evaluation))
