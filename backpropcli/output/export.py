"""A program as a self-contained Python script: NumPy with the backward pass written
out by hand, PyTorch, or JAX (`backprop export`).

The numpy script is the program's own back-propagation, readable: a forward section
with one named line per node (`t1 = x * y`), a backward section with one line per
edge from the output down (`dx = dt1 * y`), each gate's rule as a comment, and a
node used twice getting the sum of its gradients. The lines are the op table's rule
texts with the rule letters replaced by the nodes' names, in the engine's order (the
compiler's, core/compiled.py), so the script computes what `eval` does, bit for bit.
The torch and jax scripts write the forward pass with each op's framework column of
the table and let the framework's autodiff find the gradient.

Every script holds its starting point as numbers (`repr` of each float, exact when
read back), reads load(...) data from its file (relative to the script's folder) or
holds it, and prints one JSON document (schema backprop/1) with `value`, `inputs` and
`gradients`, as `eval --json` does; with a descent (`--descend`) it runs the same
optimizer, learning rate, schedule and steps as `descend` and prints its final point.

No user text becomes code: a name reaches the script as an identifier matching
[A-Za-z_][A-Za-z0-9_]* (renamed where it is a keyword or a name the script itself
uses: `print` becomes `print_`), and only the JSON keys, file names and column names
are written as string literals, by repr(), which escapes every quote and control.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import keyword
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core import kernels
from ..core.engine import forward
from ..core.errors import UsageError
from ..core.graph import Graph, Node
from ..core.kernels import NAMESPACE
from ..core.ops import OPS, Op, substitute
from ..tasks.descend import Settings
from ..tasks.point import SCHEMA, Point

FRAMEWORKS = ("numpy", "torch", "jax")
EMBED_LIMIT = 100_000  # elements of data a script may hold as a literal (--embed-data)


@dataclass(frozen=True)
class Data:
    """Where a script finds the data of a load(...) node: a path relative to the
    script's folder and the columns chosen, or (embedded) the array itself."""

    path: str | None
    columns: tuple[str, ...] = ()
    value: object = None


def script(graph: Graph, point: Point, to: str, *, data: Mapping[int, Data] | None = None,
           settings: Settings | None = None, watch: Sequence[int] = ()) -> str:
    """The script for `to` (numpy, torch, jax) of the program at `point`; with `settings`,
    it also runs the descent and prints its final point. `data` says where each
    load(...) node's data comes from (by node index)."""
    if to not in FRAMEWORKS:
        raise UsageError(f"--to {to}: choose numpy, torch or jax")
    data = dict(data or {})
    values, _ = forward(graph, point.inputs)  # the shapes, for the backward pass's sums
    needed = graph.ancestors(graph.output, *watch)
    _refuse_missing(graph, needed, to)
    names = Names(graph, to)
    writer = _Writer(graph, point, to, names, values, needed, data, list(watch), settings)
    return writer.text()


def _refuse_missing(graph: Graph, needed: Sequence[bool], to: str) -> None:
    """Exit 2 for an op the framework lacks (an empty column in the op table)."""
    for i, node in enumerate(graph.nodes):
        if needed[i] and node.computed:
            op = OPS[node.op]
            if to != "numpy" and not getattr(op, to):
                raise UsageError(f"cannot export to {to}: the op {op.name} has no {to} "
                                 f"form in the op table (node {node.name} = {node.text})",
                                 hint=f"export it with --to numpy, or give the row a "
                                      f"{to}= column")
            if to == "numpy":
                for text in (op.fwd, *op.rules()):
                    for name in _called(text):
                        if _spell(name) is None:
                            raise UsageError(f"cannot export the op {op.name}: its rule "
                                             f"uses {name}, which a script cannot define",
                                             hint="export it with --to torch or --to jax")


# ---------------------------------------------------------------------------
# Names: the program's own where they are safe, else renamed

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class Names:
    """The script's identifier for each node's value and gradient. A program's name is
    kept where it is a valid identifier and nothing the script itself uses (keywords,
    builtins, np, torch, json, its own functions); otherwise it gets a suffix."""

    def __init__(self, graph: Graph, to: str) -> None:
        self.taken: set[str] = set(reserved(to))
        self.value: dict[int, str] = {}
        self.grad: dict[int, str] = {}
        for i, node in enumerate(graph.nodes):
            if not node.is_const or node.is_data:
                self.value[i] = self._claim(node.name.replace("#", "_"))

    def _claim(self, wanted: str) -> str:
        if not _IDENT.match(wanted):
            wanted = "v"
        candidate, k = wanted, 1
        while candidate in self.taken or keyword.iskeyword(candidate) \
                or (candidate.startswith("__") and candidate.endswith("__")):
            k += 1
            candidate = f"{wanted}_" if k == 2 else f"{wanted}_{k}"
        self.taken.add(candidate)
        return candidate

    def gradient(self, i: int) -> str:
        if i not in self.grad:
            self.grad[i] = self._claim("d" + self.value[i])
        return self.grad[i]


def reserved(to: str) -> frozenset[str]:
    """Every name the script of `to` uses for itself: keywords, builtins, the modules,
    and each identifier written in its fixed parts (found by parsing them, so that a
    name added to a template is reserved without a list to keep)."""
    found = set(keyword.kwlist) | set(dir(builtins)) | set(NAMESPACE) | _KERNELS.keys()
    found |= {"np", "torch", "jax", "jnp", "json", "sys", "csv", "Path", "annotations"}
    texts = (_HEAD, _LOAD, _DESCEND, _WRITE, *_OPTIMIZERS.values(), *_FRAMEWORK[to].values())
    for text in texts:
        for stmt in ast.parse(text).body:  # module level: a name there is a global
            if isinstance(stmt, ast.FunctionDef):
                found.add(stmt.name)
            elif isinstance(stmt, ast.Assign):
                found.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                found.update((a.asname or a.name).split(".")[0] for a in stmt.names)
    # and the constants the script defines at the top (INPUTS, LR, ...)
    found |= {"INPUTS", "PARAMS", "OUTPUT", "SCHEMA", "COMMAND", "DATA", "OPTIMIZER", "LR",
              "STEPS", "SCHEDULE", "ASCEND", "MOVING", "WATCH", "MU", "BETA1", "BETA2", "EPS",
              "HERE", "main", "value_and_grad", "forward"}
    return frozenset(found)


# ---------------------------------------------------------------------------
# Literals: numbers exactly as they are (repr of a float reads back the same float)

def number(v) -> str:
    return repr(float(v))


def nested(value) -> str:
    """An array's elements as nested Python lists of float literals."""
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return number(a)
    if a.ndim == 1:
        return "[" + ", ".join(number(x) for x in a) + "]"
    return "[" + ", ".join(nested(row) for row in a) + "]"


def literal(value) -> str:
    """A value as numpy: np.float64(3.0), np.array([1.0, -2.0])."""
    if np.ndim(value) == 0:
        return f"np.float64({number(value)})"
    return f"np.array({nested(value)})"


# ---------------------------------------------------------------------------
# Spelling the op table's rules

# How a name of kernels.NAMESPACE is written in a numpy script: numpy's own functions
# as np.name, the kernels by their own name (their source goes into the script).
_KERNELS = {name: fn for name, fn in vars(kernels).items()
            if inspect.isfunction(fn) and fn.__module__ == kernels.__name__}


def _spell(name: str) -> str | None:
    fn = NAMESPACE.get(name)
    if fn is None:
        return name  # a rule variable or a keyword
    if fn is abs:
        return "abs"
    if getattr(np, name, None) is fn:
        return f"np.{name}"
    if _KERNELS.get(name) is fn:
        return name
    return None


_CALLED = re.compile(r"(?<![.\w])([A-Za-z_]\w*)")


def _called(text: str) -> list[str]:
    return [m for m in _CALLED.findall(text) if m in NAMESPACE]


def _numpy_text(text: str) -> str:
    """A rule with numpy's functions written np.exp, np.sign, ..."""
    return _CALLED.sub(lambda m: _spell(m.group(1)) or m.group(1), text)


def _statics(text: str, static: Sequence[int]) -> str:
    """The statics in a rule: `[s]` an index (x[0, 2]), `, *s` the axis spread as an
    argument (torch.sum(x, 1), or nothing), and `s` the tuple the kernels take."""
    inside = ", ".join(map(str, static))
    text = text.replace("[s]", f"[{inside}]")
    return re.sub(r",\s*\*s\b", (", " + inside) if static else "", text)


def _kernel_sources(used: set[str]) -> list[str]:
    """The source of every kernel the rules use, and of the kernels those call, in the
    order kernels.py defines them."""
    wanted, todo = set(), [n for n in used if n in _KERNELS]
    while todo:
        name = todo.pop()
        if name in wanted:
            continue
        wanted.add(name)
        todo.extend(n for n in _CALLED.findall(inspect.getsource(_KERNELS[name]))
                    if n in _KERNELS and n not in wanted)
    order = sorted(wanted, key=lambda n: inspect.getsourcelines(_KERNELS[n])[1])
    return [inspect.getsource(_KERNELS[n]).rstrip() for n in order]


# ---------------------------------------------------------------------------
# The script's fixed parts. Every identifier in them is reserved (see reserved()).

_HEAD = '''\
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def plain(value):
    """A value as JSON numbers (nested lists for an array); exit 1 if it is not finite."""
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().numpy()
    value = np.asarray(value, dtype=float)
    if not np.isfinite(value).all():
        sys.exit("error: a value or gradient is not a finite number")
    return value.tolist()
'''

_LOAD = '''\
import csv


def load(name, *columns):
    """Data from a file, as load(...) reads it: a table (.csv, .txt: blank lines and
    # comments skipped, a first row of names is the header), .npy or .json."""
    path = HERE / name
    if not path.is_file():
        sys.exit(f"error: no data file {path}")
    if path.suffix.lower() == ".npy":
        table = np.load(path, allow_pickle=False).astype(float)
    elif path.suffix.lower() == ".json":
        table = np.array(json.loads(path.read_text(encoding="utf-8")), dtype=float)
    else:
        lines = [line for line in path.read_text(encoding="utf-8-sig").splitlines()
                 if line.strip() and not line.lstrip().startswith("#")]
        sep = "," if "," in lines[0] else "\\t" if "\\t" in lines[0] else None
        rows = list(csv.reader(lines, delimiter=sep)) if sep else [ln.split() for ln in lines]
        header = None
        try:
            [float(cell) for cell in rows[0]]
        except ValueError:
            header, rows = [cell.strip() for cell in rows[0]], rows[1:]
        table = np.array([[float(cell) for cell in row] for row in rows])
        if columns:
            table = table[:, [header.index(column) for column in columns]]
        if table.shape[1] == 1:
            table = table[:, 0]
    return np.float64(table) if table.ndim == 0 else table
'''

# The descent, the same loop as `backprop descend` (tasks/descend.py): evaluate, record,
# and move each param by the optimizer's rule (core/optim.py) with the learning rate of
# its schedule. `step` (per framework) evaluates and moves in one call.
_DESCEND = '''\
def descend(xs, data):
    """Run the descent from xs; the final point, its value and gradients, and the run."""
    state = start(xs)
    history, previous, best, best_step, best_xs = [], None, None, 0, xs
    stopped, reason = "steps", f"ran {STEPS} steps"
    final = None
    for k in range(STEPS + 1):
        lr = learning_rate(k) * (-1.0 if ASCEND else 1.0)
        total, value, grads, watched, moved, moved_state, ok = step(xs, state, data, lr, k + 1)
        total = float(total)
        if not (np.isfinite(total) and bool(ok)):
            stopped = "diverged"
            reason = f"at step {k} the value or its gradient is not finite ({total})"
            xs = best_xs
            break
        score = -total if ASCEND else total
        if best is None or score < best:
            best, best_step, best_xs = score, k, xs
        entry = {"step": k, "value": total, "lr": learning_rate(k - 1) if k else None,
                 "change": None if previous is None else total - previous}
        entry.update((name, float(np.mean(plain(w))))
                     for name, w in zip(WATCH, watched))
        history.append(entry)
        previous = total
        final = (value, grads)
        if k == STEPS:
            break
        xs, state = moved, moved_state
    if stopped != "steps" or final is None:
        value, grads = step(xs, state, data, 0.0, 1)[1:3]
    else:
        value, grads = final
    run = {"optimizer": OPTIMIZER, "lr": LR, "schedule": SCHEDULE,
           "steps": history[-1]["step"] if history else -1, "stopped": stopped,
           "reason": reason, "first": history[0]["value"] if history else None,
           "last": history[-1]["value"] if history else None, "best_step": best_step,
           "history": history}
    return xs, value, grads, run


def learning_rate(k):
    """The learning rate of step k (from 0)."""
    if SCHEDULE == "linear":  # decays to a tenth over the run
        return LR * (1.0 - 0.9 * k / max(STEPS, 1))
    return LR
'''

# How each optimizer moves the params (core/optim.py), on lists of values: `start`
# makes its state, `update` moves every param in MOVING and returns the new state.
_OPTIMIZERS = {
    "sgd": '''\
def start(xs):
    return ()


def update(xs, grads, state, lr, t):
    """sgd: x <- x - lr * g"""
    return [x - lr * g if j in MOVING else x
            for j, (x, g) in enumerate(zip(xs, grads))], state
''',
    "momentum": '''\
def start(xs):
    return [0.0 * x for x in xs]


def update(xs, grads, state, lr, t):
    """momentum: v <- mu * v + g; x <- x - lr * v"""
    velocity = [MU * v + g for v, g in zip(state, grads)]
    return [x - lr * v if j in MOVING else x
            for j, (x, v) in enumerate(zip(xs, velocity))], velocity
''',
    "adam": '''\
def start(xs):
    return [0.0 * x for x in xs], [0.0 * x for x in xs]


def update(xs, grads, state, lr, t):
    """adam: m <- b1 * m + (1 - b1) * g; s <- b2 * s + (1 - b2) * g * g;
    x <- x - lr * m_hat / (sqrt(s_hat) + eps), m_hat and s_hat corrected for their start
    at 0"""
    m = [BETA1 * m_ + (1 - BETA1) * g for m_, g in zip(state[0], grads)]
    s = [BETA2 * s_ + (1 - BETA2) * g * g for s_, g in zip(state[1], grads)]
    moved = []
    for j, (x, m_, s_) in enumerate(zip(xs, m, s)):
        if j in MOVING:
            m_hat = m_ / (1 - BETA1**t)
            s_hat = s_ / (1 - BETA2**t)
            x = x - lr * m_hat / (sqrt(s_hat) + EPS)
        moved.append(x)
    return moved, (m, s)
''',
}

_FRAMEWORK = {
    "numpy": {
        "imports": "",
        "evaluate": '''\
def evaluate(xs, data):
    value, grads, watched = value_and_grad(*xs, *data)
    return value, grads


def step(xs, state, data, lr, t):
    value, grads, watched = value_and_grad(*xs, *data)
    moved, state = update(xs, grads, state, lr, t)
    ok = all(np.isfinite(grads[j]).all() for j in MOVING)
    return np.sum(value), value, grads, watched, moved, state, ok


sqrt = np.sqrt
''',
        "main": '''\
def main():
    xs = list(INPUTS.values())
    data = list(DATA.values())
    value, grads, watched = value_and_grad(*xs, *data)
    write(value, xs, grads)
''',
    },
    "torch": {
        "imports": "import torch\n\n"
                   "torch.set_default_dtype(torch.float64)  # float64, as backprop computes\n"
                   "# small tensors: one thread is quicker than a pool's hand-offs (remove\n"
                   "# this line for a large model)\n"
                   "torch.set_num_threads(1)",
        "evaluate": '''\
def evaluate(xs, data):
    """The forward pass on tensors that record what is done with them, then torch's
    backward pass; the gradient of an array output is that of the sum of its elements."""
    xs = [x.detach().requires_grad_(True) for x in xs]
    value, watched = forward(*xs, *data)
    loss = value.sum()
    if loss.requires_grad:  # (an output made of constants alone has no gradient)
        loss.backward()
    grads = [torch.zeros_like(x) if x.grad is None else x.grad for x in xs]
    return value.detach(), grads, [w.detach() for w in watched], loss.detach()


def step(xs, state, data, lr, t):
    value, grads, watched, total = evaluate(xs, data)
    with torch.no_grad():
        moved, state = update(xs, grads, state, lr, t)
    ok = all(bool(torch.isfinite(grads[j]).all()) for j in MOVING)
    return total, value, grads, watched, moved, state, ok


sqrt = torch.sqrt
''',
        "main": '''\
def main():
    # the inputs as float64 tensors that require a gradient: torch records the
    # forward pass, and loss.backward() runs the chain rule back through it
    xs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in INPUTS.values()]
    data = [torch.tensor(d, dtype=torch.float64) for d in DATA.values()]
    value, watched = forward(*xs, *data)
    loss = value.sum()  # an array output: the gradient of the sum of its elements
    if loss.requires_grad:  # (an output made of constants alone has no gradient)
        loss.backward()
    grads = [torch.zeros_like(x) if x.grad is None else x.grad for x in xs]
    write(value.detach(), xs, grads)
''',
    },
    "jax": {
        "imports": 'import jax\nimport jax.numpy as jnp\nimport jax.scipy.special\n\n'
                   'jax.config.update("jax_enable_x64", True)  # float64, as backprop computes',
        "gradient": '''\
def loss(xs, data):
    """The output summed (the gradient of an array output is that of its sum), with
    the output itself and the watched values alongside."""
    value, watched = forward(*xs, *data)
    return jnp.sum(value), (value, watched)


# the value and the gradient with respect to every input, by jax's autodiff
value_and_grad = jax.value_and_grad(loss, has_aux=True)
''',
        "evaluate": '''\
@jax.jit
def step(xs, state, data, lr, t):
    """One step, compiled by jax.jit: value and gradient, then the optimizer's move."""
    (total, (value, watched)), grads = value_and_grad(xs, data)
    moved, state = update(xs, grads, state, lr, t)
    ok = jnp.all(jnp.array([jnp.all(jnp.isfinite(grads[j])) for j in MOVING] + [True]))
    return total, value, grads, watched, moved, state, ok


sqrt = jnp.sqrt
''',
        "main": '''\
def main():
    xs = [jnp.asarray(x) for x in INPUTS.values()]
    data = [jnp.asarray(d) for d in DATA.values()]
    (total, (value, watched)), grads = value_and_grad(xs, data)
    write(value, xs, grads)
''',
    },
}

_WRITE = '''\
def write(value, xs, grads, **extra):
    """Print the point as one JSON document (schema backprop/1), as `backprop eval
    --json` writes value, inputs and gradients."""
    document = {
        "schema": SCHEMA,
        "command": COMMAND,
        "output": OUTPUT,
        "value": plain(value),
        "inputs": {name: plain(x) for name, x in zip(INPUTS, xs)},
        "params": PARAMS,
        "gradients": {name: plain(g) for name, g in zip(INPUTS, grads)},
        **extra,
    }
    print(json.dumps(document, allow_nan=False))
'''

_DESCEND_MAIN = {
    "numpy": "xs = list(INPUTS.values())\n    data = list(DATA.values())",
    "torch": "xs = [torch.tensor(x, dtype=torch.float64) for x in INPUTS.values()]\n"
             "    data = [torch.tensor(d, dtype=torch.float64) for d in DATA.values()]",
    "jax": "xs = [jnp.asarray(x) for x in INPUTS.values()]\n"
           "    data = [jnp.asarray(d) for d in DATA.values()]",
}

_TITLES = {
    "numpy": "back-propagation by hand with numpy.\n\nA forward section with a line per "
             "node, a backward section with a line per edge,\nfrom the output down.",
    "torch": "the forward pass in PyTorch.\n\nFloat64 tensors record the forward pass; "
             "torch's autograd finds the gradient.",
    "jax": "the forward pass as a JAX function.\n\njax.value_and_grad finds the gradient.",
}


# ---------------------------------------------------------------------------
# Writing a script

class _Writer:
    def __init__(self, graph: Graph, point: Point, to: str, names: Names, values: list,
                 needed: Sequence[bool], data: dict[int, Data], watch: list[int],
                 settings: Settings | None) -> None:
        self.graph, self.point, self.to, self.names = graph, point, to, names
        self.values, self.needed, self.data, self.watch = values, needed, data, watch
        self.settings = settings
        self.inputs = list(graph.inputs)
        self.datas = [i for i, n in enumerate(graph.nodes) if n.is_data and needed[i]]
        self.used: set[str] = set()  # NAMESPACE names the numpy rules call

    # -- pieces -----------------------------------------------------------------
    def operand(self, j: int, user: Node) -> str:
        """How node j reads as an operand of `user`: its name, or a constant's value. A
        number stays a literal beside a node (x * 2.0); a constant among constants, or
        an array, is made a value of the framework, so that it computes as one."""
        node = self.graph.nodes[j]
        if not node.is_const or node.is_data:
            return self.names.value[j]
        alone = all(self.graph.nodes[k].is_const for k in user.args)
        infix = bool(OPS[user.op].reads) or self.to == "numpy"
        if np.ndim(node.value) == 0 and infix and not alone:  # type: ignore[arg-type]
            v = float(node.value)  # type: ignore[arg-type]
            return number(v) if v >= 0 and str(v)[0] != "-" else f"({number(v)})"
        if self.to == "torch":
            return f"torch.tensor({nested(node.value)})"
        if self.to == "jax":
            return f"jnp.array({nested(node.value)})"
        return literal(node.value)

    def letters(self, i: int) -> dict[str, str]:
        node = self.graph.nodes[i]
        names = {"s": repr(tuple(node.static)), "out": self.names.value[i]}
        for slot, letter in zip(node.args, "ab", strict=False):
            names[letter] = self.operand(slot, node)
        return names

    def forward_line(self, i: int) -> str:
        node = self.graph.nodes[i]
        op = OPS[node.op]
        if self.to == "numpy":
            self.used.update(_called(op.fwd))
            text = _statics(_numpy_text(op.fwd), node.static)
        else:
            text = _statics(getattr(op, self.to), node.static or op.implied)
        return f"{self.names.value[i]} = {substitute(text, self.letters(i))}"

    def comment(self, i: int, slots: Sequence[int]) -> str:
        """What a node's backward lines do, in the op table's words: its gate, or else
        its derivative for each operand (the rule as a person writes it)."""
        node = self.graph.nodes[i]
        op = OPS[node.op]
        operands = [self.operand(j, node) for j in node.args]
        out = self.names.value[i]
        head = f"# {out} = {op.read(operands, node.static)}"
        if op.gate:
            return f"{head}: {op.gate}"
        if op.elementwise:
            rules = ", ".join(f"d{out}/d{operands[k]} = "
                              f"{op.derivative(k, operands, out, node.static)}"
                              for k in slots)
            return f"{head}: {op.name} rule, {rules}"
        dout = self.names.gradient(i)
        rules = ", ".join(f"{operands[k]} gets {op.derivative(k, operands, out, node.static, dout)}"
                          for k in slots)
        return f"{head}: {rules}"

    def term(self, op: Op, k: int, names: dict[str, str], shape: tuple, operand: tuple) -> str:
        """One edge's share of the operand's gradient: upstream times the local
        derivative (summed back to the operand's shape where it was broadcast), or the
        op's vector-Jacobian product; written as compiled.py writes it."""
        rule = op.rules()[k]
        self.used.update(_called(rule))
        text = substitute(_numpy_text(rule), names)
        if not op.elementwise:
            return text
        g = names["g"]
        if rule in ("1", "-1"):
            term = g if rule == "1" else f"-{g}"
        else:
            bare = _IDENT.match(text) or re.fullmatch(r"\d[\d.e+-]*|\(-[\d.e+-]+\)", text)
            term = f"{g} * {text}" if bare else f"{g} * ({text})"
        if shape != operand:
            self.used.add("unbroadcast")
            return f"unbroadcast({term}, {operand!r})"
        return term

    # -- the numpy backward pass ----------------------------------------------------
    def backward(self) -> list[str]:
        """The chain rule in the engine's order (compiled.py's): users from the output
        down, operands left to right, each contribution added to what the operand has."""
        graph, nodes, out = self.graph, self.graph.nodes, self.graph.output
        needs = graph.requires_grad()
        seed = self.names.gradient(out)
        lines = [f"{seed} = np.ones_like({self.names.value[out]})[()]"
                 f"  # d{self.names.value[out]}/d{self.names.value[out]} = 1"]
        have: dict[int, str] = {out: seed}
        for i in range(out, -1, -1):
            node = nodes[i]
            if i not in have or not node.computed:
                continue
            op = OPS[node.op]
            names = {**self.letters(i), "g": have[i]}
            edges = [(k, j) for k, j in enumerate(node.args) if needs[j]]
            if not edges:
                continue
            lines.append(self.comment(i, [k for k, _ in edges]))
            for k, j in edges:
                term = self.term(op, k, names, np.shape(self.values[i]),
                                 np.shape(self.values[j]))
                if j in have:
                    d = self.names.gradient(j)
                    lines.append(f"{d} = {have[j]} + {term}"
                                 f"  # {self.names.value[j]} is used again: its gradients add up")
                    have[j] = d
                else:
                    d = self.names.gradient(j)
                    lines.append(f"{d} = {term}")
                    have[j] = d
        self.have = have
        return lines

    def value_and_grad(self) -> str:
        """The numpy function: forward lines, backward lines, and what it returns."""
        forward_lines = self.forward_lines()
        backward_lines = self.backward()
        grads = []
        for i in self.inputs:
            if i in self.have:
                grads.append(self.have[i])
            else:
                grads.append(f"np.zeros_like({self.names.value[i]})")
        params = ", ".join(self.names.value[i] for i in self.inputs + self.datas)
        body = ["# forward pass: a line per node", *forward_lines, "",
                "# backward pass: a line per edge, from the output down (d<name> is the",
                f"# gradient of {self.names.value[self.graph.output]} with respect to <name>)",
                *backward_lines,
                f"return {self.names.value[self.graph.output]}, [{', '.join(grads)}], "
                f"[{''.join(self.names.value[w] + ', ' for w in self.watch)}]"]
        doc = '"""The value of the output and its gradient with respect to every input."""'
        return f"def value_and_grad({params}):\n    {doc}\n" + \
            "".join(f"    {line}\n" if line else "\n" for line in body)

    def forward_lines(self) -> list[str]:
        return [self.forward_line(i) for i, node in enumerate(self.graph.nodes)
                if self.needed[i] and node.computed]

    def forward_function(self) -> str:
        params = ", ".join(self.names.value[i] for i in self.inputs + self.datas)
        watched = "".join(self.names.value[w] + ", " for w in self.watch)
        body = [*self.forward_lines(),
                f"return {self.names.value[self.graph.output]}, ({watched})"]
        doc = '"""The forward pass: a line per node; the output, and the watched values."""'
        return f"def forward({params}):\n    {doc}\n" + "".join(f"    {line}\n" for line in body)

    # -- the whole script -----------------------------------------------------------
    def constants(self) -> list[str]:
        point, nodes = self.point, self.graph.nodes
        inputs = "".join(f"    {nodes[i].name!r}: {literal(self.values[i])},\n"
                         for i in self.inputs)
        out = ["# the starting point: the program's defaults and the values given, exactly",
               "INPUTS = {\n" + inputs + "}" if inputs else "INPUTS = {}",
               f"PARAMS = {[p for p in point.params]!r}  # the inputs a step moves",
               f"OUTPUT = {nodes[self.graph.output].name!r}",
               f"SCHEMA = {SCHEMA!r}",
               f"COMMAND = {'descend' if self.settings else 'eval'!r}"]
        rows = []
        for i in self.datas:
            d = self.data.get(i)
            if d is None or d.path is None:
                value = nodes[i].value if d is None or d.value is None else d.value
                rows.append(f"    {nodes[i].name!r}: {literal(value)},\n")
            else:
                args = ", ".join(repr(a) for a in (d.path, *d.columns))
                rows.append(f"    {nodes[i].name!r}: load({args}),\n")
        out.append("# data read by load(...), a constant: never moved\n"
                   "DATA = {\n" + "".join(rows) + "}" if rows else "DATA = {}")
        return out

    def descent_constants(self) -> list[str]:
        s = self.settings
        assert s is not None
        names = [self.graph.nodes[w].name for w in self.watch]
        moving = [k for k, i in enumerate(self.inputs) if self.graph.nodes[i].name
                  in self.point.params]
        out = [f"OPTIMIZER = {s.optimizer!r}", f"LR = {number(s.lr)}", f"STEPS = {s.steps}",
               f"SCHEDULE = {s.schedule!r}", f"ASCEND = {s.ascend!r}",
               f"MOVING = {tuple(moving)!r}  # the params' places in INPUTS",
               f"WATCH = {names!r}  # nodes followed beside the output"]
        if s.optimizer == "momentum":
            out.append(f"MU = {number(s.momentum)}")
        if s.optimizer == "adam":
            out += [f"BETA1 = {number(s.beta1)}", f"BETA2 = {number(s.beta2)}",
                    f"EPS = {number(s.eps)}"]
        return out

    def text(self) -> str:
        to = self.to
        framework = _FRAMEWORK[to]
        function = self.value_and_grad() if to == "numpy" else self.forward_function()
        kernels_text = _kernel_sources(self.used) if to == "numpy" else []
        parts = ["#!/usr/bin/env python3\n" + f'"""A backprop program as Python: {_TITLES[to]}\n\n'
                 "Exported by `backprop export`; run it with python, and it prints one JSON\n"
                 "document (schema backprop/1) with the value, the inputs and the gradients.\n"
                 '"""\n\n' + "from __future__ import annotations\n\n" + _HEAD.rstrip()]
        if framework["imports"]:
            parts.append(framework["imports"])
        if any(self.data.get(i) is not None and self.data[i].path is not None
               for i in self.datas):
            parts.append(_LOAD.rstrip())
        parts.append("\n".join(self.constants()))
        if kernels_text:
            parts.append("# the kernels the op table's rules call beyond numpy "
                         "(backpropcli/core/kernels.py)\n\n" + "\n\n\n".join(kernels_text))
        parts.append(function.rstrip())
        if framework.get("gradient"):
            parts.append(framework["gradient"].rstrip())
        parts.append(_WRITE.rstrip())
        if self.settings is None:
            parts.append(framework["main"].rstrip())
        else:
            parts.append("\n".join(self.descent_constants()))
            parts.append(_OPTIMIZERS[self.settings.optimizer].rstrip())
            parts.append(framework["evaluate"].rstrip())
            parts.append(_DESCEND.rstrip())
            parts.append(f'''def main():
    {_DESCEND_MAIN[to]}
    xs, value, grads, run = descend(xs, data)
    write(value, xs, grads, descend=run)
    if run["stopped"] != "steps":
        sys.exit(f"error: the descent diverged: {{run['reason']}}")''')
        parts.append('if __name__ == "__main__":\n    main()')
        return "\n\n\n".join(parts) + "\n"


def data_sources(graph: Graph, base: Path | None, folder: Path, embed: bool) -> dict[int, Data]:
    """Where the script finds each load(...) node's data: the same file, by a path
    relative to the script's folder; or, with `embed`, the numbers themselves."""
    out: dict[int, Data] = {}
    for i, node in enumerate(graph.nodes):
        if node.data is None:
            continue
        if embed:
            size = int(np.size(node.value))  # type: ignore[arg-type]
            if size > EMBED_LIMIT:
                raise UsageError(f"--embed-data: {node.name} has {size} elements, more than "
                                 f"a script should hold ({EMBED_LIMIT})",
                                 hint="leave out --embed-data: the script reads the file")
            out[i] = Data(None, value=node.value)
            continue
        file, columns = node.data
        path = Path(os.path.expanduser(file))
        if not path.is_absolute():
            path = (base or Path.cwd()) / path
        try:
            where = os.path.relpath(path.resolve(), folder.resolve())
        except ValueError:  # another drive (Windows): the absolute path
            where = str(path.resolve())
        out[i] = Data(Path(where).as_posix(), tuple(columns))
    return out
