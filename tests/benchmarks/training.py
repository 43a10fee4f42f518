"""Training speed: backprop's descent step beside references measured in the same run.

    python tests/benchmarks/training.py [--quick]

1. The two-moons network of samples/moons.bp (2-16-16-1 ReLU, max-margin loss + L2,
   100 points, the accuracy watched as `backprop descend` watches it): time per step of
   `tasks.descend.run` (the loop `backprop descend` runs: value, gradient, stopping
   rules, trace, SGD update), against, on the same data and the same starting weights:
   - numpy written by hand (forward, backward, SGD and the accuracy, float64), the floor
     that the issue asks to come within 1.5× of;
   - `jax.jit` of the same step (float64, value_and_grad + SGD), when jax is installed;
   - PyTorch eager (CPU, float64, torch.set_num_threads(1)), when torch is installed.
   One process, GC as Python ships it (on) for every side, the sides alternating.
2. A scalar program of 10 000 statements (100 params): time per descent step against
   micrograd (pip install micrograd), each in its own fresh process, as its users run it:
   micrograd with the garbage collector as Python ships it (on), backprop as the command
   runs (the CLI freezes and disables the collector for the run); then each again with
   the collector the other way, to state what it contributes. micrograd's topological
   sort recurses, so its process raises the recursion limit (a user must, too).

Run on demand, never in CI. `table.py` prints the README's rows from these figures.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make `_bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import ROOT, alternate, chain_program, per_call, us

LR = 0.1
STEPS = 200  # steps per timed descent run (each side runs as many per turn)


# ---------------------------------------------------------------------------
# 1. the two-moons network

def moons_setup():
    """backprop's compiled moons program as `backprop descend samples/moons.bp` makes
    it (seed 0), and the same data and starting weights as numpy arrays."""
    from backpropcli.core.compiled import compile_graph
    from backpropcli.lang.parse import parse
    from backpropcli.tasks import descend
    from backpropcli.tasks.values import bind, load_data

    samples = ROOT / "samples"
    graph = load_data(parse((samples / "moons.bp").read_text()), samples)
    inputs = bind(graph, {}, seed=0)
    compiled = compile_graph(graph, inputs, descend.default_watch(graph))
    data = np.loadtxt(samples / "moons.csv", delimiter=",", skiprows=3)
    start = {n: np.array(inputs[n], dtype=np.float64) for n in compiled.inputs}
    return compiled, inputs, data[:, :2].copy(), data[:, 2].copy(), start


def moons_ours(compiled, inputs):
    from backpropcli.tasks import descend

    params = list(compiled.inputs)
    settings = descend.Settings(lr=LR, steps=STEPS)

    def turn() -> float:
        start = time.perf_counter()
        descend.run(compiled, dict(inputs), params, settings)
        return (time.perf_counter() - start) / STEPS

    return turn


def moons_numpy(X, y, start):
    """The step as a person writes it in numpy, from the derivatives on paper."""
    W1, b1, W2, b2, w3 = (start[n].copy() for n in ("W1", "b1", "W2", "b2", "w3"))
    b3 = float(start["b3"])
    n = len(y)

    def step():
        nonlocal W1, b1, W2, b2, w3, b3  # (-= updates the arrays in place)
        z1 = X @ W1 + b1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ W2 + b2
        h2 = np.maximum(z2, 0)
        score = h2 @ w3 + b3
        margin = 1 - y * score
        loss = np.maximum(margin, 0).mean() + 1e-4 * (
            (W1**2).sum() + (b1**2).sum() + (W2**2).sum() + (b2**2).sum() + (w3**2).sum()
            + b3**2)
        accuracy = (y * score > 0).mean()
        dscore = -y * (margin > 0) / n
        dz2 = np.outer(dscore, w3) * (z2 > 0)
        dz1 = (dz2 @ W2.T) * (z1 > 0)
        W1 -= LR * (X.T @ dz1 + 2e-4 * W1)
        b1 -= LR * (dz1.sum(0) + 2e-4 * b1)
        W2 -= LR * (h1.T @ dz2 + 2e-4 * W2)
        b2 -= LR * (dz2.sum(0) + 2e-4 * b2)
        w3 -= LR * (h2.T @ dscore + 2e-4 * w3)
        b3 -= LR * (dscore.sum() + 2e-4 * b3)
        return loss, accuracy

    return lambda: per_call(step, STEPS)


def moons_jax(X, y, start):
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy

    def loss_fn(p, X, y):
        h1 = jax.nn.relu(X @ p["W1"] + p["b1"])
        h2 = jax.nn.relu(h1 @ p["W2"] + p["b2"])
        score = h2 @ p["w3"] + p["b3"]
        reg = sum(jnp.sum(v**2) for v in p.values())
        return jnp.mean(jax.nn.relu(1 - y * score)) + 1e-4 * reg, jnp.mean(y * score > 0)

    @jax.jit
    def step(p, X, y):
        (loss, acc), g = jax.value_and_grad(loss_fn, has_aux=True)(p, X, y)
        return {k: p[k] - LR * g[k] for k in p}, loss, acc

    p = {k: jnp.asarray(v) for k, v in start.items()}
    Xj, yj = jnp.asarray(X), jnp.asarray(y)
    state = [p]

    def one():
        state[0], loss, acc = step(state[0], Xj, yj)
        loss.block_until_ready()

    one()  # compile before timing
    return lambda: per_call(one, STEPS)


def moons_torch(X, y, start):
    try:
        import torch
    except (ImportError, OSError):  # absent, or a broken install
        return None
    torch.set_num_threads(1)
    p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in start.items()}
    Xt, yt = torch.tensor(X), torch.tensor(y)

    def step():
        h1 = torch.relu(Xt @ p["W1"] + p["b1"])
        h2 = torch.relu(h1 @ p["W2"] + p["b2"])
        score = h2 @ p["w3"] + p["b3"]
        reg = sum((v**2).sum() for v in p.values())
        loss = torch.relu(1 - yt * score).mean() + 1e-4 * reg
        for v in p.values():
            v.grad = None
        loss.backward()
        with torch.no_grad():
            accuracy = (yt * score > 0).double().mean()
            for v in p.values():
                v -= LR * v.grad
        return loss, accuracy

    return lambda: per_call(step, STEPS)


def moons(rounds: int) -> dict[str, float]:
    """Seconds per step of each side that is installed, alternating."""
    compiled, inputs, X, y, start = moons_setup()
    sides = {"backprop": moons_ours(compiled, inputs), "numpy": moons_numpy(X, y, start),
             "jax": moons_jax(X, y, start), "torch": moons_torch(X, y, start)}
    sides = {k: v for k, v in sides.items() if v is not None}
    with np.errstate(all="ignore"):
        for side in sides.values():  # warm up
            side()
        return dict(zip(sides, alternate(list(sides.values()), rounds), strict=True))


# ---------------------------------------------------------------------------
# 2. the 10 000-statement scalar program, each side in a fresh process

N, PARAMS = 10_000, 100
CHAIN_LR = 1e-4


def child_micrograd(steps: int) -> list[float]:
    """micrograd's step, as its README trains: build the expression, zero the grads,
    backward(), move the params; timed step by step."""
    from micrograd.engine import Value

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * N))  # its topo sort recurses
    ps = [Value(((k * 37) % 100) / 100 - 0.5) for k in range(PARAMS)]
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        s = ps[0]
        for i in range(1, N - 1):
            s = (s * ps[i % PARAMS] + ps[(i * 7) % PARAMS]).relu() + 0.5
        loss = s**2
        for p in ps:
            p.grad = 0.0
        loss.backward()
        for p in ps:
            p.data -= CHAIN_LR * p.grad
        times.append(time.perf_counter() - start)
    return times


def child_backprop(steps: int) -> list[float]:
    """backprop's descent on the same program (parsed, compiled once), timed per step
    through on_step (the time between one step's value and the next)."""
    from backpropcli.core.compiled import compile_graph
    from backpropcli.lang.parse import parse
    from backpropcli.tasks import descend
    from backpropcli.tasks.values import bind

    graph = parse(chain_program(N, PARAMS))
    inputs = bind(graph, {})
    compiled = compile_graph(graph, inputs)
    marks: list[float] = []
    settings = descend.Settings(lr=CHAIN_LR, steps=steps)
    with np.errstate(all="ignore"):
        descend.run(compiled, inputs, list(graph.input_names), settings,
                    on_step=lambda k, v: marks.append(time.perf_counter()))
    return [b - a for a, b in itertools.pairwise(marks)]


def chain_side(side: str, gc_on: bool, steps: int) -> float:
    """Median seconds per step of `side` in a fresh process, the collector on or off."""
    code = ("import gc, json, sys; sys.path.insert(0, {here!r}); import training; "
            "{gc}; print(json.dumps(training.child_{side}({steps})))").format(
        here=str(Path(__file__).resolve().parent), side=side, steps=steps,
        gc="gc.enable()" if gc_on else "gc.freeze(); gc.disable()")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    return statistics.median(json.loads(out))


def chain(rounds: int, steps: int = 5) -> dict[str, float] | None:
    """Per-step seconds: backprop with the collector off (as the command runs) and on;
    micrograd with it on (as shipped) and off; each a fresh process per turn."""
    try:
        import micrograd  # noqa: F401
    except ImportError:
        return None
    sides = {
        "backprop (GC off, as the CLI runs)": lambda: chain_side("backprop", False, steps),
        "micrograd (GC on, as shipped)": lambda: chain_side("micrograd", True, steps),
        "backprop (GC on)": lambda: chain_side("backprop", True, steps),
        "micrograd (GC off)": lambda: chain_side("micrograd", False, steps),
    }
    return dict(zip(sides, alternate(list(sides.values()), rounds), strict=True))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer rounds")
    args = ap.parse_args()
    gc.enable()
    rounds = 3 if args.quick else 9
    t = moons(rounds)
    print("1. two-moons network 2-16-16-1, one descent step (one process, GC on, "
          f"{STEPS} steps a turn, {rounds} turns each, alternating; medians)")
    print(f"   backprop descend (compiled)            {us(t['backprop']):>9}")
    for key, label in (("numpy", "numpy by hand (float64)"),
                       ("jax", "jax.jit (float64, CPU)"),
                       ("torch", "PyTorch eager (float64, 1 thread)")):
        if key in t:
            print(f"   {label:<38} {us(t[key]):>9}   backprop / it {t['backprop'] / t[key]:5.2f}")
        else:
            print(f"   {label:<38} not installed")
    c = chain(max(1, rounds // 3))
    print("2. scalar program of 10 000 statements (100 params), one descent step, each "
          "side a fresh process per turn; medians")
    if c is None:
        print("   micrograd not installed (pip install micrograd)")
        return
    for k, v in c.items():
        print(f"   {k:<38} {v * 1e3:9.2f} ms")
    ours, theirs = c["backprop (GC off, as the CLI runs)"], c["micrograd (GC on, as shipped)"]
    print(f"   micrograd / backprop, each as shipped  {theirs / ours:9.1f}×")
    print(f"   micrograd / backprop, both GC off      {c['micrograd (GC off)'] / ours:9.1f}×")


if __name__ == "__main__":
    main()
