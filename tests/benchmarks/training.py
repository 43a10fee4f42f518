"""Training speed: backprop's descent step beside references measured in the same run.

    python tests/benchmarks/training.py [--quick] [--nets moons,digits] [--rounds N]
    python tests/benchmarks/training.py --batches   # the digits step at batch 256 ... 16 384

1. One descent step of samples/moons.bp (2-16-16-1 ReLU, 100 points, SGD) and of
   samples/digits.bp (64-32-10 tanh, softmax cross-entropy, 1 347 images full batch,
   Adam), each as `backprop descend` runs it (`tasks.descend.run`: value, gradient,
   stopping rules, trace, the update, the watched accuracies), against the same step
   on the same data from the same starting weights written (steps.py):
   - in numpy by hand (float64), the floor; and again with glibc keeping the memory it
     frees (see KEEP), which saves that step its page faults;
   - under `jax.jit` (float64, CPU), when jax is installed;
   - in PyTorch eager (float64, CPU, its own optimizer), when torch is installed.
   Every side runs in a fresh process per turn, as its users run it: the garbage
   collector on (as Python ships it; the `backprop` command itself turns it off, so
   ours is measured the less flattering way), one thread everywhere (OpenBLAS, OpenMP
   and MKL by their environment variables, torch.set_num_threads(1), XLA's CPU client
   without its thread pool), float64 everywhere. A turn warms its side up (jax
   compiles) and times several runs of STEPS steps; the turns of all sides alternate,
   and each side's figure is the median of its turns, with the spread (lowest and
   highest turn).
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
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make `_bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import alternate, chain_program, us

HERE = Path(__file__).resolve().parent
STEPS = {"moons": 200, "digits": 20}  # steps per timed run (the digits step is ~1 ms)
RUNS = 5  # timed runs per turn, after one to warm up; the turn's figure is their median
SIDES = ("backprop", "numpy", "numpy-kept", "jax", "torch")
# glibc hands a freed block of 128 KB or more back to the system and takes fresh pages
# (a page fault each) for the next: the numpy step by hand makes such temporaries at
# every step. "numpy-kept" is that step again with glibc told to keep freed memory, to
# state how much of its time the page faults are (a user does not run it so).
KEEP = {"MALLOC_MMAP_THRESHOLD_": str(1 << 30), "MALLOC_TRIM_THRESHOLD_": str(1 << 30)}
# One thread for every library, set before any of them is imported (in the child).
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "JAX_PLATFORMS": "cpu",
              "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"}


# ---------------------------------------------------------------------------
# 1. the two nets, each side a fresh process per turn

def child_step(net: str, side: str, batch: int | None) -> float:
    """Seconds per step of one side, in this (fresh) process: one warm-up run of
    STEPS steps, then the median of RUNS timed runs."""
    import steps

    n = STEPS[net]
    side = side.removesuffix("-kept")
    if side == "backprop":
        run = steps.make_backprop(net, n, batch)
    else:
        if side == "torch":
            import torch

            torch.set_num_threads(1)
        one = steps.SIDES[net, side](batch)

        def run() -> None:
            for _ in range(n):
                one()
    times = []
    with np.errstate(all="ignore"):
        for k in range(RUNS + 1):
            start = time.perf_counter()
            run()
            if k:
                times.append((time.perf_counter() - start) / n)
    return statistics.median(times)


def installed(side: str) -> bool:
    if side in ("backprop", "numpy", "numpy-kept"):
        return True
    code = f"import {side}"
    return subprocess.run([sys.executable, "-c", code], capture_output=True,
                          env={**os.environ, **ONE_THREAD}).returncode == 0


def side_turn(net: str, side: str, batch: int | None = None) -> float:
    """One turn: seconds per step of `side` on `net`, measured in a fresh process."""
    code = (f"import json, sys; sys.path.insert(0, {str(HERE)!r}); import training; "
            f"print(json.dumps(training.child_step({net!r}, {side!r}, {batch!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, **ONE_THREAD,
                              **(KEEP if side.endswith("-kept") else {})})
    if out.returncode:
        sys.exit(f"{net}/{side} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout)


def net_steps(net: str, rounds: int, batch: int | None = None,
              sides: tuple[str, ...] = SIDES) -> dict[str, tuple[float, float, float]]:
    """Per side that is installed: (median, lowest, highest) seconds per step over
    `rounds` turns, the sides' turns alternating."""
    sides = tuple(s for s in sides if installed(s))
    seen: dict[str, list[float]] = {s: [] for s in sides}
    for _ in range(rounds):
        for s in sides:
            seen[s].append(side_turn(net, s, batch))
    return {s: (statistics.median(v), min(v), max(v)) for s, v in seen.items()}


def moons(rounds: int) -> dict[str, tuple[float, float, float]]:
    return net_steps("moons", rounds)


def digits(rounds: int) -> dict[str, tuple[float, float, float]]:
    return net_steps("digits", rounds)


LABELS = {"numpy": "numpy by hand (float64)",
          "numpy-kept": "numpy by hand, glibc keeping freed memory",
          "jax": "jax.jit (float64, CPU)",
          "torch": "PyTorch eager (float64, 1 thread)"}


def show(net: str, t: dict[str, tuple[float, float, float]], rounds: int) -> None:
    print(f"{net}: one descent step (fresh process per turn, GC on, one thread, float64; "
          f"{rounds} turns each, alternating; median [lowest–highest turn])")
    ours = t["backprop"][0]
    for side in SIDES:
        label = "backprop descend (compiled)" if side == "backprop" else LABELS[side]
        if side not in t:
            print(f"   {label:<41} not installed")
            continue
        med, lo, hi = t[side]
        ratio = "" if side == "backprop" else f"   backprop / it {ours / med:5.2f}"
        print(f"   {label:<41} {us(med):>9} [{us(lo)}–{us(hi)}]{ratio}")


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
    ap.add_argument("--rounds", type=int, help="turns of each side")
    ap.add_argument("--nets", default="moons,digits,chain")
    ap.add_argument("--batches", action="store_true",
                    help="backprop's digits step at batches 256 to 16 384 (linear growth)")
    args = ap.parse_args()
    gc.enable()
    rounds = args.rounds or (3 if args.quick else 9)
    if args.batches:
        bs = batch_steps(rounds)
        for b in BATCHES:
            print(f"digits, batch {b:5}: backprop {us(bs['backprop'][b]):>9} a step, "
                  f"numpy by hand {us(bs['numpy'][b]):>9}")
        return
    for net in ("moons", "digits"):
        if net in args.nets:
            show(net, net_steps(net, rounds), rounds)
    if "chain" not in args.nets:
        return
    c = chain(max(1, rounds // 3))
    print("scalar program of 10 000 statements (100 params), one descent step, each "
          "side a fresh process per turn; medians")
    if c is None:
        print("   micrograd not installed (pip install micrograd)")
        return
    for k, v in c.items():
        print(f"   {k:<38} {v * 1e3:9.2f} ms")
    ours, theirs = c["backprop (GC off, as the CLI runs)"], c["micrograd (GC on, as shipped)"]
    print(f"   micrograd / backprop, each as shipped  {theirs / ours:9.1f}×")
    print(f"   micrograd / backprop, both GC off      {c['micrograd (GC off)'] / ours:9.1f}×")


BATCHES = (256, 1024, 4096, 16384)


def batch_steps(rounds: int) -> dict[str, dict[int, float]]:
    """The digits step (median seconds) at each of BATCHES, backprop's and numpy's by
    hand (the same net and data: how the machine's caches and BLAS grow), alternating."""
    seen = {s: {b: [] for b in BATCHES} for s in ("backprop", "numpy")}
    for _ in range(rounds):
        for b in BATCHES:
            for s in seen:
                seen[s][b].append(side_turn("digits", s, b))
    return {s: {b: statistics.median(v) for b, v in d.items()} for s, d in seen.items()}


if __name__ == "__main__":
    main()
