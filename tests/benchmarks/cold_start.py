"""Cold start: `backprop eval ... --json` beside `python -c "import typer, rich, lark, numpy"`.

Runs the two commands interleaved (so machine noise hits both alike) and prints the
median of each and their ratio. Run it on demand, never in CI:

    python tests/benchmarks/cold_start.py [--runs 60]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=60)
    args = ap.parse_args()
    here = str(Path(sys.executable).parent)
    exe = shutil.which("backprop", path=here) or shutil.which("backprop")
    if exe is None:
        sys.exit("install the project first: pip install .")
    ours = [exe, "eval", "g = x*y + z", "--x", "3", "--y", "-4", "--z", "2", "--json"]
    reference = [sys.executable, "-c", "import typer, rich, lark, numpy"]
    for _ in range(3):  # warm the file cache and the grammar cache
        timed(ours)
        timed(reference)
    a, b = [], []
    for _ in range(args.runs):
        a.append(timed(reference))
        b.append(timed(ours))
    ref, us = statistics.median(a), statistics.median(b)
    print(f"reference  python -c 'import typer, rich, lark, numpy'  median {ref * 1000:7.1f} ms")
    print(f"backprop   eval 'g = x*y + z' ... --json              median {us * 1000:7.1f} ms")
    print(f"ratio      {us / ref:.2f}  (runs: {args.runs} each, interleaved)")


if __name__ == "__main__":
    main()
