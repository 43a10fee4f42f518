"""The README's performance table, from one run of every benchmark.

    pip install .   # non-editable, as the README installs (cold start needs the .pyc)
    pip install torch==2.13.0 jax jaxlib micrograd   # the references, where wanted
    python tests/benchmarks/table.py > table.md       # ~15 minutes on 2 busy cores

Prints the Markdown table that README.md's "Performance" section holds: each row our
figure, the reference's (with its set-up), and the ratio, all measured in this run.
Paste it in by hand (no test compares them).
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make `_bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import cold_start
import documents
import training
from _bench import install_kind, mb, us


def main() -> None:
    rows = []
    c = cold_start.cold_start(40)
    how = "pip install ., non-editable" if install_kind() == "installed" else "pip install -e"
    rows.append(("cold start: `backprop eval \"g = x*y + z\" --x 3 --y -4 --z 2 --json` "
                 f"({how})", f"{c['ours_wall'] * 1e3:.0f} ms",
                 "`python -c \"import typer, rich, lark, numpy\"`, fresh process: "
                 f"{c['ref_wall'] * 1e3:.0f} ms", f"{c['ours_wall'] / c['ref_wall']:.2f}×"))
    t = training.moons(9)
    refs = (("numpy", "numpy by hand, float64"), ("jax", "`jax.jit`, float64, CPU"),
            ("torch", "PyTorch eager, CPU, float64, 1 thread"))
    for key, label in refs:
        if key in t:
            rows.append(("one descent step of the two-moons network (2-16-16-1, 100 points), "
                         "one process, GC on", us(t["backprop"]), f"{label}: {us(t[key])}",
                         f"{t['backprop'] / t[key]:.2f}×"))
    ch = training.chain(3)
    if ch is not None:
        ours = ch["backprop (GC off, as the CLI runs)"]
        for key in ("micrograd (GC on, as shipped)", "micrograd (GC off)"):
            rows.append(("one descent step of a 10 000-statement scalar program (100 params), "
                         "fresh process, GC off as the CLI runs", f"{ours * 1e3:.1f} ms",
                         f"{key}, fresh process: {ch[key] * 1e3:.0f} ms",
                         f"{ours / ch[key]:.3f}× ({ch[key] / ours:.0f} times faster)"))
    ours, lark, size = documents.eval_cpu(5, 100_000)
    rows.append(("`backprop eval PROGRAM --json`, 100 000 statements (500 000 nodes, "
                 f"{mb(size)} document), CPU time", f"{ours:.1f} s",
                 "Lark alone parsing it into a tree with the project's grammar and options, "
                 f"fresh process, GC on: {lark:.1f} s", f"{ours / lark:.2f}×"))
    ours_m, ref_m, size = documents.peak_memory(5)
    rows.append(("peak memory of `backprop eval \"" + documents.MATRIX + "\" --json`",
                 mb(ours_m), f"numpy's arrays for it plus the {mb(size)} output text, fresh "
                 f"process: {mb(ref_m)}", f"{ours_m / ref_m:.2f}×"))
    print(f"Python {platform.python_version()}, numpy {np.__version__}, "
          f"{platform.machine()}\n")
    print("| what | backprop | reference | ratio |")
    print("| --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
