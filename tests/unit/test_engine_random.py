"""The engine (core/engine.py) on random programs, against an independent oracle
and against finite differences.

Hypothesis draws expression trees (+ - * /, ^ with small positive constant exponents,
unary minus, exp log sqrt sin cos tanh sigmoid relu abs, max, min, the inputs x, y, z
and constants) and programs of several statements (reassignment, += -= *= /=, names
used many times). Each is rendered as program text for backprop, and also evaluated
here, with Python floats and the math module, in forward mode: every value carries its
derivative with respect to x, y and z (a dual number). That oracle shares no code with
backprop: not its parser, its op table, numpy, nor reverse mode.

Beside its derivatives, each oracle value carries error scales: how large the rounding
errors of the value and of its derivatives may be, in units of machine epsilon (each
operation's own rounding, plus its operands' errors carried through the first and
second derivatives), and how large the derivative's terms are before they cancel.
Comparisons allow 1e-7 relative error plus a thousand times these scales. Where the
oracle says a value is not finite, backprop must stop with a MathError; where everything
is finite and moderate, it must not. Central differences of backprop's own forward
pass check the gradient too, unless a kink or a domain edge is within reach of the step.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from backpropcli.core.engine import evaluate, forward
from backpropcli.core.errors import MathError
from backpropcli.lang.parse import parse
from backpropcli.tasks.values import bind

INPUTS = ("x", "y", "z")
TARGETS = ("a", "b", "c", "x", "y", "z")  # reassigning an input is allowed too
UNARY = ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs")
BINARY = ("+", "-", "*", "/")
EXPONENTS = (0.5, 1, 1.5, 2, 3)
AUGMENTED = ("+=", "-=", "*=", "/=")

RTOL_ORACLE = 1e-7
SLACK = 1e3 * sys.float_info.epsilon  # per unit of an error scale: 1000 roundings' worth
TINY = 1e-290  # subnormal numbers lose relative precision: an absolute floor for underflow
RTOL_FD = 1e-4
STEP = 1e-6  # central differences: f(x + h) - f(x - h) over 2h
EXTREME = 1e100  # past this the engine may overflow where the oracle does not, or back

# ---------------------------------------------------------------------------
# Trees: ("var", k) | ("const", c) | ("neg", t) | ("fn", name, t) | ("bin", op, l, r)
#        | ("pow", t, exponent, spelling) | ("fn2", "max" | "min", l, r)
# A variable is an index into the names defined at that point of the program.

constants = st.one_of(
    st.integers(-5, 5).map(float),
    st.floats(-3, 3, allow_nan=False).map(lambda v: round(v, 3)),
)


def extend(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.tuples(st.just("neg"), children),
        st.tuples(st.just("fn"), st.sampled_from(UNARY), children),
        st.tuples(st.just("bin"), st.sampled_from(BINARY), children, children),
        st.tuples(st.just("pow"), children, st.sampled_from(EXPONENTS),
                  st.sampled_from(("^", "**"))),
        st.tuples(st.just("fn2"), st.sampled_from(("max", "min")), children, children),
    )


leaves = st.one_of(st.tuples(st.just("var"), st.integers(0, 5)),
                   st.tuples(st.just("const"), constants))
trees = st.recursive(leaves, extend, max_leaves=10)


def is_literal(tree) -> bool:
    """A tree that backprop reads as a number: `a = -(3)` declares an input, not a node."""
    while tree[0] == "neg":
        tree = tree[1]
    return tree[0] == "const"


formulas = trees.filter(lambda t: not is_literal(t))


def render(tree, names: list[str]) -> str:
    kind = tree[0]
    if kind == "var":
        return names[tree[1] % len(names)]
    if kind == "const":
        return repr(tree[1]) if tree[1] >= 0 and str(tree[1])[0] != "-" else f"({tree[1]!r})"
    if kind == "neg":
        return f"-({render(tree[1], names)})"
    if kind == "fn":
        return f"{tree[1]}({render(tree[2], names)})"
    if kind == "bin":
        return f"({render(tree[2], names)}) {tree[1]} ({render(tree[3], names)})"
    if kind == "pow":
        return f"({render(tree[1], names)}){tree[3]}{tree[2]}"
    if kind == "fn2":
        return f"{tree[1]}({render(tree[2], names)}, {render(tree[3], names)})"
    raise AssertionError(kind)


# ---------------------------------------------------------------------------
# The oracle: forward mode over Python floats


def div(p: float, q: float) -> float:
    """p / q as IEEE 754 has it (Python raises ZeroDivisionError instead)."""
    if q != 0 or math.isnan(q):
        return p / q
    if p == 0 or math.isnan(p):
        return math.nan
    return math.copysign(math.inf, p) * math.copysign(1.0, q)


def call(fn, x: float) -> float:
    """fn(x), with nan and inf where the math module raises instead (sin(inf), exp(1000))."""
    try:
        return fn(x)
    except ValueError:
        return math.nan
    except OverflowError:
        return math.inf


@dataclass(frozen=True)
class Dual:
    """A value with its derivatives and, in units of machine epsilon, the sizes of the
    rounding errors both may carry (so that comparisons know how much to allow)."""

    v: float  # the value
    d: tuple[float, ...] | None  # ∂v/∂(x, y, z); None for a value built from constants only
    err: float  # the value's rounding error is about err · ε at most
    size: tuple[float, ...] | None  # Σ |chain-rule terms| of each derivative, before cancelling
    derr: float = 0.0  # the derivatives' rounding errors are about derr · ε at most
    input: str | None = None  # the input this value is, while it is still that input


@dataclass
class Oracle:
    values: dict[str, float]
    used: set[str] = field(default_factory=set)  # inputs the program reads
    nonfinite: bool = False  # some value was not a finite number
    extreme: bool = False  # some value or derivative is infinite or beyond EXTREME
    ambiguous: bool = False  # a kink so close that rounding decides which side
    fd_unsafe: bool = False  # a kink or domain edge within reach of the finite-difference step

    def leaf(self, name: str) -> Dual:
        k = INPUTS.index(name)
        unit = tuple(1.0 if i == k else 0.0 for i in range(3))
        v = self.values[name]
        return Dual(v, unit, abs(v), unit, input=name)

    def apply(self, v: float, operands: tuple[Dual, ...], local: tuple[float, ...],
              local_err: tuple[float, ...] | None = None, room: float = math.inf) -> Dual:
        """A new value from operands: the chain rule for its derivatives, and their error
        scales. `local_err`: how wrong each local derivative may be, in units of ε (from
        its own rounding, and from the operand's error through the second derivative);
        none for exact ones (1, -1, 0, ½). `room`: how far the operand may move before a
        kink or a domain edge, or before curvature spoils a central difference."""
        local_err = local_err or (0.0,) * len(local)
        if not math.isfinite(v):
            self.nonfinite = True
        terms = [(loc, e, o) for loc, e, o in zip(local, local_err, operands, strict=True)
                 if o.d is not None]
        d = size = None
        derr = 0.0
        if terms:
            d = tuple(sum(loc * o.d[i] for loc, _, o in terms) for i in range(3))
            size = tuple(sum(abs(loc) * o.size[i] for loc, _, o in terms) for i in range(3))
            derr = max(size) + sum(abs(loc) * o.derr + e * max(o.size) for loc, e, o in terms)
            # a step h = STEP · max(1, |input|) moves the operand by up to h · size
            step = STEP * max(1.0, *(abs(v) for v in self.values.values()))
            reach = step * sum(max(o.size) for _, _, o in terms)
            if not reach < 1e-3 * room:
                self.fd_unsafe = True
        err = abs(v) + sum(abs(loc) * o.err for loc, o in zip(local, operands, strict=True))
        for q in (v, err, derr, *local, *local_err, *(d or ()), *(size or ())):
            if not abs(q) < EXTREME:  # also catches nan
                self.extreme = True
        return Dual(v, d, err, size, derr)

    def kink(self, gap: float, scale: float) -> None:
        """A kink at gap = 0: rounding could put the two implementations on its two sides."""
        if gap != 0 and abs(gap) <= 1e-9 * scale:
            self.ambiguous = True

    # -- evaluation ------------------------------------------------------------
    def read(self, name: str, env: dict[str, Dual]) -> Dual:
        dual = env[name]
        if dual.input is not None:
            self.used.add(dual.input)
        return dual

    def eval(self, tree, env: dict[str, Dual], names: list[str]) -> Dual:
        kind = tree[0]
        if kind == "var":
            return self.read(names[tree[1] % len(names)], env)
        if kind == "const":
            return Dual(tree[1], None, 0.0, None)
        if kind == "neg":
            a = self.eval(tree[1], env, names)
            return self.apply(-a.v, (a,), (-1.0,))
        if kind == "fn":
            return self.function(tree[1], self.eval(tree[2], env, names))
        if kind == "pow":
            return self.power(self.eval(tree[1], env, names), float(tree[2]))
        a, b = self.eval(tree[2], env, names), self.eval(tree[3], env, names)
        if kind == "bin":
            return self.binary(tree[1], a, b)
        return self.extremum(tree[1], a, b)

    def binary(self, op: str, a: Dual, b: Dual) -> Dual:
        if op == "+":
            return self.apply(a.v + b.v, (a, b), (1.0, 1.0))
        if op == "-":
            return self.apply(a.v - b.v, (a, b), (1.0, -1.0))
        if op == "*":
            return self.apply(a.v * b.v, (a, b), (b.v, a.v), (b.err, a.err))
        inv = div(1.0, b.v)  # ∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = -a/b²
        local = (inv, -div(a.v, b.v * b.v))
        local_err = (abs(inv) + b.err * inv * inv,
                     3 * abs(local[1]) + a.err * inv * inv + 2 * abs(local[1] * inv) * b.err)
        return self.apply(div(a.v, b.v), (a, b), local, local_err, room=abs(b.v))

    def power(self, a: Dual, c: float) -> Dual:
        smooth = c == int(c) and c >= 1  # a polynomial: no kink, no edge
        x = a.v
        v = call(lambda t: math.pow(t, c), x)  # nan for a negative base to a fractional power
        if x == 0:
            local = 0.0 if c > 1 else 1.0 if c == 1 else math.inf
            second = 2.0 if c == 2 else 0.0 if c == 1 or c > 2 else math.inf
        else:
            local = c * call(lambda t: math.pow(t, c - 1), x)
            second = c * (c - 1) * call(lambda t: math.pow(t, c - 2), x)
        local_err = 2 * abs(local) + abs(second) * a.err
        return self.apply(v, (a,), (local,), (local_err,), room=math.inf if smooth else abs(x))

    def function(self, name: str, a: Dual) -> Dual:
        """The value, the local derivative f'(x), and f'(x)'s error: its own rounding
        plus |f''(x)| times the operand's error."""
        x, e = a.v, a.err
        if name == "exp":
            v = call(math.exp, x)
            return self.apply(v, (a,), (v,), (abs(v) * (1 + e),), room=1.0)
        if name == "log":
            v = math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan)
            inv = div(1.0, x)
            return self.apply(v, (a,), (inv,), (abs(inv) + e * inv * inv,), room=abs(x))
        if name == "sqrt":
            v = math.sqrt(x) if x >= 0 else math.nan
            local = div(0.5, v)
            return self.apply(v, (a,), (local,), (2 * abs(local) + e * abs(div(local, 2 * x)),),
                              room=abs(x))
        if name == "sin":
            s, c = call(math.sin, x), call(math.cos, x)
            return self.apply(s, (a,), (c,), (1 + abs(s) * e,), room=1.0)
        if name == "cos":
            s, c = call(math.sin, x), call(math.cos, x)
            return self.apply(c, (a,), (-s,), (1 + abs(c) * e,), room=1.0)
        if name == "tanh":
            v = math.tanh(x)
            local = 1 - v * v  # cancels as |x| grows: its error stays about ε, not ε · local
            return self.apply(v, (a,), (local,), (2 + abs(2 * v * local) * e,), room=1.0)
        if name == "sigmoid":
            # 1 / (1 + e^-x), written so that neither branch overflows
            z = call(math.exp, -abs(x))  # never overflows; nan stays nan
            v = 1 / (1 + z) if x >= 0 else z / (1 + z)
            local = v * (1 - v)
            return self.apply(v, (a,), (local,), (2 + abs(local * (1 - 2 * v)) * e,), room=1.0)
        self.kink(x, e)
        if name == "relu":  # relu'(0) = 0
            return self.apply(x if x > 0 else 0.0, (a,), (1.0 if x > 0 else 0.0,), room=abs(x))
        if name == "abs":  # abs'(0) = 0
            sign = (x > 0) - (x < 0)
            return self.apply(abs(x), (a,), (float(sign),), room=abs(x))
        raise AssertionError(name)

    def extremum(self, name: str, a: Dual, b: Dual) -> Dual:
        self.kink(a.v - b.v, a.err + b.err)
        if a.v == b.v:  # a tie: half the gradient to each operand
            local = (0.5, 0.5)
        else:
            first = a.v > b.v if name == "max" else a.v < b.v
            local = (1.0, 0.0) if first else (0.0, 1.0)
        v = max(a.v, b.v) if name == "max" else min(a.v, b.v)
        return self.apply(v, (a, b), local, room=abs(a.v - b.v))

    def run(self, statements: list[tuple[str, str, tuple]]) -> tuple[Dual, str]:
        """Execute (target, "=" or "+=" ..., tree) statements; the last target is the output.
        Returns the output and the program text."""
        env = {name: self.leaf(name) for name in INPUTS}
        names = list(INPUTS)  # the names defined so far, in order
        lines = []
        for target, how, tree in statements:
            text = render(tree, names)
            value = self.eval(tree, env, names)
            if how == "=":
                env[target] = value
            else:
                env[target] = self.binary(how[0], self.read(target, env), value)
            lines.append(f"{target} {how} {text}")
            if target not in names:
                names.append(target)
        return env[statements[-1][0]], "\n".join(lines)


# ---------------------------------------------------------------------------
# The comparison

points = st.fixed_dictionaries({n: st.floats(-3, 3, allow_nan=False) for n in INPUTS})


def engine_loss(graph, inputs: dict) -> float:
    values, _ = forward(graph, inputs)
    return float(values[graph.output])


def central_difference(graph, inputs: dict, name: str) -> float | None:
    h = STEP * max(1.0, abs(float(inputs[name])))
    try:
        up = engine_loss(graph, {**inputs, name: inputs[name] + h})
        down = engine_loss(graph, {**inputs, name: inputs[name] - h})
    except MathError:  # the step crossed a domain edge
        return None
    return (up - down) / (2 * h)


def compare(statements: list[tuple[str, str, tuple]], point: dict[str, float]) -> None:
    oracle = Oracle(point)
    out, text = oracle.run(statements)
    assume(not oracle.ambiguous)
    graph = parse(text)
    assert set(graph.input_names) == oracle.used, text
    inputs = bind(graph, {n: np.float64(point[n]) for n in graph.input_names})
    try:
        ev = evaluate(graph, inputs)
    except MathError as e:
        failed = e.message
    else:
        failed = None
    if failed is not None:
        assert oracle.nonfinite or oracle.extreme, f"{text}\nat {point}: {failed}"
        event("math error")
        return
    assert not oracle.nonfinite, f"{text}\nat {point}: the oracle has a value that is not finite"
    if oracle.extreme:
        event("extreme but finite")
        return
    event("compared")
    where = f"{text}\nat {point}"
    assert abs(float(ev.value) - out.v) <= RTOL_ORACLE * abs(out.v) + SLACK * out.err + TINY, (
        f"{where}: value {float(ev.value)!r}, oracle {out.v!r}")
    grads = ev.gradients()
    assert set(grads) == oracle.used, where
    for name in grads:
        k = INPUTS.index(name)
        want = 0.0 if out.d is None else out.d[k]
        got = float(grads[name])
        assert abs(got - want) <= RTOL_ORACLE * abs(want) + SLACK * out.derr + TINY, (
            f"{where}: ∂/∂{name} = {got!r}, oracle {want!r}")
    if oracle.fd_unsafe:
        event("no finite differences (kink or edge within reach)")
        return
    for name in grads:
        fd = central_difference(graph, inputs, name)
        if fd is None:
            continue
        got = float(grads[name])
        k = INPUTS.index(name)
        scale = max(abs(got), 0.0 if out.size is None else out.size[k], 1.0)
        roundoff = 1e-9 * out.err  # machine epsilon · scale / STEP, with room to spare
        assert abs(got - fd) <= RTOL_FD * scale + roundoff, (
            f"{where}: ∂/∂{name} = {got!r}, central difference {fd!r}")


@settings(max_examples=1000, deadline=None)
@given(tree=formulas, point=points, target=st.sampled_from(["out", "f", "x"]))
def test_one_formula_matches_the_oracle(tree, point, target):
    compare([(target, "=", tree)], point)


statement = st.tuples(st.integers(0, len(TARGETS) - 1),
                      st.sampled_from(("=", "=", *AUGMENTED)), formulas)


@st.composite
def programs(draw):
    """Statements whose augmented targets are always defined already (x, y, z, or an
    earlier target), so that no statement makes a new input by accident."""
    drawn = draw(st.lists(statement, min_size=2, max_size=6))
    defined = list(INPUTS)
    out = []
    for k, how, tree in drawn:
        choices = TARGETS if how == "=" else defined
        target = choices[k % len(choices)]
        out.append((target, how, tree))
        if target not in defined:
            defined.append(target)
    return out


@settings(max_examples=500, deadline=None)
@given(statements=programs(), point=points)
def test_programs_of_several_statements_match_the_oracle(statements, point):
    compare(statements, point)


# ---------------------------------------------------------------------------
# The oracle itself, on cases worked by hand (a wrong oracle would pass anything)

@pytest.mark.parametrize(("statements", "point", "value", "grads"), [
    # the worked example: f = x*y; g = f + z
    ([("f", "=", ("bin", "*", ("var", 0), ("var", 1))),
      ("g", "=", ("bin", "+", ("var", 3), ("var", 2)))],
     {"x": 3.0, "y": -4.0, "z": 2.0}, -10.0, (-4.0, 3.0, 1.0)),
    # b = x + x; c = b * b: ∂c/∂x = 8x
    ([("b", "=", ("bin", "+", ("var", 0), ("var", 0))),
      ("c", "=", ("bin", "*", ("var", 3), ("var", 3)))],
     {"x": 3.0, "y": 0.0, "z": 0.0}, 36.0, (24.0, 0.0, 0.0)),
    # x *= x; x += y: x² + y, reassigning an input
    ([("x", "*=", ("var", 0)), ("x", "+=", ("var", 1))],
     {"x": 3.0, "y": 2.0, "z": 0.0}, 11.0, (6.0, 1.0, 0.0)),
    # max(x, x) = x: the tie splits, and the halves add back up
    ([("m", "=", ("fn2", "max", ("var", 0), ("var", 0)))],
     {"x": -2.0, "y": 0.0, "z": 0.0}, -2.0, (1.0, 0.0, 0.0)),
    # sqrt(x)^3 = x^1.5: derivative 1.5 · sqrt(x)
    ([("p", "=", ("pow", ("fn", "sqrt", ("var", 0)), 3, "^"))],
     {"x": 4.0, "y": 0.0, "z": 0.0}, 8.0, (3.0, 0.0, 0.0)),
])
def test_oracle_by_hand(statements, point, value, grads):
    out, _ = Oracle(point).run(statements)
    assert out.v == pytest.approx(value)
    assert out.d == pytest.approx(grads)


def test_rendering_is_read_back_as_written():
    tree = ("bin", "-", ("neg", ("pow", ("var", 0), 2, "^")), ("const", -1.5))
    assert render(tree, ["x"]) == "(-((x)^2)) - ((-1.5))"
    out, text = Oracle({"x": 3.0, "y": 0.0, "z": 0.0}).run([("f", "=", tree)])
    ev = evaluate(parse(text), {"x": np.float64(3.0)})
    assert float(ev.value) == out.v == -7.5
