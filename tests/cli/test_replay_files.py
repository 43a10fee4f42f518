"""`backprop replay --html FILE` and `--gif FILE`: the file is written and said so on
stderr, stdout stays empty (or holds the --json document); a folder, a FIFO or a link
is never replaced; a bad suffix is refused before any work, with exit 2."""

from __future__ import annotations

import json
import os

import pytest
from PIL import Image

from tests.helpers import SAMPLES

SEED = str(SAMPLES / "seed.bp")
NEURON = str(SAMPLES / "neuron.bp")


def test_html_writes_the_player_and_says_so(cli, tmp_path):
    code, out, err = cli("replay", NEURON, "--html", "neuron.html")
    assert code == 0 and out == ""
    assert err.strip() == "wrote the player (21 frames) to neuron.html"
    text = (tmp_path / "neuron.html").read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "http" not in text


def test_gif_writes_the_animation_and_says_so(cli, tmp_path):
    code, out, err = cli("replay", SEED, "--gif", "seed.gif")
    assert code == 0 and out == ""
    assert err.strip() == "wrote the animation (11 frames) to seed.gif"
    with Image.open(tmp_path / "seed.gif") as im:
        assert im.format == "GIF" and im.n_frames == 11


def test_a_png_is_an_animated_png(cli, tmp_path):
    code, _, err = cli("replay", SEED, "--gif", "seed.PNG")
    assert code == 0, err
    with Image.open(tmp_path / "seed.PNG") as im:
        assert im.format == "PNG" and im.n_frames == 11


def test_both_files_and_the_json_document(cli, tmp_path):
    code, out, err = cli("replay", SEED, "--html", "s.html", "--gif", "s.gif", "--json")
    assert code == 0, err
    assert json.loads(out)["command"] == "replay"
    # (with --json, stdout holds the document; the files are there)
    assert (tmp_path / "s.html").is_file() and (tmp_path / "s.gif").is_file()


@pytest.mark.parametrize("name", ["seed.mp4", "seed", "seed.gif.txt", "."])
def test_a_bad_suffix_is_refused_before_any_work(cli, tmp_path, name):
    code, out, err = cli("replay", SEED, "--gif", name)
    assert code == 2 and out == ""
    said = " ".join(err.split())
    assert "--gif takes a .gif file, or a .png file" in said and "Traceback" not in err
    code, out, _ = cli("replay", SEED, "--gif", name, "--json")
    assert code == 2 and json.loads(out)["error"]["kind"] == "usage"
    assert sorted(os.listdir(tmp_path)) == []  # nothing written, not even a session


@pytest.mark.parametrize(("option", "name"), [("--html", "p.html"), ("--gif", "p.gif")])
def test_a_folder_is_refused(cli, tmp_path, option, name):
    (tmp_path / name).mkdir()
    code, out, err = cli("replay", SEED, option, name)
    assert code == 2 and out == ""
    assert f"{option}: cannot write" in err and "directory" in " ".join(err.split())
    assert (tmp_path / name).is_dir()


@pytest.mark.parametrize(("option", "name"), [("--html", "p.html"), ("--gif", "p.gif")])
def test_a_fifo_or_a_link_is_never_replaced(cli, tmp_path, option, name):
    os.mkfifo(tmp_path / name)
    code, _, err = cli("replay", SEED, option, name)
    assert code == 2 and "never replaced" in " ".join(err.split())
    assert not (tmp_path / name).is_file()
    (tmp_path / name).unlink()
    (tmp_path / "target").write_text("keep")
    (tmp_path / name).symlink_to(tmp_path / "target")
    code, _, err = cli("replay", SEED, option, name)
    assert code == 2 and "never replaced" in " ".join(err.split())
    assert (tmp_path / "target").read_text() == "keep" and (tmp_path / name).is_symlink()


def test_a_missing_folder_says_it_cannot_write(cli, tmp_path):
    code, out, err = cli("replay", SEED, "--html", str(tmp_path / "no" / "p.html"))
    assert code == 2 and out == "" and "cannot write" in err


def test_a_program_eval_refuses_writes_no_file(cli, tmp_path):
    code, _, err = cli("replay", "g = x *", "--html", "p.html", "--gif", "p.gif")
    assert code == 2 and "Traceback" not in err
    assert not (tmp_path / "p.html").exists() and not (tmp_path / "p.gif").exists()


def test_an_existing_file_is_replaced(cli, tmp_path):
    (tmp_path / "p.html").write_text("old")
    code, _, err = cli("replay", SEED, "--html", "p.html")
    assert code == 0, err
    assert (tmp_path / "p.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
