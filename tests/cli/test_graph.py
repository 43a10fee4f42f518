"""`backprop graph`: the tree in the terminal, dot, mermaid, svg, JSON; from a program,
the session or a document on stdin; and its errors."""

from __future__ import annotations

import html
import json
import re
import shutil

import pytest

from tests.graphcheck import check_dot, check_mermaid
from tests.helpers import SAMPLES

SEED = str(SAMPLES / "seed.bp")
WORKED = ["g = x*y + z", "--x", "3", "--y", "-4", "--z", "2"]
HAS_DOT = shutil.which("dot") is not None


def test_tree_of_the_worked_example(cli):
    code, out, err = cli("graph", SEED)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Computation graph of g")
    assert re.search(r"g = f \+ z\s+-10\s+1\s+← output", out)
    assert re.search(r"├─ f = x \* y\s+-12\s+1", out)
    assert re.search(r"│  ├─ x  input\s+3\s+-4", out)
    assert re.search(r"│  └─ y  input\s+-4\s+3", out)
    assert re.search(r"└─ z  input\s+2\s+1", out)
    assert err == ""


def test_tree_shows_reuse_and_constants(cli):
    code, out, _ = cli("graph", str(SAMPLES / "reuse.bp"))
    assert code == 0
    assert "a ↑ shown above" in out and "b ↑ shown above" in out
    code, out, _ = cli("graph", "g = 2*x + 1", "--x", "3")
    assert "2  constant" in out and "1  constant" in out


def test_a_500_node_graph_fits_on_a_screen(cli):
    # 500 products of 50 inputs, summed: 1049 nodes the output depends on
    program = " + ".join(f"x{k % 50}*{k}" for k in range(500))
    values = [a for k in range(50) for a in (f"--x{k}", str(k))]
    code, out, err = cli("graph", program, *values)
    assert code == 0, err
    lines = out.rstrip("\n").splitlines()
    assert len(lines) <= 70
    assert max(len(line) for line in lines) <= 100
    shown, total = map(int, re.search(r"(\d+) of (\d+) nodes shown", out).groups())
    assert total == 1049
    counted = sum(int(n) for n in re.findall(r"… (\d+) more", out))
    assert shown + counted == total
    code, out, _ = cli("graph", program, *values, "--full")
    assert "nodes shown" not in out and out.count("  input") == 50


def test_dot(cli):
    code, out, err = cli("graph", *WORKED, "--format", "dot")
    assert code == 0, err
    parsed = check_dot(out)
    labels = set(parsed["labels"].values())
    assert "t1 = x * y\n= -12\n∂g/∂t1 = 1" in labels
    assert "g = t1 + z\n= -10\n∂g/∂g = 1" in labels
    assert "x = 3\n∂g/∂x = -4" in labels


def test_mermaid(cli):
    code, out, err = cli("graph", SEED, "--format", "mermaid")
    assert code == 0, err
    parsed = check_mermaid(out)
    assert "f = x * y\n= -12\n∂g/∂f = 1" in parsed["labels"].values()
    assert "x = 3\n∂g/∂x = -4" in parsed["labels"].values()


def test_the_same_text_from_run_to_run(backprop):
    micrograd = str(SAMPLES / "micrograd.bp")
    for form in ("dot", "mermaid"):
        first = backprop("graph", micrograd, "--format", form)
        second = backprop("graph", micrograd, "--format", form, env={"PYTHONHASHSEED": "7"})
        assert first.returncode == 0, first.stderr
        assert first.stdout == second.stdout


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot is not installed")
def test_svg(cli, tmp_path):
    code, out, err = cli("graph", SEED, "--format", "svg")
    assert code == 0, err
    assert out.lstrip().startswith("<?xml") and out.rstrip().endswith("</svg>")
    assert "∂g/∂x = -4" in html.unescape(out)
    code, out, err = cli("graph", SEED, "--format", "svg", "--save", "g.svg")
    assert code == 0 and out == "" and "g.svg" in err
    assert (tmp_path / "g.svg").read_text().rstrip().endswith("</svg>")


def test_svg_without_graphviz(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no dot on it
    code, out, err = cli("graph", SEED, "--format", "svg")
    assert code == 2 and out == ""
    said = " ".join(err.split())
    for words in ("needs Graphviz's dot program", "apt-get install graphviz",
                  "brew install graphviz", "--format dot"):
        assert words in said
    assert "Traceback" not in err
    code, out, _ = cli("graph", SEED, "--format", "svg", "--json")
    assert code == 2 and json.loads(out)["error"]["kind"] == "usage"


def test_save(cli, tmp_path):
    code, out, err = cli("graph", SEED, "--format", "mermaid", "--save", "g.mmd")
    assert code == 0 and out == ""
    check_mermaid((tmp_path / "g.mmd").read_text())
    code, out, err = cli("graph", SEED, "--format", "dot", "--save", str(tmp_path / "no" / "g"))
    assert code == 2 and "cannot write" in err


def test_json(cli):
    code, out, err = cli("graph", *WORKED, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["schema"] == "backprop/1" and doc["command"] == "graph"
    assert doc["value"] == -10 and doc["gradients"] == {"x": -4, "y": 3, "z": 1}
    nodes = {n["name"]: n for n in doc["nodes"]}
    assert set(nodes) == {"x", "y", "z", "t1", "g"}
    assert nodes["t1"] == {"id": "n2", "name": "t1", "op": "mul", "expr": "x * y",
                           "value": -12.0, "shape": [], "grad": 1.0, "output": False}
    assert nodes["g"]["output"] is True
    ids = {n["id"] for n in doc["nodes"]}
    assert all(e["from"] in ids and e["to"] in ids for e in doc["edges"])
    assert {"from": "n0", "to": "n2", "slot": 0, "local": -4.0} in doc["edges"]
    # the document goes on into step like eval's
    code, out, err = cli("step", "--lr", "0.1", "--json", stdin=out)
    assert code == 0, err
    assert json.loads(out)["value"] == pytest.approx(-12.72)
    # with a picture format, the picture comes along in the document
    code, out, _ = cli("graph", *WORKED, "--json", "--format", "mermaid")
    check_mermaid(json.loads(out)["mermaid"])


def test_arrays(cli):
    args = ["h = W @ x; L = sum(h * [1, -1])", "--W", "[[1, 2], [3, 4]]", "--x", "[1, -1]"]
    code, out, err = cli("graph", *args)
    assert code == 0, err
    assert "W  input  (2, 2)" in out and "[[1, 2], [3, 4]]" in out
    code, out, _ = cli("graph", *args, "--json")
    nodes = {n["name"]: n for n in json.loads(out)["nodes"]}
    assert nodes["h"]["shape"] == [2] and nodes["W"]["grad"] == [[1, -1], [-1, 1]]
    code, out, _ = cli("graph", *args, "--format", "dot")
    assert "W = [[1, 2], [3, 4]]\nshape (2, 2)\n∂L/∂W = [[1, -1], [-1, 1]]" in \
        check_dot(out)["labels"].values()


def test_from_the_session_and_from_stdin(cli):
    assert cli("eval", *WORKED)[0] == 0
    code, out, err = cli("graph", "--format", "dot")
    assert code == 0, err
    assert "x = 3\n∂g/∂x = -4" in check_dot(out)["labels"].values()
    code, out, _ = cli("graph", "--x", "1")  # a value typed over the saved one
    assert re.search(r"x  input\s+1\s+-4", out)
    _, doc, _ = cli("eval", *WORKED, "--json")
    cli("reset")
    code, out, err = cli("graph", "--format", "mermaid", stdin=doc)
    assert code == 0, err
    assert "g = t1 + z\n= -10\n∂g/∂g = 1" in check_mermaid(out)["labels"].values()


def test_graph_does_not_change_the_session(cli, tmp_path):
    cli("eval", *WORKED)
    before = (tmp_path / ".backprop" / "session.json").read_text()
    cli("graph", "g = a * b", "--a", "1", "--b", "2")
    assert (tmp_path / ".backprop" / "session.json").read_text() == before


def test_output_and_unused_nodes(cli):
    code, out, _ = cli("graph", SEED, "--output", "f")
    assert code == 0
    assert "Computation graph of f" in out and "2 nodes f does not depend on (z, g)" in out
    code, out, _ = cli("graph", SEED, "--output", "f", "--format", "dot")
    assert "f does not depend on g" in " ".join(check_dot(out)["labels"].values())


@pytest.mark.parametrize(("args", "code", "words"), [
    ([SEED, "--format", "jpeg"], 2, "--format takes one of: tree, dot, mermaid, svg, png"),
    ([SEED, "--save", "x.txt"], 2, "--save writes a picture: dot, mermaid, svg or png"),
    (["g = x*", "--x", "1"], 2, "line 1"),
    (["g = x*y", "--x", "1"], 2, "y"),
    (["g = log(x)", "--x", "0"], 1, "log"),
    ([], 2, "session"),
])
def test_errors(cli, args, code, words):
    got, out, err = cli("graph", *args)
    assert got == code, err
    assert words in " ".join(err.split())
    assert "Traceback" not in err
    got, out, _ = cli("graph", *args, "--json")
    assert got == code and json.loads(out)["error"]["message"]


def test_help(cli):
    code, out, _ = cli("graph", "--help")
    assert code == 0
    for words in ("--format FORMAT", "--save PATH", "mermaid", "svg", "backprop graph"):
        assert words in out
    code, out, _ = cli("--help")
    assert "graph" in out


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
def test_png(cli, tmp_path):
    code, out, err = cli("graph", SEED, "--save", "g.png")  # the format from the suffix
    assert code == 0, err
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, out, err = cli("graph", SEED, "--format", "png", "--save", "h.png")
    assert code == 0 and (tmp_path / "h.png").read_bytes()[:4] == b"\x89PNG"


def test_a_file_named_for_another_format_is_refused(cli, tmp_path):
    code, out, err = cli("graph", SEED, "--format", "svg", "--save", "g.png")
    assert code == 2 and "names a png file, but --format svg writes svg" in err
    assert not (tmp_path / "g.png").exists()
    code, out, err = cli("graph", SEED, "--format", "dot", "--save", "g.mmd")
    assert code == 2 and "--format mermaid" in err
