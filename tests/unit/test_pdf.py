"""pdflatex run for --pdf (output/pdf.py): in a temporary folder with a timeout, the
PDF's bytes back and nothing left beside the caller; a missing pdflatex or a document
that does not compile is an error that says what to do."""

from __future__ import annotations

import os
import shutil

import pytest

from backpropcli.api import UsageError
from backpropcli.output import pdf

DOC = "\\documentclass{article}\n\\begin{document}\nHello.\n\\end{document}\n"


def needs_pdflatex() -> None:
    if shutil.which("pdflatex") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("pdflatex is missing: CI installs texlive-latex-base (.ci/run)")
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-base)")


def test_a_document_becomes_a_pdf_and_leaves_nothing_behind(tmp_path):
    needs_pdflatex()
    data = pdf.pdf(DOC)
    assert data.startswith(b"%PDF")
    assert not list(tmp_path.iterdir())  # the working folder (the tests' cwd) is untouched


def test_a_document_that_does_not_compile_says_why():
    needs_pdflatex()
    with pytest.raises(UsageError, match=r"pdflatex could not compile exam\.tex: Undefined"):
        pdf.pdf(DOC.replace("Hello.", "\\nosuchcommand"), "exam.tex")


def test_a_missing_pdflatex_names_what_to_install(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert not pdf.available()
    with pytest.raises(UsageError) as e:
        pdf.pdf(DOC)
    assert "pdf needs pdflatex" in e.value.message and "texlive-latex-base" in str(e.value.hint)
