"""The `backprop depth` view: the gradient's norm layer by layer as a table and as bars
on a log scale (output/depth_text.py draws them to the width there is), the factor per
layer on average, and why."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.text import Text

from ..core import fmt
from ..core.plural import counted
from ..output.depth_text import bars, summary
from ..tasks.depth import Depth
from .widgets import Col, fill, new_table, section


def depth_report(d: Depth, full: bool = False) -> RenderableType:
    """The table (the layer next to the loss first, as the backward pass goes), the
    bars, the factor per layer and the reason."""
    net = d.net
    title = f"Gradient by layer: {counted(net.layers, net.act + ' layer')} of {net.width} units"
    note = f"{net.init} init, seed {net.seed}, {net.examples} examples, L = {fmt.rough(d.loss)}"
    slope = f"mean {net.act}′"
    table = new_table("layer", Col("‖∂L/∂W‖", right=True, number=True),
                      Col("× above", right=True, number=True),
                      Col("rms h", right=True, number=True, drop=2),
                      Col(slope, right=True, number=True, drop=1))
    rows = list(reversed(d.layers))
    body = fill(table, rows, _row, full, "layers")
    return Group(section(title, note, body),
                 section("‖∂L/∂W‖ on a log scale", "the loss is above the top bar",
                         _Bars(d)),
                 Text(summary(d)),
                 Text(d.reason, style="dim"))


def _row(layer) -> tuple:
    factor = "" if layer.factor is None else "×" + fmt.rough(layer.factor, 3)
    return (Text(f"{layer.param}"), fmt.rough(layer.norm, 3), factor,
            fmt.rough(layer.rms, 3), fmt.rough(layer.slope, 3))


class _Bars:
    """The bars, drawn at the width they are given (a narrow terminal gets shorter
    bars, never wrapped lines)."""

    def __init__(self, d: Depth) -> None:
        self.d = d

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in bars(self.d, options.max_width):
            yield Text(line, no_wrap=True, overflow="crop")
