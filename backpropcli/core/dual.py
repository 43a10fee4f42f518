"""Dual numbers: a value with a tangent, the arithmetic of forward-mode differentiation.

A Dual carries a value v (a float64 number or array) and its tangent v̇, the derivative
of v along one direction in the space of the inputs. Every numpy function an op's rule
uses (ops.py, kernels.py) works on it through numpy's own protocols, __array_ufunc__ and
__array_function__, computing the value as on plain numbers (to rounding: numpy's
scalar ** and its ufunc np.power may differ in the last bit) and the tangent by
the derivative of that numpy function. So the engine's forward pass run on Duals is
forward mode: the tangent of each node is its Jacobian-vector product, from the op's
one row and nothing else; and its forward and backward pass run on Duals is
forward-over-reverse: the tangent of each gradient is a Hessian-vector product, from
the derivative of the op's own local and vjp rules.

Two conventions keep the tangents those of the op table (ops.py's docstring):
- A kink or tie has the derivative the table gives there: sign' = 0 (so relu'' = 0 and
  abs'' = 0), maximum/minimum at a tie pass half of each tangent, max along an axis
  averages the tangents of its ties. These are PyTorch's choices for double backward.
- A plain number beside a Dual is a constant (its tangent is a zero that is never
  multiplied), and a tangent that is exactly 0 contributes exactly 0 even where the
  partial derivative is not finite (d(a^b) along a direction that leaves b alone is
  b·a^(b-1)·ȧ, whatever log(a) is): frameworks treat an input that does not require
  its gradient the same way.

A numpy function without a rule here is refused with a MathError naming it (never a
value whose tangent is silently dropped): a new kernel that numpy alone cannot express
on Duals writes itself in the functions below, as scatter and reduce_mean do.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from .errors import MathError

# A term of a ufunc's tangent: (the operands' values, the result's value, the tangent of
# one operand) → that operand's share of the result's tangent.
Term = Callable[[tuple, Any, Any], Any]


def _sign_term(x, o, t):
    return t * np.sign(x[0])


def _max_terms(first: float) -> tuple[Term, Term]:
    # ½(1 ± sign(a − b)): 1 for the operand chosen, 0 for the other, ½ each at a tie
    return (lambda x, o, t: t * (0.5 * (1 + first * np.sign(x[0] - x[1]))),
            lambda x, o, t: t * (0.5 * (1 - first * np.sign(x[0] - x[1]))))


def _zero(x, o, t):
    return 0.0 * t


def _pow_b(x, o, t):
    # d(a^b)/db = a^b·log(a), taken as 0 where a^b is 0 (as the table's xlogy)
    return t * np.where(o == 0, 0.0, o * np.log(np.where(o == 0, 1.0, x[0])))


# ∂ of each elementwise ufunc, operand by operand, as tangent terms.
ELEMENTWISE: dict[np.ufunc, tuple[Term, ...]] = {
    np.add: (lambda x, o, t: t, lambda x, o, t: t),
    np.subtract: (lambda x, o, t: t, lambda x, o, t: -t),
    np.multiply: (lambda x, o, t: t * x[1], lambda x, o, t: x[0] * t),
    np.divide: (lambda x, o, t: t / x[1], lambda x, o, t: -t * o / x[1]),
    np.power: (lambda x, o, t: t * x[1] * x[0] ** (x[1] - 1), _pow_b),
    np.negative: (lambda x, o, t: -t,),
    np.positive: (lambda x, o, t: t,),
    np.exp: (lambda x, o, t: t * o,),
    np.expm1: (lambda x, o, t: t * (o + 1),),
    np.log: (lambda x, o, t: t / x[0],),
    np.log1p: (lambda x, o, t: t / (1 + x[0]),),
    np.sqrt: (lambda x, o, t: t * 0.5 / o,),
    np.square: (lambda x, o, t: 2 * x[0] * t,),
    np.reciprocal: (lambda x, o, t: -t * o * o,),
    np.sin: (lambda x, o, t: t * np.cos(x[0]),),
    np.cos: (lambda x, o, t: -t * np.sin(x[0]),),
    np.tan: (lambda x, o, t: t * (1 + o * o),),
    np.arctan: (lambda x, o, t: t / (1 + x[0] * x[0]),),
    np.sinh: (lambda x, o, t: t * np.cosh(x[0]),),
    np.cosh: (lambda x, o, t: t * np.sinh(x[0]),),
    np.tanh: (lambda x, o, t: t * (1 - o * o),),
    np.absolute: (_sign_term,),
    np.sign: (_zero,), np.floor: (_zero,), np.ceil: (_zero,), np.rint: (_zero,),
    np.trunc: (_zero,),
    np.maximum: _max_terms(1.0),
    np.minimum: _max_terms(-1.0),
}

# Bilinear: each operand's share is the product with its tangent in its place.
BILINEAR: dict[np.ufunc, tuple[Term, ...]] = {
    np.matmul: (lambda x, o, t: t @ x[1], lambda x, o, t: x[0] @ t),
}

# Ufuncs whose result is not a number that moves (a truth value): the values' alone.
PREDICATES = frozenset({np.greater, np.greater_equal, np.less, np.less_equal, np.equal,
                        np.not_equal, np.isfinite, np.isnan, np.isinf, np.signbit,
                        np.logical_and, np.logical_or, np.logical_not})

# Functions linear in their first argument (the others are shapes, axes): the tangent
# goes through the same call.
LINEAR = frozenset({np.sum, np.mean, np.broadcast_to, np.expand_dims, np.squeeze,
                    np.swapaxes, np.reshape, np.transpose, np.moveaxis, np.copy, np.ravel,
                    np.diagonal, np.trace, np.cumsum, np.atleast_1d, np.atleast_2d,
                    np.flip, np.roll, np.tile, np.repeat, np.diag})

# Functions of the shape alone.
STRUCTURAL = frozenset({np.shape, np.ndim, np.size})

# Functions that make a constant array like their argument: a Dual with zero tangent, so
# that assigning Duals into it (scatter) keeps their tangents.
LIKE = frozenset({np.zeros_like, np.ones_like, np.empty_like, np.full_like})


class Dual(NDArrayOperatorsMixin):
    """A value and its tangent, of the same shape (float64). Arithmetic, numpy's ufuncs
    and the numpy functions the op table uses give Duals; comparisons give plain truth
    values of the values."""

    __slots__ = ("tangent", "value")

    def __init__(self, value, tangent) -> None:
        self.value = value
        self.tangent = tangent

    @property
    def shape(self) -> tuple[int, ...]:
        return np.shape(self.value)

    @property
    def ndim(self) -> int:
        return np.ndim(self.value)

    @property
    def size(self) -> int:
        return int(np.size(self.value))

    @property
    def T(self) -> Dual:  # numpy's name
        return Dual(np.transpose(self.value), np.transpose(self.tangent))

    def __len__(self) -> int:
        return len(self.value)

    def __getitem__(self, index) -> Dual:
        return Dual(self.value[index], self.tangent[index])

    def __setitem__(self, index, item) -> None:
        self.value[index] = primal(item)
        self.tangent[index] = tangent(item)

    def __repr__(self) -> str:
        return f"Dual({self.value!r}, {self.tangent!r})"

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if kwargs.get("out") is not None:
            return NotImplemented  # in-place ufuncs: no rule writes one
        if ufunc in PREDICATES and method == "__call__":
            return ufunc(*map(primal, inputs), **kwargs)
        values = tuple(map(primal, inputs))
        out = getattr(ufunc, method)(*values, **kwargs)
        if method == "__call__" and ufunc in ELEMENTWISE:
            return Dual(out, _shaped(_tangent_of(ELEMENTWISE[ufunc], values, out, inputs,
                                                 masked=True), out))
        if method == "__call__" and ufunc in BILINEAR:
            return Dual(out, _shaped(_tangent_of(BILINEAR[ufunc], values, out, inputs,
                                                 masked=False), out))
        if method == "outer" and ufunc is np.multiply:
            a, b = inputs
            terms = [np.multiply.outer(tangent(a), values[1]) if isinstance(a, Dual) else 0.0,
                     np.multiply.outer(values[0], tangent(b)) if isinstance(b, Dual) else 0.0]
            return Dual(out, _shaped(terms[0] + terms[1], out))
        if method == "reduce" and ufunc is np.add:
            return Dual(out, np.add.reduce(tangent(inputs[0]), *inputs[1:], **kwargs))
        raise _unknown(f"{ufunc.__name__}.{method}" if method != "__call__" else ufunc.__name__)

    def __array_function__(self, func, types, args, kwargs):
        if func in STRUCTURAL:
            return func(*map(primal, args), **kwargs)
        if func in LINEAR:
            first, rest = args[0], args[1:]
            return Dual(func(primal(first), *rest, **kwargs),
                        func(tangent(first), *rest, **kwargs))
        if func in LIKE:
            value = func(primal(args[0]), *args[1:], **kwargs)
            return Dual(value, np.zeros_like(value))
        if func in (np.max, np.amax, np.min, np.amin):
            return _extreme(func, *args, **kwargs)
        if func is np.where:
            cond, a, b = args
            value = np.where(primal(cond), primal(a), primal(b))
            return Dual(value, _shaped(np.where(primal(cond), tangent(a), tangent(b)), value))
        if func in (np.concatenate, np.stack):
            parts = args[0]
            return Dual(func([primal(p) for p in parts], *args[1:], **kwargs),
                        func([tangent(p) for p in parts], *args[1:], **kwargs))
        raise _unknown(func.__name__)


def primal(x):
    """The value of a Dual; anything else as it is."""
    return x.value if isinstance(x, Dual) else x


def tangent(x):
    """The tangent of a Dual; zero (of its shape) for a constant."""
    if isinstance(x, Dual):
        return x.tangent
    return np.zeros(np.shape(x)) if np.ndim(x) else np.float64(0.0)


def seed(value, direction) -> Dual:
    """An input's value with its tangent, float64 and of the value's shape (a number
    direction is spread over an array)."""
    t = np.broadcast_to(np.asarray(direction, dtype=np.float64), np.shape(value)).copy()
    return Dual(value, t[()] if t.ndim == 0 else t)


def finite_tangent(x) -> bool:
    """Whether x's tangent is finite everywhere (a constant's is)."""
    if not isinstance(x, Dual):
        return True
    t = x.tangent
    if type(t) is np.float64:
        return math.isfinite(t)
    return bool(np.isfinite(t).all())


def _tangent_of(terms: tuple[Term, ...], values: tuple, out, inputs: tuple, masked: bool):
    total: Any = None
    for rule, x in zip(terms, inputs, strict=False):
        if not isinstance(x, Dual):
            continue  # a constant: no term at all
        t = x.tangent
        c = rule(values, out, t)
        if masked and not _finite(c):
            # a zero tangent contributes zero, whatever the partial derivative is there
            c = np.where(np.equal(t, 0.0), 0.0, c)
        total = c if total is None else total + c
    return total


def _finite(c) -> bool:
    if type(c) is np.float64 or isinstance(c, float):
        return math.isfinite(c)
    return bool(np.isfinite(c).all())


def _shaped(t, value):
    """A tangent as a float64 of the value's shape (a constant operand's broadcasting
    leaves it smaller; a scalar stays a scalar)."""
    shape = np.shape(value)
    if np.shape(t) != shape:
        t = np.broadcast_to(t, shape).copy()
    if isinstance(t, np.ndarray):
        if t.dtype != np.float64:
            t = t.astype(np.float64)
        return t[()] if t.ndim == 0 else t
    return np.float64(t)


def _extreme(func, a, axis=None, out=None, keepdims=False, **kwargs) -> Dual:
    """max/min along an axis: the tangent of the element chosen; at a tie, the mean of
    the tied elements' tangents (max(a, b)'s ½ each, along an axis)."""
    if out is not None:
        raise _unknown(func.__name__ + " with out=")
    v, t = primal(a), tangent(a)
    m = func(v, axis=axis, keepdims=True, **kwargs)
    chosen = np.equal(v, m)
    tm = np.sum(t * chosen, axis=axis, keepdims=True) / np.sum(chosen, axis=axis, keepdims=True)
    if not keepdims:
        m = np.squeeze(m, axis=axis)[()]
        tm = np.squeeze(tm, axis=axis)[()]
    return Dual(m, tm)


def _unknown(name: str) -> MathError:
    return MathError(f"forward mode has no derivative for numpy's {name}, which an op's "
                     "rule uses",
                     hint="write the kernel with the numpy functions core/dual.py knows, or "
                          "add this function's derivative there")
