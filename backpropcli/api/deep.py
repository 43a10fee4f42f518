"""depth: why deep nets stop learning (tasks/depth.py): a stack of layers as a backprop
program, evaluated by the engine, and the gradient's norm at each layer. Loaded with the
first call of depth()."""

from __future__ import annotations

from dataclasses import dataclass

from ..tasks import depth as deep
from . import checks
from .results import Renderable, Shown


@dataclass(frozen=True, repr=False, eq=False)
class Depth(Shown):
    """The net measured: `.layers` (each a tasks.depth.Layer: its `.index`, `.param`,
    `.norm` ‖∂L/∂W‖, `.factor` against the layer above, `.rms` of the activations,
    `.slope` the act's mean derivative), `.factor` (per layer, on average), `.reason`
    (why, in one sentence) and `.program` (the .bp text that was evaluated)."""

    depth: deep.Depth

    @property
    def layers(self) -> tuple[deep.Layer, ...]:
        return self.depth.layers

    @property
    def norms(self) -> list[float]:
        """‖∂L/∂W_l‖ for l = 1 (next to the data) ... L (next to the loss)."""
        return [layer.norm for layer in self.depth.layers]

    @property
    def factor(self) -> float | None:
        return self.depth.factor

    @property
    def reason(self) -> str:
        return self.depth.reason

    @property
    def program(self) -> str:
        return self.depth.program

    def plot(self, format: str = "svg") -> bytes:
        """The norms as bars on a log axis: the bytes of an SVG, PNG or PDF file."""
        from ..output import depth_plot

        return depth_plot.render(self.depth, checks.choice(format, "format",
                                                           depth_plot.FORMATS))

    def view(self, full: bool = False) -> Renderable:
        from ..terminal import views

        return views.depth(self.depth)


def depth(*, act: str = "sigmoid", layers: int = 10, init: str = "normal", width: int = 32,
          seed: int = 0) -> Depth:
    """A stack of `layers` fully connected layers of `width` units (`act` "sigmoid",
    "tanh" or "relu"; weights from `init` "normal", "xavier" or "he"; `seed` for the data
    and the weights, as `eval --seed` makes them) on random data under a squared error,
    evaluated by the engine: the gradient's norm at each layer and why it changes. At
    most 200 layers, a width of at most 1024, and 4,194,304 weights (layers × width²):
    past that a LimitError says which; a bad argument raises BackpropError."""
    act = checks.choice(act, "act", deep.ACTS)
    init = checks.choice(init, "init", deep.INITS)
    layers = checks.whole(layers, "layers", least=1, most=deep.MAX_LAYERS,
                          why="a deeper net says nothing more: the factor per layer is "
                              "already plain at 20")
    width = checks.whole(width, "width", least=1, most=deep.MAX_WIDTH,
                         why=f"a few units show the same: try --width 64 (at most "
                             f"{deep.MAX_WIDTH})")
    seed = checks.seed(seed)
    deep.check_size(layers, width)
    return Depth(deep.measure(deep.Net(act, layers, init, width, seed)))
