"""`backprop explain --forward`: forward mode's derivation written out as text, Markdown
and LaTeX (compiled with pdflatex where it is installed), from tasks/forward.py's rows,
and the options it refuses."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.helpers import SAMPLES

WORKED = ["explain", "f = x*y; g = f + z", "--x", "3", "--y", "-4", "--z", "2", "--forward"]


def test_text(cli):
    code, out, err = cli(*WORKED)
    assert code == 0, err
    assert "Along x (ẋ = 1 there, every other input 0)" in out
    assert "f = x * y    ḟ = ẋ·y + ẏ·x = 1·(-4) + 0·3 = -4" in out
    assert "g = f + z    ġ = ḟ + ż = 0 + 1 = 1" in out  # along z
    assert "Gradient from the output's row: ∂g/∂x = -4, ∂g/∂y = 3, ∂g/∂z = 1; the same as " \
           "eval's (reverse mode)." in out


def test_markdown(cli):
    code, out, _ = cli(*WORKED, "--format", "markdown")
    assert code == 0 and out.startswith("# Forward mode: the tangent of every node of g")
    assert "## Along y (ẏ = 1 there, every other input 0)" in out
    assert "- `f = x * y`: ḟ = ẋ·y + ẏ·x = 0·(-4) + 1·3 = 3" in out


def test_latex(cli):
    code, out, _ = cli(*WORKED, "--format", "latex")
    assert code == 0 and out.isascii()
    assert r"\dot{f} &= \dot{x} \cdot y + \dot{y} \cdot x = 1 \cdot (-4) + 0 \cdot 3 = -4" in out
    assert out.count(r"\begin{align*}") == 3 == out.count(r"\end{align*}")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("args", [
    [str(SAMPLES / "neuron.bp")],
    [str(SAMPLES / "seed.bp")],
    ["h = tanh(W @ x); L = sum(h * h)", "--W", "[[1, 2], [3, 4]]", "--x", "[0.1, -0.2]"],
])
def test_latex_compiles(cli, tmp_path, args):
    code, out, err = cli("explain", *args, "--forward", "--format", "latex", "--standalone")
    assert code == 0, err
    (tmp_path / "f.tex").write_text(out)
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "f.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "Overfull" not in done.stdout


def test_refused(cli):
    code, out, _ = cli(*WORKED, "--json")
    assert code == 2 and "backprop forward PROGRAM ... --json" in out
    code, _, err = cli(*WORKED, "--paths", "3")
    assert code == 2 and "--paths counts the chain rule's paths" in err
    code, _, err = cli(*WORKED, "--standalone")
    assert code == 2 and "add --format latex" in err
    code, _, err = cli("explain", "g = 3 + 4", "--forward")
    assert code == 2 and "depends on no input" in err
