"""Constant folding for the compiled form (compiled.py): the parts of a generated line
that read no variable of the run are worked out once, at compile time.

A rule pasted at a node often has a part that is the same at every call: the exponent
`b - 1` of x^2's derivative `b * a**(b - 1)` when b is a constant, the gradient of a
mean over data, `2 * c3`. Such a part is evaluated now, by the same text on the same
operands (so to the same number, bit for bit), and bound by name in the generated
code's namespace. A part that raises is left in the code, to raise where it did.

Two rewritings follow, each exact in floating point. x ** 1 is x (IEEE pow(x, 1) = x,
and numpy's x ** 1.0 is a copy of x), so a power whose exponent folded to exactly 1 is
its base: the derivative of x^2 becomes `2 * x`, one operation where it was three. And
a constant times a power of two times x is one product (_scaled): x^2's gradient times
the constant gradient of a penalty, `k * (2 * x)`, is `k2 * x`.
"""

from __future__ import annotations

import ast
import re

import numpy as np

# A variable of the run: a node's value (v12) or a gradient (g7). Every other name in
# the generated code (c3, h40, k41, g_seed, the kernels) is bound before it runs.
RUNTIME = re.compile(r"\b[vg]\d+\b")
# Worth parsing: an operation between two things that are not variables of the run (a
# cheap test on the text, so that the lines of a long program are not all parsed; the
# tree then decides).
_ATOM = r"(?:\b[chkz]\d+\b|\bg_seed\b|(?<![\w.])\d+(?:\.\d*)?)"
_CANDIDATE = re.compile(rf"{_ATOM}\s*(?:\*\*|[-+*/@])\s*{_ATOM}|\w\({_ATOM}(?:, {_ATOM})*\)"
                        rf"|{_ATOM} \* \({_ATOM} \*")  # (the last: k * (c * x))
_COMPUTED = (ast.BinOp, ast.UnaryOp, ast.Call, ast.Subscript, ast.Attribute, ast.Compare)


def fold(expr: str, env: dict) -> str:
    """`expr` with every largest part that reads no variable of the run bound by name in
    env (the whole of it, if it reads none), then x ** 1 written x and k·(c·x) as
    (k·c)·x."""
    if not RUNTIME.search(expr):
        name = _value(expr, env)
        return expr if name is None else name
    if not _CANDIDATE.search(expr):
        return expr
    tree = ast.parse(expr, mode="eval")
    # each pass walks the tree as the one before left it (a part folded away is not
    # visited again)
    changed = [rewrite(_walk(tree), env) for rewrite in (_fold_parts, _unit_powers,
                                                         _reassociate)]
    return ast.unparse(tree) if any(changed) else expr


def _walk(tree: ast.AST) -> list[ast.AST]:
    """The tree's nodes, parents before children (a stack: no recursion)."""
    order: list[ast.AST] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return order


def _fold_parts(order: list[ast.AST], env: dict) -> bool:
    reads: dict[ast.AST, bool] = {}
    for node in reversed(order):  # children first
        reads[node] = (isinstance(node, ast.Name) and bool(RUNTIME.fullmatch(node.id))) \
            or any(reads[c] for c in ast.iter_child_nodes(node))
    gone: set[ast.AST] = set()  # the nodes inside a part already folded
    for node in order:  # parents first: a part is folded whole, not piece by piece
        if node in gone:
            continue
        for part, put in _operands(node):
            if not reads[part] and isinstance(part, _COMPUTED):
                name = _value(ast.unparse(part), env)
                if name is not None:
                    put(ast.Name(id=name, ctx=ast.Load()))
                    gone.update(_walk(part))
    return bool(gone)


def _unit_powers(order: list[ast.AST], env: dict) -> bool:
    """x ** 1 → x, as an operand of arithmetic (which makes a new array: a line's value
    is never another line's)."""
    changed = False
    for node in order:
        for part, put in _operands(node):
            if isinstance(node, ast.BinOp) and isinstance(part, ast.BinOp) \
                    and isinstance(part.op, ast.Pow) and isinstance(part.right, ast.Name) \
                    and _is_one(env.get(part.right.id)):
                put(part.left)
                changed = True
    return changed


def _reassociate(order: list[ast.AST], env: dict) -> bool:
    """k · (c · x) → (k·c) · x, for constants k and c, c a power of two ≥ 1 (_scaled)."""
    changed = False
    for node in order:
        for part, put in _operands(node):
            both = _scaled(part, env)
            if both is not None:
                name = _value(f"{both[0]} * {both[1]}", env)
                if name is not None and bool(np.all(np.isfinite(env[name]))):
                    put(ast.BinOp(ast.Name(id=name, ctx=ast.Load()), ast.Mult(),
                                  part.right.right))
                    changed = True
    return changed


def _scaled(part: ast.AST, env: dict) -> tuple[str, str] | None:
    """The names k and c of `k * (c * x)`, k and c constants and c a power of two no
    less than 1; else None. Multiplying by such a c is exact (the exponent moves, the
    digits stay) unless it overflows, so k·(c·x) and (k·c)·x are the one product k·c·x
    rounded once, the same number: the gradient of x^2 times a constant (an L2 penalty,
    a mean of squares) is one product where it was two. (Only |x| beyond 10^308 / c
    could tell them apart, and x^2 is already infinite there, which ends a run.)"""
    if not (isinstance(part, ast.BinOp) and isinstance(part.op, ast.Mult)
            and isinstance(part.left, ast.Name) and isinstance(part.right, ast.BinOp)
            and isinstance(part.right.op, ast.Mult) and isinstance(part.right.left, ast.Name)):
        return None
    k, c = part.left.id, part.right.left.id
    if RUNTIME.fullmatch(k) or RUNTIME.fullmatch(c) or k not in env or c not in env:
        return None
    value = env[c]
    if type(value) not in (int, float, np.float64) or not np.isfinite(value) or value < 1:
        return None
    mantissa, _ = np.frexp(value)
    return (k, c) if mantissa == 0.5 else None


def _operands(node: ast.AST):
    """Each expression directly inside node, with a function that puts another in its
    place."""
    for field, value in ast.iter_fields(node):
        if isinstance(value, ast.expr):
            yield value, lambda new, field=field: setattr(node, field, new)
        elif isinstance(value, list):
            for k, item in enumerate(value):
                if isinstance(item, ast.expr):
                    yield item, lambda new, items=value, k=k: items.__setitem__(k, new)


def _is_one(value: object) -> bool:
    return type(value) in (int, float, np.float64) and value == 1


def _value(expr: str, env: dict) -> str | None:
    """Work out an expression that reads no variable of the run; bind it, return its
    name. None if it raises (it then stays in the code, to raise where it did)."""
    try:
        with np.errstate(all="ignore"):
            value = eval(expr, env)  # safe: generated from rule texts and names, no user text
    except Exception:  # any error is the run's to raise, where it did before
        return None
    name = f"k{len(env)}"  # the namespace only grows: a fresh name
    env[name] = value
    return name
