"""Training speed, measured side by side in one run and printed as ratios.

    python tests/benchmarks/training.py [--quick]

1. The two-moons network (2-16-16-1 ReLU, max-margin loss + L2, 100 points): time per
   descent step (value, gradient, SGD update) of backprop's compiled program, against the
   same network in PyTorch eager (CPU, float64, one thread), when torch is installed.
   Target: at least as fast as PyTorch.
2. A scalar program of 10 000 statements: time per descent step against micrograd, when
   it is installed (pip install micrograd). Target: at least 20 times faster.
3. `backprop eval PROGRAM --json` on programs of 1 000, 10 000 and 100 000 statements
   (the installed command, parse to JSON): times and their ratios, which should grow
   like the sizes (10×, 10×); 100 000 statements must finish in under a minute.

Measurements alternate between the two sides in rounds, so that machine noise falls on
both; each figure is the median over rounds. Run on demand, never in CI.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from backpropcli.core.compiled import compile_graph
from backpropcli.lang.parse import parse
from backpropcli.tasks import descend
from backpropcli.tasks.values import bind, read_file

ROOT = Path(__file__).resolve().parents[2]  # the checkout: samples/ lives there

MOONS_NET = """
W1 = uniform(2, 16)
b1 = zeros(16)
W2 = uniform(16, 16)
b2 = zeros(16)
w3 = uniform(16)
b3 = 0
h1 = relu(X @ W1 + b1)
h2 = relu(h1 @ W2 + b2)
score = h2 @ w3 + b3
loss = mean(relu(1 - y * score)) + 0.0001 * (sum(W1^2) + sum(b1^2) + sum(W2^2) + sum(b2^2)
                                             + sum(w3^2) + b3^2)
"""


def per_step(step, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - start) / n


def alternate(ours, theirs, n: int, rounds: int) -> tuple[float, float]:
    a, b = [], []
    for _ in range(rounds):
        a.append(per_step(ours, n))
        b.append(per_step(theirs, n))
    return statistics.median(a), statistics.median(b)


# ---------------------------------------------------------------------------

def moons(rounds: int) -> tuple[float, float | None]:
    data = read_file("data", ROOT / "samples" / "moons.csv")
    graph = parse(MOONS_NET)
    inputs = bind(graph, {"X": data[:, :2], "y": data[:, 2]}, seed=0)
    params = [n for n in graph.input_names if n not in ("X", "y")]
    compiled = compile_graph(graph, inputs)
    xs = compiled.args(inputs)
    moving = [k for k, n in enumerate(compiled.inputs) if n in params]
    f = compiled.value_and_grad

    def ours():
        _, grads, _ = f(*xs)
        for k in moving:
            xs[k] = xs[k] - 0.1 * grads[k]

    try:
        import torch
    except (ImportError, OSError):  # absent, or a broken install
        return per_step(ours, 200), None
    torch.set_num_threads(1)
    t = {n: torch.tensor(np.asarray(inputs[n], dtype=np.float64)) for n in compiled.inputs}
    for n in params:
        t[n].requires_grad_(True)

    def theirs():
        h1 = torch.relu(t["X"] @ t["W1"] + t["b1"])
        h2 = torch.relu(h1 @ t["W2"] + t["b2"])
        score = h2 @ t["w3"] + t["b3"]
        reg = sum((t[n] ** 2).sum() for n in ("W1", "b1", "W2", "b2", "w3", "b3"))
        loss = torch.relu(1 - t["y"] * score).mean() + 0.0001 * reg
        for n in params:
            t[n].grad = None
        loss.backward()
        with torch.no_grad():
            for n in params:
                t[n] -= 0.1 * t[n].grad

    with np.errstate(all="ignore"):
        return alternate(ours, theirs, 200, rounds)


def chain_program(n: int, params: int = 100) -> str:
    lines = [f"p{k} = {((k * 37) % 100) / 100 - 0.5}" for k in range(params)]
    lines.append("s0 = p0")
    lines += [f"s{i} = relu(s{i - 1} * p{i % params} + p{(i * 7) % params}) + 0.5"
              for i in range(1, n - 1)]
    lines.append(f"loss = s{n - 2}^2")
    return "\n".join(lines)


def scalar_chain(rounds: int) -> tuple[float, float | None, float]:
    n, params = 10_000, 100
    graph = parse(chain_program(n, params))
    inputs = bind(graph, {})
    start = time.perf_counter()
    compiled = compile_graph(graph, inputs)
    compile_time = time.perf_counter() - start
    settings = descend.Settings(lr=1e-4, steps=1)
    point = dict(inputs)

    def ours():
        nonlocal point
        point = descend.run(compiled, point, list(graph.input_names), settings).inputs

    try:
        from micrograd.engine import Value
    except ImportError:
        return per_step(ours, 5), None, compile_time
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 200_000))  # micrograd's topo sort recurses
    ps = [Value(((k * 37) % 100) / 100 - 0.5) for k in range(params)]

    def theirs():
        s = ps[0]
        for i in range(1, n - 1):
            s = (s * ps[i % params] + ps[(i * 7) % params]).relu() + 0.5
        loss = s**2
        for p in ps:
            p.grad = 0.0
        loss.backward()
        for p in ps:
            p.data -= 1e-4 * p.grad

    with np.errstate(all="ignore"):
        ours_t, theirs_t = alternate(ours, theirs, 2, rounds)
    return ours_t, theirs_t, compile_time


def eval_scaling(sizes: list[int]) -> list[tuple[int, float]]:
    exe = shutil.which("backprop", path=str(Path(sys.executable).parent)) or \
        shutil.which("backprop")
    if exe is None:
        sys.exit("install the project first: pip install .")
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"chain{n}.bp"
            path.write_text(chain_program(n))
            start = time.perf_counter()
            r = subprocess.run([exe, "eval", str(path), "--json", "--state",
                                str(Path(tmp) / "s.json")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if r.returncode:
                sys.exit(f"eval of {n} statements failed: {r.stderr[-400:]}")
            out.append((n, time.perf_counter() - start))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer rounds, no 100 000 case")
    args = ap.parse_args()
    rounds = 3 if args.quick else 7

    ours, torch_t = moons(rounds)
    print("1. two-moons network 2-16-16-1, one descent step")
    print(f"   backprop (compiled)     {ours * 1e6:9.1f} µs")
    if torch_t is None:
        print("   PyTorch eager           not installed (pip install torch)")
    else:
        print(f"   PyTorch eager (f64, 1t) {torch_t * 1e6:9.1f} µs")
        print(f"   PyTorch / backprop      {torch_t / ours:9.2f}×   (target ≥ 1)")

    ours, mg, compile_time = scalar_chain(rounds)
    print("2. scalar program of 10 000 statements (100 params), one descent step")
    print(f"   backprop (compiled)     {ours * 1e3:9.2f} ms   (compiled once in "
          f"{compile_time:.2f} s)")
    if mg is None:
        print("   micrograd               not installed (pip install micrograd)")
    else:
        print(f"   micrograd               {mg * 1e3:9.2f} ms")
        print(f"   micrograd / backprop    {mg / ours:9.1f}×   (target ≥ 20)")

    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    times = eval_scaling(sizes)
    print("3. backprop eval PROGRAM --json, whole command")
    for k, (n, t) in enumerate(times):
        ratio = f"   ×{t / times[k - 1][1]:.1f} for ×10 statements" if k else ""
        print(f"   {n:>7} statements      {t:9.2f} s{ratio}")


if __name__ == "__main__":
    main()
