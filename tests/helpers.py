"""What tests share besides fixtures: where the repository and its samples are, and the
command line of the installed `backprop`."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
GOLDEN = Path(__file__).resolve().parent / "golden"
# Samples on which a command takes a minute (digits.bp: `check` takes a finite difference
# for each of its 2 410 weights over 1 347 images): tests that run every sample run
# these in the slow tier (samples() marks them).
HEAVY = frozenset({"digits.bp"})


def samples(heavy: frozenset[str] = HEAVY, ids=lambda p: p.name) -> list:
    """Every sample program as a pytest parameter, those named in `heavy` marked slow."""
    import pytest

    return [pytest.param(p, id=ids(p), marks=[pytest.mark.slow] if p.name in heavy else [])
            for p in sorted(SAMPLES.glob("*.bp"))]


def command() -> list[str]:
    """The installed `backprop` of the venv running the tests (or the module, if none)."""
    here = str(Path(sys.executable).parent)
    exe = shutil.which("backprop", path=here) or shutil.which("backprop")
    return [exe] if exe else [sys.executable, "-c",
                              "from backpropcli.cli.entry import main; main()"]


def tiered(values, fast: int = 1) -> list:
    """Parameters of which the first `fast` run in the README's `python -m pytest` and the
    rest are marked slow: a representative case in the fast tier, the whole matrix in the
    slow tier (`python -m pytest -m slow`, run by .ci/run). Values already wrapped in
    pytest.param keep their id and marks."""
    import pytest
    from _pytest.mark import ParameterSet

    out = []
    for k, value in enumerate(values):
        if k < fast:
            out.append(value)
        elif isinstance(value, ParameterSet):
            out.append(pytest.param(*value.values, marks=[*value.marks, pytest.mark.slow],
                                    id=value.id))
        else:
            out.append(pytest.param(value, marks=pytest.mark.slow))
    return out
