"""The replay's web page (output/replay_html.py), read without a browser: one file with
nothing to fetch, small for every sample, its JSON block the --json document's frames,
every bit of user text escaped where it lands, the notebook's iframe, and the player's
script and style shipped in the wheel. (tests/unit/test_replay_html_browser.py plays it
in a real browser.)"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import zipfile
from html.parser import HTMLParser

import pytest

from backpropcli import api
from backpropcli.output.replay_html import MOST, embedded, page
from tests.helpers import ROOT, SAMPLES

SAMPLE_FILES = sorted(SAMPLES.glob("*.bp"))


def replayed(program, **inputs):
    return api.replay(program, **inputs).replay


class Parts(HTMLParser):
    """The page as a parser reads it: its tags, the script blocks, the text of the SVG."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self.texts: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in = tag
        if tag == "script":
            self.scripts.append((dict(attrs), ""))

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "script":
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        elif self._in in ("text", "pre", "h1", "code", "h2", "title"):
            self.texts.append(data)


def parts(text: str) -> Parts:
    p = Parts()
    p.feed(text)
    p.close()
    return p


def embedded_json(text: str) -> dict:
    blocks = [body for attrs, body in parts(text).scripts
              if attrs.get("type") == "application/json"]
    assert len(blocks) == 1
    return json.loads(blocks[0])


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_every_sample_is_one_small_file_that_fetches_nothing(path):
    text = page(replayed(path))
    size = len(text.encode("utf-8"))
    assert size < 1_000_000, f"{path.name}: {size} bytes"
    assert "http" not in text.lower()  # no address at all, not even a namespace
    p = parts(text)
    for tag, attrs in p.tags:
        assert tag not in ("link", "img", "iframe", "object", "embed", "base")
        assert "src" not in attrs and "href" not in attrs, (tag, attrs)
    assert [a.get("type") for a, _ in p.scripts] == ["application/json", None]
    for url in re.findall(r"url\(([^)]*)\)", text):
        assert url.startswith("#"), url  # markers in the page itself, nothing else
    assert "@import" not in text and "@font-face" not in text


@pytest.mark.parametrize("path", [SAMPLES / "seed.bp", SAMPLES / "neuron.bp",
                                  SAMPLES / "reuse.bp", SAMPLES / "layer.bp",
                                  SAMPLES / "moons.bp"], ids=lambda p: p.name)
def test_the_json_block_holds_the_json_documents_frames(cli, path):
    code, out, err = cli("replay", str(path), "--json", "--seed", "7")  # moons: random start
    assert code == 0, err
    want = json.loads(out)["frames"]
    got = embedded_json(page(api.replay(path, seed=7).replay))
    assert len(got["frames"]) == len(want) == len(got["steps"])
    for mine, theirs in zip(got["frames"], want, strict=True):
        elided = mine.pop("elided", [])
        for key in elided:  # only big arrays are left out, and said to be
            head, _, name = key.partition(".")
            big = theirs[head][name] if name else theirs[head]
            assert len(json.dumps(big).split(",")) > MOST
            if name:
                del theirs[head][name]
            else:
                del theirs[head]
        assert mine == theirs


def test_the_seed_pages_steps_say_what_appears_where():
    data = embedded_json(page(replayed(SAMPLES / "seed.bp")))
    assert [f["title"] for f in data["frames"]][-3:] == [
        "backward 3 of 4: f → x", "backward 4 of 4: f → y", "gradient of g"]
    assert data["steps"][3]["v"] == "= -12"  # f's value at its forward frame
    step = data["steps"][8]  # f → x: x's gradient, along the edge f takes x on
    assert step["g"] == "∂g/∂x = -4" and step["f"] == "+ -4" and step["e"] >= 0


HOSTILE = '</script><script>alert(1)</script><!-- <b onload="x()"> & \'"'


def test_user_text_cannot_end_the_script_or_start_a_tag(tmp_path):
    folder = tmp_path / "d<b>&"
    folder.mkdir()
    (folder / "x<i>'.csv").write_text("a\n1\n2\n")
    program = f'# {HOSTILE}\nX = load("{folder.name}/x<i>\'.csv", "a")\nw = 2\ny = sum(X * w)\n'
    source = tmp_path / "p.bp"
    source.write_text(program)
    rp = replayed(source)
    text = page(rp)
    assert text.count("</script>") == 2 and text.count("<script") == 2
    assert "<b onload" not in text and "<b>" not in text and "<i>" not in text
    assert "alert(1)</script>" not in text and "<!--" not in text
    p = parts(text)
    assert all(tag not in ("b", "i") for tag, _ in p.tags)
    assert program in p.texts  # the program, shown as the text it is
    assert any("load(" in t and "d<b>&" in t for t in p.texts)  # the data's box, as text
    assert embedded_json(text)["frames"][0]["text"][0].startswith("X = ")


def test_a_name_that_is_not_utf8_still_writes_a_page():
    rp = replayed("y = x * 2 # \udcff", x=1)
    text = page(rp)
    text.encode("utf-8")  # a lone surrogate would raise here
    assert "\ufffd" in text


def test_the_notebook_gets_the_page_in_an_isolated_iframe():
    rp = replayed(SAMPLES / "seed.bp")
    frame = embedded(rp)
    p = parts(frame)
    assert [tag for tag, _ in p.tags] == ["iframe"]
    attrs = p.tags[0][1]
    assert attrs["srcdoc"] == page(rp)  # escaped as an attribute, read back whole
    assert "allow-same-origin" not in attrs["sandbox"]
    assert api.replay(SAMPLES / "seed.bp")._repr_html_() == frame
    assert "http" not in frame


def test_the_players_script_and_style_are_package_data():
    data = (ROOT / "pyproject.toml").read_text().split("[tool.setuptools.package-data]")[1]
    assert re.search(r'"backpropcli.output" = \["\*.css", "\*.js"\]', data.split("\n[")[0])
    for name in ("replay_player.css", "replay_player.js"):
        assert (ROOT / "backpropcli" / "output" / name).exists()


@pytest.mark.slow
def test_the_built_wheel_holds_the_players_script_and_style(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                           "--no-build-isolation", "-q", "-w", str(tmp_path)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("replay_player.css", "replay_player.js"):
        assert f"backpropcli/output/{name}" in names
    assert "backpropcli/lang/grammars/backprop.lark" in names


def test_html_unescape_of_the_heads_gives_the_names():
    text = page(replayed(SAMPLES / "seed.bp"))
    heads = re.findall(r'<text class="head"[^>]*>([^<]*)</text>', text)
    assert [html.unescape(h) for h in heads] == [
        "x  (input)", "y  (input)", "z  (input)", "f = x * y", "g = f + z"]
