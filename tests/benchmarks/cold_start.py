"""Cold start: `backprop eval ... --json` beside `python -c "import typer, rich, lark, numpy"`.

    pip install .          # non-editable, as the README installs: the .pyc files exist
    python tests/benchmarks/cold_start.py [--runs 60]

Runs the two commands as fresh processes, interleaved (so machine noise hits both
alike), and prints the median wall time of each, the median CPU time (user + system,
from wait4), and their ratios. The issue's target: at most 1.15×. It says whether the
package is installed editable (pip install -e: the figures then include compiling and
finding the package's modules, which a user's install does not pay). Run on demand,
never in CI.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `_bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import backprop_exe, fresh, install_kind

REFERENCE = "import typer, rich, lark, numpy"
OURS = ["eval", "g = x*y + z", "--x", "3", "--y", "-4", "--z", "2", "--json"]


def cold_start(runs: int) -> dict[str, float]:
    """Median wall and CPU seconds of ours and of the reference."""
    import tempfile

    exe = backprop_exe()
    with tempfile.TemporaryDirectory() as tmp:
        ours = [exe, *OURS, "--state", str(Path(tmp) / "s.json")]
        reference = [sys.executable, "-c", REFERENCE]
        for _ in range(3):  # warm the file cache
            fresh(ours, cwd=tmp)
            fresh(reference, cwd=tmp)
        a, b = [], []
        for _ in range(runs):
            a.append(fresh(reference, cwd=tmp))
            b.append(fresh(ours, cwd=tmp))
    return {"ref_wall": statistics.median(u.wall for u in a),
            "ours_wall": statistics.median(u.wall for u in b),
            "ref_cpu": statistics.median(u.cpu for u in a),
            "ours_cpu": statistics.median(u.cpu for u in b)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=60)
    args = ap.parse_args()
    t = cold_start(args.runs)
    print(f"backprop is installed {install_kind()}; fresh processes, {args.runs} runs each, "
          "interleaved; medians")
    print(f"reference  python -c '{REFERENCE}'  wall {t['ref_wall'] * 1e3:6.1f} ms  "
          f"cpu {t['ref_cpu'] * 1e3:6.1f} ms")
    print(f"backprop   {' '.join(OURS[:2])!s:<35}  wall {t['ours_wall'] * 1e3:6.1f} ms  "
          f"cpu {t['ours_cpu'] * 1e3:6.1f} ms")
    print(f"ratio      wall {t['ours_wall'] / t['ref_wall']:.2f}   "
          f"cpu {t['ours_cpu'] / t['ref_cpu']:.2f}")


if __name__ == "__main__":
    main()
