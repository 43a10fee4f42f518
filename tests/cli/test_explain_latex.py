"""`explain --format latex --standalone` compiles into readable pages: every sample and a
few random programs with awkward names, compiled by pdflatex alone, with no error, no
row off the right edge (Overfull \\hbox) and no block too tall for a page (Overfull
\\vbox) past a few points. CI installs pdflatex (.ci/run), so there a missing pdflatex
fails these tests instead of skipping them."""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess

import pytest

from ..helpers import SAMPLES

ENGINE = shutil.which("pdflatex")
TOLERANCE = 5.0  # pt: an overfull box up to this is invisible on the page
OVERFULL = re.compile(r"Overfull \\[hv]box \((\d+(?:\.\d+)?)pt too (?:wide|high)\)")


def compiled(tex: str, folder) -> str:
    """Compile `tex` with pdflatex alone; the log, after checking it for errors and
    for overfull boxes past the tolerance."""
    if ENGINE is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("pdflatex is missing: CI installs texlive-latex-base (.ci/run)")
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-base)")
    (folder / "doc.tex").write_text(tex, encoding="ascii")
    done = subprocess.run([ENGINE, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=folder, capture_output=True, text=True, timeout=300)
    log = (folder / "doc.log").read_text(encoding="latin-1")
    assert done.returncode == 0, log[-3000:]
    over = [(m.group(0), log[m.end():m.end() + 400]) for m in OVERFULL.finditer(log)
            if float(m.group(1)) > TOLERANCE]
    assert not over, over
    assert (folder / "doc.pdf").stat().st_size > 0
    return log


def standalone(cli, *args: str) -> str:
    code, out, err = cli("explain", *args, "--format", "latex", "--standalone")
    assert code == 0, err
    assert out.startswith("% backprop explain") and r"\documentclass" in out
    assert out.rstrip().endswith(r"\end{document}")
    return out


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.bp")))
def test_every_sample_compiles_into_pages(cli, sample, tmp_path):
    tex = standalone(cli, str(SAMPLES / sample))
    log = compiled(tex, tmp_path)
    assert "Output written" in log


def test_micrograd_breaks_across_pages(cli, tmp_path):
    """The issue's case: one align* of 1430pt left page 1 blank and ran off page 2."""
    tex = standalone(cli, str(SAMPLES / "micrograd.bp"))
    log = compiled(tex, tmp_path)
    pages = int(re.search(r"Output written on doc\.pdf \((\d+) pages?", log).group(1))
    assert pages >= 3
    assert tex.count(r"\begin{align*}") == 2  # one per input
    assert r"\displaybreak[0]" in tex


# Names as people write them: underscores, digits, Greek letters spelt out, a name
# assigned again (c#1, c#2), long ones.
NAMES = ["alpha", "beta_2", "x_1", "W0", "lambda_", "theta12", "my_long_name", "_hidden",
         "z", "learning_rate_7", "mu"]
UNARY = ["tanh({})", "sigmoid({})", "exp(-{}^2)", "log(1 + {}^2)", "relu({})", "({})^3"]
BINARY = ["{} + {}", "{} * {}", "{} - {}", "{} / (1 + {}^2)", "max({}, {})"]


def random_program(seed: int) -> str:
    """A program of inputs with defaults, then statements that reuse names and assign
    some again, so that paths multiply and names get #1, #2."""
    rng = random.Random(seed)
    inputs = rng.sample(NAMES, 4)
    lines = [f"{n} = {rng.choice(['0.5', '-1.25', '2', '0.003'])}" for n in inputs]
    known = list(inputs)
    for _ in range(rng.randint(5, 9)):
        target = rng.choice(known) if rng.random() < 0.35 else rng.choice(NAMES)
        if rng.random() < 0.5:
            expr = rng.choice(UNARY).format(rng.choice(known))
        else:
            expr = rng.choice(BINARY).format(*rng.sample(known, 2))
        lines.append(f"{target} = {expr}")
        if target not in known:
            known.append(target)
    lines.append("out_value = " + " + ".join(rng.sample(known, min(4, len(known)))))
    return "\n".join(lines)


@pytest.mark.parametrize("seed", range(4))
def test_random_programs_compile(cli, seed, tmp_path):
    compiled(standalone(cli, random_program(seed)), tmp_path)


@pytest.mark.parametrize(("program", "values"), [
    # 16 paths, all written: their sum is 16 terms long
    ("b = a + a; c = b + b; d = c + c; e_final = d + d", ["--a", "1"]),
    # one long chain, elided in the middle; then with --full, all 40 factors
    ("; ".join(f"v{i + 1} = tanh(v{i})" for i in range(40)), ["--v0", "0.1"]),
    ("; ".join(f"v{i + 1} = tanh(v{i})" for i in range(40)), ["--v0", "0.1", "--full"]),
    # a matrix gradient, small enough to write out
    ("h = sum(tanh(W @ v))", ["--W", "[[1, 2], [3, 4]]", "--v", "[0.1, -0.2]"]),
    # no path from the output to an input
    ("y = 2 * x + 0 * unused_input_with_a_long_name", ["--x", "1",
                                                       "--unused_input_with_a_long_name", "3"]),
])
def test_awkward_shapes_compile(cli, program, values, tmp_path):
    compiled(standalone(cli, program, *values), tmp_path)


def test_fragment_is_not_a_document(cli):
    code, out, _ = cli("explain", str(SAMPLES / "neuron.bp"), "--format", "latex")
    assert code == 0 and r"\documentclass" not in out and r"\begin{document}" not in out
    assert r"\usepackage{amsmath}" in out.splitlines()[0]  # said in a comment


def test_standalone_wants_latex(cli):
    code, out, err = cli("explain", str(SAMPLES / "neuron.bp"), "--standalone")
    assert code == 2 and "--format latex" in err and out == ""
