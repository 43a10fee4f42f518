"""`backprop replay --gif`: the replay as an animation, a GIF or an animated PNG, for
slides and posts. A frame per replay frame, drawn by matplotlib from the same scene as
the web player (replay_scene.py): the graph with each node's value and gradient as far
as the frame has come, the frame's edge highlighted (colour, and thick and dashed), and
under it the frame's title and text as a caption. The last frame is held longer.

matplotlib (a dependency, for descend --plot) is imported only here, when an animation
is made; Pillow, which it brings, writes the GIF and the APNG. The figure is made as a
`Figure` on its own Agg canvas (no pyplot, no GUI backend), redrawn per frame: only the
texts and the styles that change are touched.
"""

from __future__ import annotations

import io
import warnings
from typing import TYPE_CHECKING, Any

from ..core.errors import UsageError
from ..tasks.replay import Replay, lines, title
from .replay_scene import BOX_H, LINE, PAD, Scene, clean, cut, scene

if TYPE_CHECKING:
    from PIL.Image import Image

FORMATS = ("gif", "png")
DPI = 100  # 1 px of the scene is 1 px of the picture at scale 1
MIN_WIDTH, MAX_WIDTH, MAX_GRAPH_HEIGHT = 800, 1800, 1000  # px
FRAME_MS, LAST_MS = 1200, 4000  # how long each frame shows, and the last one
CAPTION_PX, CAPTION_LINES = 19, 9  # px per caption line; lines shown at most
# Frames × pixels kept in memory while the file is written (Pillow holds every frame):
# a replay of thousands of frames is drawn smaller rather than filling the memory.
PIXEL_BUDGET = 250_000_000
HOT, PASSED, LINE_GREY, INK = "#c2410c", "#2f6fb3", "#8c959f", "#1f2328"
FILL = {"input": ("#e8f0fe", "#4a6fa5"), "data": ("#eef7ee", "#4d7c4d"),
        "output": ("#fff2cc", "#b8860b"), "op": ("#ffffff", "#57606a")}
PENDING = ("#f4f4f5", "#b8bec6")


def animation(rp: Replay, form: str = "gif") -> bytes:
    """The frames as the bytes of an animated GIF ("gif") or PNG ("png")."""
    if form not in FORMATS:
        raise UsageError(f"an animation is a gif or a png, not {form!r}")
    import matplotlib  # here only: no other command pays for it

    with matplotlib.rc_context({"font.size": 10.0}), warnings.catch_warnings():
        # A name in a script the bundled fonts lack is drawn as boxes, not refused.
        warnings.filterwarnings("ignore", message="Glyph .* missing from")
        images = _frames(rp, scene(rp))
    out = io.BytesIO()
    durations = [FRAME_MS] * (len(images) - 1) + [LAST_MS]
    extra: dict[str, Any] = {"optimize": False} if form == "gif" else {"default_image": False}
    images[0].save(out, format="GIF" if form == "gif" else "PNG", save_all=True,
                   append_images=images[1:], duration=durations, loop=0, **extra)
    return out.getvalue()


def _frames(rp: Replay, sc: Scene) -> list[Image]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image as PILImage

    n = len(rp.frames)
    scale = min(1.0, MAX_WIDTH / sc.width, MAX_GRAPH_HEIGHT / sc.height)
    caption = min(CAPTION_LINES, 1 + max(len(lines(rp, k)) for k in range(n)))
    graph_w, graph_h = sc.width * scale, sc.height * scale
    width = max(MIN_WIDTH, graph_w)
    height = graph_h + (caption + 1) * CAPTION_PX
    shrink = min(1.0, (PIXEL_BUDGET / (n * width * height)) ** 0.5)
    width, height, scale = width * shrink, height * shrink, scale * shrink
    graph_w, graph_h = sc.width * scale, sc.height * scale
    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes(((width - graph_w) / 2 / width, 1 - graph_h / height, graph_w / width,
                       graph_h / height))  # the graph centred above the caption
    ax.set_xlim(0, sc.width)
    ax.set_ylim(sc.height, 0)
    ax.set_axis_off()
    drawn = _Drawing(fig, ax, sc, scale * 12 * 72 / DPI, shrink, height, caption, width)
    images = []
    for k in range(n):
        drawn.show(rp, k)
        canvas.draw()
        rgba = PILImage.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(),
                                   "raw", "RGBA", 0, 1)
        images.append(rgba.convert("RGB"))
    return images


class _Drawing:
    """The artists of one figure, made once and restyled per frame."""

    def __init__(self, fig, ax, sc: Scene, points: float, shrink: float, height: float,
                 caption: int, width: float):
        from matplotlib.patches import FancyArrowPatch, Rectangle
        from matplotlib.path import Path
        from matplotlib.patheffects import withStroke

        self.sc = sc
        self.rects, self.values, self.grads, self.heads, self.links = [], [], [], [], []
        mono = {"family": "DejaVu Sans Mono", "fontsize": points, "parse_math": False}
        for b in sc.boxes:
            rect = Rectangle((b.x, b.y), b.w, BOX_H, linewidth=1.2, zorder=2)
            ax.add_patch(rect)
            self.rects.append(rect)
            x = b.x + PAD
            self.heads.append(ax.text(x, b.y + PAD + 11, b.head, va="baseline",
                                      fontweight="bold", zorder=3, **mono))
            self.values.append(ax.text(x, b.y + PAD + 11 + LINE, "", va="baseline",
                                       color=INK, zorder=3, **mono))
            self.grads.append(ax.text(x, b.y + PAD + 11 + 2 * LINE, "", va="baseline",
                                      color=PASSED, zorder=3, **mono))
        for link in sc.links:
            (sx, sy), (tx, ty) = link.start, link.end
            dx = max(24.0, (tx - sx) / 2)
            path = Path([(sx, sy), (sx + dx, sy), (tx - dx, ty), (tx, ty)],
                        [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4])
            arrow = FancyArrowPatch(path=path, arrowstyle="-|>", mutation_scale=9 * shrink + 3,
                                    linewidth=1.2, color=LINE_GREY, zorder=1)
            ax.add_patch(arrow)
            self.links.append(arrow)
        self.flow = ax.text(0, 0, "", ha="center", va="bottom", color=HOT, fontweight="bold",
                            zorder=4, path_effects=[withStroke(linewidth=3, foreground="white")],
                            **mono)
        size = 13 * shrink * 72 / DPI
        left = 16 * shrink / width
        step = CAPTION_PX * shrink
        top = height - (caption + 1) * step + step / 2  # px from the top: the caption's

        def at(px: float) -> float:  # figure coordinates, from px below the top
            return 1 - px / height

        self.title = fig.text(left, at(top), "", fontsize=size * 1.05, fontweight="bold",
                              va="top", parse_math=False, color=INK)
        self.caption = [fig.text(left, at(top + step * (i + 1)), "", fontsize=size,
                                 family="DejaVu Sans Mono", va="top", parse_math=False,
                                 color=INK) for i in range(caption - 1)]
        self.chars = int(width / (size * DPI / 72 * 0.62))  # monospace: 0.6 em a character
        self.stroke = shrink

    def show(self, rp: Replay, n: int) -> None:
        sc = self.sc
        value: dict[int, str] = {}
        grad: dict[int, str] = {}
        passed: set[int] = set()
        for k in range(n + 1):  # as the web player: the latest of each, up to frame n
            s = sc.steps[k]
            if s.value is not None:
                value[s.box] = s.value
            if s.grad is not None:
                grad[s.box] = s.grad
            if s.link >= 0 and k < n:
                passed.add(s.link)
            grad.update(dict(s.grads))
        step = sc.steps[n]
        for i, b in enumerate(sc.boxes):
            reached = i in value
            face, edge = FILL[b.kind] if reached else PENDING
            current = i == step.box
            self.rects[i].set(facecolor=face, edgecolor=HOT if current else edge,
                              linewidth=(2.4 if current else 0.9) * self.stroke + 0.3,
                              linestyle="-" if reached else (0, (4, 3)))
            self.heads[i].set_color(INK if reached else "#6e7781")
            self.values[i].set_text(value.get(i, ""))
            self.grads[i].set_text(grad.get(i, ""))
        for i, arrow in enumerate(self.links):
            if i == step.link:
                arrow.set(color=HOT, linewidth=2.4 * self.stroke + 0.3, linestyle=(0, (4, 2)),
                          zorder=2.5)
            else:
                arrow.set(color=PASSED if i in passed else LINE_GREY, linestyle="-", zorder=1,
                          linewidth=(1.4 if i in passed else 0.9) * self.stroke + 0.2)
        if step.link >= 0 and step.flow is not None:
            mx, my = sc.links[step.link].middle
            self.flow.set(x=mx, y=my - 4, text=step.flow)
        else:
            self.flow.set_text("")
        self.title.set_text(cut(clean(f"[{n + 1}/{len(rp.frames)}] {title(rp, n)}"), self.chars))
        said = lines(rp, n)
        if len(said) > len(self.caption):  # the rest, said in a word
            keep = len(self.caption) - 1
            said = [*said[:keep], f"… and {len(said) - keep} more"]
        for k, text in enumerate(self.caption):
            text.set_text(cut(clean(said[k]), self.chars) if k < len(said) else "")
