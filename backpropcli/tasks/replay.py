"""Back-propagation as it happens: the frames of `backprop replay`.

A replay is a list of frames. The forward pass comes first, node by node, each frame a
node's value appearing; then the backward pass edge by edge, in the engine's own order
(the output's gradient set to 1, then, from the output down, each node handing each
operand upstream × local); last, the gradient of the output at every input. A backward
frame is one term of the chain rule arriving at an operand, with the operand's
gradient before and after it: a node used twice gets two frames, and its total grows
by each.

Nothing here computes a number. The values are the forward pass's; the backward
frames are the terms the engine's own backward sweep makes, read in the order it makes
them (engine.backward's `trail`), with the running totals it keeps. So a frame can
never disagree with what `eval` prints.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np

from ..core import checkable, fmt
from ..core.engine import Evaluation, backward
from ..core.errors import LimitError, give
from ..core.graph import CONST, Value
from ..core.ops import OPS
from ..core.plural import counted, ordinal
from .explain import local_formula

Kind = Literal["forward", "seed", "backward", "gradient"]

MAX_FRAMES = 2000  # frames replayed unless more are asked for (--max-frames)


@dataclass(frozen=True)
class Frame:
    """One moment of the replay.

    forward: `node`'s value appears (`value`). seed: the output's gradient is set to 1
    (`after`). backward: the edge `user` → `node` (the operand in `slot` of `user`)
    carries `value` = upstream × local into `node`'s gradient, which goes from `before`
    (None: nothing had arrived yet) to `after`. gradient: the end, ∂output/∂input for
    every input (`gradients`)."""

    kind: Kind
    node: int
    user: int = -1
    slot: int = -1
    value: Value | None = None
    upstream: Value | None = None  # ∂output/∂user
    local: Value | None = None  # ∂user/∂node, where the op is elementwise; else None
    formula: str = ""  # ∂user/∂node in the operands' names ("y"); for others, what flows
    before: Value | None = None
    after: Value | None = None
    summed: str = ""  # "summed over axis 0": broadcasting, summed back by the chain rule
    use: int = 0  # the user takes the node more than once: which use this is (1, 2, ...)
    gradients: tuple[tuple[str, Value], ...] = ()


@dataclass(frozen=True)
class Replay:
    """The frames of one evaluation, in order."""

    evaluation: Evaluation
    frames: tuple[Frame, ...]

    @cached_property
    def counts(self) -> dict[str, int]:
        """How many frames of each kind (counted once: every title says "k of n")."""
        return dict(Counter(f.kind for f in self.frames))


def shown_nodes(ev: Evaluation) -> list[int]:
    """The nodes whose values the forward pass shows, as eval's forward table does:
    every node but a number written in the program (data read from a file is shown)."""
    return [i for i, node in enumerate(ev.graph.nodes) if node.op != CONST or node.is_data]


def edges(ev: Evaluation) -> int:
    """How many terms the backward pass makes: one per use of an operand that depends
    on an input, by a node the output's gradient reaches."""
    nodes, needs = ev.graph.nodes, ev.needs
    return sum(1 for i, node in enumerate(nodes) if node.computed and ev.grads[i] is not None
               for j in node.args if needs[j])


def frame_count(ev: Evaluation) -> int:
    if ev.constant:
        return len(shown_nodes(ev))
    return len(shown_nodes(ev)) + edges(ev) + 2


def replay(ev: Evaluation, max_frames: int = MAX_FRAMES) -> Replay:
    """The frames of the evaluated program; more than `max_frames` of them is refused
    (a LimitError naming the number to ask for), before any is made."""
    total = frame_count(ev)
    if total > max_frames:
        raise LimitError(
            f"this program replays in {counted(total, 'frame')} ({counted(edges(ev), 'edge')} "
            f"in the backward pass), more than the {max_frames} allowed",
            hint=f"raise the limit ({give('max_frames', str(total))}), or replay a part of "
                 f"the program ({give('output', 'NAME')})")
    frames = [Frame("forward", i, value=ev.values[i]) for i in shown_nodes(ev)]
    if ev.constant:  # nothing to differentiate: the forward pass is the whole story
        return Replay(ev, tuple(frames))
    out = ev.graph.output
    frames.append(Frame("seed", out, after=ev.grads[out]))
    trail: list = []
    graph = ev.graph
    backward(graph, list(ev.values), list(ev.local), list(ev.needs), record=True, trail=trail)
    totals: dict[int, Value] = {}
    for j, term, total_after in trail:
        user = graph.nodes[term.user]
        args = user.args
        frames.append(Frame(
            "backward", j, user=term.user, slot=term.slot, value=term.value,
            upstream=term.upstream, local=term.local,
            formula=local_formula(graph, term.user, term.slot, values=ev.values,
                                  upstream=d(graph.nodes[out].name, user.name)),
            before=totals.get(j), after=total_after,
            summed=fmt.summed(np.shape(ev.values[j]), np.shape(ev.values[term.user]))
            if term.local is not None else "",
            use=list(args[:term.slot + 1]).count(j) if list(args).count(j) > 1 else 0))
        totals[j] = total_after
    frames.append(Frame("gradient", out, gradients=tuple(ev.gradients().items())))
    return Replay(ev, tuple(frames))


# ---------------------------------------------------------------------------
# What a frame says, in words every view shares (the transcript, the terminal player,
# the web page, the animation's captions).


def d(top: str, bottom: str) -> str:
    return f"∂{top}/∂{bottom}"


def title(rp: Replay, n: int) -> str:
    """The frame's place and what happens in it: "backward 3 of 5: f → x"."""
    f = rp.frames[n]
    nodes = rp.evaluation.graph.nodes
    counts = rp.counts
    if f.kind == "forward":  # the forward frames come first, then the seed, then these
        return f"forward {n + 1} of {counts['forward']}: {nodes[f.node].name}"
    if f.kind == "backward":
        k = n - counts["forward"] - counts.get("seed", 0) + 1
        use = f" ({ordinal(f.use)} use)" if f.use else ""
        return (f"backward {k} of {counts['backward']}: {nodes[f.user].name} → "
                f"{nodes[f.node].name}{use}")
    if f.kind == "seed":
        return f"backward pass: start at the output {nodes[f.node].name}"
    return f"gradient of {nodes[f.node].name}"


def lines(rp: Replay, n: int, full: bool = False) -> list[str]:
    """What frame n says, a line per fact: the equation of a node's value; the upstream,
    local, product and running total of an edge."""
    f, ev = rp.frames[n], rp.evaluation
    nodes = ev.graph.nodes
    out = nodes[ev.graph.output].name
    name = nodes[f.node].name

    def num(v) -> str:
        return fmt.brief(v) if not full or np.ndim(v) == 0 else fmt.array(v, full=True)

    if f.kind == "forward":
        node = nodes[f.node]
        shape = _shape(f.value, num(f.value))
        if node.is_input:
            return [f"{name} = {num(f.value)}{shape}   (input)"]
        if node.data is not None:
            return [f"{name} = {num(f.value)}{shape}   (data from {node.data[0]})"]
        operands = [fmt.brief(ev.values[j]) for j in node.args] if _arrays(ev, node.args) \
            else checkable.operands(ev, f.node)
        put = OPS[node.op].read(operands, node.static).replace(" * ", " · ")
        return [f"{name} = {node.text} = {put} = {num(f.value)}{shape}"]
    if f.kind == "seed":
        return [f"{d(out, out)} = {num(f.after)}   (the output's gradient with respect to itself)"]
    if f.kind == "gradient":  # as eval ends: the gradient at every input
        return [f"{d(out, k)} = {num(v)}" for k, v in f.gradients]
    user = nodes[f.user].name
    said = []
    if _arrays(ev, (f.user, f.node)):  # arrays: the shapes the gradient goes between
        said.append(f"shapes    {user} {fmt.shape(np.shape(ev.values[f.user]))} → "
                    f"{name} {fmt.shape(np.shape(ev.values[f.node]))}")
    said.append(f"upstream  {d(out, user)} = {num(f.upstream)}")
    if f.local is not None:
        local = num(f.local)
        formula = "" if f.formula == local else f"{f.formula} = "
        said.append(f"local     {d(user, name)} = {formula}{local}")
        product = f"product   {_factor(f.upstream)} · {_factor(f.local)} = {num(f.value)}"
        said.append(product + (f"   ({f.summed})" if f.summed else ""))
    else:  # @, sum, softmax, ...: the op's own rule says what flows back
        said.append(f"passes    {f.formula} = {num(f.value)}")
    # what the node had before: the sum so far of its earlier uses (nothing, at the first)
    was = "" if f.before is None else f"   (was {num(f.before)})"
    said.append(f"total     {d(out, name)} += {num(f.value)} → {num(f.after)}{was}")
    return said


def _arrays(ev: Evaluation, args) -> bool:
    return any(np.ndim(ev.values[j]) for j in args)


def _shape(v, shown: str) -> str:
    """The shape of an array, unless its text already says it ("(100, 2) array in ...")."""
    said = fmt.shape(np.shape(v))
    return f"   shape {said}" if np.ndim(v) and not shown.startswith(said) else ""


def _factor(v) -> str:
    text = fmt.brief(v)
    return f"({text})" if text.startswith("-") else text
