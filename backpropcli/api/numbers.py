"""How numbers are written: `--digits N` significant digits, or `--full` precision, for
every table, derivation, prompt and message of a command (JSON always keeps every digit).

    with bp.precision(digits=6):
        print(bp.evaluate("g = x*y", x=0.1, y=3))
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..core import fmt
from ..core.errors import UsageError, param
from . import checks


@checks.keywords
@contextmanager
def precision(digits: int | str | None = None, full: bool = False) -> Iterator[None]:
    """Inside the block, numbers are shown with `digits` significant digits (1 to 17;
    None: 4 decimals, the default), or every digit (the shortest text that reads back
    as the same float) if `full`. Values the user typed are shown as typed either way."""
    with fmt.precision(_digits(digits), bool(full)):
        yield


def _digits(digits: int | str | None) -> int | None:
    if digits is None:
        return None
    try:
        n = int(str(digits).strip())
    except ValueError:
        n = None
    if n is None or isinstance(digits, bool) or not 1 <= n <= fmt.MOST:
        raise UsageError(f"{param('digits')} takes a whole number from 1 to {fmt.MOST}, not "
                         f"{digits!r}", hint=f"{param('full')} shows every digit; the default "
                                             f"is {fmt.DIGITS} decimals")
    return n
