"""`backprop explain` through the real command line: text, Markdown, LaTeX, JSON, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backpropcli.tasks import explain
from tests.helpers import SAMPLES

WORKED = ["explain", "f = x*y; g = f + z", "--x", "3", "--y", "-4", "--z", "2"]


def lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


def test_worked_example(cli):
    code, out, err = cli(*WORKED)
    assert code == 0 and err == ""
    shown = lines(out)
    # the symbolic product, the local formulas, the numbers, the result — in that order
    assert "  ∂g/∂x = ∂g/∂f · ∂f/∂x = 1 · y = 1 · (-4) = -4" in shown
    assert "  ∂g/∂y = ∂g/∂f · ∂f/∂y = 1 · x = 1 · 3 = 3" in shown
    assert "  ∂g/∂z = 1" in shown
    assert shown[0] == "Chain rule, from the output g down to each input  (at x = 3, y = -4, z = 2)"
    assert "multiply gate: swaps its inputs' values" in out and "∂f/∂x = y = -4" in out
    assert "add gate: passes the gradient on unchanged to both inputs" in out


def test_reused_node_four_paths(cli):
    code, out, _ = cli("explain", "b = a + a; c = b + b", "--a", "1")
    assert code == 0
    assert "∂c/∂a is the sum over 4 paths from c down to a:" in out
    for route in ("c →₁ b →₁ a", "c →₂ b →₁ a", "c →₁ b →₂ a", "c →₂ b →₂ a"):  # which use
        assert f"{route}  ∂c/∂b · ∂b/∂a = 1 · 1 = 1" in out
    assert "∂c/∂a = 1 + 1 + 1 + 1 = 4" in out
    assert "b = a + a  takes a twice" in out


def test_unnamed_nodes_are_said(cli):
    code, out, _ = cli("explain", "g = x*y + z", "--x", "3", "--y", "-4", "--z", "2")
    assert code == 0
    assert "∂g/∂x = ∂g/∂t1 · ∂t1/∂x = 1 · y = 1 · (-4) = -4" in out
    assert "Where t1 = x * y" in out


def test_max_gate(cli):
    code, out, _ = cli("explain", "m = max(x, y) * 2", "--x", "3", "--y", "-4")
    assert code == 0 and "max gate: routes the whole gradient to the larger input" in out


def test_two_to_the_forty_paths(cli):
    program = "; ".join(f"a{i + 1} = a{i} + a{i}" for i in range(40))
    code, out, _ = cli("explain", program, "--a0", "1")
    assert code == 0
    assert f"is the sum over 1,099,511,627,776 paths from a40 down to a0; the first " \
           f"{explain.PATHS}:" in out
    assert "… and 1,099,511,627,760 more paths (--paths N writes out more)" in out
    assert "∂a40/∂a0 = the sum over all 1,099,511,627,776 paths = 1099511627776" in out


def test_paths_option_limits_what_is_written(cli):
    code, out, _ = cli("explain", "b = a + a; c = b + b", "--a", "1", "--paths", "2",
                       "--json")
    (der,) = json.loads(out)["derivations"]
    assert der["path_count"] == 4 and der["paths_written"] == 2 and not der["complete"]
    assert der["sum"] == 2 and der["gradient"] == 4  # the sum written vs the whole sum


def test_samples_explain(cli):
    for sample in sorted(SAMPLES.glob("*.bp")):
        code, out, err = cli("explain", str(sample))
        assert code == 0, (sample.name, err)
        assert out.startswith("Chain rule, from the output ")


def test_arrays(cli):
    code, out, _ = cli("explain", "h = sum(tanh(W @ x))", "--W", "[[1, 2], [3, 4]]",
                       "--x", "[0.1, -0.2]")
    assert code == 0
    assert "∂h/∂W = ∂h/∂t2 · ∂t2/∂t1 · ∂t1/∂W = [[0.0915, -0.183], [0.0786, -0.1573]]" in out
    assert "shape (2, 2)" in out and "Jacobian" in out
    assert "Where t1 = W @ x, t2 = tanh(t1)" in out  # a '[' in user text is not Rich markup


def test_markdown(cli):
    code, out, err = cli(*WORKED, "--format", "markdown")
    assert code == 0 and err == ""
    assert out.startswith("## Chain rule, from the output g down to each input\n")
    assert "- `∂g/∂x = ∂g/∂f · ∂f/∂x = 1 · y = 1 · (-4) = -4`\n" in out
    assert "\x1b" not in out


def test_latex(cli):
    code, out, _ = cli(*WORKED, "--format", "latex")
    assert code == 0
    assert out.startswith("% backprop explain")
    assert "\\begin{align*}" in out and "\\end{align*}" in out
    assert ("\\frac{\\partial g}{\\partial x} &= \\frac{\\partial g}{\\partial f} \\cdot "
            "\\frac{\\partial f}{\\partial x} = 1 \\cdot y = 1 \\cdot (-4) = -4") in out


def test_long_latex_is_not_wrapped(cli):
    code, out, _ = cli("explain", str(SAMPLES / "neuron.bp"), "--format", "latex")
    assert code == 0
    assert any(len(line) > 100 for line in out.splitlines())  # plain text, no Rich wrapping


def test_json_document(cli):
    code, out, err = cli(*WORKED, "--json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert doc["schema"] == "backprop/1" and doc["command"] == "explain"
    assert doc["gradients"] == {"x": -4, "y": 3, "z": 1} and doc["output"] == "g"
    dx = doc["derivations"][0]
    assert dx["input"] == "x" and dx["path_count"] == 1 and dx["sum"] == -4
    (path,) = dx["paths"]
    assert path["nodes"] == ["g", "f", "x"] and path["product"] == -4
    assert [(f["symbol"], f["formula"], f["value"]) for f in path["factors"]] == \
        [("∂g/∂f", "1", 1), ("∂f/∂x", "y", -4)]
    assert {g["op"] for g in doc["gates"]} == {"add", "mul"}


def test_json_document_pipes_into_step(cli):
    code, out, _ = cli(*WORKED, "--json")
    code, moved, _ = cli("step", "--lr", "0.1", "--json", stdin=out)
    assert code == 0 and json.loads(moved)["value"] == pytest.approx(-12.72)


def test_goes_on_from_the_session_and_leaves_it_alone(cli):
    code, _, _ = cli("eval", str(SAMPLES / "reuse.bp"))
    session = Path(".backprop/session.json")
    before = session.read_text()
    code, out, _ = cli("explain")
    assert code == 0 and "∂c/∂a = 6 + 6 + 6 + 6 = 24" in out
    code, out, _ = cli("explain", "--a", "-1")  # a value typed replaces the saved one
    assert code == 0 and "∂c/∂a = -2 + (-2) + (-2) + (-2) = -8" in out
    code, _, _ = cli(*WORKED)
    assert session.read_text() == before


def test_reads_a_document_on_stdin(cli):
    _, doc, _ = cli("eval", "f = x*y; g = f + z", "--x", "3", "--y", "-4", "--z", "2", "--json")
    code, out, _ = cli("explain", stdin=doc)
    assert code == 0 and "∂g/∂x = ∂g/∂f · ∂f/∂x = 1 · y = 1 · (-4) = -4" in out


@pytest.mark.parametrize(("args", "words"), [
    (["--format", "pdf"], "--format pdf: choose text, markdown or latex"),
    (["--format", "latex", "--json"], "--json and --format"),
    (["--paths", "many"], "--paths takes a whole number"),
    (["--paths", "-1"], "--paths must be 0 or more"),
    (["--q", "1"], "does not use q"),
])
def test_usage_errors(cli, args, words):
    code, out, err = cli(*WORKED, *args)
    assert code == 2 and "Traceback" not in err
    if "--json" in args:
        assert words in json.loads(out)["error"]["message"]
    else:
        assert words in err and out == ""


def test_program_errors(cli):
    code, out, err = cli("explain", "g = x*y + )", "--json")
    assert code == 2 and json.loads(out)["error"]["kind"] == "syntax"
    code, out, err = cli("explain", "g = log(x)", "--x", "0")
    assert code == 1 and "is -inf" in err


def test_help_lists_the_options(cli):
    code, out, _ = cli("explain", "--help")
    assert code == 0
    for flag in ("--paths N", "--format FORMAT", "--full", "--json", "--NAME VALUE"):
        assert flag in out
    assert f"default {explain.PATHS}" in out


def test_installed_command(backprop):
    r = backprop(*WORKED)
    assert r.returncode == 0, r.stderr
    assert "∂g/∂x = ∂g/∂f · ∂f/∂x = 1 · y = 1 · (-4) = -4" in r.stdout


@pytest.mark.slow
def test_hundred_thousand_term_sum(backprop, tmp_path):
    prog = tmp_path / "big.bp"
    prog.write_text("y = " + " + ".join(["x"] * 100_000))
    r = backprop("explain", str(prog), "--x", "1", "--paths", "2")
    assert r.returncode == 0, r.stderr[-500:]
    assert "∂y/∂x is the sum over 100,000 paths from y down to x; the first" in r.stdout
    assert "1 · 1 · 1 · 1 · 1 · 1 · …(99987 more)… · 1 · 1 · 1 · 1 · 1 · 1 = 1" in r.stdout
    assert "∂y/∂x = the sum over all 100,000 paths = 100000" in r.stdout


@pytest.mark.slow
def test_full_with_huge_paths_is_bounded_by_the_budget(backprop, tmp_path):
    # 2^40 paths, asked for 10^8 of them with every factor: the budget (which counts
    # each factor written) ends the walk after a bounded number of them, and says so.
    prog = tmp_path / "doubling.bp"
    prog.write_text("\n".join(f"a{i + 1} = a{i} + a{i}" for i in range(40)))
    args = ("explain", str(prog), "--a0", "1", "--full", "--paths", str(10**8))
    r = backprop(*args, timeout=60)
    assert r.returncode == 0, r.stderr[-500:]
    assert "more paths (the walk over the paths spent its whole budget of steps)" in r.stdout
    assert "∂a40/∂a0 = the sum over all 1,099,511,627,776 paths = 1099511627776" in r.stdout
    r = backprop(*args, "--json", timeout=60)
    assert r.returncode == 0, r.stderr[-500:]
    (der,) = json.loads(r.stdout)["derivations"]
    assert der["budget_ran_out"] and not der["complete"]
    factors = sum(len(p["factors"]) for p in der["paths"])
    assert 0 < factors <= explain.FULL_BUDGET + explain.FACTORS
    assert all(p["length"] == 40 and "elided" not in p for p in der["paths"])


@pytest.mark.parametrize("width", [20, 57, 100])
def test_a_long_line_is_wrapped_as_rich_wraps_it(width):
    # Lines past render_explain.LONG are handed to Rich a line at a time (Rich's own
    # way is quadratic in the length); what is printed is the same.
    from rich.console import Console, Group
    from rich.padding import Padding
    from rich.text import Text

    from backpropcli.terminal import explain as render_explain

    eq = " · ".join(f"∂a{k + 1}/∂a{k}" for k in range(3000)) + " = " + "x" * 150 + " = 1"
    assert len(eq) > render_explain.LONG

    def printed(make) -> str:
        console = Console(record=True, width=width, color_system=None)
        console.print(Group(Padding(make(Text.assemble(("1. ", "dim"), eq)), (0, 0, 0, 5)),
                            Text("after")))
        return console.export_text()

    assert printed(render_explain._line) == printed(lambda t: t)
