"""samples/digits.bp, the real data set of #23: it trains (a short run in the fast tier,
the README's 500-step run and its PyTorch export in the slow tier), and wrong data or a
wrong --watch say what was expected."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.exported import need, run_scripts
from tests.helpers import SAMPLES

DIGITS = SAMPLES / "digits.bp"
README_RUN = ("--seed", "1", "--optimizer", "adam", "--lr", "0.01", "--steps", "500",
              "--watch", "accuracy,test_accuracy")


def test_a_short_run_lowers_the_loss_and_raises_both_accuracies(cli):
    code, out, err = cli("descend", str(DIGITS), "--seed", "1", "--optimizer", "adam",
                         "--lr", "0.01", "--steps", "20", "--watch", "accuracy,test_accuracy",
                         "--json")
    assert code == 0, err
    history = json.loads(out)["descend"]["history"]
    first, last = history[0], history[-1]
    assert last["value"] < first["value"] / 2  # a random start at about 5.3
    for name in ("accuracy", "test_accuracy"):
        assert first["watched"][name] < 0.3 < 0.6 < last["watched"][name]


@pytest.mark.slow
def test_the_readme_run_reaches_95_percent_on_the_test_images(cli):
    code, out, err = cli("descend", str(DIGITS), *README_RUN)
    assert code == 0, err
    said = dict(line.split(": ", 1) for line in out.splitlines()
                if line.startswith(("accuracy: ", "test_accuracy: ")))
    assert set(said) == {"accuracy", "test_accuracy"}, out
    assert float(said["test_accuracy"].split(" → ")[1]) >= 0.95
    assert float(said["accuracy"].split(" → ")[1]) >= 0.95


@pytest.mark.slow
def test_the_torch_export_reaches_the_same_numbers(cli, tmp_path):
    need("torch")
    code, out, err = cli("descend", str(DIGITS), *README_RUN, "--json")
    assert code == 0, err
    ours = json.loads(out)["descend"]["history"][-1]
    path = tmp_path / "digits_torch.py"
    code, _, err = cli("export", str(DIGITS), "--to", "torch", "--descend", *README_RUN,
                       "-o", str(path))
    assert code == 0, err
    (doc,) = run_scripts([path])
    theirs = doc["descend"]["history"][-1]
    assert theirs["step"] == 500
    assert theirs["value"] == pytest.approx(ours["value"], rel=1e-6)
    assert theirs["watched"]["test_accuracy"] == ours["watched"]["test_accuracy"] >= 0.95


def test_data_of_the_wrong_shape_say_the_shape_expected(cli, tmp_path):
    for name in ("digits.bp", "digits_train_images.csv", "digits_train_labels.csv",
                 "digits_test_labels.csv"):
        shutil.copy(SAMPLES / name, tmp_path / name)
    rows = (SAMPLES / "digits_test_images.csv").read_text(encoding="utf-8").splitlines()
    short = [r if r.startswith("#") else ",".join(r.split(",")[:63]) for r in rows]
    (tmp_path / "digits_test_images.csv").write_text("\n".join(short) + "\n", encoding="utf-8")
    code, out, err = cli("descend", str(tmp_path / "digits.bp"), "--steps", "2")
    assert code == 2 and out == "", err
    for said in ("line 24", "shapes (450, 63) @ (64, 32) do not fit",
                 "to fit W1, (Xt / 16) of shape (450, 63) would need shape (450, 64)"):
        assert said in " ".join(err.split()), (said, err)
    code, out, _ = cli("descend", str(tmp_path / "digits.bp"), "--steps", "2", "--json")
    assert code == 2 and json.loads(out)["error"]["kind"] == "shape"


def test_an_unknown_watch_lists_what_can_be_watched(cli):
    code, out, err = cli("descend", str(DIGITS), "--steps", "2", "--watch",
                         "accuracy,test_acuracy")
    assert code == 2 and out == "", err
    said = " ".join(err.split())
    assert "--watch test_acuracy: the program has no 'test_acuracy'" in said, err
    assert "did you mean test_accuracy?" in said
    assert "the values it can watch: " in said and "accuracy, b1, b2, ce, loss" in said
