"""`backprop descend`'s warnings: dead relu units and a vanishing layer, on stderr and in
the document's descend.warnings; none on the samples that train fine."""

from __future__ import annotations

import json

import pytest

from tests.helpers import SAMPLES

DEAD = ("X = 1*[[1, 2], [3, -1], [0.5, 0.5]]; W = [[1, -1, 2, -3], [1, -2, 1, -1]]; "
        "h = relu(X @ W); L = mean(h^2)")


def test_dead_relus_are_warned_of(cli):
    code, out, err = cli("descend", DEAD, "--steps", "5", "--lr", "0.01")
    assert code == 0, err
    assert ("warning: h: 2 of 4 relu units are dead (relu′ = 0 on every one of the 3 "
            "examples): they get no gradient") in err
    code, out, err = cli("descend", DEAD, "--steps", "5", "--lr", "0.01", "--json")
    (w,) = json.loads(out)["descend"]["warnings"]
    assert w["kind"] == "dead_units" and w["names"] == ["h"]


def test_a_vanishing_layer_is_warned_of(cli):
    code, out, err = cli("depth", "--act", "sigmoid", "--init", "xavier", "--layers", "12",
                         "--width", "8", "--emit", "deep.bp")
    assert code == 0, err
    code, out, err = cli("descend", "deep.bp", "--seed", "0", "--steps", "3")
    assert code == 0, err
    assert "warning: at the start, ‖∂L/∂W1‖ = " in err
    assert "times below ‖∂L/∂W12‖" in err
    code, out, err = cli("descend", "deep.bp", "--seed", "0", "--steps", "3", "--json")
    kinds = [w["kind"] for w in json.loads(out)["descend"]["warnings"]]
    assert kinds == ["vanishing"]


@pytest.mark.parametrize("sample", ["moons.bp", "twolayer.bp"])
def test_the_samples_stay_quiet(cli, sample):
    code, out, err = cli("descend", str(SAMPLES / sample), "--seed", "1", "--json")
    assert code == 0, err
    assert "warning" not in err
    assert "warnings" not in json.loads(out)["descend"]
