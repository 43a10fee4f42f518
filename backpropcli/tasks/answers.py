"""A student's answers: reading them, and telling right from wrong.

An answer is a number or simple arithmetic (`-4`, `1*3`, `0.5`, `-2/3`, `pi/4`), or an
array literal (`[1, 2]`, `[[1, 0], [0, 1]]`) for an array. It is read as a value on the
command line is (constant.py): by the program's own parser, as a program of one
expression with no inputs, evaluated by the engine, never by Python's eval (and `x`,
`load(...)`, `randn(2)` are not numbers). In a sheet of answers (JSON) an answer
may also be a JSON number or a list of numbers; null is no answer.

An answer is right when every element is within the tolerance of the right one:
|answer − right| ≤ tol·max(1, |right|), relative above 1 and absolute below it, since
students round (0.7311 for σ(1)). Its shape must be the right one's, except that one
number stands for an array all of whose elements are that number (the local gradient
of an add gate is 1 everywhere, whatever its operands' shape).
"""

from __future__ import annotations

import numpy as np

from ..core.errors import BackpropError, ValueProblem
from .constant import NotConstant, constant
from .values import as_array

LONGEST = 100_000  # characters of an answer (an array pasted whole fits; a book does not)


class NotANumber(ValueProblem):
    """An answer that is not a number, arithmetic or an array: asked again, not graded."""


def read_answer(text: str):
    """The value of an answer typed as text: a float64, or an array of them."""
    text = text.strip()
    if not text:
        raise NotANumber("no answer: write a number, as in -4, 1*3, 0.5 or -2/3")
    if len(text) > LONGEST:
        raise NotANumber(f"an answer of more than {LONGEST} characters is no answer")
    try:
        return constant(text)
    except NotConstant as e:
        if e.reason == "names":
            raise NotANumber(f"{text!r} is not a number: an answer uses no names but pi "
                             "and e, only numbers and arithmetic") from None
        if e.reason == "nonfinite":  # 1/0, log(-1)
            raise NotANumber(f"{text!r} is not a finite number") from None
        raise NotANumber(f"{text!r} is not a number: write -4, 1*3, 0.5 or -2/3") from None


def from_json(qid: str, value, origin: str = "the answers"):
    """An answer as a sheet of answers holds it: a number, a list, arithmetic as text;
    None (null) for no answer. A value of another kind is a NotANumber naming `qid`."""
    if value is None:
        return None
    if isinstance(value, bool):  # JSON true/false: not numbers, though Python says so
        raise NotANumber(f"the answer to {qid} in {origin} is {str(value).lower()}, "
                         "not a number")
    if isinstance(value, str):
        try:
            return read_answer(value)
        except NotANumber as e:
            raise NotANumber(f"the answer to {qid} in {origin}: {e.message}") from None
    if isinstance(value, (int, float, list)):
        try:
            got = as_array(qid, value, f" (the answer to {qid} in {origin})")
        except BackpropError as e:
            raise NotANumber(e.message) from None
        if not np.isfinite(got).all():
            raise NotANumber(f"the answer to {qid} in {origin} is not a finite number")
        return got
    raise NotANumber(f"the answer to {qid} in {origin} is a {type(value).__name__}, "
                     "not a number")


def fits(answer, right) -> bool:
    """The answer has the right shape (or is one number, for every element)."""
    return np.ndim(answer) == 0 or np.shape(answer) == np.shape(right)


def agrees(answer, right, tol: float) -> bool:
    """Right within the tolerance, element by element: |a − b| ≤ tol·max(1, |b|)."""
    if answer is None or not fits(answer, right):
        return False
    a = np.asarray(answer, dtype=float)
    b = np.asarray(right, dtype=float)
    with np.errstate(all="ignore"):
        return bool(np.all(np.abs(a - b) <= tol * np.maximum(1.0, np.abs(b))))


def wrong_elements(answer, right, tol: float) -> list[tuple[int, ...]]:
    """Where an array answer of the right shape is off (its indices), for the message."""
    if answer is None or np.ndim(right) == 0 or not fits(answer, right):
        return []
    a = np.broadcast_to(np.asarray(answer, dtype=float), np.shape(right))
    b = np.asarray(right, dtype=float)
    with np.errstate(all="ignore"):
        bad = ~(np.abs(a - b) <= tol * np.maximum(1.0, np.abs(b)))
    return [tuple(int(i) for i in ix) for ix in np.argwhere(bad)]
