"""What tests share besides fixtures: where the repository and its samples are, and the
command line of the installed `backprop`."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
GOLDEN = Path(__file__).resolve().parent / "golden"


def command() -> list[str]:
    """The installed `backprop` of the venv running the tests (or the module, if none)."""
    here = str(Path(sys.executable).parent)
    exe = shutil.which("backprop", path=here) or shutil.which("backprop")
    return [exe] if exe else [sys.executable, "-c", "from backpropcli.cli.app import main; main()"]
