"""Every check of a value the API is given, worded once: numbers, whole numbers, names,
choices and seeds. The errors name the Python parameter (`lr must be a positive number,
not -1.0`); the command line, which hands its options' text straight to these, spells
the parameter as its option (`--lr`) where it reports the error (cli/running.py).

Text is read as the command line types it ("0.1", "1000", "a,b"), so that the CLI and
the API share one set of checks."""

from __future__ import annotations

import functools
import inspect
import math
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np

from ..core.errors import UnknownNames, UsageError, give, param
from ..core.near import closest, nearest_choice

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

Names = str | Iterable[str] | None  # "a,b" as on the command line, or ["a", "b"]


def _said(value: object) -> str:
    """A value as an error quotes it: text as typed, a whole number of hundreds of
    digits by its size (Python will not even write one of more than 4300 digits)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) \
            and abs(int(value)) >= 10**15:
        return f"about {'-' if value < 0 else ''}10^{round(math.log10(abs(int(value))))}"
    text = str(value)
    return text if len(text) <= 24 else text[:20] + "…"


def positive(value: Any, name: str) -> float:
    """A finite number above 0: a learning rate, a tolerance, a step of differences."""
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except OverflowError:  # a whole number too large for a float: 10**400
        number = math.inf
    except (TypeError, ValueError):
        raise UsageError(f"{param(name)} takes a number, not {value!r}") from None
    if isinstance(value, bool):
        raise UsageError(f"{param(name)} takes a number, not {value!r}")
    if number == math.inf:
        raise UsageError(f"{param(name)} must be a positive number below about 1.8e308 (the "
                         f"largest float), not {_said(value)}")
    if not number > 0 or not math.isfinite(number):
        raise UsageError(f"{param(name)} must be a positive number, not "
                         f"{value if isinstance(value, str) else number}")
    return number


def whole(value: object, name: str, least: int | None = None, most: int | None = None,
          why: str | None = None) -> int:
    """A whole number (an int, a numpy integer, or its text), at least `least` and at
    most `most` (`why` says why, as a hint)."""
    if isinstance(value, str):
        try:
            n = int(value)
        except ValueError:
            said = value.strip()
            if re.fullmatch(r"[+-]?\d+", said):  # past Python's 4300 digits: past any limit
                raise UsageError(f"{param(name)}: a number of {len(said.lstrip('+-'))} digits "
                                 "is far too large") from None
            raise UsageError(f"{param(name)} takes a whole number, not "
                             f"{said[:40]!r}{'...' if len(said) > 40 else ''}") from None
    elif isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise UsageError(f"{param(name)} takes a whole number, not {value!r}")
    else:
        n = int(value)
    if least is not None and n < least:
        bound = "0 or more" if least == 0 else f"at least {least}"
        raise UsageError(f"{param(name)} must be {bound}, not {_said(n)}")
    if most is not None and n > most:
        raise UsageError(f"{param(name)} must be at most {most:,}, not {_said(n)}", hint=why)
    return n


def seed(value: object) -> int:
    """A seed of uniform(...) and randn(...): a whole number from 0 up (numpy's random
    generators take no negative one)."""
    return whole(value, "seed", least=0)


def names(value: Names, name: str) -> list[str] | None:
    """Names as a list: "a,b" (as on the command line) or any iterable of names; None
    for none given."""
    if value is None:
        return None
    if isinstance(value, str):
        out = [t.strip() for t in value.split(",") if t.strip()]
        for n in out:
            if not NAME.match(n):
                raise UsageError(f"{param(name)}: {n!r} is not a name")
        return out
    try:
        out = list(value)
    except TypeError:
        raise UsageError(f"{param(name)} takes names, not {value!r}") from None
    if not all(isinstance(n, str) for n in out):
        raise UsageError(f"{param(name)} takes names, not {out!r}")
    return out


def choice(value: object, name: str, choices: Iterable[str]) -> str:
    """One of `choices`, whatever its case and spaces."""
    choices = tuple(choices)
    chosen = str(value).strip().lower()
    if chosen not in choices:
        said = ", ".join(choices[:-1]) + f" or {choices[-1]}"
        near = nearest_choice(chosen, choices)
        raise UsageError(f"{param(name)} {value}: choose {said}",
                         hint=f"did you mean {give(name, near)}?" if near else
                         f"{param(name)} takes one of: {', '.join(choices)}")
    return chosen


def flag(value: object, name: str) -> bool:
    """A yes or no: True or False (numpy's, 1 and 0 too), not any other value."""
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, int) and value in (0, 1)):
        return bool(value)
    raise UsageError(f"{param(name)} takes True or False, not {value!r}")


F = TypeVar("F", bound=Callable[..., Any])


def keywords(fn: F) -> F:
    """An API function whose keywords are its own settings and the program's inputs
    alike: a value for a name the program does not use that is one letter or two from
    a setting (`stepz=3` to descend) is a mistyped keyword, and the error says which.
    The command line reads such names itself, as mistyped options (cli/spelling.py)."""
    parameters = inspect.signature(fn).parameters.values()
    own = [p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY]
    named = [p.name for p in parameters if p.kind in (
        inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    open_ended = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)

    @functools.wraps(fn)
    def checked(*args: Any, **kwargs: Any) -> Any:
        # A function that takes no inputs as keywords (history, precision): a wrong
        # keyword is Python's TypeError, with the keywords it does take.
        wrong = [] if open_ended else [k for k in kwargs if k not in named]
        if wrong:
            close = closest(wrong[0], named)
            raise TypeError(f"{fn.__name__}() got an unexpected keyword argument "
                            f"{wrong[0]!r}" + (f" (did you mean {close!r}?)" if close else "")
                            + f"; it takes {', '.join(named) or 'none'}")
        try:
            return fn(*args, **kwargs)
        except UnknownNames as err:
            for name in err.names:
                close = closest(name, own)
                if close and name in kwargs:
                    raise UnknownNames(
                        f"{fn.__name__}() has no setting {name} and the program does not "
                        f"use it", names=err.names, inputs=err.inputs,
                        hint=f"did you mean {param(close)}? ({err.hint})") from None
            raise

    return checked  # type: ignore[return-value]
