"""Buffers for the compiled code's large arrays, made once and written again at every call.

A descent step of a net on a real data set makes dozens of arrays of a few hundred KB
(1 347 images × 32 hidden units) and frees them again. glibc gives arrays that large back
to the system when they are freed and takes fresh pages for the next, and touching a
fresh page costs a page fault: on the digits step more time went to those than to the
arithmetic. So the compiler gives each line whose value is a large float64 array its own
buffer, and writes the line's outermost operation as the numpy function it is, with
`out=` that buffer (`v11 = add(v10, v5, out=b11)`); an elementwise operand of the same
shape is computed into the same buffer first (`g11 = multiply(g12, subtract(1, v12**2,
out=b), out=b)`): a chain of elementwise operations runs in one array.

`x + y` on arrays is numpy's add(x, y), and add(x, y, out=b) computes the same numbers
into b: the results stay the engine's bit for bit. The values the function returns are
never buffers (a caller may keep them across calls); every other buffer is written only
by its line, and read after it in the same call.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Any

import numpy as np

BIG = 4096  # elements (32 KB): below this an array is cheap to make, and `out=` costs more

# The operations written as functions with out=: what `a + b` and friends call.
_BINARY = {ast.Add: "_add", ast.Sub: "_subtract", ast.Mult: "_multiply",
           ast.Div: "_divide", ast.MatMult: "_matmul"}
UFUNCS = {"_add": np.add, "_subtract": np.subtract, "_multiply": np.multiply,
          "_divide": np.divide, "_matmul": np.matmul, "_negative": np.negative}
_ELEMENTWISE = ("exp", "log", "sqrt", "sin", "cos", "tanh", "sign")  # ufuncs of NAMESPACE


def with_buffers(lines: Sequence[str], env: dict, args: dict[str, object],
                 keep: set[str]) -> list[str]:
    """`lines` (`name = expression`, in order) with the large arrays written into
    buffers bound in `env`. The lines are run once on `args` (the example inputs, by
    parameter name) to learn every value's shape; `keep` names the values returned."""
    env.update(UFUNCS)
    scope = {**env, **args}
    out: list[str] = []
    for k, line in enumerate(lines):
        name, expr = line.split(" = ", 1)
        written = None
        if name not in keep:
            written = _rewrite(expr, scope, env, f"b{k}_{name}")
        try:
            with np.errstate(all="ignore"):  # (as the run: its loop ignores them too)
                exec(f"{name} = {expr}", scope)  # safe: generated code (see compiled.py)
        except Exception:  # the run raises here too, where it did: the rest stays as it is
            return [*out, *lines[k:]]
        out.append(line if written is None else f"{name} = {written}")
    return out


def into(lines: Sequence[str], targets: Sequence[tuple[str, str]]) -> list[str]:
    """`lines` with each (variable, array) of `targets` (a gradient returned, and where
    the caller wants it) ending in that array: the variable's last line's outermost
    operation written `out=` it, or, where there is none (a variable made elsewhere, a
    constant, one already sent to another array: x + y gives x and y one gradient),
    copied in at the end. A later line may read the variable (a gradient passed on to
    an input unchanged): it reads the same numbers, and nothing writes the array again."""
    out = list(lines)
    last = {line.split(" = ", 1)[0]: k for k, line in enumerate(out)}
    copies = []
    for name, target in targets:
        k = last.pop(name, None)
        made = None if k is None else _operation(
            ast.parse(out[k].split(" = ", 1)[1], mode="eval").body)
        if k is None or made is None:
            copies.append(f"{target}[...] = {name}")
            continue
        ufunc, operands = made
        out[k] = f"{name} = {ufunc}({', '.join(map(ast.unparse, operands))}, out={target})"
    return out + copies


def _big(value: object) -> bool:
    return type(value) is np.ndarray and value.dtype == np.float64 and value.size >= BIG


def _rewrite(expr: str, scope: dict, env: dict, buffer: str) -> str | None:
    """The expression with its outermost operation written into a new buffer, or None
    when its value is not a large float64 array or the operation has no out=."""
    tree = ast.parse(expr, mode="eval").body
    value = _value(tree, scope)
    if not _big(value) or _operation(tree) is None:
        return None
    env[buffer] = np.empty_like(value)
    return _into(tree, value.shape, scope, buffer)


def _value(tree: ast.expr, scope: dict) -> Any:
    try:
        with np.errstate(all="ignore"):
            code = compile(ast.Expression(tree), "<expr>", "eval")
            return eval(code, scope)  # safe: a part of generated code, no user text
    except Exception:  # it raises at run time too: leave it as it is
        return None


def _operation(tree: ast.expr) -> tuple[str, list[ast.expr]] | None:
    """The ufunc and operands of an operation that takes out=, or None."""
    if isinstance(tree, ast.BinOp) and type(tree.op) in _BINARY:
        return _BINARY[type(tree.op)], [tree.left, tree.right]
    if isinstance(tree, ast.UnaryOp) and isinstance(tree.op, ast.USub):
        return "_negative", [tree.operand]
    if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and \
            tree.func.id in _ELEMENTWISE and len(tree.args) == 1 and not tree.keywords:
        return tree.func.id, [tree.args[0]]
    return None


def _into(tree: ast.expr, shape: tuple[int, ...], scope: dict, buffer: str) -> str:
    """tree's text, its outermost operation writing into `buffer`, and one elementwise
    operand of the same shape too (recursively): only one, as the other operands are
    read while the buffer holds it."""
    ufunc, operands = _operation(tree) or ("", [])  # (an operation: the caller checked)
    texts = []
    used = ufunc == "_matmul"  # a product's operands are not its shape
    for operand in operands:
        inner = _operation(operand)
        if not used and inner is not None and inner[0] != "_matmul":
            v = _value(operand, scope)
            if _big(v) and v.shape == shape:
                texts.append(_into(operand, shape, scope, buffer))
                used = True
                continue
        texts.append(ast.unparse(operand))
    return f"{ufunc}({', '.join(texts)}, out={buffer})"
