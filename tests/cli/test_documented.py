"""Documented as it is (#19 §13): every picture format is listed in `graph --help`, the
main help and the README; a PNG is large enough for a slide; the README's install
section and session paragraph say what the tool does; a session found in a folder
above is named on stderr, and eval there says it replaces it."""

from __future__ import annotations

import json
import shutil
import struct

import pytest

from backpropcli.output.formats import GRAPH
from tests.helpers import ROOT

PICTURES = [f.name for f in GRAPH if f.writer is not None]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_picture_format_is_listed_where_people_look(cli):
    main, graph = cli("--help")[1], cli("graph", "--help")[1]
    row = " ".join(main.split("graph", 1)[1].split("\n  ")[0].split())
    for name in PICTURES:
        assert name in row, (name, row)
        assert f"{name} (" in " ".join(graph.split()), name
        assert f"--format {name}" in README or f"`{name}`" in README, name
    assert "| `backprop graph PROGRAM [--format " + "\\|".join(GRAPH.names) + "]` |" in README


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_a_png_is_large_enough_for_a_slide(backprop, tmp_path):
    done = backprop("graph", "g = x*y + z", "--x", "3", "--y", "-4", "--z", "2", "--format",
                    "png", "--save", str(tmp_path / "seed.png"))
    assert done.returncode == 0, done.stderr
    data = (tmp_path / "seed.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 1200 and height >= 300, (width, height)


def test_the_install_section_leads_with_a_checkout():
    section = README.split("## Install and run", 1)[1].split("\n## ", 1)[0]
    checkout, index = section.find("pip install ."), section.find("pip install backpropcli")
    assert 0 <= checkout < index, "a checkout's install comes first"
    assert "once it is published" in section


def test_the_readme_says_where_the_session_is_found():
    session = README.split("**Session.**", 1)[1].split("\n\n", 1)[0]
    said = " ".join(session.split())
    for words in ("the nearest folder above", "replaces", "session: ../"):
        assert words in said, words


def test_a_session_found_above_is_named_and_eval_says_it_replaces_it(cli, tmp_path,
                                                                     monkeypatch):
    assert cli("eval", "g = x*y", "--x", "3", "--y", "-4")[0] == 0
    deeper = tmp_path / "a" / "b"
    deeper.mkdir(parents=True)
    monkeypatch.chdir(deeper)
    code, out, err = cli("step", "--json")
    assert code == 0 and json.loads(out)["command"] == "step"
    assert "session: ../../.backprop/session.json (found above)" in err
    code, out, err = cli("eval", "g = x + 1", "--x", "1")
    assert code == 0
    assert "session: ../../.backprop/session.json" in err and "eval replaces it" in err
    assert not (deeper / ".backprop").exists()
    for command in ("graph", "replay", "check", "explain"):  # PROGRAM given: never opened
        code, out, err = cli(command, "g = x + 1", "--x", "1")
        assert code == 0 and "session:" not in err, command
    code, out, err = cli("graph")  # without it, the session above is what it draws
    assert code == 0 and "session: ../../.backprop/session.json (found above)" in err
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("history")
    assert code == 0 and "session:" not in err  # here: nothing to say
