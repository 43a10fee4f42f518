"""The README's performance table, from one run of every benchmark.

    pip install .   # non-editable, as the README installs (cold start needs the .pyc)
    pip install torch==2.13.0 jax jaxlib micrograd   # the references, where wanted
    python tests/benchmarks/table.py > table.md       # ~20 minutes on 2 busy cores

Prints the Markdown table that README.md's "Performance" section holds: each row our
figure, the reference's (with its set-up), and the ratio, all measured in this run.
Paste it in by hand (no test compares them).
"""

from __future__ import annotations

import itertools
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


def _step_rows(rows: list, net: str, what: str, t: dict) -> None:
    med, lo, hi = t["backprop"]
    for key, label in training.LABELS.items():
        if key in t:
            m, lo_, hi_ = t[key]
            rows.append((what, f"{us(med)} [{us(lo)}–{us(hi)}]",
                         f"{label}: {us(m)} [{us(lo_)}–{us(hi_)}]", f"{med / m:.2f}×"))


def main() -> None:
    rows: list[tuple[str, str, str, str]] = []
    c = cold_start.cold_start(40)
    how = "pip install ., non-editable" if install_kind() == "installed" else "pip install -e"
    ours = c["ours"]["wall"][0]
    for side, label in (("imports", "what it imports"),
                        ("imports1", "what it imports, OPENBLAS_NUM_THREADS=1 as the command"),
                        ("stack", "the stack's start: a Typer CLI over lark, numpy, orjson")):
        ref = c[side]["wall"][0]
        rows.append(("cold start: `backprop eval \"g = x*y + z\" --x 3 --y -4 --z 2 --json` "
                     f"({how})", f"{ours * 1e3:.0f} ms",
                     f"`python -c \"{c['code'][side]}\"` ({label}), fresh process: "
                     f"{ref * 1e3:.0f} ms", f"{ours / ref:.2f}×"))
    rounds = 9
    _step_rows(rows, "moons", "one descent step of the two-moons network (2-16-16-1, 100 "
               "points, SGD), fresh process, GC on, 1 thread", training.moons(rounds))
    _step_rows(rows, "digits", "one descent step of samples/digits.bp (64-32-10, 1 347 "
               "images full batch, Adam), fresh process, GC on, 1 thread",
               training.digits(rounds))
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
    sc = documents.scaling(3, (10_000, 100_000))
    (t1, m1), (t2, m2), (t0, m0) = sc[10_000], sc[100_000], sc[0]
    rows.append(("growth: `backprop eval PROGRAM --json`, 100 000 statements against 10 000, "
                 "CPU time", f"{t2:.2f} s / {t1:.2f} s", "linear: 10×",
                 f"{t2 / t1:.2f}× ({(t2 - t0) / (t1 - t0):.2f}× net of the start, {t0:.2f} s)"))
    rows.append(("growth: the same, peak memory", f"{mb(m2)} / {mb(m1)}", "linear: 10×",
                 f"{m2 / m1:.2f}× ({(m2 - m0) / (m1 - m0):.2f}× net of the start, {mb(m0)})"))
    bs = training.batch_steps(3)
    b, hand = bs["backprop"], bs["numpy"]
    for small, large in itertools.pairwise(sorted(b)):
        rows.append((f"growth: a descent step of samples/digits.bp, batch {large} against "
                     f"{small}", f"{us(b[large])} / {us(b[small])}: {b[large] / b[small]:.2f}×",
                     f"numpy by hand: {us(hand[large])} / {us(hand[small])}: "
                     f"{hand[large] / hand[small]:.2f}×; linear: {large // small}×",
                     f"{b[large] / b[small]:.2f}×"))
    print(f"Python {platform.python_version()}, numpy {np.__version__}, "
          f"{platform.machine()}\n")
    print("| what | backprop | reference | ratio |")
    print("| --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
