"""How much the tool takes on before it says no: bytes read, elements in an array, axes.

A calculator that students run on shared machines and scripts call in loops must fail
fast, with a message naming the limit, rather than eat the machine's memory or block:
every file and document is measured before it is read, every array's shape before
it is made. The defaults hold anything a person types or a course uses, with room to
spare; two environment variables raise them for bigger work.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

from .errors import LimitError, UsageError

BYTES_ENV = "BACKPROP_MAX_BYTES"
ELEMENTS_ENV = "BACKPROP_MAX_ELEMENTS"
MAX_BYTES = 1 << 30  # 1 GiB: a file, a document on stdin, a session
MAX_ELEMENTS = 10**8  # elements of one array: 800 MB of float64
MAX_DIMS = 32  # axes of one array (numpy itself stops at 64)
# variants of one exam (quiz --variants): a class's worth and more; each is a page or
# two of sheet and of key, and pdflatex sets 200 of them in well under a minute
MAX_VARIANTS = 200


def _setting(env: str, default: int) -> int:
    text = os.environ.get(env)
    if text is None or not text.strip():
        return default
    try:
        value = int(float(text)) if "e" in text.lower() else int(text)
    except (ValueError, OverflowError):
        raise UsageError(f"{env}={text!r} is not a whole number",
                         hint=f"for example {env}={default}") from None
    if value < 1:
        raise UsageError(f"{env} must be at least 1, not {text}")
    return value


def max_bytes() -> int:
    return _setting(BYTES_ENV, MAX_BYTES)


def max_elements() -> int:
    return _setting(ELEMENTS_ENV, MAX_ELEMENTS)


def size_text(n: int) -> str:
    """A byte count as a person says it: 1 GiB, 20.5 MiB, 300 bytes."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} bytes"


def check_bytes(size: int, what: str) -> None:
    """Refuse to read `size` bytes of `what` past the limit."""
    limit = max_bytes()
    if size > limit:
        raise LimitError(f"{what} is {size_text(size)}, more than the limit of "
                         f"{size_text(limit)}",
                         hint=f"raise the limit with {BYTES_ENV}=BYTES if this is meant")


def check_shape(shape: Sequence[int], what: str) -> None:
    """Refuse an array of this shape before it is made: too many axes or elements."""
    if len(shape) > MAX_DIMS:
        raise LimitError(f"{what} would have {len(shape)} axes; at most {MAX_DIMS} are allowed")
    elements = math.prod(int(n) for n in shape)
    limit = max_elements()
    if elements > limit:
        said = "×".join(_count(n) for n in shape) or "()"
        raise LimitError(f"{what}: shape {said} is {_count(elements)} elements, more than "
                         f"the limit of {limit:,}",
                         hint=f"raise the limit with {ELEMENTS_ENV}=N if this is meant "
                              f"(each element takes 8 bytes)")


def _count(n: int) -> str:
    return f"{n:,}" if n < 10**15 else f"{float(n):.3g}"
