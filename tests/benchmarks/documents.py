"""Documents: `backprop eval PROGRAM --json` at size, beside references measured in the
same run, every side a fresh process (the installed command; stdout read and dropped).

    python tests/benchmarks/documents.py [--quick]

1. CPU time (user + system, of the process alone, from wait4) of `backprop eval
   chain.bp --json` on the 100 000-statement scalar program (500 000 nodes), against
   Lark alone parsing the same text into a tree with the project's grammar, as a user
   runs Lark: a fresh `python -c` that builds `Lark(open("grammars/backprop.lark").read(),
   parser="lalr", lexer="basic", postlex=...)` (the options and the bracket post-lexer
   the project uses; no cache) and calls `.parse(text)`. GC as each ships (Lark's on;
   the CLI freezes and disables it). backprop parses with the same Lark parser, given
   its graph builder as the transformer instead of building the tree, loaded from the
   shipped tables, then evaluates, differentiates and writes the document. The issue's
   target (issue 18): at most 1.0×.
   With --sizes it also prints 1 000 / 10 000 statements (the growth should be linear).
2. Peak memory (ru_maxrss) of `backprop eval "W = uniform(1000, 1000); x =
   uniform(1000); g = sum(tanh(W @ x))" --json`, with no session before it (a run after
   it reads its 11 MB session too, to keep it for a roll-back), against a fresh Python that imports
   numpy, makes the arrays that program needs (W, x, W @ x, its tanh, and the
   gradients: the tanh's, x's, and W's outer product) and holds bytes as long as the
   document we wrote. The issue's target: at most 1.3×.

Run on demand, never in CI; `table.py` prints the README's rows from these figures.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `_bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import GRAMMAR, Usage, alternate, backprop_exe, chain_program, fresh, mb, peak

LARK_ALONE = """
import sys
from lark import Lark

class Brackets:  # the project's post-lexer: a line break inside ( ) or [ ] continues
    always_accept = ("_NL",)
    def process(self, stream):
        depth = 0
        for tok in stream:
            if tok.type in ("LPAR", "LSQB"):
                depth += 1
            elif tok.type in ("RPAR", "RSQB"):
                depth = max(0, depth - 1)
            elif tok.type == "_NL" and depth:
                continue
            yield tok

parser = Lark(open(sys.argv[1]).read(), parser="lalr", lexer="basic", postlex=Brackets())
tree = parser.parse(open(sys.argv[2]).read())
"""

MATRIX = "W = uniform(1000, 1000); x = uniform(1000); g = sum(tanh(W @ x))"

NUMPY_ALONE = """
import sys
import numpy as np
rng = np.random.default_rng(0)
W = rng.uniform(-1, 1, (1000, 1000)); x = rng.uniform(-1, 1, 1000)
h = W @ x; t = np.tanh(h); g = t.sum()
gt = np.ones_like(t); gh = gt * (1 - t**2); gW = np.outer(gh, x); gx = W.T @ gh
text = bytearray(int(sys.argv[1]))  # the document, as long as backprop's
text[::4096] = b"x" * len(text[::4096])  # touched, so that it is resident
"""


def eval_cpu(rounds: int, n: int) -> tuple[float, float, int]:
    """Median CPU seconds of ours and of Lark alone on n statements, and the size of
    our document in bytes."""
    exe = backprop_exe()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"chain{n}.bp"
        path.write_text(chain_program(n))
        ours = [exe, "eval", str(path), "--json", "--state", str(Path(tmp) / "s.json")]
        lark = [sys.executable, "-c", LARK_ALONE, str(GRAMMAR), str(path)]
        size = fresh(ours, cwd=tmp).size
        a, b = alternate([lambda: fresh(ours, cwd=tmp).cpu, lambda: fresh(lark, cwd=tmp).cpu],
                         rounds)
    return a, b, size


def peak_memory(rounds: int) -> tuple[int, int, int]:
    """Median peak bytes of ours and of numpy alone, and our document's size."""
    exe = backprop_exe()
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "s.json"
        ours = [exe, "eval", MATRIX, "--json", "--state", str(state)]

        def first_run() -> Usage:  # no session before it (a later run reads that one too)
            state.unlink(missing_ok=True)
            return peak(ours, cwd=tmp)

        size = first_run().size
        ref = [sys.executable, "-c", NUMPY_ALONE, str(size)]
        a, b = alternate([lambda: first_run().peak, lambda: peak(ref, cwd=tmp).peak], rounds)
    return int(a), int(b), size


SIZES = (1_000, 10_000, 100_000)


def scaling(rounds: int, sizes: tuple[int, ...] = SIZES) -> dict[int, tuple[float, int]]:
    """Median CPU seconds and peak bytes of `backprop eval chain.bp --json` at each size
    of the scalar chain program (5 nodes a statement), fresh processes, the sizes taking
    turns; each run with no session before it (a run reads the one before, to keep it
    for a roll-back). Size 0 is the smallest program, `g = x*y + z`: what starting costs."""
    exe = backprop_exe()
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp) / "s.json"

        def run(n: int) -> Usage:
            state.unlink(missing_ok=True)
            path = Path(tmp) / f"chain{n}.bp"
            program = [str(path)] if n else ["g = x*y + z", "--x", "3", "--y", "-4", "--z", "2"]
            return peak([exe, "eval", *program, "--json", "--state", str(state)], cwd=tmp)

        for n in sizes:
            (Path(tmp) / f"chain{n}.bp").write_text(chain_program(n))
        seen: dict[int, list[Usage]] = {n: [] for n in (0, *sizes)}
        for _ in range(rounds):
            for n in seen:
                seen[n].append(run(n))
    return {n: (statistics.median(u.cpu for u in us_), int(statistics.median(u.peak for u in us_)))
            for n, us_ in seen.items()}


def show_scaling(s: dict[int, tuple[float, int]]) -> None:
    """The table of sizes and the ratio of each size to the one ten times smaller, as
    measured and net of the start (size 0 subtracted)."""
    t0, m0 = s[0]
    print(f"   start (g = x*y + z): {t0:6.2f} s  {mb(m0):>7}")
    sizes = sorted(n for n in s if n)
    for a, b in itertools.pairwise(sizes):
        (ta, ma), (tb, mb_) = s[a], s[b]
        print(f"   {b:>7} / {a:<7} statements: time {tb / ta:5.2f}× (net of the start "
              f"{(tb - t0) / (ta - t0):5.2f}×), peak memory {mb_ / ma:5.2f}× (net "
              f"{(mb_ - m0) / (ma - m0):5.2f}×)   [{tb:.2f} s {mb(mb_)} / {ta:.2f} s {mb(ma)}]")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer rounds")
    ap.add_argument("--sizes", action="store_true", help="also 1 000 and 10 000 statements")
    ap.add_argument("--statements", type=int, default=100_000, help="the largest size")
    ap.add_argument("--scaling", action="store_true",
                    help="only the growth: time and peak memory at 1 000, 10 000, 100 000")
    args = ap.parse_args()
    rounds = 3 if args.quick else 7
    if args.scaling:
        print("eval --json of the chain program: CPU time and peak memory, fresh processes, "
              f"{rounds} turns each, alternating; medians")
        show_scaling(scaling(rounds))
        return
    print("1. backprop eval PROGRAM --json against Lark alone parsing it into a tree; CPU "
          f"seconds of fresh processes, {rounds} turns each, alternating; medians")
    for n in ([1_000, 10_000] if args.sizes else []) + [args.statements]:
        ours, lark, size = eval_cpu(rounds, n)
        print(f"   {n:>7} statements: backprop {ours:6.2f} s  Lark alone {lark:6.2f} s  "
              f"ratio {ours / lark:.2f}   (document {mb(size)})")
    ours_m, ref_m, size = peak_memory(rounds)
    print("2. peak memory (ru_maxrss, fresh processes) of the 1000×1000 sum(tanh(W @ x))")
    print(f"   backprop eval --json {mb(ours_m)}   numpy's arrays + the output text "
          f"({mb(size)}) {mb(ref_m)}   ratio {ours_m / ref_m:.2f}")


if __name__ == "__main__":
    main()
