"""`backprop descend` and where the descent goes: --plot's loss surface and decision
boundary, --compare, --surface and the terminal picture, through the real command."""

from __future__ import annotations

import json
import struct

import pytest

from tests.helpers import SAMPLES

BOWL = "g = (x-1)^2 + 10*(y+2)^2"


def _png(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", data[16:24])


def test_the_issues_surface_line(backprop, tmp_path):
    done = backprop("descend", BOWL, "--x", "-2", "--y", "1", "--plot", str(tmp_path / "path.png"),
                    env={"COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    assert "wrote the loss surface with the path and the loss curve" in done.stderr
    assert _png(tmp_path / "path.png") == (1248, 552)  # two panels: surface, loss curve
    assert "g over x (across) and y (up)" in done.stdout  # the terminal's picture
    assert "S start  E end" in done.stdout


def test_the_issues_boundary_line(backprop, tmp_path):
    done = backprop("descend", str(SAMPLES / "moons.bp"), "--seed", "1", "--steps", "300",
                    "--plot", str(tmp_path / "boundary.png"))
    assert done.returncode == 0, done.stderr
    assert "wrote the decision boundary and the loss curve" in done.stderr
    assert _png(tmp_path / "boundary.png") == (1248, 552)
    assert "across" not in done.stdout  # no surface: moons' params are arrays


def test_compare_json_has_each_run(cli):
    code, out, err = cli("descend", BOWL, "--x", "-2", "--y", "1", "--lr", "0.04", "--steps",
                         "50", "--compare", "sgd,momentum,adam", "--json")
    assert code == 0, err
    doc = json.loads(out)
    runs = doc["descend"]["compare"]
    assert [r["optimizer"] for r in runs] == ["sgd", "momentum", "adam"]
    assert doc["descend"]["optimizer"] == "sgd" and doc["inputs"] == runs[0]["inputs"]
    for r in runs:  # each as the descent of that optimizer alone
        _, alone, _ = cli("descend", BOWL, "--x", "-2", "--y", "1", "--lr", "0.04", "--steps",
                          "50", "--optimizer", r["optimizer"], "--json")
        assert json.loads(alone)["inputs"] == r["inputs"]


def test_compare_table_and_picture(cli, tmp_path):
    code, out, err = cli("descend", BOWL, "--x", "-2", "--y", "1", "--lr", "0.04", "--steps",
                         "50", "--compare", "sgd,adam", "--plot", str(tmp_path / "c.svg"))
    assert code == 0, err
    assert "Optimizers compared" in out and "s sgd  a adam" in out
    assert "paths and the loss curves" in err and (tmp_path / "c.svg").stat().st_size > 10000


@pytest.mark.parametrize(("args", "said"), [
    (["--compare", "sgd,adm"], "did you mean --compare adam?"),
    (["--compare", "sgd", "--optimizer", "adam"], "takes no --optimizer"),
    (["--predict", "score"], "add --plot"),
])
def test_bad_compare_and_predict(cli, args, said):
    code, out, err = cli("descend", BOWL, "--x", "-2", "--y", "1", "--steps", "5", *args)
    assert code == 2 and said in err


def test_surface_on_other_than_two_params_says_which_and_what_to_pass(cli, tmp_path):
    three = ["descend", "g = x*y + z^2", "--x", "1", "--y", "2", "--z", "1", "--steps", "5"]
    code, _, err = cli(*three, "--surface", "--plot", str(tmp_path / "s.png"))
    assert code == 2 and "g has 3 params: x, y, z" in err and "--params x,y" in err
    assert not (tmp_path / "s.png").exists()
    code, out, _ = cli(*three, "--surface", "--json")
    assert code == 2 and "--params x,y" in json.loads(out)["error"]["hint"]
    # plain --plot draws the loss curve and says the same
    code, _, err = cli(*three, "--plot", str(tmp_path / "p.png"))
    assert code == 0 and "wrote the loss curve" in err and "--params x,y" in err
    # and with two of them chosen, the surface
    code, _, err = cli(*three, "--params", "x,z", "--surface", "--plot", str(tmp_path / "q.png"))
    assert code == 0 and "loss surface" in err


def test_predict_names_no_node(cli, tmp_path):
    code, _, err = cli("descend", str(SAMPLES / "moons.bp"), "--steps", "3", "--predict",
                       "nosuch", "--plot", str(tmp_path / "b.png"))
    assert code == 2 and "no node of that name" in err
