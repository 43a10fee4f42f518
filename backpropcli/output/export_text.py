"""The fixed parts of the scripts `backprop export` writes (output/export.py fills in
the rest): the helpers every script has, load(...) around the data reader, the descent loop, each
optimizer's update (core/optim.py's rules on lists of values), and each framework's
evaluation, step and main. Each is Python text, never user text; every identifier a
part defines at module level is reserved, so that no program name can shadow it
(export_names.reserved).
"""

from __future__ import annotations

HEAD = '''\
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

# load(...) in a script: the data reader (tasks/datareader.py, which export.py puts
# verbatim above this) reads the file by backprop's own rules; a file it refuses stops the
# script as backprop stops, with its message on stderr and exit code 2.
LOAD = '''\
def load(name, *columns):
    """Data from a file, read as backprop's load(...) reads it (read_data above): a table
    (.csv, .txt: a first row of names is the header), .npy or .json."""
    try:
        return read_data(HERE / name, columns)
    except DataFileError as e:
        hint = f"\\n  hint: {e.hint}" if e.hint else ""
        print(f"error: {e.message}{hint}", file=sys.stderr)
        sys.exit(2)
'''

# The descent, the same loop as `backprop descend` (tasks/descend.py): evaluate, record,
# and move each param by the optimizer's rule (core/optim.py) with the learning rate of
# its schedule. `step` (per framework) evaluates and moves in one call.
DESCEND = '''\
def descend(xs, data):
    """Run the descent from xs; the final point, its value and gradients, and the run."""
    state = start(xs)
    history, previous, best, best_step, best_xs = [], None, None, 0, xs
    flat = 0  # steps in a row that changed the value by at most 1e-9 of it (tasks/descend.py)
    stopped, reason = "steps", f"ran {STEPS} step{'s' if STEPS != 1 else ''}"
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
        # the watched values under a key of their own: a node may be named "step"
        history.append({"step": k, "value": total, "lr": learning_rate(k - 1) if k else None,
                        "change": None if previous is None else total - previous,
                        "watched": {name: float(np.mean(plain(w)))
                                    for name, w in zip(WATCH, watched)},
                        **({"ascend": True} if ASCEND and k else {})})
        if previous is not None:
            flat = flat + 1 if abs(total - previous) <= 1e-9 * abs(previous) else 0
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
           "plateau": None if flat < 100 or stopped != "steps" else (
               f"{OUTPUT} has not changed by more than 1e-09 relative in the last {flat} "
               "steps: learning has stopped (a plateau, or the optimum)"),
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
OPTIMIZERS = {
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

FRAMEWORK = {
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
    ok = jnp.all(jnp.array([True, *(jnp.isfinite(grads[j]).all() for j in MOVING)]))
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

WRITE = '''\
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

DESCEND_MAIN = {
    "numpy": "xs = list(INPUTS.values())\n    data = list(DATA.values())",
    "torch": "xs = [torch.tensor(x, dtype=torch.float64) for x in INPUTS.values()]\n"
             "    data = [torch.tensor(d, dtype=torch.float64) for d in DATA.values()]",
    "jax": "xs = [jnp.asarray(x) for x in INPUTS.values()]\n"
           "    data = [jnp.asarray(d) for d in DATA.values()]",
}

# main() of a script with a descent; {start} makes the inputs and the data
DESCEND_MAIN_TEMPLATE = '''\
def main():
    {start}
    xs, value, grads, run = descend(xs, data)
    write(value, xs, grads, descend=run)
    if run["stopped"] != "steps":
        sys.exit(f"error: the descent diverged: {{run['reason']}}")'''

TITLES = {
    "numpy": "back-propagation by hand with numpy.\n\nA forward section with a line per "
             "node, a backward section with a line per edge,\nfrom the output down.",
    "torch": "the forward pass in PyTorch.\n\nFloat64 tensors record the forward pass; "
             "torch's autograd finds the gradient.",
    "jax": "the forward pass as a JAX function.\n\njax.value_and_grad finds the gradient.",
}
