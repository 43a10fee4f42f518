"""`backprop quiz --variants N`: exam sheets, a variant per student, and their key, to
stdout or to files (-o FILE and FILE-key, as PDFs too with --pdf); `quiz --key
--variants N` shows every variant's answers. A part of `quiz` (its SPEC is in commands/quiz.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import api
from ..api import UsageError
from ..output.formats import EXAM
from . import options as o
from .handling import options
from .options import CommandLine
from .spec import Env, Outcome

EXAM_OPTIONS = ("variants", "format", "save", "pdf")


def run_exam(line: CommandLine, env: Env, on: Any, given: dict) -> Outcome:
    """The sheets of an exam: written to -o FILE and its key, or to stdout."""
    save = line.text("save")
    form = _format(line, save)
    if line.flag("sheet"):
        named = ", ".join("-o" if n == "save" else f"--{n}" for n in EXAM_OPTIONS
                          if n in line.options)
        raise UsageError(f"--sheet and {named}: exam sheets (--variants, --format, -o) are "
                         "written without --sheet: leave it out",
                         hint="--sheet alone writes one sheet's questions as a table or "
                              "--json")
    if line.flag("pdf"):
        _can_pdf(save, form)
    exam = api.exam(on, line.values, random=line.flag("random"), **given,
                    **options(line, "variants"))
    key = line.flag("key")
    drawn = None if "seed" in line.options or exam.seed is None else \
        f"the seed {exam.seed} was drawn: --seed {exam.seed} makes the same sheets again"
    if save is None:
        text = None if key and "format" not in line.options else \
            str(EXAM[form].write(exam, key=key))
        return Outcome(document=lambda: _document(exam, key, []), text=text, note=drawn,
                       view=lambda: _views().exam_key_view(exam, line.flag("full")))
    files = _write(exam, save, form, line.flag("pdf"))
    said = f"wrote {_count(exam)} to {files[0]} and the key to {files[1]}"
    if len(files) > 2:
        said += f"; pdflatex made {files[2]} and {files[3]}"
    return Outcome(document=lambda: _document(exam, key, files), text="",
                   note=said + (f" ({drawn})" if drawn else ""))


def _format(line: CommandLine, save: str | None) -> str:
    """--format, or the one -o's suffix names; refused where they disagree."""
    named = EXAM.by_suffix(Path(save).suffix) if save is not None else None
    form = o.choice(line, "format", EXAM, named)
    if named is not None and named != form:
        raise UsageError(f"-o {save} names a {named} file, but --format {form} writes {form}",
                         hint=f"--format {named}, or a file ending in "
                              f"{EXAM[form].suffixes[0]}")
    return form


def _can_pdf(save: str | None, form: str) -> None:
    from ..output import pdf

    if save is None:
        raise UsageError("--pdf makes PDF files beside the sheets: add -o exam.tex")
    if form != "latex":
        raise UsageError("--pdf compiles the LaTeX sheets: add --format latex, or -o a "
                         "file ending in .tex")
    if not pdf.available():  # before any work: nothing is written
        raise UsageError("--pdf needs pdflatex, which is not installed", hint=pdf.INSTALL)


def _write(exam: api.Exam, save: str, form: str, as_pdf: bool) -> list[str]:
    """The sheets at `save`, the key beside it (-key before the suffix), and with
    `as_pdf` their PDFs: every file made before the first is written, so that a failed
    pdflatex leaves nothing half done."""
    from ..api.exams import key_path

    key = key_path(save)
    texts = [str(EXAM[form].write(exam, key=False)), str(EXAM[form].write(exam, key=True))]
    made: list[tuple[str, bytes]] = [(save, texts[0].encode("utf-8")),
                                     (key, texts[1].encode("utf-8"))]
    if as_pdf:
        from ..output import pdf

        made += [(str(Path(path).with_suffix(".pdf")), pdf.pdf(tex, path))
                 for path, tex in ((save, texts[0]), (key, texts[1]))]
    names = [path for path, _ in made]
    if len(set(names)) != len(names) or any(Path(n).suffix == ".pdf" for n in names[:2]):
        raise UsageError(f"-o {save}: -o names the sheets' own file (.tex or .md); the "
                         "key and, with --pdf, the PDFs are written beside it",
                         hint="-o exam.tex")
    for path in names:  # a folder or a device where a file goes: refused before any write
        there = Path(path).expanduser()
        if there.exists() and not there.is_file():
            raise UsageError(f"-o: cannot write {path}: it is not a regular file, and is "
                             "never replaced", hint="-o a file's name, such as exam.tex")
    for path, data in made:
        api.save_file(path, data, "-o: ")
    return names


def _count(exam: api.Exam) -> str:
    n = len(exam.variants)
    return "the sheet" if n == 1 else f"the sheets of {n} variants"


def _document(exam: api.Exam, key: bool, files: list[str]) -> dict:
    from ..output.exam import exam_document

    return exam_document(exam, key, files)


def _views():
    from ..terminal import views  # Rich: only where something is drawn

    return views
