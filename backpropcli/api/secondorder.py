"""forward, cost and hessian: forward-mode tables beside the reverse pass, what each
method to the derivatives costs, and second derivatives by forward-over-reverse. Every
default and check of their arguments is here (a direction's names and numbers, --wrt,
--explain); the work is the tasks' (tasks/forward.py, tasks/cost.py, tasks/hessian.py)
over core/jvp.py."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.errors import UsageError, param
from ..core.jvp import Element, check_hessian_size, elements
from ..core.near import closest
from ..tasks import cost as costing
from ..tasks import forward as forwarding
from ..tasks import hessian as second
from . import checks
from .evaluating import evaluate
from .results import Renderable, Result, Shown, shown_as
from .source import merged

if TYPE_CHECKING:
    from .source import Program

Direction = str | Mapping[str, object] | None


@dataclass(frozen=True, repr=False, eq=False)
class Forward(Shown, forwarding.Forward):
    """Forward mode (tasks/forward.py): `.sweeps` (each with every node's tangent),
    `.rows` (each node's value and tangent rule, with numbers), `.gradient` assembled
    from the output's tangents and `.agrees` with the reverse pass (`.difference`), or
    `.jvp` for a direction; `.result`, the evaluation; shown as `backprop forward`."""

    result: Result | None = None

    def view(self, full: bool = False) -> Renderable:
        from ..terminal import views

        return views.forward_report(self, full)


@dataclass(frozen=True, repr=False, eq=False)
class Hessian(Shown, second.Hessian):
    """Second derivatives (tasks/hessian.py): `.matrix` over `.labels` (the params'
    elements) and its `.asymmetry` max |H − Hᵀ|, or `.product` H·v for `.direction`;
    `.entry` an entry explained; shown as `backprop hessian`."""

    result: Result | None = None

    def view(self, full: bool = False) -> Renderable:
        from ..terminal import views

        return views.hessian_report(self, full)


@dataclass(frozen=True, repr=False, eq=False)
class Cost(Shown, costing.Cost):
    """The three methods on one program (tasks/cost.py): `.numerical`, `.forward` and
    `.reverse`, each with its passes, its op evaluations by kind (`.evaluations` in all)
    and its median time; what reverse mode keeps (`.saved_values`, `.saved_locals`,
    `.saved_bytes`); `.jacobian` (an array output: compared on the whole Jacobian);
    `.sentence()` the verdict; shown as `backprop cost`."""

    result: Result | None = None

    def view(self, full: bool = False) -> Renderable:
        from ..terminal import views

        return views.cost_report(self, full)


@checks.keywords
def cost(program: Program, values: Mapping[str, object] | None = None, /, *,
         repeats: int = costing.REPEATS, output: str | None = None, seed: int | None = None,
         base: str | os.PathLike[str] | None = None, **inputs: object) -> Cost:
    """Numerical differences, forward mode and reverse mode side by side on the program:
    each one's passes, its op evaluations (counted as the engine runs them) and its
    time (the median of `repeats` runs, a whole number from 1 to 100), over every input
    element (at most 1000). For an array output the three are compared on the whole
    Jacobian (reverse mode: a backward sweep per output element). The program and the
    rest as for evaluate(); a bad argument raises BackpropError."""
    repeats = checks.whole(repeats, "repeats", least=1, most=100)
    result = evaluate(program, merged(values, inputs), output=output, seed=seed, base=base)
    done = costing.cost(result.evaluation, repeats)
    return replace(shown_as(Cost, done), result=result)


@checks.keywords
def forward(program: Program, values: Mapping[str, object] | None = None, /, *,
            wrt: str | None = None, direction: Direction = None, output: str | None = None,
            seed: int | None = None, base: str | os.PathLike[str] | None = None,
            **inputs: object) -> Forward:
    """Forward mode: every node's tangent, one sweep per direction. `wrt` names one
    input (one sweep per element of it); `direction` ("x=1,y=0.5", or a dict of input
    name to a number or an array of the input's shape; an input left out is 0, listed
    in `.missing`) gives one sweep, the directional derivative `.jvp`; neither: one
    sweep per element of every input, and the gradient from the output's row
    (`.gradient`), compared with the reverse pass's. The program and the rest as for
    evaluate(); a bad argument raises BackpropError."""
    if wrt is not None and direction is not None:
        raise UsageError(f"{param('wrt')} and {param('direction')} ask for different sweeps",
                         hint=f"give one of them: {param('wrt')} NAME for ∂/∂NAME, "
                              f"{param('direction')} for one directional derivative")
    result = evaluate(program, merged(values, inputs), output=output, seed=seed, base=base)
    ev = result.evaluation
    names = list(ev.graph.input_names)
    if direction is not None:
        v, missing = read_direction(direction, ev.inputs(), names, "direction")
        done = forwarding.along(ev, v, missing)
    elif wrt is not None:
        done = forwarding.by_elements(ev, [_input(wrt, names, "wrt")], "wrt")
    else:
        done = forwarding.by_elements(ev, names, "all")
    return replace(shown_as(Forward, done), result=result)


@checks.keywords
def hessian(program: Program, values: Mapping[str, object] | None = None, /, *,
            explain: checks.Names = None, hvp: Direction = None, output: str | None = None,
            params: checks.Names = None, freeze: checks.Names = None,
            seed: int | None = None, base: str | os.PathLike[str] | None = None,
            progress: Callable[[int, int], None] | None = None,
            **inputs: object) -> Hessian:
    """The Hessian of the output over the params' elements, by forward-over-reverse (one
    Hessian-vector product per element; at most 400 elements), with its asymmetry
    max |H − Hᵀ|. `explain` ("x,y", two param elements such as "W[0, 1]") explains that
    entry; `hvp` ("w1=1,w2=0", or a dict as for forward's direction; a param left out is
    0) gives H·v alone, without the matrix. `progress(done, total)` is told per column.
    The program, params, freeze and the rest as for evaluate(); a bad argument raises
    BackpropError, a second derivative that is not finite a MathError."""
    if explain is not None and hvp is not None:
        raise UsageError(f"{param('explain')} explains an entry of the matrix, which "
                         f"{param('hvp')} does not form", hint="give one of them")
    result = evaluate(program, merged(values, inputs), output=output, params=params,
                      freeze=freeze, seed=seed, base=base)
    ev, point = result.evaluation, result.point
    params_ = list(point.params)
    if hvp is not None:
        v, missing = read_direction(hvp, ev.inputs(), params_, "hvp")
        done = second.product(ev, params_, v, missing)
    else:
        pair = _pair(explain, ev.inputs(), params_)
        check_hessian_size(len(elements(ev.inputs(), params_)))
        done = second.matrix(ev, params_, progress)
        if pair is not None:
            done = second.explained(done, *pair)
    return replace(shown_as(Hessian, done), result=result)


def _input(name: object, names: Sequence[str], what: str) -> str:
    if not isinstance(name, str) or name.strip() not in names:
        raise _unknown(str(name), names, what, "input")
    return name.strip()


def _unknown(name: str, names: Sequence[str], what: str, kind: str) -> UsageError:
    near = closest(name, names)
    listed = ", ".join(names) if names else "none"
    return UsageError(f"{param(what)}: {name} is not {'a param' if kind == 'param' else 'an input'}"
                      f" of the program ({kind}s: {listed})",
                      hint=f"did you mean {near}?" if near else f"name one of: {listed}")


def read_direction(direction: object, inputs: Mapping[str, Any], names: Sequence[str],
                   what: str) -> tuple[dict[str, Any], list[str]]:
    """A direction in the named inputs, each tangent of its input's shape (a number is
    spread over an array), and the names it left out (taken as 0)."""
    given: dict[str, object]
    if isinstance(direction, str):
        given = _parsed(direction, what)
    elif isinstance(direction, Mapping):
        given = dict(direction)
    else:
        raise UsageError(f"{param(what)} takes NAME=NUMBER pairs (\"x=1,y=0.5\") or a dict, "
                         f"not {type(direction).__name__}")
    kind = "param" if what == "hvp" else "input"
    out: dict[str, Any] = {}
    for name, raw in given.items():
        if name not in names:
            raise _unknown(str(name), names, what, kind)
        out[name] = _tangent(raw, np.shape(inputs[name]), name, what)
    missing = [n for n in names if n not in out]
    return out, missing


def _parsed(text: str, what: str) -> dict[str, object]:
    """NAME=VALUE items, comma-separated; a VALUE may be an array in brackets, whose
    own commas do not separate items (W=[[1, 0], [0, 1]],b=0)."""
    example = "x=1,y=0.5"
    if not text.strip():
        raise UsageError(f"{param(what)} is empty", hint=f"give NAME=NUMBER pairs: {example}")
    items, depth, start = [], 0, 0
    for k, c in enumerate(text):
        depth += (c == "[") - (c == "]")
        if c == "," and depth == 0:
            items.append(text[start:k])
            start = k + 1
    items.append(text[start:])
    given: dict[str, object] = {}
    for item in items:
        name, eq, raw = item.partition("=")
        name = name.strip()
        if not eq or not checks.NAME.match(name):
            raise UsageError(f"{param(what)}: {item.strip()!r} is not NAME=NUMBER",
                             hint=f"write NAME=NUMBER pairs, comma-separated: {example}")
        if name in given:
            raise UsageError(f"{param(what)}: {name} is given twice")
        given[name] = raw.strip()
    return given


def _tangent(raw: object, shape: tuple[int, ...], name: str, what: str) -> Any:
    try:
        if isinstance(raw, str):
            value = np.asarray(json.loads(raw) if raw.startswith("[") else float(raw),
                               dtype=np.float64)
        else:
            value = np.asarray(raw, dtype=np.float64)
    except (ValueError, TypeError, OverflowError):
        raise UsageError(f"{param(what)}: {name}={raw} is not a number",
                         hint=f"write {name}=NUMBER, such as {name}=1 or {name}=-0.5") from None
    if value.ndim and value.shape != shape:
        raise UsageError(f"{param(what)}: {name} has shape {list(shape)}, its tangent "
                         f"{list(value.shape)}",
                         hint=f"give a number (spread over {name}) or an array of its shape")
    if not np.isfinite(value).all():
        raise UsageError(f"{param(what)}: {name}={raw} is not a finite number")
    return value[()] if value.ndim == 0 else value


def _pair(explain: checks.Names, inputs: Mapping[str, Any],
          params: Sequence[str]) -> tuple[Element, Element] | None:
    """The two param elements --explain names: "x,y", "W[0, 1],b"."""
    if explain is None:
        return None
    parts = [p.strip() for p in re.split(r",(?![^\[]*\])", explain)] \
        if isinstance(explain, str) else [str(p) for p in explain]
    if len(parts) != 2 or not all(parts):
        raise UsageError(f"{param('explain')} names two params, as x,y (or W[0, 1],b), "
                         f"not {explain!r}")
    labels = {e.label.replace(" ", ""): e for e in elements(inputs, params)}
    chosen = []
    for part in parts:
        e = labels.get(part.replace(" ", ""))
        if e is None:
            base = part.split("[")[0]
            if base in params and np.ndim(inputs[base]):
                raise UsageError(f"{param('explain')}: {part} is not an element of {base}, "
                                 f"of shape {list(np.shape(inputs[base]))}",
                                 hint=f"name one element, as {base}[0]"
                                      if np.ndim(inputs[base]) == 1 else
                                      f"name one element, as {base}[0, 0]")
            raise _unknown(part, list(params), "explain", "param")
        chosen.append(e)
    return chosen[0], chosen[1]
