"""`backprop replay`: the transcript when stdout is not a terminal, the JSON document
(whose contributions sum to eval's gradients), the frame limit, and the same refusals
as eval. (The player, the web page and the animation have their own tests.)"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.helpers import SAMPLES

SEED = str(SAMPLES / "seed.bp")
WORKED = ["f = x*y; g = f + z", "--x", "3", "--y", "-4", "--z", "2"]


def test_piped_it_is_a_transcript_of_every_frame_in_order(backprop):
    done = backprop("replay", *WORKED)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    heads = [line for line in done.stdout.splitlines() if line.startswith("[")]
    assert heads == [
        "[1/11] forward 1 of 5: x", "[2/11] forward 2 of 5: y", "[3/11] forward 3 of 5: f",
        "[4/11] forward 4 of 5: z", "[5/11] forward 5 of 5: g",
        "[6/11] backward pass: start at the output g",
        "[7/11] backward 1 of 4: g → f", "[8/11] backward 2 of 4: g → z",
        "[9/11] backward 3 of 4: f → x", "[10/11] backward 4 of 4: f → y",
        "[11/11] gradient of g"]
    assert "  f = x * y = 3 · (-4) = -12\n" in done.stdout
    assert ("  upstream  ∂g/∂f = 1\n  local     ∂f/∂x = y = -4\n"
            "  product   1 · (-4) = -4\n  total     ∂g/∂x += -4 → -4\n") in done.stdout
    assert done.stdout.endswith("  ∂g/∂x = -4\n  ∂g/∂y = 3\n  ∂g/∂z = 1\n")


def contributions(doc: dict) -> dict[str, object]:
    sums: dict[str, object] = {}
    for f in doc["frames"]:
        if f["kind"] == "backward":
            c = np.asarray(f["contribution"])
            sums[f["node"]] = c if f["node"] not in sums else sums[f["node"]] + c
    return sums


@pytest.mark.parametrize("args", [
    [SEED],
    [str(SAMPLES / "neuron.bp")],
    [str(SAMPLES / "reuse.bp")],
    [str(SAMPLES / "layer.bp")],
    ["h = tanh(W @ x + b); L = sum(h * h) + mean(W)", "--W", "[[1, -2, 0.5], [0.3, 0.1, -1]]",
     "--x", "[0.2, -0.4, 1]", "--b", "[0.1, -0.1]"],
])
def test_contributions_sum_to_evals_gradients(backprop, args):
    replayed = backprop("replay", *args, "--json")
    assert replayed.returncode == 0, replayed.stderr
    doc = json.loads(replayed.stdout)
    evaluated = json.loads(backprop("eval", *args, "--json").stdout)
    sums = contributions(doc)
    for name, grad in evaluated["gradients"].items():
        got = sums.get(name, np.zeros_like(np.asarray(grad)))
        np.testing.assert_allclose(got, grad, rtol=1e-12, atol=1e-12)
        assert np.shape(got) == np.shape(grad)
    assert doc["frames"][-1]["gradients"] == evaluated["gradients"]
    assert [f["kind"] for f in doc["frames"]].count("seed") == 1


def test_a_node_used_twice_shows_both_additions(backprop):
    doc = json.loads(backprop("replay", "b = a * a", "--a", "3", "--json").stdout)
    back = [f for f in doc["frames"] if f["kind"] == "backward"]
    assert [(f["use"], f["before"], f["after"]) for f in back] == [(1, None, 3.0), (2, 3.0, 6.0)]


def test_array_frames_show_shapes_and_the_summed_axis(backprop):
    done = backprop("replay", "L = sum(W * x)", "--W", "[[1, 2, 3], [4, 5, 6]]",
                    "--x", "[1, 0, -1]")
    assert done.returncode == 0, done.stderr
    assert "shapes    t1 (2, 3) → x (3,)" in done.stdout
    assert "(summed over axis 0)" in done.stdout
    assert "W = [[1, 2, 3], [4, 5, 6]]   shape (2, 3)   (input)" in done.stdout


def test_too_many_frames_need_max_frames(backprop):
    program = " + ".join(f"x*{k}" for k in range(1200))  # 1200 products summed: 3598 edges
    done = backprop("replay", program, "--x", "1")
    assert done.returncode == 2
    said = " ".join(done.stderr.split())
    assert "replays in 6000 frames (3598 edges in the backward pass), more than the 2000 " \
        "allowed" in said
    assert "--max-frames 6000" in said
    done = backprop("replay", program, "--x", "1", "--max-frames", "6000")
    assert done.returncode == 0, done.stderr
    assert "\n[6000/6000] gradient of " in done.stdout
    done = backprop("replay", SEED, "--max-frames", "zero")
    assert done.returncode == 2 and "--max-frames takes a whole number" in done.stderr


@pytest.mark.parametrize("args", [
    ["g = x*"], ["g = log(x)", "--x", "-1"], ["g = x*y", "--x", "1"], ["g = x @ y", "--x", "[1, 2]",
                                                                        "--y", "[1, 2, 3]"],
    ["g = x", "--x", "nope"], ["missing.bp"],
])
def test_refused_as_eval_refuses(backprop, args):
    replayed, evaluated = backprop("replay", *args), backprop("eval", *args)
    assert replayed.returncode == evaluated.returncode != 0
    assert replayed.stderr == evaluated.stderr
    assert replayed.stdout == ""
    as_json = backprop("replay", *args, "--json")
    assert json.loads(as_json.stdout)["error"] == \
        json.loads(backprop("eval", *args, "--json").stdout)["error"]


def test_goes_on_from_the_session_and_a_piped_document(backprop):
    assert backprop("eval", *WORKED).returncode == 0
    from_session = backprop("replay")
    assert from_session.returncode == 0, from_session.stderr
    assert "[11/11] gradient of g" in from_session.stdout
    piped = backprop("replay", stdin=backprop("eval", SEED, "--json").stdout)
    assert piped.returncode == 0 and "[11/11] gradient of g" in piped.stdout


def test_gif_takes_only_an_animation_suffix(backprop):
    done = backprop("replay", SEED, "--gif", "seed.mp4")
    assert done.returncode == 2
    assert "--gif takes a .gif file, or a .png file" in done.stderr
