"""`backprop descend` through the command line."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from tests.helpers import SAMPLES


def test_worked_example_descends_and_saves_the_session(cli):
    code, out, err = cli("descend", str(SAMPLES / "seed.bp"), "--lr", "0.01", "--steps", "50")
    assert code == 0, err
    assert "Gradient descent: sgd, lr 0.01, 50 steps" in out
    assert "g: -10 →" in out
    code, out, _ = cli("history", "--json")
    hist = json.loads(out)["history"]
    assert len(hist) == 51 and hist[0]["value"] == -10
    assert all(b["value"] < a["value"] for a, b in itertools.pairwise(hist))
    code, out, _ = cli("step", "--lr", "0.01", "--json")  # step goes on from the result
    assert code == 0 and json.loads(out)["step"]["previous"]["value"] == hist[-1]["value"]


def test_json_document_and_every(cli):
    code, out, _ = cli("descend", "y = (x - 3)^2", "--x", "0", "--lr", "0.1", "--steps", "100",
                       "--json", "--every", "10")
    doc = json.loads(out)
    assert doc["command"] == "descend" and doc["inputs"]["x"] == pytest.approx(3, abs=1e-6)
    d = doc["descend"]
    assert d["steps"] == 100 and d["stopped"] == "steps" and d["first"] == 9
    assert [h["step"] for h in d["history"]] == list(range(0, 101, 10))


def test_divergence_exits_1_and_keeps_the_best_point(cli, tmp_path):
    code, out, err = cli("descend", "y = x^2", "--x", "1", "--lr", "1e6", "--steps", "100")
    assert code == 1 and "diverged" in err and "smaller --lr" in err
    code, out, _ = cli("eval", "--json")  # the session holds the best point
    assert json.loads(out)["inputs"]["x"] == 1
    code, out, _ = cli("descend", "y = x^2", "--x", "1", "--lr", "1e6", "--json")
    doc = json.loads(out)
    assert code == 1 and doc["error"]["kind"] == "math" and doc["descend"]["stopped"] == "diverged"


@pytest.mark.parametrize(("args", "words"), [
    (["--optimizer", "rmsprop"], "choose sgd, momentum, adam or newton"),
    (["--schedule", "cosine"], "choose constant or linear"),
    (["--lr", "-1"], "positive"),
    (["--steps", "many"], "whole number"),
    (["--watch", "nope"], "no 'nope'"),
    (["--every", "0"], "at least 1"),
])
def test_bad_options(cli, args, words):
    code, _, err = cli("descend", "y = x^2", "--x", "1", *args)
    assert code == 2 and words in err


def test_watch_and_ascend(cli):
    code, out, _ = cli("descend", "s = sign(x); y = -(x - 2)^2", "--x", "0", "--ascend",
                       "--lr", "0.1", "--steps", "200", "--json")
    doc = json.loads(out)
    assert doc["inputs"]["x"] == pytest.approx(2, abs=1e-3)
    assert doc["descend"]["history"][-1]["watched"] == {"s": 1}


def test_moons_reaches_full_accuracy_with_no_other_arguments(cli):
    code, out, err = cli("descend", str(SAMPLES / "moons.bp"), "--json", "--every", "100")
    assert code == 0, err
    doc = json.loads(out)
    d = doc["descend"]
    assert d["steps"] == 1000 and d["stopped"] == "steps"
    assert d["last"] < d["first"] / 10
    assert d["history"][-1]["watched"]["accuracy"] == 1.0  # every point on its side
    assert set(doc["params"]) == {"W1", "b1", "W2", "b2", "w3", "b3"}  # X, y are data
    code, out, _ = cli("eval", "--json")  # the session holds the trained network
    assert json.loads(out)["value"] == pytest.approx(d["last"])


def test_neuron_output_is_driven_toward_zero(cli):
    code, out, _ = cli("descend", str(SAMPLES / "neuron.bp"), "--lr", "1", "--steps", "300",
                       "--json")
    d = json.loads(out)["descend"]
    assert d["first"] == pytest.approx(0.7311, abs=1e-4) and d["last"] < 0.01
    values = [h["value"] for h in d["history"]]
    assert all(b <= a for a, b in itertools.pairwise(values))


@pytest.mark.parametrize("name", ["loss.png", "LOSS.PDF"])
def test_plot_files(cli, tmp_path, name):
    # One run per format through the command; what is in the pictures is test_plot's.
    # With --json, stdout still holds the one document (and the note is left out).
    code, out, err = cli("descend", "y = (x - 1)^2", "--x", "0", "--steps", "20",
                         *(["--json"] if name.endswith(".png") else []),
                         "--plot", str(tmp_path / name))
    assert code == 0, err
    if name.endswith(".png"):
        assert json.loads(out)["descend"]["steps"] == 20 and err == ""
    else:
        assert f"wrote the loss curve to {tmp_path / name}" in err
    data = (tmp_path / name).read_bytes()
    magic = b"\x89PNG\r\n\x1a\n" if name.endswith(".png") else b"%PDF-"
    assert data.startswith(magic) and len(data) > 5000


def test_plot_of_a_run_that_failed(cli, tmp_path):
    # The picture is written before the error, and says why the run stopped.
    import xml.etree.ElementTree as ET

    code, _, err = cli("descend", str(SAMPLES / "seed.bp"), "--plot", str(tmp_path / "g.svg"))
    assert code == 1 and "decreases without bound" in err
    data = (tmp_path / "g.svg").read_bytes()
    root = ET.fromstring(data, parser=ET.XMLParser(target=ET.TreeBuilder(insert_comments=True)))
    said = " ".join(c.text for c in root.iter(ET.Comment))
    assert "seed.bp: g by step" in said and "stopped early (unbounded)" in said


@pytest.mark.parametrize("name", ["loss.gif", "loss", "loss.svg.txt"])
def test_plot_takes_svg_png_or_pdf(cli, name):
    code, out, err = cli("descend", "y = x^2", "--x", "1", "--steps", "5", "--plot", name)
    assert code == 2 and out == ""
    assert "--plot takes a .svg, .png or .pdf file" in err and "try --plot loss.svg" in err


def test_plot_to_an_unwritable_place_says_why(cli, tmp_path):
    code, _, err = cli("descend", "y = x^2", "--x", "1", "--steps", "5",
                       "--plot", str(tmp_path / "missing" / "loss.png"))
    assert code == 2 and "cannot write in" in err and "Traceback" not in err
    assert not (tmp_path / "missing").exists()


def test_a_long_run_keeps_a_bounded_history(cli, tmp_path):
    from backpropcli.tasks import descend

    code, out, err = cli("descend", "L = (a - 3)^2", "--a", "0", "--steps", "300000", "--json",
                         "--plot", str(tmp_path / "loss.svg"))
    assert code == 0, err
    d = json.loads(out)["descend"]
    hist = d["history"]
    steps = [h["step"] for h in hist]
    assert d["steps"] == 300_000 and steps[-1] == 300_000 and steps[0] == 0
    assert len(hist) <= descend.LIMIT + 2 and d["best_step"] in steps
    assert steps == sorted(set(steps))
    assert hist[-1]["value"] == d["last"] and hist[0]["value"] == d["first"] == 9
    assert "<!-- 300000 -->" in (tmp_path / "loss.svg").read_text()  # the axis's last tick
    code, out, _ = cli("history", "--json")  # the session keeps the same entries
    assert [h["value"] for h in json.loads(out)["history"]] == [h["value"] for h in hist]


def test_a_long_run_draws_its_curve_to_the_last_step(cli):
    code, out, err = cli("descend", "L = (a - 3)^2 + 1", "--a", "0", "--steps", "30000")
    assert code == 0, err
    assert "L: 10 → 1   (step 0 → 30000)" in out
    assert out.rstrip().endswith("step 0: 10  →  step 30000: 1")
    axis = next(line for line in out.splitlines() if line.lstrip().startswith("0 "))
    assert axis.split() == ["0", "step", "30000"]


def test_commands_from_the_session_keep_its_history(cli):
    # Only a command given PROGRAM starts a new history; from the session, eval goes on
    # from its point, and descend appends its steps, numbered on.
    assert cli("descend", "L = (a - 3)^2", "--a", "0", "--steps", "20")[0] == 0
    assert cli("eval")[0] == 0
    history = json.loads(cli("history", "--json")[1])["history"]
    assert [h["step"] for h in history] == list(range(21))
    assert cli("descend", "--steps", "5")[0] == 0
    history = json.loads(cli("history", "--json")[1])["history"]
    assert [h["step"] for h in history] == list(range(26))
    assert history[21]["value"] < history[20]["value"]
    for command in (["explain"], ["check"], ["graph"]):
        assert cli(*command)[0] == 0
    assert len(json.loads(cli("history", "--json")[1])["history"]) == 26
    assert cli("eval", "--a", "1")[0] == 0  # a new point: one more entry, at (1 - 3)^2
    history = json.loads(cli("history", "--json")[1])["history"]
    assert history[-1] == {"step": 26, "value": 4.0, "lr": None, "change": None, "watched": {}}
    assert cli("eval", "L = (a - 3)^2", "--a", "0")[0] == 0  # PROGRAM: a fresh start
    assert len(json.loads(cli("history", "--json")[1])["history"]) == 1


def test_a_value_that_falls_without_bound_stops_the_descent(cli):
    # The article's own g = x·y + z has no minimum: at lr 0.1 it falls ×1.25 a step.
    code, out, err = cli("descend", str(SAMPLES / "seed.bp"))
    assert code == 1
    assert "g decreases without bound: it has no minimum along this path" in " ".join(
        err.split())
    saved = json.loads(cli("eval", "--json")[1])  # the session: the last point before
    assert saved["value"] < -1e6 and np.isfinite(saved["value"])
    code, out, err = cli("descend", str(SAMPLES / "seed.bp"), "--json")
    doc = json.loads(out)
    assert code == 1 and doc["descend"]["stopped"] == "unbounded"
    assert doc["error"]["message"].startswith("g decreases without bound")
    # climbing a function with no maximum says so too
    code, out, err = cli("descend", "y = 2*x", "--x", "1", "--ascend", "--lr", "1000000")
    assert code == 1 and "y increases without bound: it has no maximum" in " ".join(
        err.split())


def test_a_descent_to_a_real_minimum_is_not_called_unbounded(cli):
    code, out, err = cli("descend", "L = (a - 3)^2 - 1e9", "--a", "0", "--steps", "200")
    assert code == 0, err


# ---------------------------------------------------------------------------
# the cap on steps, and Ctrl-C

@pytest.mark.parametrize("steps", ["10000001", str(10**400), "1" + "0" * 5000])
def test_steps_above_the_cap_are_refused_naming_it(cli, steps):
    code, out, err = cli("eval", "L = (a - 3)^2", "--a", "0")
    code, out, err = cli("descend", "L = (a - 3)^2", "--a", "0", "--steps", steps)
    assert code == 2
    assert "--steps" in err and ("at most 10,000,000" in err or "digits is far too large" in err)
    assert len(err) < 400  # a number of thousands of digits is not written out
    code, out, _ = cli("descend", "L = (a - 3)^2", "--a", "0", "--steps", steps, "--json")
    assert code == 2 and "--steps" in json.loads(out)["error"]["message"]
    code, out, _ = cli("export", "L = (a - 3)^2", "--a", "0", "--descend", "--steps", steps)
    assert code == 2 and out == ""
    code, out, _ = cli("eval", "--json")  # the session did not move
    assert json.loads(out)["inputs"] == {"a": 0.0}


def test_steps_at_the_cap_are_taken(cli):
    code, out, err = cli("descend", "L = (a - 3)^2", "--a", "0", "--steps", "10000000",
                         "--tol", "1e-3", "--json")
    assert code == 0, err
    assert json.loads(out)["descend"]["stopped"] == "converged"


# A real SIGINT, sent by the process to itself at step 50 of a long descent, so that it
# arrives mid-run however fast the machine is.
INTERRUPTED = """
import os, signal, sys
from backpropcli.tasks import descend as d
from backpropcli.cli.app import run_app

real = d.run
def run(compiled, inputs, params, settings, on_step=None, *rest, **named):
    def told(k, value):
        if k == 50:
            os.kill(os.getpid(), signal.SIGINT)
        if on_step is not None:
            on_step(k, value)
    return real(compiled, inputs, params, settings, told, *rest, **named)
d.run = run
sys.argv = ["backprop", "descend", "--steps", "10000000", *sys.argv[1:]]
sys.exit(run_app())
"""


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_ctrl_c_leaves_the_session_as_it_was(cli, tmp_path, json_flag):
    import subprocess
    import sys

    code, _, _ = cli("eval", "L = (a - 3)^2", "--a", "0")
    assert code == 0
    folder = tmp_path / ".backprop"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    done = subprocess.run([sys.executable, "-c", INTERRUPTED, *json_flag], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # nothing left over
    code, out, _ = cli("eval", "--json")
    assert json.loads(out)["inputs"] == {"a": 0.0}


def test_a_flat_run_says_learning_has_stopped_and_a_falling_one_does_not(cli):
    # L = (x - 3)^2 from 0 at lr 0.1 reaches x's float nearest 3 and stays: flat for the
    # last 100 steps and more (each change at most 1e-9 of the value before it)
    flat = ("descend", "L = (x - 3)^2", "--x", "0", "--lr", "0.1", "--steps", "400")
    code, out, err = cli(*flat)
    assert code == 0, err
    said = " ".join(out.split())
    assert "L has not changed by more than 1e-09 relative in the last" in said
    assert "learning has stopped (a plateau, or the optimum)" in said
    code, out, err = cli(*flat, "--json")
    assert code == 0 and "learning has stopped" in json.loads(out)["descend"]["plateau"]
    code, out, err = cli(*flat[:-1], "50", "--json")  # still falling at step 50
    assert code == 0 and json.loads(out)["descend"]["plateau"] is None
    code, out, err = cli(*flat[:-1], "50")
    assert "learning has stopped" not in out
