"""The `backprop` process's entry point: what has to be settled before numpy loads, then
the command line (app.main).

numpy's BLAS, OpenBLAS, starts a thread for every core as numpy loads, and each spins
on its core for about a tenth of a second, waiting for work, before it sleeps. The
arrays of this calculator are small: the threads make no step faster (a 500-step
descent on the digits' 1 347 images takes the same time with one thread as with two
on a 2-core machine, and half the CPU time), but a run pays for their spinning, at start
above all (~90 ms of CPU, ~6 ms of wall time, of a ~110 ms `eval --json` here). So the
command runs its BLAS on one thread, unless the environment says otherwise: a user who
sets OPENBLAS_NUM_THREADS (or OMP_NUM_THREADS, GOTO_NUM_THREADS, which OpenBLAS reads
too) gets what they set. The Python API leaves the process as it finds it.
"""

from __future__ import annotations

import os

THREADS = ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")


def main() -> None:
    if not any(os.environ.get(name) for name in THREADS):
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
    from .app import main as command  # (numpy loads from here on)

    command()
