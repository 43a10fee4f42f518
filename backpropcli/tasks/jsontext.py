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
from typing import Any

import numpy as np
import orjson

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


# The same characters in UTF-8, as orjson writes them (it leaves them raw too).
_RAW_UTF8 = re.compile(rb"\x7f|\xc2[\x80-\x9f]|\xe2\x80[\xa8-\xae]|\xe2\x81[\xa6-\xa9]")
_ORJSON = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS | orjson.OPT_APPEND_NEWLINE


class Finite(dict):
    """A dict whose numbers jsonable() made (finite, or strings): dumps need not look
    through it for NaN. (orjson writes a dict subclass as a dict.)"""


class FiniteList(list):
    """A list whose numbers jsonable() made, as Finite."""


def dumps(doc: dict, indent: int | None = None) -> str:
    """One JSON document and a new line: never NaN or Infinity, never a raw control."""
    if indent is None:
        return dumps_bytes(doc).decode("utf-8")
    return _json_text(doc, indent)


def dumps_bytes(doc: dict) -> bytes:
    """dumps() as UTF-8, made by orjson: numpy arrays written from their memory, no
    lists of Python floats in between. orjson writes NaN as null where json refuses
    it, so the document is first looked through for one (the parts made by jsonable,
    marked Finite, are not). What orjson will not write (a lone surrogate from a name
    that is not UTF-8, a whole number past 64 bits) is written as json writes it."""
    _refuse_nonfinite(doc)
    try:
        data = orjson.dumps(doc, default=_array, option=_ORJSON)
    except orjson.JSONEncodeError:
        return _json_text(doc, None).encode("utf-8")
    if b"\x7f" in data or b"\xc2" in data or b"\xe2" in data:  # memchr first: rare
        data = _RAW_UTF8.sub(lambda m: b"\\u%04x" % ord(m.group().decode()), data)
    return data


def _json_text(doc: dict, indent: int | None) -> str:
    text = json.dumps(doc, allow_nan=False, ensure_ascii=False, indent=indent,
                      default=_array)
    if _RAW.search(text):
        text = _RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text + "\n"


def _refuse_nonfinite(doc: object) -> None:
    """Raise ValueError, as json.dumps(allow_nan=False) does, for a NaN or an infinity
    anywhere in doc outside the parts marked Finite."""
    stack: list[Any] = [doc]
    while stack:
        v = stack.pop()
        t = type(v)
        if t is float or t is np.float64:
            if not math.isfinite(v):
                raise ValueError(f"Out of range float values are not JSON compliant: {v!r}")
        elif t is dict:
            stack.extend(v.values())
        elif t is list or t is tuple:
            stack.extend(v)
        elif t is np.ndarray:
            if v.dtype.kind in "fc" and not np.isfinite(v).all():
                raise ValueError("Out of range float values are not JSON compliant")
        elif isinstance(v, np.floating) and not np.isfinite(v):
            raise ValueError(f"Out of range float values are not JSON compliant: {v!r}")


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
        why = str(e)
        if "integer string conversion" in why:  # Python's own limit, and its advice to
            why = "a whole number of more than 4300 digits"  # a programmer, not a user
        raise error(why) from None
