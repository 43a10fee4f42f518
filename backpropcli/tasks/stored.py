"""How the session file stores a point's inputs, and reads them back.

A number or a small array is written as JSON numbers, readable by a person; a large one
as the base64 of its float64 bytes, so the file stays within about 1.4× the data it
holds. What is read back is checked like any input: shape and size limits first, then
that the bytes match the shape and that every number is finite (history entries:
history.py).
"""

from __future__ import annotations

import math

import numpy as np

from ..core.errors import ValueProblem
from ..core.limits import check_shape
from ..core.plural import counted
from .jsontext import jsonable
from .values import as_array

COMPACT = 64  # arrays with more elements than this are stored as base64 bytes


def read_input(name: str, value, where: str):
    """An input as saved: a number, nested lists, or a large array's bytes in base64."""
    if not isinstance(value, dict):
        return as_array(name, value, where)
    shape = value.get("shape")
    if value.get("dtype") != "float64" or not isinstance(shape, list) or \
            not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape) \
            or not isinstance(value.get("base64"), str):
        raise ValueProblem(f"{name}{where}: a stored array needs dtype float64, a shape and "
                           "base64 data")
    check_shape(shape, f"{name}{where}")
    import base64  # noqa: PLC0415  (only for a large array: a small one is numbers)

    try:
        raw = base64.b64decode(value["base64"], validate=True)
    except ValueError:
        raise ValueProblem(f"{name}{where}: the stored array is not valid base64") from None
    if len(raw) != 8 * math.prod(shape):
        raise ValueProblem(f"{name}{where}: the stored array has "
                           f"{counted(len(raw), 'byte')}, not the {8 * math.prod(shape)} its "
                           "shape needs")
    array = np.frombuffer(raw, dtype="<f8").reshape(shape).astype(np.float64)
    if array.size == 0 or not np.isfinite(array).all():
        raise ValueProblem(f"{name}{where}: the stored array is empty or not finite")
    return array


def stored(value):
    """An input for the file: a number, a small array as lists, a large one as bytes."""
    if np.ndim(value) == 0 or np.size(value) <= COMPACT:
        return jsonable(value)
    import base64  # noqa: PLC0415  (only for a large array: a small one is numbers)

    data = memoryview(np.ascontiguousarray(value, dtype="<f8")).cast("B")  # type: ignore[arg-type]  # no copy
    return {"dtype": "float64", "shape": list(np.shape(value)),
            "base64": base64.b64encode(data).decode("ascii")}
