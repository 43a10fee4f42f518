"""The kernels the op table's rules call beyond numpy itself, and the names a rule may use.

Each kernel keeps a scalar a scalar (a numpy float64 in, a float64 out), so that a
program of numbers stays on numpy's fast scalar path. The rules in ops.py are text
over these names, made into functions by the engine and pasted into code by the
compiler; a new op whose rule needs more than numpy adds its kernel here and its name
to NAMESPACE. A kernel also takes dual numbers (core/dual.py: forward mode and second
derivatives) when it uses the numpy functions that module knows; one that makes a
new array makes it like its argument (zeros_like), so that a Dual stays a Dual.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

# A value as the rules see it: a float64 scalar, or a float64 array (of any shape).
Value = np.float64 | np.ndarray
Statics = tuple[int, ...]  # the op's static whole-number arguments: an axis, an index


def unbroadcast(x: Value, shape: tuple[int, ...]) -> Value:
    """Sum x down to `shape`: the adjoint of numpy broadcasting an operand of that shape."""
    if getattr(x, "shape", ()) == shape:  # np.shape() costs more than the sum it saves
        return x
    extra = np.ndim(x) - len(shape)
    if extra < 0:
        return np.broadcast_to(x, shape)
    if extra:
        x = sum_along(x, 0) if extra == 1 else np.sum(x, axis=tuple(range(extra)))
    kept = tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(x)[i] != 1)
    if kept:
        x = np.sum(x, axis=kept, keepdims=True)
    return x


def scaled_normal(rng: np.random.Generator, shape: tuple[int, ...], fans: int) -> np.ndarray:
    """A normal start with the variance that keeps a layer's signal its size: 2/fan_in
    (He, for relu, which zeroes half of it) when `fans` is 1, else 2/(fan_in + fan_out)
    (Xavier/Glorot). A weight W is used as `X @ W`: its rows are the inputs (fan_in) and
    its columns the outputs; a vector or a number has one output."""
    fan_in = shape[0] if shape else 1
    fan_out = shape[1] if len(shape) > 1 else 1
    scale = math.sqrt(2 / (fan_in + (fans - 1) * fan_out))
    return np.asarray(rng.standard_normal(size=shape) * scale)


def xlogy(x: Value, y: Value) -> Value:
    """x·log(y), taken as 0 where x is 0 (d(a^b)/db at a = 0, where a^b is flat in b)."""
    return np.where(x == 0, 0.0, x * np.log(y))[()]


def _axis(s: Statics, default: int | None) -> int | None:
    return s[0] if s else default


def sum_along(a: Value, axis: int | None) -> Value:
    """np.sum(a, axis); a matrix's rows or columns summed as a product with ones. numpy
    reduces down the short columns of a tall matrix (the bias gradient of 1 347 examples
    × 10 scores) a row at a time, where BLAS's matrix-vector product ones @ a is one
    pass: 5 to 7 times faster. Each term x·1 is x exactly; the sum is BLAS's, in its
    order (as precise as numpy's, not always the same last bit: the interpreter and the
    compiled code both sum this way, so they agree bit for bit)."""
    if axis is None or not _by_ones(np.shape(a), axis):
        return np.sum(a, axis=axis)
    if axis % 2 == 0:
        return np.ones(np.shape(a)[0]) @ a
    return a @ np.ones(np.shape(a)[1])


def _by_ones(shape: tuple[int, ...], axis: int) -> bool:
    """Whether sum_along takes the product with ones: along an axis of a matrix, of at
    most 2^20 elements (past that, the ones would cost more memory, 8 MB and up, than
    the reduction costs time: numpy's sum instead)."""
    return len(shape) == 2 and shape[axis % 2] <= 1 << 20


def reduce_sum(a: Value, s: Statics) -> Value:
    return sum_along(a, _axis(s, None))


def reduce_mean(a: Value, s: Statics) -> Value:
    if s and np.ndim(a) == 2:  # numpy's mean is its sum over the count: so is this
        return sum_along(a, s[0]) / np.shape(a)[s[0]]
    # not float64(np.mean(a)): a Dual (forward mode) must stay a Dual
    return np.mean(a, axis=_axis(s, None))  # type: ignore[return-value]  # float64 here


def count(a: Value, s: Statics) -> int:
    """How many elements each reduced value of sum/mean is made of."""
    return np.size(a) if not s else np.shape(a)[s[0]]


def expand(g: Value, a: Value, s: Statics) -> Value:
    """Spread the gradient of a reduction back over the elements it reduced."""
    if s:
        g = np.expand_dims(g, s[0])
    return np.broadcast_to(g, np.shape(a))[()]  # [()]: to a scalar a scalar, not a 0-d array


def _max(a: Value, axis: int | None, keepdims: bool = False) -> Value:
    """np.max(a, axis, keepdims=...), fast along a short axis. numpy reduces along a short
    axis (10 scores of each of 1 347 images) one short row at a time, at ~30 ns a row; the
    same maximum taken slice by slice across the axis, moved first and made contiguous, is
    a few long vectorised passes, five times faster. A maximum is exact whatever the
    order (at most a tie of 0.0 with -0.0 may come out with the other sign), and the
    engine and the compiled code both call this, so they still agree bit for bit. (No
    module names here: an exported numpy script carries this function's text.)"""
    if type(a) is not np.ndarray or axis is None or a.ndim < 2:  # (a Dual: its own rule)
        return np.max(a, axis=axis, keepdims=keepdims)
    n = a.shape[axis]
    if n > 32 or n * 32 > a.size // n:  # short: 32 or fewer, across 32 times as many
        return np.max(a, axis=axis, keepdims=keepdims)
    top = np.maximum.reduce(np.moveaxis(a, axis, 0).copy(), 0)
    return np.expand_dims(top, axis) if keepdims else top


def relu(a: Value) -> Value:
    """a where a > 0, else 0. An array takes max(a, 0): one pass, where a·(a > 0) is a
    comparison, a cast of its truth values to numbers and a product; + 0.0 makes the
    tie max(-0.0, 0.0) the 0.0 it is, whichever operand numpy returns. A number stays
    on numpy's fast scalar path with the product (maximum() would leave it), and so
    does a Dual (forward mode), for its tangent: the product's is 0 at the kink
    (relu'(0) = 0, the table's convention), where maximum's tie would give half. The
    two agree on every number but -inf (0 and nan), which the engine refuses before
    any op reads it. The compiler writes the form for the operand's shape (INLINE)."""
    if type(a) is np.ndarray:
        return np.maximum(a, 0.0) + 0.0
    return a * (a > 0) + 0.0


def softmax(a: Value, s: Statics) -> Value:
    axis = _axis(s, -1)
    e = np.exp(a - _max(a, axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_vjp(g: Value, out: Value, s: Statics) -> Value:
    # J = diag(p) - p pᵀ along the axis, so gᵀJ = p ⊙ (g - ⟨g, p⟩).
    return out * (g - np.sum(g * out, axis=_axis(s, -1), keepdims=True))


def logsumexp(a: Value, s: Statics) -> Value:
    axis = _axis(s, -1)
    m = _max(a, axis, keepdims=True)
    return np.squeeze(m + np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)), axis=axis)


def logsumexp_vjp(g: Value, out: Value, a: Value, s: Statics) -> Value:
    # ∂ logsumexp(a) / ∂a = softmax(a) = exp(a - logsumexp(a)).
    axis = s[0] if s else -1
    return np.expand_dims(g, axis) * np.exp(a - np.expand_dims(out, axis))


def amax(a: Value, s: Statics) -> Value:
    return _max(a, _axis(s, None))


def amax_vjp(g: Value, out: Value, a: Value, s: Statics) -> Value:
    # g goes to the largest element along the axis, shared equally where several tie.
    if s:
        g, out = np.expand_dims(g, s[0]), np.expand_dims(out, s[0])
    top = a == out
    return (g * top / np.sum(top, axis=_axis(s, None), keepdims=True))[()]


def _as_matrices(g, a, b):
    # numpy treats a vector as a row (left) or a column (right) and drops that axis
    # from the product; put the axes back so both cases are matrix products.
    a2 = a[None, :] if np.ndim(a) == 1 else a
    b2 = b[:, None] if np.ndim(b) == 1 else b
    if np.ndim(b) == 1:
        g = np.expand_dims(g, -1)
    if np.ndim(a) == 1:
        g = np.expand_dims(g, -2)
    return g, a2, b2


def matmul_da(g: Value, a: Value, b: Value) -> Value:
    """∂L/∂a of a @ b is g @ bᵀ (with vectors as rows or columns, as numpy reads them).
    For a vector b that product has an inner axis of length 1: each element is one
    multiplication, g[i]·b[j], taken as numpy's broadcast product (the same numbers,
    without a matrix product's setting up)."""
    g2, a2, b2 = _as_matrices(g, a, b)
    bt = np.swapaxes(b2, -1, -2)
    made = g2 * bt if np.ndim(b) == 1 else g2 @ bt
    return np.reshape(unbroadcast(made, np.shape(a2)), np.shape(a))


def matmul_db(g: Value, a: Value, b: Value) -> Value:
    """∂L/∂b of a @ b is aᵀ @ g; for a matrix a and a vector b, the matrix-vector
    product aᵀ g."""
    if np.ndim(a) == 2 and np.ndim(b) == 1:
        return np.swapaxes(a, -1, -2) @ g
    g2, a2, b2 = _as_matrices(g, a, b)
    return np.reshape(unbroadcast(np.swapaxes(a2, -1, -2) @ g2, np.shape(b2)), np.shape(b))


def outer(a: Value, b: Value) -> Value:
    """out[i, j] = a[i] * b[j], of two vectors (numpy's outer would flatten a matrix)."""
    if np.ndim(a) != 1 or np.ndim(b) != 1:
        raise ValueError("outer takes two vectors")
    return np.multiply.outer(a, b)


def scatter(g: Value, a: Value, s: Statics) -> Value:
    """The gradient of a[s]: g at the indexed place, zero everywhere else."""
    # zeros *like g*: of g's kind, so that a Dual g (second derivatives) keeps its tangent
    z = np.zeros_like(g, dtype=np.float64, shape=np.shape(a))
    z[s] = g
    return z


# ---------------------------------------------------------------------------
# Kernels written out for known shapes. The compiler (compiled.py) makes code for the
# shapes of one set of inputs, where most of the Python in the kernels above (which
# case is it? which axes?) has one answer. Each function below takes the shapes of the
# call's arguments (by rule letter: g, a, b, out), the statics and `hoist`, which binds
# a value in the generated code's namespace and returns its name; it returns the text
# of an expression in the same letters that makes the same numpy calls on the same
# operands (so the same numbers, bit for bit), or None to keep the call as it is.

Shapes = dict[str, tuple[int, ...]]
Hoist = Callable[[object], str]
ONES_LIMIT = 1 << 16  # above this many elements a broadcast view, not a ones array


def _inline_matmul_da(sh: Shapes, s: Statics, hoist: Hoist) -> str | None:
    if len(sh["a"]) == 2 and len(sh["b"]) == 2:
        return "g @ b.T"  # swapaxes(b, -1, -2) is the view b.T
    if len(sh["a"]) == 2 and len(sh["b"]) == 1:  # a column on the right: g2 times b as a row
        return "g[:, None] * b[None, :]"
    return None


def _inline_matmul_db(sh: Shapes, s: Statics, hoist: Hoist) -> str | None:
    if len(sh["a"]) == 2 and len(sh["b"]) == 2:
        return "a.T @ g"
    if len(sh["a"]) == 2 and len(sh["b"]) == 1:
        return "a.T @ g"
    return None


def _inline_expand(sh: Shapes, s: Statics, hoist: Hoist) -> str | None:
    shape = sh["a"]
    if not shape:
        return None
    g = "g"
    if s:  # g lacks the reduced axis: put it back with length 1
        kept = list(shape)
        kept[s[0]] = 1
        g = f"g.reshape({tuple(kept)!r})"
    if math.prod(shape) > ONES_LIMIT:
        return f"broadcast_to({g}, {shape!r})"
    # ones · g is g in every element, exactly (1.0·x = x in floating point), and one
    # multiplication costs less than broadcast_to's Python
    return f"{hoist(np.ones(shape))} * {g}"


def _inline_relu(sh: Shapes, s: Statics, hoist: Hoist) -> str:
    return "maximum(a, 0.0) + 0.0" if sh["a"] else "a * (a > 0) + 0.0"


def _inline_count(sh: Shapes, s: Statics, hoist: Hoist) -> str | None:
    return repr(int(math.prod(sh["a"]) if not s else sh["a"][s[0]]))


# np.sum(a, axis) of an array is np.add.reduce(a, axis) behind two Python wrappers, and
# np.mean(a, axis) that sum divided by the count (numpy's _methods._mean): the same
# operations, called directly.

def _inline_reduce_sum(sh: Shapes, s: Statics, hoist: Hoist) -> str | None:
    if not sh["a"]:
        return None
    return _sum_text("a", sh["a"], s[0] if s else None, hoist)


def _inline_reduce_mean(sh: Shapes, s: Statics, hoist: Hoist) -> str | None:
    if not sh["a"]:
        return None
    n = math.prod(sh["a"]) if not s else sh["a"][s[0]]
    return f"{_sum_text('a', sh['a'], s[0] if s else None, hoist)} / {n}"


def _sum_text(a: str, shape: tuple[int, ...], axis: int | None, hoist: Hoist) -> str:
    """sum_along(a, axis) written out for a's shape: the same calls."""
    if axis is None or not _by_ones(shape, axis):
        return f"add_reduce({a}, {axis})"
    if axis % 2 == 0:
        return f"{hoist(np.ones(shape[0]))} @ {a}"
    return f"{a} @ {hoist(np.ones(shape[1]))}"


INLINE: dict[str, Callable[[Shapes, Statics, Hoist], str | None]] = {
    "matmul_da": _inline_matmul_da, "matmul_db": _inline_matmul_db, "expand": _inline_expand,
    "count": _inline_count, "reduce_sum": _inline_reduce_sum, "relu": _inline_relu,
    "reduce_mean": _inline_reduce_mean,
}


def unbroadcast_text(term: str, shape: tuple[int, ...], operand: tuple[int, ...],
                     hoist: Hoist) -> str:
    """unbroadcast(term, operand) for a term of a known shape, written out: the same
    sums over the same axes."""
    extra = len(shape) - len(operand)
    if extra < 0 or shape == operand:
        return f"unbroadcast({term}, {operand!r})" if extra < 0 else term
    text = term
    if extra == 1 and len(shape) == 2:
        text = _sum_text(f"({term})", shape, 0, hoist)
    elif extra:
        text = f"add_reduce({text}, {tuple(range(extra))!r})"
    after = shape[extra:]
    kept = tuple(i for i, n in enumerate(operand) if n == 1 and after[i] != 1)
    if kept:
        text = f"add_reduce({text}, {kept!r}, None, None, True)"  # keepdims
    return text


# The names a rule may use.
NAMESPACE: dict[str, object] = {
    "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos,
    "tanh": np.tanh, "sign": np.sign, "abs": abs, "maximum": np.maximum,
    "minimum": np.minimum, "transpose": np.transpose,
    "xlogy": xlogy, "reduce_sum": reduce_sum, "reduce_mean": reduce_mean, "count": count,
    "expand": expand, "relu": relu, "softmax": softmax, "softmax_vjp": softmax_vjp,
    "logsumexp": logsumexp, "logsumexp_vjp": logsumexp_vjp, "amax": amax, "amax_vjp": amax_vjp,
    "matmul_da": matmul_da, "matmul_db": matmul_db, "outer": outer, "scatter": scatter,
    "unbroadcast": unbroadcast, "broadcast_to": np.broadcast_to, "add_reduce": np.add.reduce,
}
