"""The op table: one row per primitive, and the only place an op's meaning lives.

Each rule is one expression over numpy, in the manner of tinygrad's gradient table:
`a` and `b` are the operands, `out` is the op's value, `g` is the gradient arriving
from the output, `s` is the tuple of the op's static whole-number arguments (an axis,
an index). An elementwise op gives its local derivatives ∂out/∂a, ∂out/∂b (`local`);
the chain rule multiplies them by `g` and sums away any broadcasting. Any other op
gives what flows back to each operand directly (`vjp`, a vector-Jacobian product).

The interpreter (engine.py) turns each rule into a function once, the first time
the op is used; the compiler (compiled.py) pastes the same text into straight-line
code. Beyond the rule variables, a rule may use the names of kernels.NAMESPACE
(numpy's functions and the kernels written for the table). The rules are this
module's own text, never user input.

Conventions at kinks and ties (the same everywhere, and the same as PyTorch):
relu'(0) = 0; abs'(0) = sign(0) = 0; max(a, b) and min(a, b) at a == b send half
of the gradient to each operand, so max(x, x) has derivative 1; amax(a), the largest
element, shares it equally among the elements tied for largest (as torch.amax does).
Forward mode and second derivatives (core/jvp.py: the engine's passes on dual numbers,
from these same rules) keep them: sign' = 0, so relu'' = 0 and abs'' = 0 everywhere,
the kink included; at a tie, each operand's tangent counts half (PyTorch's double
backward).

Each row also says how a framework writes its forward pass (the `torch` and `jax`
columns), for `backprop export`, whose scripts then leave the gradient to the
framework's autodiff; the columns keep the conventions above (JAX's own abs has
derivative 1 at 0, so its column is a·sign(a)).

A row is added by writing it in _ROWS (CONTRIBUTING.md says how), or while the
program runs by register(), the one public place to add a primitive from outside.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .graph import CONST, INPUT
from .initializers import INITIALIZERS
from .kernels import NAMESPACE
from .written import SLOTS, fill, substitute


@dataclass(frozen=True)
class Op:
    """One primitive: its value, its derivative, and how it reads, shows and fails.

    Every fact about an op is a field here, so that adding an op is one row (and a test
    sampler); nothing elsewhere names an op. See CONTRIBUTING.md for the recipe.
    """

    name: str  # the grammar alias or function name, the table key and the JSON "op"
    arity: int  # operands that carry a gradient (1 or 2: they are `a` and `b` in the rules)
    fwd: str  # the value
    local: tuple[str, ...] = ()  # elementwise ops: ∂out/∂operand
    vjp: tuple[str, ...] = ()  # other ops: the operand's share of g
    # how a node reads, "{0} * {1}", "{0}[{s}]" ({s}: the statics); empty for a function,
    # which reads "name(operands)" and is called by that name (no grammar rule needed)
    reads: str = ""
    # the derivative as a person writes it, where the rule is not; for an op that is not
    # elementwise, what it passes back to the operand, written with g (the upstream)
    shows: tuple[str, ...] = ()
    # the same, where `shows` would not be a true formula for operands of some ranks: pairs
    # of (the operands' ranks, what to show for them), the first that fits chosen. A
    # vector is a row on the left of @ and a column on the right, so g @ transpose(b) is
    # the gradient of a matrix a, but outer(g, b) that of a matrix times a vector.
    by_rank: tuple[tuple[tuple[int, ...], tuple[str, ...]], ...] = ()
    # a product of each element of a with each of b (outer): the result has a's axes
    # then b's (the engine checks its size before numpy makes it)
    spreads: bool = False
    statics: tuple[int, int] = (0, 0)  # how many static whole-number arguments it takes
    static_kind: str = ""  # what they are: "axis" (sum(x, 1)) or "index" (x[0, 2])
    contracts: bool = False  # a product over an inner axis (@): its operands' axes must agree
    # LaTeX for the function's name: a command followed by the parentheses (r"\exp":
    # \exp(a)), or one ending in {} that takes its argument in braces (r"\sqrt{}":
    # \sqrt{a}); empty: \operatorname{name}
    latex: str = ""
    hint: str = ""  # what to check when its value is not a finite number
    doc: str = ""  # what it computes, in a few words (the README's tables are made of these)
    gate: str = ""  # how the op, as a gate, hands the gradient on (for `backprop explain`)
    # other spellings of a function's name, as people write it (σ for sigmoid; the
    # grammar has a terminal for each)
    spelled: tuple[str, ...] = ()
    # The same forward pass in a framework, one expression over a, b and the statics, for
    # `backprop export`: the framework's autodiff then gives the gradient. `*s` spreads
    # the statics as positional arguments (an axis), `[s]` is an index; empty: the
    # framework has no such op, and export says so. `torch` writes torch's functions,
    # `jax` jax.numpy's as jnp (and jax.nn, jax.scipy).
    torch: str = ""
    jax: str = ""
    # the statics an op means when none are written, where it needs one in a framework
    # (softmax and logsumexp work along the last axis: (-1,))
    implied: tuple[int, ...] = ()
    # The local derivative of each operand as the quiz's derivation writes it with the
    # numbers put in, "out * (1 - out)": 0.7311 · (1 - 0.7311), over the rule variables
    # and the language's functions (a kernel such as xlogy means nothing to a student);
    # "" where numbers read worse than the formula (rules made of sign() and of cases:
    # relu, abs, max). Empty: the `local` rules as they are.
    numbers: tuple[str, ...] = ()
    # The made-up quiz problem level (`quiz --random --level N`, 1 to 5) that practises
    # this op's local gradient, suggested after one is missed: the lowest level whose
    # problems use the op, else that of the ops it is most like. No default: a new op
    # chooses, rather than silently becoming some level.
    level: int = field(kw_only=True)

    @property
    def elementwise(self) -> bool:
        return bool(self.local)

    @property
    def called(self) -> bool:
        """Called by its name, name(a, ...), rather than written with a symbol."""
        return not self.reads

    def rules(self) -> tuple[str, ...]:
        return self.local or self.vjp

    def with_numbers(self, k: int) -> str:
        """The derivative for operand k that the quiz puts numbers in ("" for none)."""
        return self.numbers[k] if self.numbers else self.local[k]

    def shown(self, k: int, ranks: Sequence[int] = ()) -> str:
        """The derivative rule for operand k, written in the program's own notation, for
        operands of the given ranks (numbers of axes) where it depends on them; with
        none given, as a rule in letters: the first case of by_rank (matrices for @)."""
        if not ranks and self.by_rank:
            return self.by_rank[0][1][k]
        for fits, shows in self.by_rank:
            if tuple(ranks) == fits:
                return shows[k]
        if self.shows:
            return self.shows[k]
        return self.rules()[k].replace("**", "^")

    def read(self, operands: Sequence[str], static: Sequence[object] = ()) -> str:
        """How an application reads with these operands: "x * y", "sum(h, 1)", "W[0, 2]";
        an operand in parentheses where the language would read it otherwise there
        ("(-3)^2", "a - (b - c)": written.wrap)."""
        if self.reads:
            statics = ", ".join(map(str, static))
            return fill(self.reads, SLOTS,
                        lambda m: statics if m.group(1) == "s" else operands[int(m.group(1))])
        return f"{self.name}({', '.join([*operands, *map(str, static)])})"

    def derivative(self, k: int, operands: Sequence[str], out: str,
                   static: Sequence[int] = (), upstream: str = "1",
                   ranks: Sequence[int] = ()) -> str:
        """The derivative for operand k in the given names: "y" for f = x * y. A rule
        that mentions the arriving gradient g (a vector-Jacobian product) gets
        `upstream` for it: 1 for the Jacobian itself. `ranks`: the operands' numbers of
        axes, where the rule is written differently for vectors (shown)."""
        names = {"out": out, "g": upstream, "s": ", ".join(map(str, static)),
                 **dict(zip("ab", operands, strict=False))}
        return substitute(self.shown(k, ranks), names)


# ---------------------------------------------------------------------------
# The table. Reading a row: value = fwd; ∂value/∂operand = local (or vjp given g).

_ROWS = (
    Op("add", 2, "a + b", local=("1", "1"), reads="{0} + {1}", doc="sum",
       gate="add gate: passes the gradient on unchanged to both inputs",
       level=1, torch="a + b", jax="a + b"),
    Op("sub", 2, "a - b", local=("1", "-1"), reads="{0} - {1}",
       doc="difference",
       gate="subtract gate: passes the gradient on to the first input, negated to the second",
       level=1, torch="a - b", jax="a - b"),
    Op("mul", 2, "a * b", local=("b", "a"), reads="{0} * {1}", doc="product",
       gate="multiply gate: swaps its inputs' values, each input's local gradient is the other",
       level=1, torch="a * b", jax="a * b"),
    Op("div", 2, "a / b", local=("1 / b", "-a / b**2"), reads="{0} / {1}",
       doc="quotient", hint="division by zero",
       level=4, torch="a / b", jax="a / b"),
    Op("pow", 2, "a ** b", local=("b * a**(b - 1)", "xlogy(out, a)"), reads="{0}^{1}",
       shows=("b * a^(b - 1)", "a^b * log(a)"), doc="a to the power b",
       hint="a result too large (above about 1.8e308), a negative number to a fractional "
            "power, or 0 to a negative power",
       numbers=("b * a**(b - 1)", "a**b * log(a)"), level=4, torch="a ** b", jax="a ** b"),
    Op("neg", 1, "-a", local=("-1",), reads="-{0}", doc="minus a",
       level=1, torch="-a", jax="-a"),
    Op("exp", 1, "exp(a)", local=("out",), shows=("exp(a)",), latex=r"\exp",
       doc="e to the power a", hint="exp overflows above about 709",
       level=3, torch="torch.exp(a)", jax="jnp.exp(a)"),
    Op("log", 1, "log(a)", local=("1 / a",), latex=r"\log", doc="natural logarithm",
       hint="log needs a positive argument",
       level=4, torch="torch.log(a)", jax="jnp.log(a)"),
    Op("sqrt", 1, "sqrt(a)", local=("0.5 / out",), shows=("1 / (2 * sqrt(a))",),
       latex=r"\sqrt{}", doc="square root", hint="sqrt needs an argument of at least 0",
       level=4, torch="torch.sqrt(a)", jax="jnp.sqrt(a)"),
    Op("sin", 1, "sin(a)", local=("cos(a)",), latex=r"\sin", doc="sine (of radians)",
       level=4, torch="torch.sin(a)", jax="jnp.sin(a)"),
    Op("cos", 1, "cos(a)", local=("-sin(a)",), latex=r"\cos", doc="cosine (of radians)",
       level=4, torch="torch.cos(a)", jax="jnp.cos(a)"),
    Op("tanh", 1, "tanh(a)", local=("1 - out**2",), shows=("1 - tanh(a)^2",), latex=r"\tanh",
       doc="hyperbolic tangent",
       level=3, torch="torch.tanh(a)", jax="jnp.tanh(a)"),
    Op("sigmoid", 1, "1 / (1 + exp(-a))", local=("out * (1 - out)",),
       shows=("sigmoid(a) * (1 - sigmoid(a))",), doc="σ(a) = 1 / (1 + exp(-a))",
       spelled=("σ",),
       level=3, torch="torch.sigmoid(a)", jax="jax.nn.sigmoid(a)"),
    # relu(a) = a where a > 0, else 0 (kernels.relu); relu'(a) = sign(relu(a)), which is 1
    # for a > 0 and 0 for a <= 0, kink included.
    Op("relu", 1, "relu(a)", local=("sign(out)",), shows=("(1 if a > 0 else 0)",),
       doc="a where a > 0, else 0",
       gate="relu gate: passes the gradient on where its input is positive, blocks it elsewhere",
       numbers=("",), level=5, torch="torch.relu(a)", jax="jax.nn.relu(a)"),
    # jnp.abs has derivative 1 at 0; a * sign(a) is |a| with derivative sign(a), 0 at 0
    Op("abs", 1, "abs(a)", local=("sign(a)",), doc="absolute value",
       numbers=("",), level=4, torch="torch.abs(a)", jax="a * jnp.sign(a)"),
    Op("sign", 1, "sign(a)", local=("0.0 * a",), shows=("0",),
       doc="-1, 0 or 1; flat, so no gradient flows through it (for an accuracy beside a loss)",
       level=4, torch="torch.sign(a)", jax="jnp.sign(a)"),
    # ½(1 ± sign(a - b)) is 1 for the larger operand, 0 for the other, ½ each at a tie.
    Op("max", 2, "maximum(a, b)", local=("0.5 * (1 + sign(a - b))", "0.5 * (1 - sign(a - b))"),
       shows=("(1 if a > b else 0.5 if a == b else 0)", "(1 if b > a else 0.5 if a == b else 0)"),
       latex=r"\max", doc="the larger of a and b",
       gate="max gate: routes the whole gradient to the larger input, none to the other",
       numbers=("", ""), level=1, torch="torch.maximum(a, b)", jax="jnp.maximum(a, b)"),
    Op("min", 2, "minimum(a, b)", local=("0.5 * (1 - sign(a - b))", "0.5 * (1 + sign(a - b))"),
       shows=("(1 if a < b else 0.5 if a == b else 0)", "(1 if b < a else 0.5 if a == b else 0)"),
       latex=r"\min", doc="the smaller of a and b",
       gate="min gate: routes the whole gradient to the smaller input, none to the other",
       numbers=("", ""), level=1, torch="torch.minimum(a, b)", jax="jnp.minimum(a, b)"),
    Op("matmul", 2, "a @ b", vjp=("matmul_da(g, a, b)", "matmul_db(g, a, b)"),
       reads="{0} @ {1}", contracts=True,
       by_rank=(((2, 2), ("g @ transpose(b)", "transpose(a) @ g")),
                ((2, 1), ("outer(g, b)", "transpose(a) @ g")),
                ((1, 2), ("g @ transpose(b)", "outer(a, g)")),
                ((1, 1), ("g * b", "g * a"))),
       # batched products: transpose() would reverse every axis, not the last two
       shows=("g @ b with its last two axes swapped", "a with its last two axes swapped @ g"),
       doc="matrix product; a vector is a row on the left and a column on the right, so "
           "w @ x of two vectors is their dot product",
       level=5, torch="a @ b", jax="a @ b"),
    # out[i, j] = a[i] * b[j], so ∂L/∂a[i] = Σ_j g[i, j] b[j] = (g @ b)[i], and likewise for b
    Op("outer", 2, "outer(a, b)", vjp=("g @ b", "a @ g"), spreads=True,
       doc="the outer product of two vectors: out[i, j] = a[i] * b[j]",
       level=5, torch="torch.outer(a, b)", jax="jnp.outer(a, b)"),
    Op("sum", 1, "reduce_sum(a, s)", vjp=("expand(g, a, s)",), statics=(0, 1), static_kind="axis",
       shows=("g copied to each element of a",),
       doc="the sum of every element, or along one axis",
       level=5, torch="torch.sum(a, *s)", jax="jnp.sum(a, *s)"),
    Op("mean", 1, "reduce_mean(a, s)", vjp=("expand(g, a, s) / count(a, s)",), statics=(0, 1),
       static_kind="axis",
       shows=("g / n copied to each element of a",),
       doc="the mean of every element, or along one axis",
       level=4, torch="torch.mean(a, *s)", jax="jnp.mean(a, *s)"),
    Op("transpose", 1, "transpose(a)", vjp=("transpose(g)",),
       doc="the axes reversed (a matrix transposed)",
       level=4, torch="a.permute(tuple(reversed(range(a.ndim))))", jax="jnp.transpose(a)"),
    Op("index", 1, "a[s]", vjp=("scatter(g, a, s)",), reads="{0}[{s}]", statics=(1, 32),
       static_kind="index",
       shows=("g at a[s], 0 elsewhere",),
       doc="an element, a row, ...; negative indices count from the end",
       level=4, torch="a[s]", jax="a[s]"),
    Op("softmax", 1, "softmax(a, s)", vjp=("softmax_vjp(g, out, s)",), statics=(0, 1),
       static_kind="axis",
       by_rank=(((1,), ("out * (g - sum(g * out))",)),),
       shows=("out * (g - sum(g * out) along the axis)",),
       doc="exp(a) / sum(exp(a)) along the last axis, or the one given",
       level=4, torch="torch.softmax(a, *s)", jax="jax.nn.softmax(a, *s)", implied=(-1,)),
    Op("logsumexp", 1, "logsumexp(a, s)", vjp=("logsumexp_vjp(g, out, a, s)",), statics=(0, 1),
       static_kind="axis",
       by_rank=(((1,), ("g * softmax(a)",)),),
       shows=("g spread along the axis * softmax(a)",),
       doc="log(sum(exp(a))) along the last axis or the one given, computed stably",
       level=4,
       torch="torch.logsumexp(a, *s)", jax="jax.scipy.special.logsumexp(a, *s)", implied=(-1,)),
    # the largest element; at a tie, the elements tied for largest share g equally
    Op("amax", 1, "amax(a, s)", vjp=("amax_vjp(g, out, a, s)",), statics=(0, 1),
       static_kind="axis",
       shows=("g at the largest element of a (shared if several tie), 0 elsewhere",),
       doc="the largest element, or the largest along one axis (numpy's amax)",
       level=4, torch="torch.amax(a, *s)", jax="jnp.max(a, *s)"),
)

OPS: dict[str, Op] = {op.name: op for op in _ROWS}

# Functions the user calls by name; add, mul, ... are written with their symbols.
# (A list: register() adds to it, so that what imported it sees the new name too.)
FUNCTIONS: list[str] = [op.name for op in _ROWS if op.called]

def called(name: str) -> str:
    """The op a function's name means, whichever way it is spelled (σ: sigmoid)."""
    for op in OPS.values():
        if name in op.spelled:
            return op.name
    return name


# The one call that reads data from a file rather than making a node or a starting
# value: X = load("data.csv", "x1"), a constant (the only call that takes strings).
LOAD = "load"


def _compile(params: str, text: str) -> Callable:
    return eval(f"lambda {params}: {text}", dict(NAMESPACE))  # safe: op-table text, never user text


class _Rules(dict):
    """An op's rules made into functions the first time the op is used: a program uses a
    few ops, and compiling all ~70 rules on every start would cost a couple of ms."""

    def __init__(self, make: Callable[[Op], object]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, name: str):
        self[name] = made = self.make(OPS[name])
        return made


FWD: dict[str, Callable] = _Rules(lambda op: _compile("a, b, s", op.fwd))
LOCAL: dict[str, tuple[Callable, ...]] = _Rules(
    lambda op: tuple(_compile("out, a, b, s", r) for r in op.local))
VJP: dict[str, tuple[Callable, ...]] = _Rules(
    lambda op: tuple(_compile("g, out, a, b, s", r) for r in op.vjp))

# ---------------------------------------------------------------------------
# Adding a row while the program runs (as autograd's extend.py adds a primitive).

# Names a new op cannot take: the graph's own node kinds, and load(...).
RESERVED = frozenset({INPUT, CONST, LOAD})

_VARIABLES = {"fwd": {"a", "b", "s"}, "local": {"out", "a", "b", "s"},
              "vjp": {"g", "out", "a", "b", "s"}}
_NAMES = re.compile(r"(?<![.\w])[A-Za-z_]\w*")
_registered: set[str] = set()


def register(op: Op) -> None:
    """Add `op` to the table: the one public place to add a primitive without editing
    this module. From then on it parses (called by its name: no grammar change), is
    evaluated, compiled, checked, explained and drawn like any row of _ROWS. Its rules
    may use the rule variables and the names in NAMESPACE. Raises ValueError, saying
    why, for a row the rest of the program could not use."""
    problem = _problem(op)
    if problem:
        raise ValueError(f"cannot register {op.name!r}: {problem}")
    OPS[op.name] = op
    FUNCTIONS.append(op.name)
    _registered.add(op.name)
    _forget(op.name)


def unregister(name: str) -> None:
    """Take out an op that register() added (the built-in rows stay)."""
    if name not in _registered:
        raise ValueError(f"{name!r} was not added by register()")
    _registered.discard(name)
    del OPS[name]
    FUNCTIONS.remove(name)
    _forget(name)


def _forget(name: str) -> None:
    """Drop the rules made into functions under this name: a row registered again
    under it must not run the old one's."""
    for made in (FWD, LOCAL, VJP):
        made.pop(name, None)


def _problem(op: Op) -> str | None:
    """What keeps `op` from working as a row, or None."""
    if not op.name.isidentifier() or keyword.iskeyword(op.name):
        return "its name must be a name a program can call"
    if op.name in OPS or op.name in INITIALIZERS or op.name in RESERVED:
        return "the name is taken"
    if not op.called:
        return "an op written with a symbol needs a grammar rule; register functions only"
    if op.arity not in (1, 2):
        return "it must take 1 or 2 operands (a and b in its rules)"
    if bool(op.local) == bool(op.vjp):
        return "give either local (elementwise) or vjp rules, not both or neither"
    problem = _fields_problem(op)
    if problem:
        return problem
    for kind, texts in (("fwd", (op.fwd,)), ("local", op.local), ("vjp", op.vjp)):
        for text in texts:
            unknown = set(_NAMES.findall(text)) - _VARIABLES[kind] - NAMESPACE.keys() \
                - set(keyword.kwlist)
            if unknown:
                return f"its {kind} rule {text!r} uses unknown names {sorted(unknown)}"
            try:
                compile(text, op.name, "eval")
            except SyntaxError as e:
                return f"its {kind} rule {text!r} is not an expression ({e.msg})"
    return None


def _fields_problem(op: Op) -> str | None:
    """What is wrong with the fields that go with the rules, or None."""
    if len(op.rules()) != op.arity or any(len(t) not in (0, op.arity) for t in (
            op.shows, op.numbers, *(shows for _, shows in op.by_rank))):
        return "it needs one rule (and one shows and numbers, if any) per operand"
    if op.numbers and not op.local:
        return "numbers are for the local rules of an elementwise op"
    if isinstance(op.level, bool) or not isinstance(op.level, int) or op.level < 1:
        return "its level must be a whole number from 1 (a made-up quiz problem's level)"
    low, high = op.statics
    if not 0 <= low <= high or bool(high) != bool(op.static_kind):
        return "statics and static_kind go together"
    return None
