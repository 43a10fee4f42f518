"""The views of where a descent goes: the loss surface as a character picture with the
paths on it (output/contour_text.py makes its cells; here they get their colours, at the
console's width, none under 50 columns), and the table of descents compared. Returns
renderables, never prints; NO_COLOR is Rich's to honour (the picture's marks are letters,
readable without colour)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.text import Text

from ..core import fmt
from ..output import contour_text
from ..tasks.surface import Surface
from .widgets import new_table

WIDTH = 72  # the most columns the picture takes
COLOURS = ("bold red", "bold yellow", "bold magenta", "bold cyan")


def _style(role: str) -> str:
    if role == "head":
        return "bold"
    if role == "axis":
        return "dim"
    if role == "start":
        return "bold reverse"
    if role.startswith(("path:", "end:")):
        k = int(role.split(":")[1])
        return COLOURS[k % len(COLOURS)]
    return "blue" if role == "" else ""


@dataclass(frozen=True, eq=False)
class SurfacePicture:
    """The character picture of a surface, as wide as the console allows (up to WIDTH);
    nothing on a console narrower than contour_text.MIN_WIDTH."""

    surface: Surface

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = min(WIDTH, options.max_width)
        for line in contour_text.lines(self.surface, width):
            text = Text(no_wrap=True, overflow="crop")
            for chunk, role in line:
                text.append(chunk, style=_style(role) if chunk.strip() else "")
            yield text

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(1, min(WIDTH, options.max_width))


def surface_picture(surface: Surface) -> RenderableType:
    """The picture, after a blank line (nothing at all where it does not fit)."""
    return Group(Text(""), SurfacePicture(surface))


def compare_table(rows: Sequence[tuple[str, float | None, int, str]], output: str
                  ) -> RenderableType:
    """Descents compared: each optimizer's final value, its steps and how it stopped."""
    table = new_table("optimizer", f"final {output}", "steps", "stopped", right=(1, 2))
    for name, value, steps, stopped in rows:
        table.add_row(Text(name), "—" if value is None else fmt.number(value), str(steps),
                      Text(stopped))
    return Group(Text(""), Text("Optimizers compared (same start, lr and steps)", style="bold"),
                 Padding(table, (0, 0, 0, 2), expand=False))
