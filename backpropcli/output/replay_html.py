"""`backprop replay --html`: the replay as one self-contained web page, a player.

The graph is inline SVG (replay_scene.py lays it out), the frame's title and text
beside it, buttons, the arrow keys and a slider to step; values appear on the nodes at
their forward frames and gradients at the backward ones. The page's style and script are
written into it (replay_player.css and .js, shipped in the package), and the frames as
JSON in a <script type="application/json"> block: nothing is fetched, not a font, not a
script, so the file works from a file:// address, offline, and can be put in a blog
post as it is. (No Content-Security-Policy meta either: the page holds no address of
any kind, not even the word that tag begins with, which the tests check.)

User text reaches the page (names, the program with its comments, the file names of
load(...)): every bit of it is escaped where it lands, as HTML text or attribute, and
in the JSON block "<", ">" and "&" are written as \\u escapes, so that nothing a user
writes can end the script or start a tag. Arrays' numbers past a size are left out of
the JSON (their text, as eval elides it, is there): the page stays small.
"""

from __future__ import annotations

import html
from importlib import resources

import numpy as np

from ..tasks.jsontext import dumps
from ..tasks.replay import Replay, lines, title
from .passes import replay_fields
from .replay_scene import BOX_H, LINE, PAD, Scene, clean, scene

INTERVAL = 1100  # ms between frames when playing
MOST = 64  # elements of an array whose numbers the page's JSON keeps
NUMBERS = ("value", "upstream", "local", "contribution", "before", "after")

def esc(text: str) -> str:
    """Text for HTML or SVG, as content or as a quoted attribute value."""
    return html.escape(clean(text), quote=True)


def script_json(data: dict) -> str:
    """JSON for a <script> block: "<", ">" and "&" as \\u escapes (they are only ever
    inside strings), so "</script>" or "<!--" in a name or a comment cannot end it."""
    text = dumps(data).strip()
    return clean(text.replace("<", "\\u003c").replace(">", "\\u003e")
                 .replace("&", "\\u0026"))


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def data(rp: Replay, sc: Scene) -> dict:
    """What the page's script reads: every frame as the --json document has it (arrays of
    more than MOST elements left out, see `elided`), what each frame changes in the
    picture, and where each edge's middle is."""
    frames = replay_fields(rp)["frames"]
    for frame in frames:
        elided = [k for k in NUMBERS if k in frame and np.size(frame[k]) > MOST]
        for k in elided:
            del frame[k]
        if "gradients" in frame:
            big = [k for k, v in frame["gradients"].items() if np.size(v) > MOST]
            frame["gradients"] = {k: v for k, v in frame["gradients"].items() if k not in big}
            elided += [f"gradients.{k}" for k in big]
        if elided:
            frame["elided"] = elided
    steps = []
    for s in sc.steps:
        step: dict = {"b": s.box, "e": s.link}
        for key, value in (("v", s.value), ("g", s.grad), ("f", s.flow)):
            if value is not None:
                step[key] = value
        if s.grads:
            step["gs"] = [list(p) for p in s.grads]
        steps.append(step)
    return {"frames": frames, "steps": steps, "interval": INTERVAL,
            "middles": [[round(x, 1), round(y, 1)] for x, y in
                        (link.middle for link in sc.links)]}


def svg(sc: Scene) -> str:
    """The graph as inline SVG (no namespace attribute is needed inside HTML): a group
    per box (id b0, b1, ...), a path per edge (id e0, e1, ...), and the label of what
    flows along the current edge."""
    w, h = round(sc.width), round(sc.height)
    out = [f'<svg id="graph-svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
           f'aria-labelledby="graph-label"><title id="graph-label">the computation graph of '
           f'{esc(sc.output)}: its inputs on the left, the output on the right</title>',
           "<defs>"]
    for name in ("arrow", "arrow-passed", "arrow-current"):
        out.append(f'<marker id="{name}" viewBox="0 0 10 10" refX="9" refY="5" '
                   'markerWidth="7" markerHeight="7" markerUnits="userSpaceOnUse" '
                   'orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker>')
    out.append('</defs><g class="links">')
    for k, link in enumerate(sc.links):
        out.append(f'<path id="e{k}" class="link" d="{link.path()}"/>')
    out.append('</g><g class="boxes">')
    for k, b in enumerate(sc.boxes):
        x, y = round(b.x, 1), round(b.y, 1)
        tx = round(b.x + PAD, 1)
        out.append(
            f'<g id="b{k}" class="box {b.kind} pending" data-name="{esc(b.name)}">'
            f'<rect x="{x}" y="{y}" width="{round(b.w, 1)}" height="{BOX_H}" rx="6"/>'
            f'<text class="head" x="{tx}" y="{round(y + PAD + 11, 1)}">{esc(b.head)}</text>'
            f'<text class="value" x="{tx}" y="{round(y + PAD + 11 + LINE, 1)}"></text>'
            f'<text class="grad" x="{tx}" y="{round(y + PAD + 11 + 2 * LINE, 1)}"></text>'
            "</g>")
    out.append('</g><text id="flow" class="flow" text-anchor="middle"></text></svg>')
    return "".join(out)


def page(rp: Replay) -> str:
    """The player: one HTML page holding everything it needs."""
    sc = scene(rp)
    out = esc(sc.output)
    n = len(rp.frames)
    program = rp.evaluation.graph.source
    first = title(rp, 0)
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>backprop replay: {out}</title>",
        f"<style>\n{_asset('replay_player.css')}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>Back-propagation of <code>{out}</code>, frame by frame</h1>",
        '<p class="keys">→ or space: next frame · ←: back · Home, End: first, last</p>',
        '<div class="controls" role="toolbar" aria-label="replay controls">',
        '<button type="button" id="first" aria-label="first frame" title="first frame (Home)">'
        "« first</button>",
        '<button type="button" id="back" aria-label="previous frame" title="previous frame (←)">'
        "◀ back</button>",
        '<button type="button" id="play" aria-label="play" aria-pressed="false" '
        'title="play or pause">▶ play</button>',
        '<button type="button" id="next" aria-label="next frame" title="next frame (→, space)">'
        "next ▶</button>",
        '<button type="button" id="last" aria-label="last frame" title="last frame (End)">'
        "last »</button>",
        f'<input type="range" id="slider" min="0" max="{n - 1}" value="0" step="1" '
        'aria-label="frame">',
        f'<span id="count" class="count">1 / {n}</span>',
        "</div>",
        '<div class="player">',
        f'<div id="graph" class="graph" tabindex="0">{svg(sc)}</div>',
        '<section class="frame" aria-live="polite" aria-atomic="true">',
        f'<h2 id="frame-title">{esc(first)}</h2>',
        f'<pre id="frame-text">{esc(chr(10).join(lines(rp, 0)))}</pre>',
        "</section>",
        "</div>",
        f'<details class="program"><summary>the program</summary><pre>{esc(program)}</pre>'
        "</details>" if program.strip() else "",
        "</main>",
        f'<script type="application/json" id="replay-data">{script_json(data(rp, sc))}'
        "</script>",
        f"<script>\n{_asset('replay_player.js')}</script>",
        "</body>",
        "</html>",
        ""])


def embedded(rp: Replay, height: int = 620) -> str:
    """The player for a notebook (Jupyter's _repr_html_): the page inside an <iframe>
    whose srcdoc holds it, escaped as an attribute, so that its script and styles stay
    apart from the notebook's."""
    return (f'<iframe srcdoc="{html.escape(page(rp), quote=True)}" title="backprop replay" '
            f'style="width: 100%; height: {height}px; border: 1px solid #d0d7de; '
            'border-radius: 6px" sandbox="allow-scripts"></iframe>')
