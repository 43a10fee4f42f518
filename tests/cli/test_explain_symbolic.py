"""`backprop explain --symbolic` through the real command line: the issue's two lines,
the formulas read back by `backprop eval`, JSON, Markdown, LaTeX (escaped, and compiled
by pdflatex where it is installed), and the errors: too large, no SymPy."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.helpers import SAMPLES

pytest.importorskip("sympy")

WORKED = ["explain", "f = x*y; g = f + z", "--x", "3", "--y", "-4", "--z", "2", "--symbolic"]


def test_micrograd_shows_the_swell(cli):
    code, out, _ = cli("explain", str(SAMPLES / "micrograd.bp"), "--symbolic", "--json")
    f = json.loads(out)["symbolic"]
    assert code == 0 and f["expanded_size"] == 7821
    assert all(x["size"] < 40 for x in f["formulas"])


def test_worked_example(cli):
    code, out, err = cli(*WORKED)
    assert code == 0 and err == ""
    for line in ("  ∂g/∂x = y", "  ∂g/∂y = x", "  ∂g/∂z = 1"):
        assert line in out.splitlines()
    assert "back-propagation: 4 products" in out and "7 nodes in all" in out


def test_formulas_read_back_by_eval(cli):
    code, out, _ = cli("explain", "z = w*x + b; L = (sigmoid(z) - t)^2", "--w", "0.5",
                       "--x", "2", "--b", "0.1", "--t", "1", "--symbolic", "--json")
    doc = json.loads(out)
    assert code == 0
    point, gradients = doc["inputs"], doc["gradients"]
    for f in doc["symbolic"]["formulas"]:
        args = [a for n in f["inputs"] for a in (f"--{n}", str(point[n]))]
        code, again, _ = cli("eval", f["formula"], *args, "--json")
        assert code == 0, again
        assert json.loads(again)["value"] == pytest.approx(gradients[f["input"]], rel=1e-9)
    assert doc["symbolic"]["backward_products"] == 8
    assert doc["derivations"]  # the paths are still in the document


def test_neuron_latex_compiles(cli, tmp_path):
    code, out, err = cli("explain", str(SAMPLES / "neuron.bp"), "--symbolic", "--format",
                         "latex", "--standalone")
    assert code == 0 and err == ""
    assert r"\frac{\partial f}{\partial w_{0}} &= x_{0} \cdot" in out
    assert r"where $\mathit{dot} = " in out
    _compiles(out, tmp_path)


def test_latex_escapes_names(cli, tmp_path):
    code, out, _ = cli("explain", "h_1 = w_out * x_1; L = h_1^2", "--w_out", "2", "--x_1",
                       "3", "--symbolic", "--format", "latex", "--standalone")
    assert code == 0
    assert r"\mathit{x\_1}" in out and r"\mathit{w\_out}" in out and r"\mathit{h\_1}" in out
    assert "x_1" not in out.replace(r"x\_1", "")
    _compiles(out, tmp_path)


def _compiles(tex: str, tmp_path) -> None:
    if shutil.which("pdflatex") is None:
        return  # .ci/run installs it; the escaping itself is checked above
    (tmp_path / "f.tex").write_text(tex)
    r = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "f.tex"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-2000:]


def test_markdown(cli):
    code, out, _ = cli(*WORKED, "--format", "markdown")
    assert code == 0
    assert "- `∂g/∂x = y`" in out
    assert "| `x` | 1 | 3 | 1 |" in out
    assert out.startswith("## The gradient of g as formulas")


def test_matrix_calculus_said_for_that_input_only(cli):
    code, out, _ = cli("explain", "L = sum(x * v) + y * y", "--x", "1", "--v", "[1, 2]",
                       "--y", "2", "--symbolic")
    assert code == 0
    assert "∂L/∂y = 2 * y" in out
    assert "∂L/∂x: no formula:" in out and "matrix calculus" in out


def test_too_large_stops_with_its_size(cli):
    deep = "tanh(" * 60 + "x" + ")" * 60
    code, out, err = cli("explain", deep, "--x", "0.5", "--symbolic")
    assert code == 2 and out == ""
    err = " ".join(err.split())  # the terminal's line breaks
    assert "written out in full, 2,189" in err and "nodes even simplified" in err
    assert "for --symbolic: too large" in err and "drop --symbolic" in err
    code, out, _ = cli("explain", deep, "--x", "0.5", "--symbolic", "--json")
    error = json.loads(out)["error"]
    assert code == 2 and error["kind"] == "limit" and "2,189" in error["message"]


def test_a_two_thousand_node_program_is_refused(cli):
    program = "\n".join(f"a{i} = sin(a{i - 1}) * x" for i in range(1, 2000)).replace(
        "a0", "x")
    code, _, err = cli("explain", program, "--x", "0.5", "--symbolic")
    assert code == 2 and "over the limit of 20,000" in " ".join(err.split())


def test_without_sympy(backprop, tmp_path):
    # a sympy that cannot be imported, first on the path of a real process
    (tmp_path / "sympy").mkdir()
    (tmp_path / "sympy" / "__init__.py").write_text("raise ImportError('no sympy here')\n")
    r = backprop(*WORKED, env={"PYTHONPATH": str(tmp_path)})
    assert r.returncode == 2 and r.stdout == ""
    assert "--symbolic needs SymPy" in r.stderr
    assert "pip install 'backpropcli[symbolic]'" in r.stderr and "Traceback" not in r.stderr
    r = backprop(*WORKED, "--json", env={"PYTHONPATH": str(tmp_path)})
    assert r.returncode == 2 and json.loads(r.stdout)["error"]["kind"] == "usage"
    r = backprop(*WORKED[:-1], env={"PYTHONPATH": str(tmp_path)})
    assert r.returncode == 0  # without the option, nothing imports it


def test_help_names_the_option(cli):
    code, out, _ = cli("explain", "--help")
    assert code == 0 and "--symbolic" in out
