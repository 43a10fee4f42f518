"""Rows a reader can check by hand: the digits shown for a row's operands are chosen so
that the operands, recomputed, round to the row's shown result at its shown precision.

A row `g = x * y = 0.0001234 · 123456.7   15.2407` is wrong on paper: the product of
the numbers shown is 15.2346. Here each operand starts as the command's precision (or
as typed, for an input) writes it, and all of a row's operands gain a significant digit
at a time until the recomputed result, written as the result is, equals it:
`0.00012345 · 123456.7 = 15.2407`. At worst every operand is written in full (the
shortest exact text), and then the recomputation is the computation itself, so the
search always ends. Only the digits change, never a value; JSON keeps every digit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np

from . import fmt
from .engine import Evaluation
from .graph import INPUT
from .ops import FWD

Format = Callable[[float], str]


def rungs(value: float, start: Format) -> list[Format]:
    """The ways to write value, from `start` to the shortest exact text, each one closer
    to value than the one before."""
    value = float(value)
    ladder: list[Format] = [start]
    if not math.isfinite(value):
        return ladder
    error = _error(start(value), value)
    for k in range(1, fmt.MOST + 1):
        if not error:  # exact already (as typed, or --full): nothing is closer
            return ladder
        closer = _error(fmt.significant(value, k), value)
        if closer < error:
            ladder.append(partial(fmt.significant, k=k))
            error = closer
    if error:
        ladder.append(fmt.shortest)
    return ladder


def _error(text: str, value: float) -> float:
    try:
        return abs(float(text) - value)
    except ValueError:
        return math.inf


def choose(values: Sequence[float], starts: Sequence[Format], result: float,
           recompute: Callable[[list[float]], float],
           shown: Format = fmt.number) -> list[Format]:
    """How to write each operand so that recompute(operands as written), written by
    `shown`, is shown(result): the first rung (every operand going up together) that
    does it."""
    ladders = [rungs(v, s) for v, s in zip(values, starts, strict=True)]
    target = shown(result)
    top = max((len(ladder) for ladder in ladders), default=1)
    for level in range(top):
        formats = [ladder[min(level, len(ladder) - 1)] for ladder in ladders]
        try:
            with np.errstate(all="ignore"):
                again = float(recompute([float(f(v)) for f, v in zip(formats, values,
                                                                     strict=True)]))
        except (ArithmeticError, ValueError, TypeError):
            continue
        if shown(again) == target:
            return formats
    return [ladder[-1] for ladder in ladders]


def start(ev: Evaluation, j: int) -> Format:
    """How node j's value is first written as an operand: as typed for an input or a
    number in the program (as its own row shows it), else at the command's precision."""
    node = ev.graph.nodes[j]
    return fmt.typed if node.op == INPUT or (node.is_const and not node.is_data) else fmt.number


def operands(ev: Evaluation, i: int) -> list[str]:
    """The operands of scalar node i, written so that the op applied to them rounds to
    its value as shown."""
    node = ev.graph.nodes[i]
    values = [float(ev.values[j]) for j in node.args]
    fwd = FWD[node.op]

    def recompute(xs: list[float]) -> float:
        a = np.float64(xs[0])
        b = np.float64(xs[1]) if len(xs) > 1 else None
        return fwd(a, b, node.static)

    formats = choose(values, [start(ev, j) for j in node.args], float(ev.values[i]), recompute)
    return [f(v) for f, v in zip(formats, values, strict=True)]


def products(pairs: Sequence[tuple[Any, Any]], total: Any) -> list[tuple[str, str]]:
    """Pairs upstream · local of a chain-rule row, written so that the sum of their
    products rounds to the total as shown."""
    values = [float(x) for pair in pairs for x in pair]

    def recompute(xs: list[float]) -> float:
        return sum(xs[k] * xs[k + 1] for k in range(0, len(xs), 2))

    formats = choose(values, [fmt.number] * len(values), float(total), recompute)
    texts = [f(v) for f, v in zip(formats, values, strict=True)]
    return [(texts[k], texts[k + 1]) for k in range(0, len(texts), 2)]


def product(factors: Sequence[Any], result: Any) -> list[str]:
    """The factors of a product (a path of the chain rule), written so that their
    product rounds to the result as shown."""
    values = [float(x) for x in factors]
    formats = choose(values, [fmt.number] * len(values), float(result), math.prod)
    return [f(v) for f, v in zip(formats, values, strict=True)]


def step(old: float, grad: float, lr: float, new: float) -> tuple[str, str, str]:
    """A step's row: the old value, the gradient and the change −lr·gradient, written so
    that old + change rounds to the new value as shown, and −lr · gradient to the
    change as shown."""
    change = -lr * grad
    old_f, change_f = choose([old, change], [fmt.typed, fmt.number], new,
                             lambda xs: xs[0] + xs[1])
    (grad_f,) = choose([grad], [fmt.number], change, lambda xs: -lr * xs[0], shown=change_f)
    return old_f(old), grad_f(grad), change_f(change)


def summands(values: Sequence[Any], total: Any) -> list[str]:
    """The terms of a sum (the paths of the chain rule, added), written so that their
    sum rounds to the total as shown."""
    numbers = [float(x) for x in values]
    formats = choose(numbers, [fmt.number] * len(numbers), float(total), math.fsum)
    return [f(v) for f, v in zip(formats, numbers, strict=True)]


def descent(old: float, lr: float, grad: float, new: float) -> tuple[str, str]:
    """old − lr · grad written so that it recomputes to the new value as shown."""
    formats = choose([old, grad], [fmt.typed, fmt.number], new, lambda xs: xs[0] - lr * xs[1])
    return formats[0](old), formats[1](grad)
