"""The kernels the op table's rules call beyond numpy itself, and the names a rule may use.

Each kernel keeps a scalar a scalar (a numpy float64 in, a float64 out), so that a
program of numbers stays on numpy's fast scalar path. The rules in ops.py are text
over these names, made into functions by the engine and pasted into code by the
compiler; a new op whose rule needs more than numpy adds its kernel here and its name
to NAMESPACE.
"""

from __future__ import annotations

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
        x = np.sum(x, axis=tuple(range(extra)))
    kept = tuple(i for i, n in enumerate(shape) if n == 1 and np.shape(x)[i] != 1)
    if kept:
        x = np.sum(x, axis=kept, keepdims=True)
    return x


def xlogy(x: Value, y: Value) -> Value:
    """x·log(y), taken as 0 where x is 0 (d(a^b)/db at a = 0, where a^b is flat in b)."""
    return np.where(x == 0, 0.0, x * np.log(y))[()]


def _axis(s: Statics, default: int | None) -> int | None:
    return s[0] if s else default


def reduce_sum(a: Value, s: Statics) -> Value:
    return np.sum(a, axis=_axis(s, None))


def reduce_mean(a: Value, s: Statics) -> Value:
    return np.float64(np.mean(a)) if not s else np.mean(a, axis=s[0])


def count(a: Value, s: Statics) -> int:
    """How many elements each reduced value of sum/mean is made of."""
    return np.size(a) if not s else np.shape(a)[s[0]]


def expand(g: Value, a: Value, s: Statics) -> Value:
    """Spread the gradient of a reduction back over the elements it reduced."""
    if s:
        g = np.expand_dims(g, s[0])
    return np.broadcast_to(g, np.shape(a))[()]  # [()]: to a scalar a scalar, not a 0-d array


def softmax(a: Value, s: Statics) -> Value:
    axis = _axis(s, -1)
    e = np.exp(a - np.max(a, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_vjp(g: Value, out: Value, s: Statics) -> Value:
    # J = diag(p) - p pᵀ along the axis, so gᵀJ = p ⊙ (g - ⟨g, p⟩).
    return out * (g - np.sum(g * out, axis=_axis(s, -1), keepdims=True))


def logsumexp(a: Value, s: Statics) -> Value:
    axis = _axis(s, -1)
    m = np.max(a, axis=axis, keepdims=True)
    return np.squeeze(m + np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)), axis=axis)


def logsumexp_vjp(g: Value, out: Value, a: Value, s: Statics) -> Value:
    # ∂ logsumexp(a) / ∂a = softmax(a) = exp(a - logsumexp(a)).
    axis = s[0] if s else -1
    return np.expand_dims(g, axis) * np.exp(a - np.expand_dims(out, axis))


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
    """∂L/∂a of a @ b is g @ bᵀ (with vectors as rows or columns, as numpy reads them)."""
    g2, a2, b2 = _as_matrices(g, a, b)
    return np.reshape(unbroadcast(g2 @ np.swapaxes(b2, -1, -2), np.shape(a2)), np.shape(a))


def matmul_db(g: Value, a: Value, b: Value) -> Value:
    """∂L/∂b of a @ b is aᵀ @ g."""
    g2, a2, b2 = _as_matrices(g, a, b)
    return np.reshape(unbroadcast(np.swapaxes(a2, -1, -2) @ g2, np.shape(b2)), np.shape(b))


def scatter(g: Value, a: Value, s: Statics) -> Value:
    """The gradient of a[s]: g at the indexed place, zero everywhere else."""
    z = np.zeros(np.shape(a))
    z[s] = g
    return z


# The names a rule may use.
NAMESPACE: dict[str, object] = {
    "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos,
    "tanh": np.tanh, "sign": np.sign, "abs": abs, "maximum": np.maximum,
    "minimum": np.minimum, "transpose": np.transpose,
    "xlogy": xlogy, "reduce_sum": reduce_sum, "reduce_mean": reduce_mean, "count": count,
    "expand": expand, "softmax": softmax, "softmax_vjp": softmax_vjp,
    "logsumexp": logsumexp, "logsumexp_vjp": logsumexp_vjp,
    "matmul_da": matmul_da, "matmul_db": matmul_db, "scatter": scatter,
    "unbroadcast": unbroadcast,
}
