"""The README's scaling picture: how cost grows with the work, on log–log axes.

    python tests/benchmarks/scaling_plot.py [--quick] [--out docs/scaling.svg]

Left: CPU time and peak memory of `backprop eval chain.bp --json` for the scalar chain
program of 1 000, 10 000 and 100 000 statements (documents.scaling: fresh processes,
the sizes taking turns, medians). Right: one descent step of samples/digits.bp at batch
256 to 16 384 (training.batch_steps: the training rows cut or repeated to the batch, a
fresh process per turn), beside numpy's step by hand at the same batches. A dotted line
of slope 1 through the largest point shows what linear growth looks like; a cost that
grows faster than the work would bend above it.
Prints the figures it draws. Needs matplotlib (`pip install matplotlib`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `_bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import documents
import training
from _bench import ROOT


def draw(evals: dict[int, tuple[float, int]], steps: dict[str, dict[int, float]],
         out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(8.4, 3.4), layout="constrained")
    sizes = sorted(n for n in evals if n)
    series = ((left, sizes, [evals[n][0] for n in sizes], "CPU time (s)", "o-"),
              (left, sizes, [evals[n][1] / 2**20 / 100 for n in sizes],
               "peak memory (100 MB)", "s-"),
              (right, sorted(steps["backprop"]),
               [steps["backprop"][b] * 1e3 for b in sorted(steps["backprop"])],
               "one step (ms)", "o-"),
              (right, sorted(steps["numpy"]),
               [steps["numpy"][b] * 1e3 for b in sorted(steps["numpy"])],
               "numpy by hand (ms)", "s--"))
    for ax, xs, ys, label, style in series:
        ax.plot(xs, ys, style, label=label)
        ax.plot(xs, [ys[-1] * x / xs[-1] for x in xs], ":", color="grey")  # slope 1
    left.set(xscale="log", yscale="log", xlabel="statements",
             title="backprop eval PROGRAM --json")
    right.set(xscale="log", yscale="log", xlabel="batch (images)",
              title="a descent step of samples/digits.bp")
    for ax in (left, right):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize="small", title="dotted: linear", title_fontsize="small")
    fig.savefig(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer rounds")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "scaling.svg")
    args = ap.parse_args()
    rounds = 3 if args.quick else 5
    evals = documents.scaling(rounds)
    print("eval --json of the chain program (medians of fresh processes):")
    documents.show_scaling(evals)
    steps = training.batch_steps(rounds)
    for b in training.BATCHES:
        print(f"digits descent step, batch {b:6}: {steps['backprop'][b] * 1e6:8.0f} µs, "
              f"numpy by hand {steps['numpy'][b] * 1e6:8.0f} µs")
    draw(evals, steps, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
