"""A LaTeX document made a PDF by pdflatex (`quiz --variants ... --pdf`): run in a
temporary folder of its own, with a timeout and no shell escape, so that its .aux and
.log never land beside the user's files and a document cannot run commands; the PDF's
bytes come back for the caller to write where it was asked (the rules of api.save_file)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ..core.errors import UsageError, param

PDFLATEX_TIMEOUT = 120.0  # seconds per run: 200 variants take some 20 s on a slow machine
RUNS = 1  # no cross-reference, no table of contents: one run sets every page
INSTALL = ("install a TeX distribution with pdflatex: on Debian or Ubuntu, apt-get install "
           "texlive-latex-base; on macOS, MacTeX or BasicTeX")


def available() -> bool:
    return shutil.which("pdflatex") is not None


def pdf(tex: str, name: str = "sheet", *, timeout: float = PDFLATEX_TIMEOUT) -> bytes:
    """The PDF pdflatex makes of `tex` (a whole document); `name` is said in errors."""
    exe = shutil.which("pdflatex")
    if exe is None:
        raise UsageError(f"{param('pdf')} needs pdflatex, which is not installed",
                         hint=INSTALL)
    with tempfile.TemporaryDirectory(prefix="backprop-tex-") as folder:
        source = Path(folder) / "sheet.tex"
        source.write_text(tex, encoding="ascii", errors="replace")
        for _ in range(RUNS):
            try:
                done = subprocess.run(
                    [exe, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                     "sheet.tex"], cwd=folder, stdin=subprocess.DEVNULL,
                    capture_output=True, timeout=timeout, check=False)
            except subprocess.TimeoutExpired:
                raise UsageError(f"pdflatex did not finish {name} within {timeout:g} s",
                                 hint="write the .tex alone (leave out --pdf) and run "
                                      "pdflatex on it yourself") from None
            except OSError as e:
                raise UsageError(f"could not run {exe}: {e}", hint=INSTALL) from None
            if done.returncode != 0:
                raise UsageError(f"pdflatex could not compile {name}: {_first_error(done)}",
                                 hint="write the .tex alone (leave out --pdf) to see it")
        return (Path(folder) / "sheet.pdf").read_bytes()


def _first_error(done: subprocess.CompletedProcess) -> str:
    """The first `! ...` line of pdflatex's log on stdout, else its exit status."""
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("!"):
            return line[1:].strip()[:200]
    return f"exit status {done.returncode}"
