"""Cold start: `backprop eval ... --json` beside importing the libraries it needs.

    pip install .          # non-editable, as the README installs: the .pyc files exist
    python tests/benchmarks/cold_start.py [--runs 60]

The reference is `python -c "import ..."` of exactly the third-party packages that
`backprop eval ... --json` imports, as `python -X importtime` sees them in this
install (typer, lark, numpy, orjson and what they pull in; not rich, which --json never
imports: a reference importing more than we need would flatter us). Runs the two as
fresh processes, interleaved (so machine noise hits both alike), and prints the median
wall time of each, the median CPU time (user + system, from wait4), and their ratios.
The issue's target (issue 23): at most 1.0×. It says whether the
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

OURS = ["eval", "g = x*y + z", "--x", "3", "--y", "-4", "--z", "2", "--json"]


def needed(exe: str, cwd: str) -> list[str]:
    """The third-party packages (top-level names) that `backprop eval ... --json`
    imports, from `python -X importtime`: what the reference imports."""
    import importlib.util
    import subprocess

    err = subprocess.run([sys.executable, "-X", "importtime", exe, *OURS, "--state",
                          str(Path(cwd) / "s.json")], capture_output=True, text=True,
                         cwd=cwd, check=True).stderr
    names = set()
    for line in err.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            top = line.rsplit("|", 1)[1].strip().split(".")[0]
            if top and not top.startswith("_") and top not in sys.stdlib_module_names \
                    and top not in ("backpropcli", "sitecustomize", "usercustomize"):
                names.add(top)
    # a name that cannot be found was tried and failed (a package's "is this Jython?")
    return sorted(n for n in names if importlib.util.find_spec(n) is not None)


def reference_code(exe: str, cwd: str) -> str:
    return "import " + ", ".join(needed(exe, cwd))


def cold_start(runs: int) -> dict:
    """Median wall and CPU seconds of ours and of the reference, and the reference."""
    import tempfile

    exe = backprop_exe()
    with tempfile.TemporaryDirectory() as tmp:
        ours = [exe, *OURS, "--state", str(Path(tmp) / "s.json")]
        code = reference_code(exe, tmp)
        reference = [sys.executable, "-c", code]
        for _ in range(3):  # warm the file cache
            fresh(ours, cwd=tmp)
            fresh(reference, cwd=tmp)
        a, b = [], []
        for _ in range(runs):
            a.append(fresh(reference, cwd=tmp))
            b.append(fresh(ours, cwd=tmp))
    return {"reference": code, "ref_wall": statistics.median(u.wall for u in a),
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
    print(f"reference  python -c '{t['reference']}'")
    print(f"           wall {t['ref_wall'] * 1e3:6.1f} ms  "
          f"cpu {t['ref_cpu'] * 1e3:6.1f} ms")
    print(f"backprop   {' '.join(OURS[:2])!s:<35}  wall {t['ours_wall'] * 1e3:6.1f} ms  "
          f"cpu {t['ours_cpu'] * 1e3:6.1f} ms")
    print(f"ratio      wall {t['ours_wall'] / t['ref_wall']:.2f}   "
          f"cpu {t['ours_cpu'] / t['ref_cpu']:.2f}")


if __name__ == "__main__":
    main()
