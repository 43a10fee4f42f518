"""The web player in a real browser: Debian's headless Chromium opens the page from a
file:// address with the network off (tests/browser.py drives it over the DevTools
protocol), the tests press keys and click buttons like a user and read the DOM after
each step: the frame's title, a node's value and gradient, the current edge.

Where no browser can be had these tests skip, saying so; under CI=true they fail
instead (.ci/run installs chromium)."""

from __future__ import annotations

import os
import time

import pytest

from backpropcli import api
from tests.browser import Browser, find
from tests.helpers import SAMPLES


@pytest.fixture(scope="module")
def browser():
    exe = find()
    if exe is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("no Chromium for the browser tests: .ci/run installs Debian's "
                        "`chromium`; under CI=true they must run")
        pytest.skip("no Chromium installed (apt-get install chromium), so the web player "
                    "is not tried in a browser here")
    with Browser(exe) as b:
        yield b


def opened(browser, tmp_path, program, **inputs):
    path = tmp_path / "player.html"
    path.write_text(api.replay(program, **inputs).html(), encoding="utf-8")
    browser.open(path)
    return browser


def title(b) -> str:
    return b.js("document.getElementById('frame-title').textContent")


def box(b, name: str) -> dict:
    """A node's box as shown: its lines, and whether it is pending or current."""
    return b.js("(function () { var g = Array.from(document.querySelectorAll('.box'))"
                f".find(function (g) {{ return g.dataset.name === {name!r}; }});"
                "return {head: g.querySelector('.head').textContent,"
                " value: g.querySelector('.value').textContent,"
                " grad: g.querySelector('.grad').textContent,"
                " pending: g.classList.contains('pending'),"
                " current: g.classList.contains('current')}; })()")


def current_edges(b) -> list[dict]:
    return b.js("Array.from(document.querySelectorAll('.link.current')).map(function (e) {"
                " var s = getComputedStyle(e); return {id: e.id, dash: s.strokeDasharray,"
                " width: parseFloat(s.strokeWidth), colour: s.stroke}; })")


def test_keys_step_through_the_worked_example(browser, tmp_path):
    b = opened(browser, tmp_path, SAMPLES / "seed.bp")
    assert title(b) == "forward 1 of 5: x"
    assert box(b, "x")["value"] == "= 3" and box(b, "x")["current"]
    assert box(b, "f") == {"head": "f = x * y", "value": "", "grad": "", "pending": True,
                           "current": False}  # not reached yet: empty
    for _ in range(3):
        b.key("ArrowRight")
    assert title(b) == "forward 4 of 5: f"
    f = box(b, "f")
    assert f["value"] == "= -12" and not f["pending"] and f["current"] and f["grad"] == ""
    assert "f = x * y = 3 · (-4) = -12" in b.js("document.getElementById('frame-text')"
                                                ".textContent")
    b.key(" ")
    b.key(" ")
    assert title(b) == "backward pass: start at the output g"
    assert box(b, "g")["grad"] == "∂g/∂g = 1" and box(b, "x")["grad"] == ""
    assert current_edges(b) == []
    for _ in range(3):
        b.key("ArrowRight")
    assert title(b) == "backward 3 of 4: f → x"
    assert box(b, "x")["grad"] == "∂g/∂x = -4" and box(b, "y")["grad"] == ""
    (edge,) = current_edges(b)  # marked by more than colour: thick and dashed
    assert edge["dash"] not in ("", "none") and edge["width"] >= 3
    assert b.js("document.getElementById('flow').textContent") == "+ -4"
    b.key("ArrowLeft")
    assert title(b) == "backward 2 of 4: g → z" and box(b, "x")["grad"] == ""
    b.key("End")
    assert title(b) == "gradient of g"
    assert [box(b, n)["grad"] for n in "xyz"] == ["∂g/∂x = -4", "∂g/∂y = 3", "∂g/∂z = 1"]
    b.key("ArrowRight")  # past the end: stays
    assert title(b) == "gradient of g"
    b.key("Home")
    assert title(b) == "forward 1 of 5: x" and box(b, "g")["pending"]
    b.key("ArrowLeft")  # before the start: stays
    assert title(b) == "forward 1 of 5: x"
    assert b.requests() == [(tmp_path / "player.html").as_uri()]  # nothing else fetched
    assert b.errors() == []


def test_buttons_and_the_slider(browser, tmp_path):
    b = opened(browser, tmp_path, SAMPLES / "seed.bp")
    assert b.js("document.getElementById('back').disabled") is True
    b.click("#next")
    b.click("#next")
    assert title(b) == "forward 3 of 5: z"
    assert b.js("document.getElementById('count').textContent") == "3 / 11"
    b.click("#back")
    assert title(b) == "forward 2 of 5: y"
    b.click("#last")
    assert title(b) == "gradient of g"
    assert b.js("document.getElementById('next').disabled") is True
    assert b.js("document.getElementById('slider').value") == "10"
    b.click("#first")
    assert title(b) == "forward 1 of 5: x"
    b.js("(function () { var s = document.getElementById('slider'); s.value = '8';"
         " s.dispatchEvent(new Event('input')); })()")
    assert title(b) == "backward 3 of 4: f → x" and box(b, "x")["grad"] == "∂g/∂x = -4"
    labels = b.js("Array.from(document.querySelectorAll('button')).map("
                  "function (e) { return e.getAttribute('aria-label'); })")
    assert labels == ["first frame", "previous frame", "play", "next frame", "last frame"]
    assert b.js("document.getElementById('frame-title').closest('[aria-live]')"
                ".getAttribute('aria-live')") == "polite"
    assert b.errors() == []


def test_play_goes_on_by_itself_and_pauses(browser, tmp_path):
    b = opened(browser, tmp_path, SAMPLES / "seed.bp")
    b.click("#play")
    assert b.js("document.getElementById('play').getAttribute('aria-pressed')") == "true"
    deadline = time.monotonic() + 30  # a wait, not a timed assertion: a busy machine
    while title(b) == "forward 1 of 5: x" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert title(b) != "forward 1 of 5: x"
    b.click("#play")
    assert b.js("document.getElementById('play').getAttribute('aria-label')") == "play"
    stopped = title(b)
    b.key("Home")
    assert title(b) == "forward 1 of 5: x" != stopped


def test_a_node_used_twice_gets_two_edges_and_two_additions(browser, tmp_path):
    b = opened(browser, tmp_path, SAMPLES / "reuse.bp")  # b = a + a; c = b * b
    assert b.js("document.querySelectorAll('.link').length") == 4
    seen = []
    for _ in range(8):
        b.key("ArrowRight")
        if title(b).startswith("backward") and title(b).endswith("→ a (first use)"):
            seen.append((current_edges(b)[0]["id"], box(b, "a")["grad"]))
        if title(b).endswith("→ a (second use)"):
            seen.append((current_edges(b)[0]["id"], box(b, "a")["grad"]))
    assert [g for _, g in seen] == ["∂c/∂a = 12", "∂c/∂a = 24"]
    assert seen[0][0] != seen[1][0]  # each use its own edge


def test_user_text_in_the_page_runs_nothing(browser, tmp_path):
    program = ("# </script><script>document.title = 'pwned'</script><img src=x "
               "onerror=\"document.title = 'pwned'\">\ny = x * 2\n")
    b = opened(browser, tmp_path, program, x=1)
    assert b.js("document.title") == "backprop replay: y"
    assert b.js("document.querySelectorAll('img').length") == 0
    assert b.js("document.querySelector('.program pre').textContent") == program
    b.key("End")
    assert title(b) == "gradient of y" and box(b, "x")["grad"] == "∂y/∂x = 2"
    assert b.errors() == []
