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

Answers piped to the quiz are read a line at a time (AnswerLines): memory holds one
line, never the stream (read whole and split, 100 MB of short answers took 2.5 GB),
and the bytes read are counted against the limit every input has (BACKPROP_MAX_BYTES).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ..core.errors import BackpropError, LimitError, UsageError, ValueProblem
from ..core.limits import BYTES_ENV, max_bytes, size_text
from .constant import NotConstant, constant
from .values import as_array

LONGEST = 100_000  # characters of an answer (an array pasted whole fits; a book does not)
# bytes of a piped line kept: LONGEST characters of UTF-8 (at most 4 bytes each) and
# the line's end; the rest of a longer line is read and dropped
LINE_BYTES = 4 * LONGEST + 2
CHUNK = 1 << 16  # bytes read at a time from what is left after the last answer


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
        if e.reason == "range":  # 1e400: a number, but none a float holds
            raise NotANumber(e.message) from None
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


class ByteLines(Protocol):
    def readline(self, size: int = -1, /) -> bytes: ...

    def read(self, size: int = -1, /) -> bytes: ...


class AnswerLines:
    """Answers piped in, one line at a time (call it: the next line, None at the end).

    Only the line being answered is held, and at most LINE_BYTES of it: the quiz needs
    one answer at a time, and a line longer than an answer may be is no answer anyway.
    Every byte read counts against `limit` (BACKPROP_MAX_BYTES by default), the limit
    of a document on stdin; `drain()` reads what the quiz left, a chunk at a time, so
    that a stream over the limit is refused however few answers the quiz took from it."""

    def __init__(self, stream: ByteLines, origin: str = "stdin",
                 limit: int | None = None) -> None:
        self.stream, self.origin = stream, origin
        self.limit = max_bytes() if limit is None else limit
        self.taken = 0  # bytes read so far
        self.lines = 0  # lines read so far
        self._blank = 0  # blank lines set aside by first(), handed out again as ""
        self._held: str | None = None  # the line first() looked at

    def __call__(self) -> str | None:
        if self._blank:
            self._blank -= 1
            return ""
        if self._held is not None:
            held, self._held = self._held, None
            return held
        return self._line()

    def first(self) -> str | None:
        """The first line that is not blank, left to be read again (None: there is none,
        and blank lines alone are no answers: nothing is left to read)."""
        while True:
            text = self._line()
            if text is None:
                self._blank = 0
                return None
            if text.strip():
                self._held = text
                return text
            self._blank += 1

    def drain(self) -> None:
        """Read the rest of the stream, holding none of it, up to the limit."""
        while self._take(self.stream.read, CHUNK):
            pass

    def _take(self, read, most: int) -> bytes:
        # one byte past the limit is enough to know it is passed
        data = read(max(0, min(most, self.limit - self.taken + 1)))
        self.taken += len(data)
        if self.taken > self.limit:
            raise LimitError(f"the answers on {self.origin} are more than the limit of "
                             f"{size_text(self.limit)} ({BYTES_ENV})",
                             hint=f"raise the limit with {BYTES_ENV}=BYTES if this is meant")
        return data

    def _line(self) -> str | None:
        raw = self._take(self.stream.readline, LINE_BYTES)
        if not raw:
            return None
        self.lines += 1
        if not raw.endswith(b"\n") and len(raw) == LINE_BYTES:
            # too long to be an answer: what is kept says so (read_answer refuses more
            # than LONGEST characters); the rest of the line is read and dropped
            while (rest := self._take(self.stream.readline, CHUNK)) and \
                    not rest.endswith(b"\n"):
                pass
            return raw.decode("utf-8", errors="replace")
        try:
            text = raw.decode("utf-8-sig" if self.lines == 1 else "utf-8")
        except UnicodeDecodeError as e:
            raise UsageError(f"{self.origin} is not UTF-8 text (line {self.lines}, "
                             f"byte {e.start + 1})") from None
        return text.rstrip("\r\n")
