"""The replay as an animation (output/replay_anim.py), read back with Pillow: a frame per
replay frame, wide enough to read, the last frame held longer; GIF and animated PNG; the
frames differ where the replay does; user text drawn as text."""

from __future__ import annotations

import io
import itertools

import pytest
from PIL import Image, ImageChops

from backpropcli import api
from backpropcli.core.errors import UsageError
from backpropcli.output.replay_anim import FRAME_MS, LAST_MS, MIN_WIDTH, animation
from tests.helpers import SAMPLES


def frames(data: bytes) -> tuple[Image.Image, list[Image.Image], list[float]]:
    im = Image.open(io.BytesIO(data))
    shots, durations = [], []
    for k in range(im.n_frames):
        im.seek(k)
        shots.append(im.convert("RGB"))
        durations.append(float(im.info["duration"]))
    return im, shots, durations


@pytest.fixture(scope="module")
def seed():
    return api.replay(SAMPLES / "seed.bp")


@pytest.mark.parametrize(("form", "kind"), [("gif", "GIF"), ("png", "PNG")])
def test_a_frame_per_replay_frame_the_last_held(seed, form, kind):
    im, shots, durations = frames(seed.animation(form))
    assert im.format == kind and im.n_frames == len(seed) == 11
    assert shots[0].size[0] >= MIN_WIDTH >= 800
    assert durations[:-1] == [FRAME_MS] * 10 and durations[-1] == LAST_MS > FRAME_MS
    assert im.info.get("loop") == 0  # plays on for a slide


def test_the_frames_change_where_the_replay_does(seed):
    _, shots, _ = frames(seed.animation("gif"))
    for a, b in itertools.pairwise(shots):
        assert ImageChops.difference(a, b).getbbox() is not None


def test_a_narrow_graph_is_centred(seed):
    _, shots, _ = frames(seed.animation("gif"))
    w, h = shots[0].size  # the seed's graph is narrower than 800 px: white on both sides
    left = shots[0].crop((0, 0, 40, h // 2)).getextrema()
    right = shots[0].crop((w - 40, 0, w, h // 2)).getextrema()
    assert left == right == ((255, 255), (255, 255), (255, 255))


@pytest.mark.slow
def test_a_wide_graph_is_drawn_within_bounds():
    rp = api.replay(SAMPLES / "micrograd.bp").replay
    _, shots, durations = frames(animation(rp, "gif"))
    assert len(shots) == len(rp.frames) and 800 <= shots[0].size[0] <= 1800
    assert durations[-1] == LAST_MS


def test_user_text_with_dollars_is_drawn_not_read_as_mathtext():
    rp = api.replay("cost = price * qty # $x$ and $\\frac", price=2, qty=3)
    _, shots, _ = frames(rp.animation("png"))
    assert len(shots) == len(rp)


def test_only_gif_or_png():
    rp = api.replay(SAMPLES / "seed.bp")
    with pytest.raises(UsageError):
        animation(rp.replay, "mp4")
    with pytest.raises(api.BackpropError):
        rp.animation("webp")
