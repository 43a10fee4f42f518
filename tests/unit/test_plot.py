"""The loss-curve pictures: SVG that XML parsers accept, PNG that a decoder written
here (independent of the encoder) reads back, round ticks, the log-scale rule,
downsampling that keeps spikes, and inputs at the edges of what floats can hold."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
import zlib

import numpy as np
import pytest

from backpropcli.core import fmt
from backpropcli.core.errors import MathError, UsageError
from backpropcli.output import axes, plot

NS = {"svg": "http://www.w3.org/2000/svg"}
DECREASING = 10 * np.exp(-np.arange(1001) / 150) + 0.05

EXTREMES = {
    "one value": [3.0],
    "two values": [3.0, -12.72],
    "zeros": [0.0] * 5,
    "negative constant": [-3.0] * 7,
    "flat within rounding": [1.0, 1.0 + 1e-15, 1.0],
    "near the largest float": [1.7e308, -1.79e308, 1.79e308],
    "largest positive span": [5e-324, 1.79e308],
    "subnormal": [5e-324, 1e-323, 0.0],
    "negative decades": -(10.0 ** np.arange(0, 12)),
    "a million": np.linspace(5, -5, 1_000_001),
}


# ---------------------------------------------------------------------------
# a PNG decoder for the tests, written from the PNG specification


def decode_png(data: bytes) -> np.ndarray:
    """The (h, w, 3) pixels of an 8-bit RGB PNG; fails on a bad signature, CRC or size."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks.append((kind, body))
        pos += 12 + length
    assert pos == len(data)
    kinds = [k for k, _ in chunks]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds
    w, h, depth, color, comp, filt, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, color, comp, filt, interlace) == (8, 2, 0, 0, 0)
    raw = zlib.decompress(b"".join(body for k, body in chunks if k == b"IDAT"))
    stride = 3 * w
    assert len(raw) == h * (stride + 1)
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(h, stride + 1)
    out = np.zeros((h, stride), dtype=np.uint8)
    above = np.zeros(stride, dtype=np.uint8)
    for y in range(h):
        kind, line = rows[y, 0], rows[y, 1:]
        if kind == 0:
            out[y] = line
        elif kind == 2:  # Up
            out[y] = line + above  # uint8: mod 256
        else:
            raise AssertionError(f"filter {kind} is not decoded here")
        above = out[y]
    return out.reshape(h, w, 3)


def blue(img: np.ndarray) -> np.ndarray:
    """Pixels where the curve's blue dominates (plot.BLUE over white, anti-aliased)."""
    r, g, b = (img[..., k].astype(int) for k in range(3))
    return (b - r > 60) & (b > 120)


# ---------------------------------------------------------------------------
# SVG


def parse(text: str) -> ET.Element:
    root = ET.fromstring(text.encode())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def polyline(root: ET.Element) -> np.ndarray:
    line = root.find("svg:polyline[@class='curve']", NS)
    assert line is not None
    return np.array([[float(c) for c in p.split(",")] for p in line.get("points").split()])


def test_svg_is_a_standalone_document():
    text = plot.svg(DECREASING, title="Loss curve of g", ylabel="g")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = parse(text)
    assert root.get("viewBox") == "0 0 640 400"
    assert root.get("width") == "640" and root.get("height") == "400"
    assert root.find("svg:title", NS).text == "Loss curve of g"
    texts = {t.get("class"): t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert texts["xlabel"] == "step" and texts["ylabel"] == "g"


def test_svg_curve_follows_the_values():
    root = parse(plot.svg(DECREASING))
    pts = polyline(root)
    assert len(pts) == len(DECREASING)  # 1001 points fit in two a pixel column
    fr = plot.frame(DECREASING, char=6.5, line=13.0, title_line=16.0)
    assert np.allclose(pts[:, 0], fr.px(np.arange(1001.0)), atol=0.01)
    assert np.allclose(pts[:, 1], fr.py(DECREASING), atol=0.01)
    assert np.all(np.diff(pts[:, 0]) > 0)
    assert np.all(np.diff(pts[:, 1]) >= 0)  # decreasing values go down the page (y grows)
    assert fr.left <= pts[:, 0].min() and pts[:, 0].max() <= fr.right
    assert fr.top <= pts[:, 1].min() and pts[:, 1].max() <= fr.bottom


def test_svg_downsamples_a_million_steps_to_two_points_a_column():
    values = np.linspace(1, 0, 1_000_001)
    root = parse(plot.svg(values))
    fr = plot.frame(values, char=6.5, line=13.0, title_line=16.0)
    # Decreasing: each column's max is its first step and its min its last one.
    assert len(polyline(root)) == 2 * fr.columns


def test_a_one_step_spike_survives_downsampling():
    values = np.ones(1_000_001)
    values[123_457] = 5.0
    pts = polyline(parse(plot.svg(values)))
    fr = plot.frame(values, char=6.5, line=13.0, title_line=16.0)
    assert len(pts) <= 2 * fr.columns + 2
    assert pts[:, 1].min() == pytest.approx(float(fr.py(5.0)), abs=0.01)
    x_spike = float(fr.px(123_457.0))
    assert abs(pts[np.argmin(pts[:, 1]), 0] - x_spike) < 0.01


@pytest.mark.parametrize("n", [1, 2, 7, 1000, 1003, 50_000])
def test_downsample_keeps_order_ends_and_extremes(n):
    rng = np.random.default_rng(n)
    values = rng.normal(size=n)
    idx = plot.downsample(values, 500)
    assert idx[0] == 0 and idx[-1] == n - 1
    assert np.all(np.diff(idx) > 0)
    assert len(idx) <= max(n, 2) and len(idx) <= 2 * 500 + 2
    assert values[idx].min() == values.min() and values[idx].max() == values.max()
    if n <= 1000:
        assert len(idx) == n


def test_user_text_is_escaped():
    nasty = 'g<1> & "x" \x00\x1b[31m ]]>'
    root = parse(plot.svg([1.0, 2.0], title=nasty, xlabel=nasty, ylabel="<y>"))
    cleaned = 'g<1> & "x" [31m ]]>'  # control characters cannot appear in XML 1.0
    assert root.find("svg:title", NS).text == cleaned
    texts = {t.get("class"): t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert texts["title"] == cleaned and texts["xlabel"] == cleaned and texts["ylabel"] == "<y>"


def tick_texts(root: ET.Element) -> list[str]:
    group = root.find("svg:g[@class='ticks']", NS)
    return [t.text for t in group]


def test_ticks_are_round_and_labelled_with_fmt_number():
    fr = plot.frame(DECREASING)
    assert fr.y.ticks == (0.0, 2.0, 4.0, 6.0, 8.0, 10.0)
    assert fr.x.ticks == (0.0, 200.0, 400.0, 600.0, 800.0, 1000.0)
    root = parse(plot.svg(DECREASING))
    assert tick_texts(root) == [fmt.number(t) for t in (*fr.y.ticks, *fr.x.ticks)]


@pytest.mark.parametrize(("lo", "hi", "ticks"), [
    (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1]),
    (0.9, 1.1, [0.9, 0.95, 1, 1.05, 1.1]),  # 0.9 / 0.05 is 18.000000000000004
    (-13, 3, [-10, -5, 0]),
    (0.05, 0.35, [0.1, 0.2, 0.3]),  # 0.3 exactly, not 0.30000000000000004
    (1e15 + 1, 1e15 + 21, [1e15 + 5, 1e15 + 10, 1e15 + 15, 1e15 + 20]),
])
def test_nice_ticks(lo, hi, ticks):
    assert axes.nice_ticks(lo, hi, target=5) == ticks


def test_nice_ticks_of_an_empty_span():
    assert axes.nice_ticks(2.0, 2.0) == [2.0]


def test_sizes_may_be_numpy_integers():
    root = parse(plot.svg([1.0, 2.0], width=np.int64(320), height=np.int64(200)))
    assert root.get("viewBox") == "0 0 320 200"


def test_tick_labels_take_the_digits_they_need():
    assert axes.tick_labels([0.50002, 0.50004]) == ("0.50002", "0.50004")
    assert axes.tick_labels([0.5, 1.0]) == ("0.5", "1")


def test_steps_are_whole_numbers():
    for n in (2, 3, 10, 1001, 1_000_001):
        ax = axes.x_axis(n)
        assert ax.ticks[0] == 0 and all(t == int(t) for t in ax.ticks)
        assert 2 <= len(ax.ticks) <= 7 and ax.ticks[-1] <= n - 1


# ---------------------------------------------------------------------------
# log scale


def ylabel(text: str) -> str:
    root = parse(text)
    return next(t.text for t in root.iter("{http://www.w3.org/2000/svg}text")
                if t.get("class") == "ylabel")


def test_log_scale_when_positive_values_span_more_than_three_decades():
    falling = 3 * 10 ** -np.linspace(0, 8, 200)
    assert axes.use_log(falling)
    assert ylabel(plot.svg(falling, ylabel="loss")) == "loss (log scale)"
    ax = plot.frame(falling).y
    assert ax.log and all(re.fullmatch(r"1(e-?\d+)?|0\.0*1", s) for s in ax.labels)
    # Evenly spaced on the page: a log axis puts decades at equal distances.
    pts = polyline(parse(plot.svg(falling)))
    assert np.allclose(np.diff(pts[:, 1]), np.diff(pts[:, 1])[0], atol=0.02)


@pytest.mark.parametrize("values", [
    [1.0, 999.0],  # three decades, not more
    [0.0, 1e6],  # a zero: no logarithm
    [-1e6, -1.0],  # negative
    [5.0] * 4,
])
def test_linear_scale_otherwise(values):
    assert not axes.use_log(np.array(values))
    assert ylabel(plot.svg(values)) == "value"


def test_log_scale_on_request_and_off_on_request():
    values = [2.0, 9.0]
    assert ylabel(plot.svg(values, log=True)) == "value (log scale)"
    assert ylabel(plot.svg(np.array([1.0, 1e9]), log=False)) == "value"
    assert plot.frame([2.0, 2.0], log=True).y.log  # constant on a log axis still draws
    with pytest.raises(UsageError, match="log scale needs values above 0"):
        plot.svg([1.0, 0.0], log=True)


# ---------------------------------------------------------------------------
# extreme inputs


@pytest.mark.parametrize("name", list(EXTREMES))
def test_extreme_inputs_draw_inside_the_plot(name):
    values = np.asarray(EXTREMES[name], dtype=float)
    text = plot.svg(values, title=name)
    numbers = re.findall(r'\s(?:x|y|x1|y1|x2|y2|cx|cy)="([^"]*)"', text)
    assert numbers and all(np.isfinite(float(n)) for n in numbers)
    pts = polyline(parse(text))
    fr = plot.frame(values, char=6.5, line=13.0, title_line=16.0)
    assert fr.left - 0.01 <= pts[:, 0].min() and pts[:, 0].max() <= fr.right + 0.01
    assert fr.top - 0.01 <= pts[:, 1].min() and pts[:, 1].max() <= fr.bottom + 0.01
    assert len(fr.y.ticks) >= 2 and len(set(fr.y.labels)) == len(fr.y.labels)
    img = decode_png(plot.png(values, title=name))
    assert img.shape == (400, 640, 3) and blue(img).any()


@pytest.mark.parametrize("values", [[1.7e308] * 3, [5e-324] * 2, [1e308, 1.5e308],
                                    [1e-320, 3e-320]])
def test_a_log_axis_at_the_ends_of_the_floats(values):
    fr = plot.frame(values, log=True)
    assert fr.y.log and len(fr.y.ticks) >= 2 and all(t > 0 for t in fr.y.ticks)
    assert np.all(np.isfinite(fr.py(np.array(fr.y.ticks))))
    parse(plot.svg(values, log=True))


def test_a_constant_series_is_a_level_line_in_the_middle():
    pts = polyline(parse(plot.svg([-3.0] * 7)))
    fr = plot.frame([-3.0] * 7, char=6.5, line=13.0, title_line=16.0)
    assert np.allclose(pts[:, 1], (fr.top + fr.bottom) / 2)


def test_a_single_value_is_marked_in_the_middle():
    root = parse(plot.svg([3.0]))
    (point,) = root.findall("svg:circle", NS)
    fr = plot.frame([3.0], char=6.5, line=13.0, title_line=16.0)
    assert float(point.get("cx")) == pytest.approx((fr.left + fr.right) / 2, abs=0.01)
    assert fr.x.labels == ("0",)


def test_points_are_marked_only_for_short_runs():
    assert len(parse(plot.svg(np.arange(10.0))).findall("svg:circle", NS)) == 10
    assert not parse(plot.svg(np.arange(100.0))).findall("svg:circle", NS)


@pytest.mark.parametrize(("values", "error", "message"), [
    ([], UsageError, "no value to plot"),
    ([1.0, float("nan")], MathError, "not finite: nan at step 1"),
    ([1.0, 2.0, float("inf")], MathError, "not finite: inf at step 2"),
    (["a"], UsageError, "cannot plot"),
])
def test_values_that_cannot_be_drawn(values, error, message):
    with pytest.raises(error, match=message):
        plot.svg(values)


def test_too_small_a_picture_is_a_usage_error():
    with pytest.raises(UsageError, match="160×120"):
        plot.png([1.0, 2.0], width=100, height=100)


# ---------------------------------------------------------------------------
# PNG


def test_png_decodes_and_the_curve_is_where_the_values_say():
    data = plot.png(DECREASING, title="Loss curve of g", width=500, height=300)
    img = decode_png(data)
    assert img.shape == (300, 500, 3)
    assert tuple(img[0, 0]) == (255, 255, 255)
    fr = plot.frame(DECREASING, width=500, height=300, title="Loss curve of g",
                    char=6, line=10.0, title_line=14.0)
    ink = blue(img)
    assert not ink[:, : int(fr.left) - 3].any()  # nothing blue left of the plot
    for step in (0, 50, 200, 500, 1000):
        x = int(fr.px(step))
        rows = np.flatnonzero(ink[:, x])
        assert rows.size, step
        # The 2-px stroke lies over the curve at that column.
        assert abs(rows.mean() - float(fr.py(DECREASING[step]))) < 3, step
        assert rows.size <= 12, step  # a line, not a filled area


def test_png_draws_axes_gridlines_and_text():
    img = decode_png(plot.png(DECREASING, title="T"))
    fr = plot.frame(DECREASING, title="T", char=6, line=10.0, title_line=14.0)
    dark = img.sum(axis=2) < 300
    left, bottom = round(fr.left) - 1, round(fr.bottom)
    assert dark[round(fr.top) : bottom, left].all()  # y axis
    assert dark[bottom, round(fr.left) : round(fr.right)].all()  # x axis
    grey = (img == 230).all(axis=2)
    assert grey[int(fr.py(4.0)), round(fr.left) + 5 : round(fr.right) - 5].mean() > 0.8
    assert dark[: int(fr.top) - 2].any()  # the title
    assert dark[bottom + 8 :, round(fr.left) : round(fr.right)].any()  # step labels


def test_png_spike_survives():
    values = np.zeros(1_000_001)
    values[500_000] = 1.0
    img = decode_png(plot.png(values))
    fr = plot.frame(values, char=6, line=10.0, title_line=14.0)
    x = int(fr.px(500_000.0))
    top = np.flatnonzero(blue(img)[:, x - 2 : x + 3].any(axis=1)).min()
    assert abs(top - float(fr.py(1.0))) < 3


def test_png_opens_with_pillow_when_installed():
    image = pytest.importorskip("PIL.Image")
    import io

    with image.open(io.BytesIO(plot.png(DECREASING, title="g"))) as im:
        im.load()
        assert im.size == (640, 400) and im.mode == "RGB"
        assert im.getpixel((0, 0)) == (255, 255, 255)


# ---------------------------------------------------------------------------
# save


def test_save_by_suffix(tmp_path):
    plot.save(tmp_path / "loss.svg", DECREASING, title="g")
    parse((tmp_path / "loss.svg").read_text())
    plot.save(str(tmp_path / "LOSS.PNG"), DECREASING, title="g", width=320, height=200)
    assert decode_png((tmp_path / "LOSS.PNG").read_bytes()).shape == (200, 320, 3)


@pytest.mark.parametrize("name", ["loss.jpg", "loss", "loss.svg.txt"])
def test_save_refuses_other_suffixes(tmp_path, name):
    with pytest.raises(UsageError, match=r"--plot takes a \.svg or \.png file"):
        plot.save(tmp_path / name, DECREASING)
    assert not (tmp_path / name).exists()


def test_save_to_an_unwritable_place_says_why(tmp_path):
    with pytest.raises(UsageError, match="No such file or directory"):
        plot.save(tmp_path / "missing" / "loss.svg", DECREASING)
    (tmp_path / "dir.png").mkdir()
    with pytest.raises(UsageError, match=r"cannot write .*dir\.png: it is a directory"):
        plot.save(tmp_path / "dir.png", DECREASING)


def test_kept_steps_are_placed_at_their_step():
    # A long descent keeps only some steps: each is drawn at its step, and the x axis
    # ends at the last one.
    steps = np.array([0, 100, 200, 1000])
    values = [4.0, 3.0, 2.0, 1.0]
    fr = plot.frame(values, steps=steps, char=6.5, line=13.0, title_line=16.0)
    assert fr.x.lo == 0 and fr.x.hi == 1000 and fr.x.labels[-1] == "1000"
    pts = polyline(parse(plot.svg(values, steps=steps)))
    assert np.allclose(pts[:, 0], fr.px(steps.astype(float)), atol=0.01)
    assert pts[1, 0] - pts[0, 0] < (pts[3, 0] - pts[0, 0]) / 5  # step 100 of 1000, not 1 of 3
    img = decode_png(plot.png(values, steps=steps))
    assert img.shape == (400, 640, 3)
    with pytest.raises(UsageError):
        plot.svg(values, steps=[0, 1, 2])
    with pytest.raises(UsageError):
        plot.svg(values, steps=[0, 2, 1, 3])
