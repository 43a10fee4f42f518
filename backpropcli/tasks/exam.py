"""Exam sheets (`backprop quiz --random --variants N`): N variants of a made-up problem,
one per student, each made again from the exam's seed and its number alone.

Variant k's problem is the made-up problem of its own seed, derived from the exam's
seed and k by a hash (SHA-256: the same on every machine and Python, unlike hash()),
and kept below problems.SEEDS so that `backprop quiz --random --level L --seed S` makes
that one sheet again. A variant that would repeat an earlier one (the same program at
the same values) is drawn again with the next attempt's seed, so the N variants
differ; a level with fewer different problems than asked for is refused, naming how
many it made. Everything here is data; the sheets' words are in output/exam.py.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import PurePath

from ..core.errors import UsageError, param
from ..core.limits import MAX_VARIANTS
from .derivation import Explanation
from .problems import SEEDS, make_problem
from .quiz import Problem, Quiz

ATTEMPTS = 64  # draws for a variant that differs from the ones before, before giving up


@dataclass(frozen=True)
class Variant:
    """One sheet of an exam: its number, its quiz (questions and right answers) and
    the chain rule written out for its key (`explain`'s derivation)."""

    number: int
    quiz: Quiz
    explanation: Explanation


@dataclass(frozen=True)
class Exam:
    """The sheets of an exam, in order; `level` and `seed` make them again (None for
    one sheet of a given program)."""

    variants: tuple[Variant, ...]
    level: int | None
    seed: int | None

    @property
    def random(self) -> bool:
        return self.level is not None

    def command(self) -> str | None:
        """The command that makes the same sheets again."""
        if self.level is None:
            return None
        return (f"backprop quiz --random --level {self.level} --variants "
                f"{len(self.variants)} --seed {self.seed}")


def variant_seed(seed: int, variant: int, attempt: int = 0) -> int:
    """The seed of variant `variant` (from 1) of the exam of `seed`, at an attempt."""
    digest = hashlib.sha256(f"backprop exam {seed} {variant} {attempt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % SEEDS


def check_count(count: object, what: str = "variants") -> int:
    """--variants N: a whole number from 1 to MAX_VARIANTS."""
    if isinstance(count, bool) or not isinstance(count, int):
        raise UsageError(f"{param(what)} must be a whole number, not {count!r}")
    if not 1 <= count <= MAX_VARIANTS:
        raise UsageError(f"{param(what)} {count}: from 1 to {MAX_VARIANTS} variants "
                         f"(the cap: a sheet and a key page each)",
                         hint=f"split a larger class into exams of at most {MAX_VARIANTS}, "
                              "each with its own --seed")
    return count


def variants(level: int, seed: int, count: int) -> tuple[Problem, ...]:
    """Variants 1 to `count` of the exam of this level and seed: different problems."""
    count = check_count(count)
    made: list[Problem] = []
    seen: set[str] = set()
    for k in range(1, count + 1):
        for attempt in range(ATTEMPTS):
            problem = make_problem(level, variant_seed(seed, k, attempt))
            said = _said(problem)
            if said not in seen:
                seen.add(said)
                made.append(replace(problem, variant=k))
                break
        else:
            raise UsageError(f"{param('level')} {level} made only {len(made)} different "
                             f"problems for this exam, not {count}",
                             hint=f"{param('variants')} {len(made)} at most, or a level "
                                  "with more problems (3 or 5)")
    return tuple(made)


def variant(level: int, seed: int, number: int) -> Problem:
    """Variant `number` of the exam of this level and seed, as variants() makes it."""
    return variants(level, seed, number)[-1]


def _said(problem: Problem) -> str:
    return problem.program + json.dumps(problem.values, sort_keys=True)


def key_path(path: str) -> str:
    """Where the key of the sheets at `path` goes: -key before the suffix (exam.tex:
    exam-key.tex; exam: exam-key)."""
    pure = PurePath(path)
    if not pure.suffix or (pure.name.startswith(".") and pure.suffix == pure.name):
        return path + "-key"
    return path[: len(path) - len(pure.suffix)] + "-key" + pure.suffix
