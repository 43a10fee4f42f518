"""What the benchmarks share: timing two sides in alternation, running a fresh process
and reading its CPU time and peak memory, the installed command, and the programs.

Every figure is a ratio against a reference measured in the same run: the two sides
take turns (ours, theirs, ours, theirs, ...) so that the noise of a shared machine falls
on both, and each side's figure is the median of its turns.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout: samples/ and grammars/ live there
GRAMMAR = ROOT / "grammars" / "backprop.lark"


def per_call(fn: Callable[[], object], n: int) -> float:
    """Seconds per call of fn, over n calls."""
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def alternate(sides: Sequence[Callable[[], float]], rounds: int) -> list[float]:
    """Each side measured once per round, in turn; the median of each side's rounds."""
    seen: list[list[float]] = [[] for _ in sides]
    for _ in range(rounds):
        for k, side in enumerate(sides):
            seen[k].append(side())
    return [statistics.median(s) for s in seen]


@dataclass(frozen=True)
class Usage:
    """What a finished process used: wall and CPU seconds (user + system), peak memory
    in bytes (ru_maxrss), how many bytes it wrote on stdout, and those bytes if kept."""

    wall: float
    cpu: float
    peak: int
    size: int
    out: bytes = b""


def fresh(cmd: Sequence[str], keep: bool = False, cwd: str | None = None,
          env: dict | None = None) -> Usage:
    """Run cmd as a fresh process. Its own CPU time and peak memory come from wait4,
    so nothing else the benchmark runs is counted. stdout is read as it comes (a large
    document cannot block the process), counted, and kept only if asked for.

    Linux counts in a child's ru_maxrss the memory of the process it was forked from
    (the high-water mark carries over exec), so a benchmark that measures memory must
    stay small itself: it never keeps a large output (keep=False)."""
    start = time.perf_counter()
    p = subprocess.Popen(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         cwd=cwd, env=env)
    assert p.stdout is not None and p.stderr is not None
    chunks = []
    size = 0
    while chunk := p.stdout.read(1 << 20):
        size += len(chunk)
        if keep:
            chunks.append(chunk)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = code = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if code:
        sys.exit(f"failed ({code}): {' '.join(cmd)}\n{err.decode()[-600:]}")
    return Usage(wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024, size,
                 b"".join(chunks))


# Runs argv[2:] and writes its ru_maxrss (KiB) and exit code to the file argv[1]: a small
# process to fork from (see peak()).
_LAUNCH = ("import json, os, subprocess, sys; p = subprocess.Popen(sys.argv[2:]); "
           "_, st, ru = os.wait4(p.pid, 0); code = os.waitstatus_to_exitcode(st); "
           "open(sys.argv[1], 'w').write(json.dumps([ru.ru_maxrss, code])); sys.exit(code)")


def peak(cmd: Sequence[str], cwd: str | None = None) -> Usage:
    """fresh(), with the peak memory measured through a small launcher process: Linux
    counts in a child's ru_maxrss the high-water mark of the process it was forked
    from, which for a benchmark that has imported torch or jax is hundreds of MB."""
    import json
    import tempfile

    with tempfile.NamedTemporaryFile("r", suffix=".json") as report:
        usage = fresh([sys.executable, "-c", _LAUNCH, report.name, *cmd], cwd=cwd)
        maxrss, _ = json.loads(Path(report.name).read_text())
    return Usage(usage.wall, usage.cpu, maxrss * 1024, usage.size, usage.out)


def backprop_exe() -> str:
    """The installed `backprop` beside this Python (the benchmarks measure the command
    as a user runs it)."""
    exe = shutil.which("backprop", path=str(Path(sys.executable).parent)) or \
        shutil.which("backprop")
    if exe is None:
        sys.exit("install the project first: pip install .")
    return exe


def install_kind() -> str:
    """How backpropcli is installed here: 'editable' (pip install -e) or 'installed'."""
    import backpropcli

    here = Path(backpropcli.__file__).resolve()
    return "editable" if ROOT in here.parents else "installed"


def chain_program(n: int, params: int = 100) -> str:
    """A scalar program of n statements: params p0..p99 and a chain of relu units,
    s_i = relu(s_{i-1} * p + p') + 0.5, ending in loss = s^2 (5 nodes a statement)."""
    lines = [f"p{k} = {((k * 37) % 100) / 100 - 0.5}" for k in range(params)]
    lines.append("s0 = p0")
    lines += [f"s{i} = relu(s{i - 1} * p{i % params} + p{(i * 7) % params}) + 0.5"
              for i in range(1, n - 1)]
    lines.append(f"loss = s{n - 2}^2")
    return "\n".join(lines)


def ms(t: float) -> str:
    return f"{t * 1e3:.1f} ms"


def us(t: float) -> str:
    return f"{t * 1e6:.0f} µs"


def mb(n: float) -> str:
    return f"{n / 2**20:.0f} MB"
