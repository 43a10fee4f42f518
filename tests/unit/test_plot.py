"""The loss-curve pictures drawn by matplotlib: the log-or-linear rule, the words around
the curve (title, optimizer and lr schedule, an early stop), the second axis for the
watched values, files that parse as SVG, PNG and PDF and come out the same twice, and
values at the edges of what floats hold. matplotlib takes a while to import and draw,
so most tests look at the Figure (`plot.draw`) and only a few render files."""

from __future__ import annotations

import io
import re
import struct
import xml.etree.ElementTree as ET
import zlib

import numpy as np
import pytest

from backpropcli import api
from backpropcli.core.errors import MathError, UsageError
from backpropcli.output import plot

DECREASING = 10 * np.exp(-np.arange(1001) / 150) + 0.05
RISING = 1 - np.exp(-np.arange(1001) / 100)  # an accuracy climbing to 1
SVG = "{http://www.w3.org/2000/svg}"

# ---------------------------------------------------------------------------
# the rules, without matplotlib


@pytest.mark.parametrize(("values", "log"), [
    ([2.2776, 0.0119], True),  # moons: 2.3 decades
    (10.0 ** -np.linspace(0, 8, 50), True),
    ([1.0, 10**1.6], True),
    ([1.0, 10**1.5], False),  # 1.5 decades, not more
    ([1.0, 30.0], False),
    ([0.0, 1e6], False),  # a zero has no logarithm
    ([-1e6, -1.0], False),
    ([5.0] * 4, False),
    ([3.0], False),
])
def test_log_axis_when_positive_values_span_more_than_one_and_a_half_decades(values, log):
    assert plot.use_log(values) is log


def test_the_schedule_is_said_with_its_ends():
    assert plot.schedule_text(0.1, "constant", 1000) == "lr 0.1"
    assert plot.schedule_text(1.0, "linear", 100) == "lr 1 → 0.1 linear"  # to a tenth
    assert plot.schedule_text(0.5, "linear", 0) == "lr 0.5"


@pytest.mark.parametrize(("program", "from_file", "label"), [
    ("samples/moons.bp", True, "moons.bp"),
    ("y = (x - 1)^2", False, "y = (x - 1)^2"),
    ("g = " + " + ".join("abcdefghijklmnop"), False, "g = a + b + c + d + e + f + g + h + i …"),
    ("a = x * 2\ny = a^2", False, "a = x * 2 …"),
    ("-", False, ""),
    (None, False, ""),
])
def test_the_title_names_the_program(program, from_file, label):
    got = plot.program_label(program, from_file)
    assert got == label and len(got) <= 40


def test_a_run_is_pictured_with_its_settings_and_why_it_stopped():
    r = api.descend("y = (x - 1)^2", {"x": 0}, lr=0.1, steps=100, tol=1e-4,
                    schedule="linear", optimizer="momentum")
    curve = plot.of_run(r.run, r.settings, r.output, "y = (x - 1)^2")
    assert curve.title == "y = (x - 1)^2: y by step"
    assert curve.subtitle == f"momentum, lr 0.1 → 0.01 linear, {r.run.steps} steps"
    assert curve.note.startswith("stopped early (converged): the value changed by less than")
    assert not curve.alarm and curve.steps == r.run.trace.steps and curve.name == "y"
    r = api.descend("g = x*y + z", {"x": 3, "y": -4, "z": 2})
    curve = plot.of_run(r.run, r.settings, r.output)
    assert curve.title == "g by step" and curve.alarm
    assert curve.note.startswith("stopped early (unbounded): g decreases without bound")
    r = api.descend("y = x^2", {"x": 1}, steps=5, ascend=True)
    assert plot.of_run(r.run, r.settings, "y").subtitle == "gradient ascent, sgd, lr 0.1, 5 steps"


@pytest.mark.parametrize(("values", "error", "message"), [
    ([], UsageError, "no value to plot"),
    ([1.0, float("nan")], MathError, "not finite: nan at step 1"),
    ([1.0, 2.0, float("inf")], MathError, "not finite: inf at step 2"),
    (["a"], UsageError, "cannot plot"),
])
def test_values_that_cannot_be_drawn(values, error, message):
    with pytest.raises(error, match=message):
        plot.draw(plot.Curve(values))


def test_a_log_axis_needs_positive_values_and_a_known_format():
    with pytest.raises(UsageError, match="log scale needs values above 0"):
        plot.draw(plot.Curve([1.0, 0.0]), log=True)
    with pytest.raises(UsageError, match="svg, png, pdf"):
        plot.render(plot.Curve([1.0]), "gif")


# ---------------------------------------------------------------------------
# the Figure


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


def test_the_picture_has_its_labels_title_and_settings():
    curve = plot.Curve(DECREASING, name="loss", title="moons.bp: loss by step",
                       subtitle="sgd, lr 0.1 → 0.01 linear, 1000 steps")
    fig = plot.draw(curve)
    (ax,) = fig.axes
    assert ax.get_xlabel() == "step" and ax.get_ylabel() == "loss (log scale)"
    assert ax.get_yscale() == "log"  # 10.05 to 0.05: 2.3 decades
    assert fig.get_suptitle() == "moons.bp: loss by step"
    assert ax.get_title() == "sgd, lr 0.1 → 0.01 linear, 1000 steps"
    assert ax.get_xlim() == pytest.approx((-10, 1010))  # 1 % inside the frame
    (line,) = ax.get_lines()
    assert np.array_equal(line.get_ydata(), DECREASING)
    assert line.get_marker() == "None"  # 1001 points: a line, unmarked
    assert ax.get_legend() is None  # one line: its axis label names it


def test_linear_when_the_values_span_little():
    fig = plot.draw(plot.Curve([4.0, 3.0, 2.5, 2.2], name="g"))
    (ax,) = fig.axes
    assert ax.get_yscale() == "linear" and ax.get_ylabel() == "g"
    assert ax.get_lines()[0].get_marker() == "o"  # a short run: every step marked
    lo, hi = ax.get_xlim()
    assert lo < 0 and hi > 3  # the first and last marks whole


def test_watched_values_get_a_second_axis_and_a_legend():
    fig = plot.draw(plot.Curve(DECREASING, name="loss", watched={"accuracy": RISING}))
    left, right = fig.axes
    assert right.get_ylabel() == "accuracy"
    assert right.get_ylim() == (-0.02, 1.02)  # a fraction: the whole of 0 to 1
    (acc,) = right.get_lines()
    assert acc.get_linestyle() == "--" and np.allclose(acc.get_ydata(), RISING)
    assert acc.get_color() != left.get_lines()[0].get_color()
    legend = left.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["loss", "accuracy"]


def test_watched_values_not_fractions_and_with_gaps():
    w = np.linspace(-3.0, 40.0, 1001)
    w[500] = np.nan
    w[600] = np.inf
    fig = plot.draw(plot.Curve(DECREASING, watched={"h": w, "k": w / 2}))
    right = fig.axes[1]
    assert right.get_ylabel() == "h, k" and right.get_ylim()[1] > 20
    assert np.isnan(right.get_lines()[0].get_ydata()[600])  # a gap, not an infinite axis
    nothing = plot.draw(plot.Curve(DECREASING, watched={"h": [np.nan] * 1001}))
    assert len(nothing.axes) == 1


def test_kept_steps_are_placed_at_their_step():
    # A long descent keeps only some steps: each is drawn at its step, and the x axis
    # runs to the last one.
    fig = plot.draw(plot.Curve([4.0, 3.0, 2.0, 1.0], steps=[0, 100, 200, 1000]))
    (ax,) = fig.axes
    assert list(ax.get_lines()[0].get_xdata()) == [0, 100, 200, 1000]
    assert ax.get_xlim()[1] == pytest.approx(1030)
    with pytest.raises(UsageError):
        plot.draw(plot.Curve([4.0, 3.0], steps=[0, 1, 2]))


def test_user_text_is_drawn_as_text():
    # $ would start mathtext; control characters no font has; a script the bundled
    # fonts lack is drawn as boxes, with no warning (the suite turns warnings to errors).
    fig = plot.draw(plot.Curve([1.0, 2.0], name="a$b$", title="c:\x1b[31m 损失 $x$.bp",
                               note="stopped early (diverged): x = 3"))
    (ax,) = fig.axes
    assert ax.get_ylabel() == r"a\$b\$"
    assert fig.get_suptitle() == r"c:[31m 损失 \$x\$.bp"
    render = plot.render(plot.Curve([1.0, 2.0], title="c:\x1b 损失 $x$"), "svg")
    assert b"\x1b" not in render


EXTREMES = {
    "one value": [3.0],
    "zeros": [0.0] * 5,
    "negative constant": [-3.0] * 7,
    "flat within rounding": [1.0, 1.0 + 1e-15, 1.0],
    "near the largest float": [1.7e308, -1.79e308, 1.79e308],
    "largest positive span": [5e-324, 1.79e308],
    "subnormal": [5e-324, 1e-323, 0.0],
    "negative decades": -(10.0 ** np.arange(0, 12)),
}


@pytest.mark.parametrize("name", list(EXTREMES))
def test_extreme_values_draw_without_a_warning(name):
    values = np.asarray(EXTREMES[name], dtype=float)
    fig = plot.draw(plot.Curve(values, name="v", watched={"w": values}))
    for ax in fig.axes:
        lo, hi = ax.get_ylim()
        assert np.isfinite(lo) and np.isfinite(hi) and lo < hi
    png(plot.render(plot.Curve(values, title=name), "png"))  # drawn, not only laid out


def test_values_past_the_safe_range_are_drawn_scaled():
    (ax,) = plot.draw(plot.Curve([1.7e308, -1.79e308], name="g")).axes
    assert ax.get_ylabel() == "g (× 1e308)"
    assert list(ax.get_lines()[0].get_ydata()) == pytest.approx([1.7, -1.79])
    (ax,) = plot.draw(plot.Curve([5e-324, 1.0], name="g")).axes
    assert ax.get_ylabel() == "log10 of g" and ax.get_yscale() == "linear"


# ---------------------------------------------------------------------------
# the files


def png(data: bytes) -> np.ndarray:
    """The pixels of a PNG, after checking its signature, chunk CRCs and IHDR."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    (length,) = struct.unpack(">I", data[8:12])
    assert data[12:16] == b"IHDR" and length == 13
    assert struct.unpack(">I", data[29:33])[0] == zlib.crc32(data[12:29])
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (960, 576)  # 8 × 4.8 inches at 120 dpi
    assert data.endswith(b"IEND\xaeB`\x82")
    from matplotlib.image import imread

    img = imread(io.BytesIO(data), format="png")
    assert img.shape[:2] == (576, 960)
    return img


def ink(img: np.ndarray, color: str) -> int:
    """Pixels within a little of the colour (#rrggbb), anti-aliasing aside."""
    rgb = np.array([int(color[k : k + 2], 16) for k in (1, 3, 5)]) / 255
    return int((np.abs(img[..., :3] - rgb).max(axis=2) < 0.06).sum())


def test_png_shows_the_curves_in_their_colours():
    img = png(plot.render(plot.Curve(DECREASING, watched={"accuracy": RISING},
                                     title="moons.bp: loss by step"), "png"))
    assert (img[0, 0, :3] == 1).all()  # a white background
    assert ink(img, plot.LOSS) > 1000 and ink(img, plot.WATCHED[0]) > 500
    dark = (img[..., :3].max(axis=2) < 0.3).sum()
    assert dark > 2000  # axes, ticks and words


def comments(svg: bytes) -> list[str]:
    """The SVG parsed (it must be well-formed XML), and the comments matplotlib puts
    beside each text it draws as glyph outlines: the text itself."""
    root = ET.fromstring(svg, parser=ET.XMLParser(target=ET.TreeBuilder(insert_comments=True)))
    assert root.tag == SVG + "svg"
    assert root.get("viewBox") == "0 0 576 345.6"  # 8 × 4.8 inches in points
    return [c.text.strip() for c in root.iter(ET.Comment)]


def test_svg_is_well_formed_and_carries_its_words():
    data = plot.render(plot.Curve(DECREASING, name="loss", watched={"accuracy": RISING},
                                  title="moons.bp: loss by step", subtitle="sgd, lr 0.1"),
                       "svg")
    said = comments(data)
    for words in ("moons.bp: loss by step", "sgd, lr 0.1", "step", "loss (log scale)",
                  "accuracy", "loss"):
        assert words in said, words
    assert b"<dc:title>moons.bp: loss by step</dc:title>" in data
    assert data.count(b'<g id="axes_') == 2  # the loss's axes and the second y axis
    assert b"<dc:date>" not in data


def test_pdf_parses_loosely():
    data = plot.render(plot.Curve(DECREASING, title="g by step"), "pdf")
    assert data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF")
    # The cross-reference table is where startxref says, with an entry per object.
    start = int(re.search(rb"startxref\s+(\d+)\s+%%EOF", data).group(1))
    assert data[start : start + 4] == b"xref"
    count = int(re.match(rb"xref\s+0 (\d+)", data[start:]).group(1))
    assert count == len(re.findall(rb"^\d+ 0 obj", data, re.MULTILINE)) + 1
    assert len(re.findall(rb"/Type /Page\b", data)) == 1
    assert b"/Title (g by step)" in data and b"/CreationDate" not in data


@pytest.mark.parametrize("form", plot.FORMATS)
def test_the_same_curve_gives_the_same_bytes(form):
    curve = plot.Curve([3.0, 2.0, 1.5], watched={"a": [0.1, 0.5, 0.9]}, title="t")
    assert plot.render(curve, form) == plot.render(curve, form)


def test_save_by_suffix_and_its_refusals(tmp_path):
    curve = plot.Curve([3.0, 2.0, 1.0])
    plot.save(tmp_path / "LOSS.PNG", curve)
    png((tmp_path / "LOSS.PNG").read_bytes())
    with pytest.raises(UsageError, match=r"\.svg, \.png or \.pdf"):
        plot.save(tmp_path / "loss.jpg", curve)
    with pytest.raises(UsageError, match="No such file or directory"):
        plot.save(tmp_path / "missing" / "loss.svg", curve)
    (tmp_path / "dir.svg").mkdir()
    with pytest.raises(UsageError, match=r"cannot write .*dir\.svg: it is a directory"):
        plot.save(tmp_path / "dir.svg", curve)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["LOSS.PNG", "dir.svg"]
