"""JSON text: numbers and arrays as JSON, never NaN or Infinity, never a raw control;
and JSON read back with an error a person can act on, never a traceback.

Used by every document on stdout (output/document.py), the session file, and the
documents `step` reads.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable

import numpy as np

# What json.loads raises on text that is not JSON (ValueError, with the line and column)
# or that nests deeper than Python's stack ([[[[…]]]]: RecursionError).
NOT_JSON = (ValueError, RecursionError)
LAZY = 1000  # arrays with more elements are turned into lists only as they are written


def jsonable(v):
    """A float64 scalar or array as JSON numbers (nested lists for arrays).

    A large finite array stays an array until `dumps` writes it: as lists of Python
    floats it takes 4 times its memory, and a document holds many of them (values,
    local gradients, gradients), so only one is ever converted at a time."""
    if type(v) is np.float64 and math.isfinite(v):  # the common case, fast
        return float(v)
    if np.ndim(v) == 0:
        x = float(v)
        return x if np.isfinite(x) else str(x)
    a = np.asarray(v, dtype=float)
    if np.isfinite(a).all():
        return a if a.size > LAZY else a.tolist()
    cells = [float(x) if np.isfinite(x) else str(x) for x in a.ravel()]  # rare: error context
    return np.array(cells, dtype=object).reshape(a.shape).tolist()


# Characters json leaves raw that must not reach a terminal or a UTF-8 encoder: DEL and
# the C1 controls (a terminal reads \x9b as an escape), the line and paragraph
# separators, bidirectional overrides, and lone surrogates (from a file name or a
# program that is not valid UTF-8), which no encoder can write. Each becomes the JSON
# escape \uXXXX, which reads back as the same character.
_RAW = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def dumps(doc: dict, indent: int | None = None) -> str:
    """One JSON document and a new line: never NaN or Infinity, never a raw control."""
    text = json.dumps(doc, allow_nan=False, ensure_ascii=False, indent=indent,
                      default=_array)
    if _RAW.search(text):
        text = _RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text + "\n"


def _array(v) -> list:
    """An array kept for writing (jsonable): its lists, made now and dropped after."""
    if isinstance(v, np.ndarray):
        return v.tolist()
    raise TypeError(f"{type(v).__name__} is not JSON data")


def loads(text: str | bytes, error: Callable[[str], Exception]):
    """The JSON value of `text`; where it is not JSON, the exception that `error` makes
    of json's reason ("Expecting value: line 1 column 1 (char 0)")."""
    try:
        return json.loads(text)
    except NOT_JSON as e:
        raise error(str(e)) from None
