"""Cold start: `backprop eval ... --json` beside importing the libraries under it.

    pip install .          # non-editable, as the README installs: the .pyc files exist
    cd "$(mktemp -d)" && python /path/to/checkout/tests/benchmarks/cold_start.py [--runs 60]

Two references, each `python -c "import ..."` in a fresh process:

(a) "what it imports": exactly the third-party packages that `backprop eval ... --json`
    imports, as `python -X importtime` sees them in this install (lark, numpy, orjson
    and what they pull in; not rich, which --json never imports, nor typer, which a
    command's run no longer imports). A reference importing more than we need would
    flatter us; this one is the floor: the libraries the run cannot do without.
(a1) the same imports with OPENBLAS_NUM_THREADS=1, as the command runs numpy's BLAS
    (cli/entry.py): the floor without the spinning of OpenBLAS's threads, which a
    plain `import numpy` starts (one per core) and the command does not. Against it the
    command gains nothing from that setting: the strictest of the three.
(b) "the stack's start": `import typer, lark, numpy, orjson`, what any Typer command
    line over the project's mandated stack (typer, lark, numpy; orjson for the
    documents) pays before it does anything, had it imported its framework as Typer
    apps do. It is what (a) was before a run stopped importing Typer.

The three take turns (reference a, reference b, ours, ...: the noise of a shared
machine falls on all alike); each figure is the median of its turns with the
interquartile range [25th–75th percentile], for the wall time and for the CPU time
(user + system, from wait4), and the ratios are ours over each reference's median.
The issue's target (issue 23) is at most 1.0× of (a). It says whether the package is
installed editable (pip install -e: the figures then include compiling and finding the
package's modules, which a user's install does not pay). Run on demand, never in CI.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `_bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import Usage, backprop_exe, fresh, install_kind

OURS = ["eval", "g = x*y + z", "--x", "3", "--y", "-4", "--z", "2", "--json"]
STACK = ["typer", "lark", "numpy", "orjson"]  # reference (b)
# reference (a1): (a) with numpy's BLAS on one thread, as the command runs it (cli/entry.py)
ONE_THREAD = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}


def needed(exe: str, cwd: str) -> list[str]:
    """The third-party packages (top-level names) that `backprop eval ... --json`
    imports, from `python -X importtime`: what reference (a) imports."""
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


def _figures(turns: list[Usage]) -> dict:
    """The median and the quartiles of the wall and CPU seconds of a side's turns."""
    out = {}
    for what in ("wall", "cpu"):
        seen = sorted(getattr(u, what) for u in turns)
        q1, _, q3 = statistics.quantiles(seen, n=4)
        out[what] = (statistics.median(seen), q1, q3)
    return out


def cold_start(runs: int) -> dict:
    """Medians and quartiles (wall, CPU seconds) of ours and of the two references."""
    import tempfile

    exe = backprop_exe()
    with tempfile.TemporaryDirectory() as tmp:
        code = reference_code(exe, tmp)
        sides = {"imports": ([sys.executable, "-c", code], None),
                 "imports1": ([sys.executable, "-c", code], ONE_THREAD),
                 "stack": ([sys.executable, "-c", "import " + ", ".join(STACK)], None),
                 "ours": ([exe, *OURS, "--state", str(Path(tmp) / "s.json")], None)}
        for _ in range(3):  # warm the file cache
            for cmd, env in sides.values():
                fresh(cmd, cwd=tmp, env=env)
        turns: dict[str, list[Usage]] = {side: [] for side in sides}
        for _ in range(runs):
            for side, (cmd, env) in sides.items():
                turns[side].append(fresh(cmd, cwd=tmp, env=env))
    return {"code": {side: cmd[-1] for side, (cmd, _) in sides.items() if side != "ours"},
            **{side: _figures(t) for side, t in turns.items()}}


def _ms(figures: tuple[float, float, float]) -> str:
    med, q1, q3 = figures
    return f"{med * 1e3:6.1f} ms [{q1 * 1e3:.1f}–{q3 * 1e3:.1f}]"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=60)
    args = ap.parse_args()
    t = cold_start(args.runs)
    print(f"backprop: {install_kind()} install; fresh processes, {args.runs} runs each, "
          "in turn; medians [25th–75th percentile]")
    print(f"backprop         {' '.join(OURS[:2])}... --json")
    print(f"                 wall {_ms(t['ours']['wall'])}  cpu {_ms(t['ours']['cpu'])}")
    for side, label in (("imports", "(a) what it imports"),
                        ("imports1", "(a1) the same, 1 thread"),
                        ("stack", "(b) the stack's start")):
        print(f"{label:<22} python -c '{t['code'][side]}'")
        print(f"                 wall {_ms(t[side]['wall'])}  cpu {_ms(t[side]['cpu'])}")
        print(f"                 ratio: wall {t['ours']['wall'][0] / t[side]['wall'][0]:.2f}×"
              f"   cpu {t['ours']['cpu'][0] / t[side]['cpu'][0]:.2f}×")


if __name__ == "__main__":
    main()
