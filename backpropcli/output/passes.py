"""The JSON keys of the commands that show a pass itself, step by step: `replay` (the
frames of the forward and the reverse pass), `forward` (forward mode's sweeps) and
`hessian` (forward-over-reverse), and `cost` (what each way of differentiating costs,
counted). The rest of each document is document.document's."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..tasks.jsontext import Finite, FiniteList, jsonable
from ..tasks.replay import Replay, lines, title

if TYPE_CHECKING:  # loaded with that command
    from ..tasks.cost import Cost, Method
    from ..tasks.forward import Forward
    from ..tasks.hessian import Hessian


def forward_fields(f: Forward) -> dict:
    """The `forward` document's own key: the sweeps, every row's tangents, and the
    gradient from forward mode beside the reverse pass's (or the directional derivative)."""
    return {"forward": {
        "mode": f.mode,
        "sweeps": [{"label": s.label, "direction": Finite((k, jsonable(v))
                                                           for k, v in s.direction.items())}
                   for s in f.sweeps],
        "rows": FiniteList({"name": r.name, "expr": r.expr, "value": jsonable(r.value),
                            "rule": r.rule,
                            "tangents": [jsonable(s.tangents[r.index]) for s in f.sweeps],
                            "numbers": list(r.numbers)} for r in f.rows),
        "gradient": None if f.gradient is None else Finite(
            (k, jsonable(v)) for k, v in f.gradient.items()),
        "agrees": None if f.mode == "direction" else f.agrees,
        "difference": f.difference,
        "jvp": jsonable(f.jvp) if f.mode == "direction" else None,
        "missing": list(f.missing),
    }}


def hessian_fields(h: Hessian) -> dict:
    """The `hessian` document's own key: the matrix over the params' elements and its
    asymmetry, or H·v; an entry explained."""
    e = h.entry
    return {"hessian": {
        "params": h.labels,
        "matrix": None if h.matrix is None else jsonable(h.matrix),
        "asymmetry": h.asymmetry,
        "symmetric": h.symmetric,
        "hvp": None if h.product is None or h.direction is None else {
            "direction": Finite((k, jsonable(v)) for k, v in h.direction.items()),
            "product": Finite((k, jsonable(v)) for k, v in h.product.items())},
        "missing": list(h.missing),
        "explain": None if e is None else {
            "first": e.first, "second": e.second, "text": e.said(h.output),
            "formula": e.formula, "value": e.value, "transposed": e.transposed},
    }}


def replay_fields(rp: Replay) -> dict:
    """The `replay` document's own key: every frame, in order, with its numbers and the
    lines the views show."""
    nodes = rp.evaluation.graph.nodes
    frames = []
    for n, f in enumerate(rp.frames):
        frame: dict = {"kind": f.kind, "node": nodes[f.node].name, "title": title(rp, n),
                       "text": lines(rp, n)}
        if f.kind == "forward":
            frame["value"] = jsonable(f.value)
            frame["shape"] = list(np.shape(f.value))  # type: ignore[arg-type]
        elif f.kind == "seed":
            frame["after"] = jsonable(f.after)
        elif f.kind == "backward":
            frame.update({
                "user": nodes[f.user].name, "slot": f.slot, "use": f.use or None,
                "upstream": jsonable(f.upstream),
                "local": None if f.local is None else jsonable(f.local),
                "formula": f.formula, "contribution": jsonable(f.value),
                "summed": f.summed or None,
                "before": None if f.before is None else jsonable(f.before),
                "after": jsonable(f.after),
                "shape": list(np.shape(f.after))})  # type: ignore[arg-type]
        else:
            frame["gradients"] = Finite((k, jsonable(v)) for k, v in f.gradients)
        frames.append(frame)
    return {"frames": FiniteList(frames)}


def cost_fields(c: Cost) -> dict:
    """The `cost` document's own key: the three methods' passes, op evaluations (counted)
    and times, what reverse mode keeps, and the verdict."""

    def method(m: Method) -> dict:
        return {"passes": {"forward": m.forward_passes, "backward": m.backward_passes},
                "evaluations": m.evaluations, "values": m.values, "tangents": m.tangents,
                "local_derivatives": m.locals, "backward_terms": m.terms, "vjps": m.vjps,
                "seconds": m.seconds, "spread": m.spread}

    return {"cost": {
        "compares": "jacobian" if c.jacobian else "gradient",
        "input_elements": len(c.inputs),
        "output_elements": c.outputs,
        "methods": {m.name: method(m) for m in c.methods},
        "reverse_keeps": {"values": c.saved_values, "local_derivatives": c.saved_locals,
                          "bytes": c.saved_bytes},
        "ratios": {"forward": c.ratio(c.forward), "numerical": c.ratio(c.numerical)},
        "cheapest": c.cheapest.name,
        "repeats": c.repeats,
        "noise": c.noise,
        "failed": c.failed,
        "sentence": c.sentence(),
    }}
