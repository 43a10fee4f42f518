"""Where a descent goes: the loss surface's grid (tasks/surface.py), the paths drawn on it,
the picture files (output/surface.py), the terminal's character picture
(output/contour_text.py, terminal/surface.py), --compare's runs and the bad inputs
(api/surfaces.py)."""

from __future__ import annotations

import io
import struct
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from rich.console import Console

from backpropcli import api as bp
from backpropcli.output import contour_text
from backpropcli.output import plot as plotting
from backpropcli.output import surface as drawing
from backpropcli.tasks import surface as surfaces
from backpropcli.terminal.surface import SurfacePicture

BOWL = "g = (x-1)^2 + 10*(y+2)^2"
SUMMED = "L = sum((w*X + b - t)^2)"  # a sum over data: the grid is evaluated point by point
DATA = {"X": "[0, 1, 2, 3]", "t": "[1, 3, 5, 7]"}


def bowl(**kw):
    return bp.descend(BOWL, x=-2, y=1, lr=0.04, steps=60, path=True, **kw)


def summed():
    return bp.descend(SUMMED, DATA, w=0, b=0, lr=0.01, steps=80, params="w,b", path=True)


@pytest.mark.parametrize(("make", "program", "extra"), [(bowl, BOWL, {}), (summed, SUMMED, DATA)])
def test_grid_values_are_eval_at_the_grid_points(make, program, extra):
    r = make()
    s = bp.surface(r)
    assert s.values.shape == (surfaces.GRID, surfaces.GRID) and s.names == tuple(r.params)
    a, b = s.names
    for i, j in [(0, 0), (7, 41), (30, 30), (59, 12), (59, 59)]:
        at = {**extra, a: s.xs[j], b: s.ys[i]}
        assert s.values[i, j] == pytest.approx(bp.evaluate(program, at).value, rel=1e-12)


def test_the_window_holds_every_path_with_a_margin():
    r = bowl()
    s = bp.surface(r)
    pts = np.vstack([p.points for p in s.paths])
    assert s.xs[0] < pts[:, 0].min() and pts[:, 0].max() < s.xs[-1]
    assert s.ys[0] < pts[:, 1].min() and pts[:, 1].max() < s.ys[-1]


def test_the_path_drawn_is_the_runs_trace():
    r = bowl()
    path = bp.surface(r).paths[0]
    assert list(path.steps) == r.run.trace.steps  # every step of the run, in order
    assert tuple(path.points[0]) == (-2.0, 1.0)
    assert path.end == (r.inputs["x"], r.inputs["y"])
    # each point is where the run was: the program's value there is the trace's value
    for (x, y), v in zip(path.points, r.run.trace.values, strict=True):
        assert bp.evaluate(BOWL, x=x, y=y).value == pytest.approx(v, rel=1e-12)


def test_values_that_are_not_finite_are_masked_not_a_crash():
    r = bp.descend("g = log(x) + (x - 2)^2 + y^2", x=0.05, y=1, lr=0.01, steps=40, path=True)
    s = bp.surface(r)
    assert s.xs[0] < 0 and np.isnan(s.values[:, s.xs < 0]).all()  # a log of a negative
    assert np.isfinite(s.values[:, s.xs > 0]).all()
    assert drawing.render(drawing.Scene(s, None, []), "png").startswith(b"\x89PNG")
    assert contour_text.lines(s, 80)


def test_levels_are_log_spaced_where_the_loss_spans_decades():
    edges, log = surfaces.levels(np.array([[0.0, 1e-3], [10.0, 100.0]]))
    assert log and edges[0] > 0 and edges[-1] == 100
    assert np.allclose(np.diff(np.log10(edges)), np.diff(np.log10(edges))[0])
    edges, log = surfaces.levels(np.array([[-1.0, 0.0], [1.0, 2.0]]))
    assert not log and edges[0] == -1 and edges[-1] == 2


def _png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _scene(results):
    curves = [plotting.of_run(x.run, x.settings, x.output, "bowl") for x in results]
    return drawing.Scene(bp.surface(results), None, curves, "bowl")


def test_the_picture_is_a_png_of_two_panels_and_an_svg():
    r = bowl()
    width, height = _png_size(drawing.render(_scene([r]), "png"))
    assert (width, height) == (round(2 * drawing.PANEL[0] * plotting.DPI),
                               round(drawing.PANEL[1] * plotting.DPI))
    root = ET.fromstring(drawing.render(_scene([r]), "svg"))
    assert root.tag.endswith("svg") and float(root.get("width").rstrip("pt")) > 500


def test_compare_runs_equal_separate_descents():
    runs = bp.descents(BOWL, x=-2, y=1, lr=0.04, steps=60)
    assert [x.settings.optimizer for x in runs] == ["sgd", "momentum", "adam"]
    for x in runs:
        alone = bp.descend(BOWL, x=-2, y=1, lr=0.04, steps=60, optimizer=x.settings.optimizer)
        assert x.inputs == alone.inputs and x.run.trace.values == alone.run.trace.values
    s = bp.surface(runs)
    assert [p.label for p in s.paths] == ["sgd", "momentum", "adam"]
    assert _png_size(drawing.render(_scene(runs), "png"))[0] > 1000


@pytest.mark.parametrize(("names", "said"), [("sgd,adm", "did you mean compare=adam?"),
                                        ("sgd,sgd", "names sgd twice"), ("", "names optimizers")])
def test_compare_refuses_unknown_or_repeated_optimizers(names, said):
    with pytest.raises(bp.UsageError) as e:
        bp.descents(BOWL, x=-2, y=1, optimizers=names, steps=3)
    assert said in f"{e.value.message} {e.value.hint}"


@pytest.mark.parametrize(("program", "values", "params", "said", "hint"), [
    ("g = x*y + z", {"x": 1, "y": 2, "z": 3}, None, "g has 3 params: x, y, z", "params=x,y"),
    ("g = (a - 1)^2", {"a": 0}, None, "g has 1 param: a", "params=x,y"),
    ("g = sum(w^2) + b^2", {"w": "[1, 2]", "b": 1}, None, "w (an array), b", "1 number param"),
    ("g = x*y + z", {"x": 1, "y": 2, "z": 3}, "x,y", None, None),
])
def test_a_surface_needs_two_number_params(program, values, params, said, hint):
    r = bp.descend(program, values, steps=2, params=params, path=True)
    if said is None:
        assert bp.surface_params(r) == ("x", "y") and bp.surface(r).values.shape == (60, 60)
        return
    with pytest.raises(bp.UsageError) as e:
        bp.surface(r)
    assert said in e.value.message and hint in e.value.hint


def _terminal(surface, width: int, **kw) -> str:
    out = io.StringIO()
    Console(file=out, width=width, force_terminal=True, **kw).print(SurfacePicture(surface))
    return out.getvalue()


def test_the_terminal_picture_at_80_and_50_columns_and_none_narrower():
    s = bp.surface(bowl())
    for width in (80, 50):
        plain = _terminal(s, width, color_system=None)
        lines = plain.splitlines()
        assert max(map(len, lines)) <= width and len(lines) == contour_text.HEIGHT + 5
        assert "g over x (across) and y (up)" in lines[0]
        body = "".join(lines[1:1 + contour_text.HEIGHT])
        assert body.count("S") == 1 and body.count("E") == 1 and "•" in body
    assert _terminal(s, 49, color_system=None) == ""
    assert "\x1b[" in _terminal(s, 80, color_system="standard")
    assert "\x1b[" not in _terminal(s, 80, color_system="standard", no_color=True) \
        .replace("\x1b[1m", "").replace("\x1b[2m", "").replace("\x1b[7m", "") \
        .replace("\x1b[0m", "").replace("\x1b[1;7m", "")


def test_the_terminal_picture_places_start_and_end_where_they_are():
    s = bp.surface(bowl())
    pic = contour_text.picture(s, 60, 15)
    cells = {ch: (r, c) for r, row in enumerate(pic.rows) for c, (ch, _) in enumerate(row)
             if ch in "SE"}
    # start (-2, 1): left, near the top; end (1, -2): right of it, lower
    (rs, cs), (re_, ce) = cells["S"], cells["E"]
    assert cs < ce and rs < re_
    assert cs == round((-2 - s.xs[0]) / (s.xs[-1] - s.xs[0]) * 59)
