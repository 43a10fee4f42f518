"""Issue 22, item 4: exam sheets (`quiz --random --variants N`): reproducible by seed,
the variants different, the key's answers those of `eval --json` at each variant's
point, LaTeX that pdflatex compiles (--pdf too, leaving no litter), names with LaTeX's
specials escaped, the cap, and a filled-in variant graded by its number as its own
sheet is. CI installs pdflatex (.ci/run): there a missing pdflatex fails, elsewhere it
skips."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import numpy as np
import pytest

from backpropcli.core.limits import MAX_VARIANTS

from ..helpers import SAMPLES

ENGINE = shutil.which("pdflatex")
EXAM = ["quiz", "--random", "--level", "3", "--variants", "6", "--seed", "7"]
EVERY = ["--ask", "value,local,grad,step", "--lr", "0.1"]


def needs_pdflatex() -> None:
    if ENGINE is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("pdflatex is missing: CI installs texlive-latex-base (.ci/run)")
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-base)")


def compiles(path) -> str:
    """pdflatex's log of the .tex at `path`, compiled alone in its folder."""
    done = subprocess.run([ENGINE, "-interaction=nonstopmode", "-halt-on-error", path.name],
                          cwd=path.parent, capture_output=True, text=True, timeout=300)
    log = path.with_suffix(".log").read_text(encoding="latin-1")
    assert done.returncode == 0, log[-3000:]
    return log


def keyed(cli, *args: str) -> dict:
    code, out, err = cli(*args, "--key", "--json")
    assert code == 0, err
    return json.loads(out)["exam"]


def test_the_same_seed_writes_the_same_files_byte_for_byte(cli, tmp_path):
    for name in ("a", "b"):
        code, _, err = cli(*EXAM, "--format", "latex", "-o", f"{name}.tex")
        assert code == 0, err
        code, _, err = cli(*EXAM, "-o", f"{name}.md")
        assert code == 0, err
    for suffix in (".tex", "-key.tex", ".md", "-key.md"):
        assert (tmp_path / f"a{suffix}").read_bytes() == (tmp_path / f"b{suffix}").read_bytes()
    cli(*EXAM[:-1], "8", "-o", "c.md")
    assert (tmp_path / "c.md").read_bytes() != (tmp_path / "a.md").read_bytes()


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_the_variants_differ_and_each_is_numbered(cli, level):
    exam = keyed(cli, "quiz", "--random", "--level", str(level), "--variants", "12",
                 "--seed", "3")
    points = {json.dumps([s["program"], s["inputs"]], sort_keys=True) for s in exam["sheets"]}
    assert len(points) == 12
    assert [s["quiz"]["variant"] for s in exam["sheets"]] == list(range(1, 13))
    assert exam["variants"] == 12 and exam["level"] == level and exam["seed"] == 3


def _right(ev: dict, qid: str, lr: float):
    """The answer to a question, read from eval's document."""
    kind, _, rest = qid.partition(":")
    nodes = {n["name"]: n for n in ev["nodes"]}
    if kind == "value":
        return ev["inputs"][rest] if rest in ev["inputs"] else nodes[rest]["value"]
    if kind == "grad":
        return ev["gradients"][rest] if rest in ev["gradients"] else nodes[rest]["grad"]
    if kind == "step":
        return np.asarray(ev["inputs"][rest]) - lr * np.asarray(ev["gradients"][rest])
    node, operand, *use = rest.split(":")
    slots = [k for k, a in enumerate(nodes[node]["args"]) if a == operand]
    return nodes[node]["local"][slots[int(use[0]) - 1 if use else 0]]


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_every_answer_of_the_key_is_evals(cli, level):
    exam = keyed(cli, "quiz", "--random", "--level", str(level), "--variants", "4",
                 "--seed", "11", *EVERY)
    for sheet in exam["sheets"]:
        values = [a for name, v in sheet["inputs"].items() for a in (f"--{name}",
                                                                      json.dumps(v))]
        code, out, err = cli("eval", sheet["program"], *values, "--json")
        assert code == 0, err
        ev = json.loads(out)
        for q in sheet["quiz"]["questions"]:
            want = np.broadcast_to(_right(ev, q["id"], 0.1), np.shape(q["right"]))
            assert np.allclose(q["right"], want, rtol=1e-12, atol=1e-12), (q["id"], sheet)
            assert sheet["answers"][q["id"]] == q["right"]


def test_the_sheets_hold_no_answer_and_the_key_every_one(cli, tmp_path):
    code, _, err = cli(*EXAM, *EVERY, "--format", "latex", "-o", "exam.tex")
    assert code == 0, err
    assert "wrote the sheets of 6 variants to exam.tex and the key to exam-key.tex" in err
    sheets = (tmp_path / "exam.tex").read_text()
    key = (tmp_path / "exam-key.tex").read_text()
    assert sheets.count(r"\clearpage") == 5 and key.count(r"\clearpage") == 5
    for k in range(1, 7):
        assert f"variant {k}}}" in sheets and f"variant {k}: the key" in key
    assert sheets.count("Name:") == 6 and "Name:" not in key
    assert "The chain rule, path by path" in key and "chain rule" not in sheets
    assert r"\begin{align*}" in key  # explain's derivation, as --format latex writes it
    assert sheets.isascii() and key.isascii()


def test_the_sheets_and_key_compile_with_pdflatex(cli, tmp_path):
    needs_pdflatex()
    for level in (1, 4, 5):  # a max gate, a node used twice, matrices
        code, _, err = cli("quiz", "--random", "--level", str(level), "--variants", "3",
                           "--seed", "2", *EVERY, "-o", f"l{level}.tex")
        assert code == 0, err
        for name in (f"l{level}.tex", f"l{level}-key.tex"):
            log = compiles(tmp_path / name)
            assert "Output written" in log and "Overfull \\hbox" not in log


@pytest.mark.parametrize("sample", ["micrograd.bp", "moons.bp", "twolayer.bp"])
def test_one_sheet_of_a_large_program_fits_its_pages(cli, tmp_path, sample):
    """Large arrays given (moons' 100 × 16 data) are said in words that break between
    lines; long derivations break across pages: nothing runs off a page."""
    needs_pdflatex()
    code, _, err = cli("quiz", str(SAMPLES / sample), "--format", "latex", "-o", "s.tex")
    assert code == 0, err
    for name in ("s.tex", "s-key.tex"):
        log = compiles(tmp_path / name)
        over = [float(m) for m in re.findall(r"Overfull \\[hv]box \((\d+(?:\.\d+)?)pt", log)]
        assert all(pt <= 5.0 for pt in over), (name, over)


def test_pdf_writes_both_pdfs_and_no_litter(cli, tmp_path):
    needs_pdflatex()
    code, _, err = cli(*EXAM, "--pdf", "-o", "exam.tex")
    assert code == 0, err
    assert "pdflatex made exam.pdf and exam-key.pdf" in err
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "exam-key.pdf", "exam-key.tex", "exam.pdf", "exam.tex"]
    assert (tmp_path / "exam.pdf").read_bytes().startswith(b"%PDF")


def test_pdf_without_pdflatex_says_what_to_install(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    code, _, err = cli(*EXAM, "--pdf", "-o", "exam.tex")
    assert code == 2 and "pdflatex" in err and "texlive-latex-base" in err
    assert not list(tmp_path.glob("exam*"))  # refused before anything is written


@pytest.mark.parametrize(("args", "said"), [
    (["--pdf", "-o", "exam.md"], "--pdf compiles the LaTeX sheets"),
    (["--pdf"], "add -o exam.tex"),
    (["--format", "markdown", "-o", "exam.tex"], "names a latex file"),
    (["--sheet"], "--sheet and --variants"),
])
def test_exam_options_that_do_not_fit_are_refused(cli, args, said):
    code, _, err = cli(*EXAM, *args)
    assert code == 2 and said in err


def test_variants_past_the_cap_are_refused_naming_it(cli, tmp_path):
    code, _, err = cli("quiz", "--random", "--variants", str(MAX_VARIANTS + 1), "-o", "e.md")
    assert code == 2 and f"at most {MAX_VARIANTS}" in err
    code, _, err = cli("quiz", "--random", "--variants", "0", "-o", "e.md")
    assert code == 2 and "at least 1" in err
    assert not list(tmp_path.glob("e*"))


def test_a_level_with_too_few_problems_says_how_many_it_made(cli):
    code, _, err = cli("quiz", "--random", "--level", "4", "--variants", str(MAX_VARIANTS),
                       "--seed", "1", "-o", "e.md")
    assert code == 2 and "different problems" in err and "--variants" in err


def test_variants_of_a_program_are_refused_and_one_sheet_of_it_written(cli, tmp_path):
    code, _, err = cli("quiz", "g = x*y", "--x", "1", "--y", "2", "--variants", "3",
                       "-o", "e.md")
    assert code == 2 and "add --random" in err
    code, _, err = cli("quiz", "g = x*y", "--x", "1", "--y", "2", "-o", "e.md")
    assert code == 0 and "wrote the sheet to e.md" in err
    assert "`g = x*y`" in (tmp_path / "e.md").read_text()


HOSTILE = "_a_b = my_var * x_1  # 50% & {x} \\ $ ~ ^\nc = _a_b + _a_b; c = c * x_1; c = c + 1"


def test_latex_specials_in_names_are_escaped(cli, tmp_path):
    # the grammar allows _ in names, and # in the nodes of a name assigned again (c#1);
    # % & { } \ $ ~ ^ only in comments, which a sheet leaves out
    code, _, err = cli("quiz", HOSTILE, "--my_var", "2", "--x_1", "3", *EVERY,
                       "--format", "latex", "-o", "h.tex")
    assert code == 0, err
    for name in ("h.tex", "h-key.tex"):
        tex = (tmp_path / name).read_text()
        tex = "\n".join(ln for ln in tex.splitlines() if not ln.startswith("%"))  # comments
        assert r"\mathit{my\_var}" in tex and r"\mathit{c\#1}" in tex and tex.isascii()
        assert "my_var" not in tex.replace(r"my\_var", "") and "50%" not in tex
    if ENGINE is not None:
        compiles(tmp_path / "h.tex")
        compiles(tmp_path / "h-key.tex")


def test_markdown_names_stay_as_written(cli, tmp_path):
    code, _, err = cli("quiz", HOSTILE, "--my_var", "2", "--x_1", "3", "-o", "h.md")
    assert code == 0, err
    text = (tmp_path / "h.md").read_text()
    assert "`_a_b = my_var * x_1; c = _a_b + _a_b; c = c * x_1; c = c + 1`" in text
    assert r"my\_var = 2" in text  # outside code, escaped: no emphasis


def test_the_key_without_a_file_shows_every_variants_answers(cli):
    code, out, _ = cli(*EXAM, "--key")
    assert code == 0
    assert all(f"Variant {k}" in out for k in range(1, 7)) and out.count("answer") >= 6
    code, out, _ = cli(*EXAM, "--key", "--format", "markdown")
    assert code == 0 and out.startswith("# Back-propagation by hand: the key")
    code, out, _ = cli(*EXAM)
    assert code == 0 and out.count("## Variant") == 6 and "**" not in out


def test_a_drawn_seed_is_said(cli):
    code, _, err = cli("quiz", "--random", "--variants", "2", "-o", "e.md")
    assert code == 0 and "was drawn: --seed" in err


def test_a_folder_in_the_way_is_refused_before_any_file_is_written(cli, tmp_path):
    (tmp_path / "exam-key.md").mkdir()
    code, _, err = cli(*EXAM, "-o", "exam.md")
    assert code == 2 and "exam-key.md" in err and "not a regular file" in err
    assert not (tmp_path / "exam.md").exists()


def _filled(sheet: dict, wrong: str) -> dict:
    answers = dict(sheet["answers"])
    answers[wrong] = 1234
    return answers


def test_a_variant_is_graded_by_its_number_as_its_own_sheet(cli, tmp_path):
    exam = keyed(cli, *EXAM)
    sheet = exam["sheets"][4]
    answers = _filled(sheet, "grad:w0")
    (tmp_path / "v5.json").write_text(json.dumps({"variant": 5, "answers": answers}))
    code, out, err = cli(*EXAM, "--answers", "v5.json", "--json")
    assert code == 1, err
    by_number = json.loads(out)["quiz"]
    seed = sheet["quiz"]["random"]["seed"]
    (tmp_path / "alone.json").write_text(json.dumps({"answers": answers}))
    code, out, _ = cli("quiz", "--random", "--level", "3", "--seed", str(seed), "--answers",
                       "alone.json", "--json")
    alone = json.loads(out)["quiz"]
    assert code == 1 and by_number["variant"] == 5
    assert by_number["score"] == alone["score"] and by_number["score"]["wrong"] == 1
    assert [q["verdict"] for q in by_number["questions"]] == \
        [q["verdict"] for q in alone["questions"]]
    # the sheet of the exam's document, filled in, is graded as it is (it says its point)
    (tmp_path / "sheet5.json").write_text(json.dumps({**sheet, "answers": answers}))
    code, out, _ = cli("quiz", "--answers", "sheet5.json", "--json")
    assert code == 1 and json.loads(out)["quiz"]["score"] == alone["score"]


@pytest.mark.parametrize(("args", "said"), [
    (["quiz", "--random", "--level", "3", "--answers", "v.json"], "give the exam's --seed"),
    ([*EXAM[:5], "3", *EXAM[6:], "--answers", "v.json"], "the exam has 3 variants"),
    (["quiz", "g = x", "--x", "1", "--answers", "v.json"], "not a program"),
    ([*EXAM, "--answers", "v.json", "-o", "e.md"], "give one or the other"),
])
def test_grading_a_variant_needs_the_exam(cli, tmp_path, args, said):
    (tmp_path / "v.json").write_text('{"variant": 5, "answers": {"grad:w0": 1}}')
    code, _, err = cli(*args)
    assert code == 2 and said in " ".join(err.split())


@pytest.mark.parametrize("variant", ["0", "201", '"7"', "2.5", "true"])
def test_a_variant_that_is_no_number_of_one_is_refused(cli, tmp_path, variant):
    (tmp_path / "v.json").write_text(f'{{"variant": {variant}, "answers": {{}}}}')
    code, _, err = cli(*EXAM, "--answers", "v.json")
    assert code == 2 and "variant must be a whole number" in err


def test_variants_given_to_grade_a_sheet_that_names_none(cli, tmp_path):
    (tmp_path / "v.json").write_text('{"answers": {"grad:w0": 1}}')
    code, _, err = cli(*EXAM, "--answers", "v.json")
    assert code == 2 and "does not say which variant" in err
