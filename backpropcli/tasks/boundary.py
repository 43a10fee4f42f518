"""The decision boundary of a classifier trained on two features, as data: its prediction
over a grid of the two features, and the data points with their labels.

What makes a program a classifier of two features, found from the graph, not from a
sample's names:
- the features: data read by load(...) with two columns (an N × 2 constant);
- the labels: data of N rows, one column, holding exactly two distinct values;
- the prediction: the node the user names (--predict), or else the last named node
  computed from the features but not from the labels with one value per row (moons.bp's
  `score`; a logistic regression's `p`), the labels being what it is trained against.
The class threshold: 0.5 for a prediction that stays within 0 to 1 on the data (a
probability); 0 for one that does not against 0/1 labels (a logit, whose sign is the
class); else halfway between the two labels (0 for a score against −1/+1).

The grid is worked out by substituting it for the data: the part of the graph the
prediction depends on, with the features' node holding the grid's points as rows,
evaluated by the engine in one pass, or batch by batch of N rows (the data's own shape)
where the program's shapes do not allow another number of rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..core.engine import forward
from ..core.errors import BackpropError, UsageError
from ..core.graph import Graph, Node, Value

GRID = 100  # points a side: 10 000 rows through the network, one pass
MARGIN = 0.1  # of the data's span, each side


@dataclass(frozen=True)
class Boundary:
    """A classifier's prediction over a grid of its two features: predicted[i, j] at
    (xs[j], ys[i]); the data's points and labels; the threshold between the classes."""

    features: tuple[str, str]  # the two columns' names
    prediction: str  # the node drawn
    xs: np.ndarray
    ys: np.ndarray
    predicted: np.ndarray
    threshold: float
    points: np.ndarray  # N × 2
    labels: np.ndarray  # N
    classes: tuple[float, float]  # the two label values, low then high
    on_data: np.ndarray  # the prediction at each data point

    @property
    def accuracy(self) -> float:
        """The share of the data points on their own label's side of the threshold."""
        return float(np.mean((self.on_data > self.threshold) == (self.labels == self.classes[1])))


def _rows(v) -> int | None:
    """N for a value of shape (N,) or (N, 1); else None."""
    shape = np.shape(v)
    if len(shape) == 1 or (len(shape) == 2 and shape[1] == 1):
        return shape[0]
    return None


def find(graph: Graph, values: tuple, predict: str | None = None) -> tuple[int, int, int] | None:
    """(features, labels, prediction) node indices of a classifier of two features, or
    None when the program is not one. `values` are every node's values (an evaluation's);
    `predict` names the prediction node (a usage error if it cannot be one)."""
    nodes = graph.nodes
    features = [i for i, n in enumerate(nodes) if n.is_data and np.ndim(values[i]) == 2
                and np.shape(values[i])[1] == 2]
    labels = [i for i, n in enumerate(nodes) if n.is_data and _rows(values[i]) is not None
              and len(np.unique(np.asarray(values[i])[np.isfinite(values[i])])) == 2]
    if predict is not None:
        chosen = graph.find(predict)
        if chosen is None or not nodes[chosen].computed:
            raise UsageError(f"--predict {predict}: the program computes no node of that name")
        candidates = [chosen]
    else:
        named = sorted({i for i in graph.names.values() if nodes[i].computed})
        candidates = named[::-1]
    for p in candidates:
        deps = graph.ancestors(p)
        rows = _rows(values[p])
        for f in features:
            n_rows = np.shape(values[f])[0]
            if not deps[f] or rows != n_rows:
                continue
            for lab in labels:
                if _rows(values[lab]) == n_rows and not deps[lab]:
                    return f, lab, p
    if predict is not None:
        raise UsageError(f"--predict {predict}: not a prediction of two features (a node "
                         "with a value per data row, computed from two loaded columns and "
                         "not from the labels)")
    return None


def boundary(graph: Graph, values: tuple, inputs: Mapping[str, Value],
             found: tuple[int, int, int], n: int = GRID) -> Boundary:
    """The prediction of node found[2] over an n × n grid around the data found[0],
    with every input at its value in `inputs` (the trained params)."""
    f, lab, p = found
    points = np.asarray(values[f], dtype=float)
    labels = np.asarray(values[lab], dtype=float).reshape(-1)
    lo, hi = points.min(axis=0), points.max(axis=0)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    xs = np.linspace(lo[0] - MARGIN * span[0], hi[0] + MARGIN * span[0], n)
    ys = np.linspace(lo[1] - MARGIN * span[1], hi[1] + MARGIN * span[1], n)
    X, Y = np.meshgrid(xs, ys)
    grid = np.column_stack([X.ravel(), Y.ravel()])
    predicted = _predict(graph, f, p, inputs, grid, len(points)).reshape(X.shape)
    on_data = np.asarray(values[p], dtype=float).reshape(-1)
    classes = (float(labels.min()), float(labels.max()))
    threshold = _threshold(on_data, classes)
    data = graph.nodes[f].data
    columns = data[1] if data is not None and len(data[1]) == 2 else ("x1", "x2")
    return Boundary((str(columns[0]), str(columns[1])), graph.nodes[p].name, xs, ys,
                    np.where(np.isfinite(predicted), predicted, np.nan), threshold,
                    points, labels, classes, on_data)


def _threshold(on_data: np.ndarray, classes: tuple[float, float]) -> float:
    """Where the prediction changes class: 0.5 for a probability (every value on the data
    within 0 to 1, as a sigmoid gives, whatever the labels: 0/1, or −1/+1 mapped to
    them); 0 for a logit against 0/1 labels (its sign is the class); else halfway
    between the two labels (0 for a score against −1/+1)."""
    finite = on_data[np.isfinite(on_data)]
    if finite.size and finite.min() >= 0 and finite.max() <= 1:
        return 0.5
    if classes == (0.0, 1.0):
        return 0.0
    return (classes[0] + classes[1]) / 2


def _predict(graph: Graph, f: int, p: int, inputs: Mapping[str, Value],
             grid: np.ndarray, rows: int) -> np.ndarray:
    """Node p with the grid's rows for the data of node f: at once, else N rows at a
    time (the last batch padded with its own last row)."""
    try:
        return _run(graph, f, p, inputs, grid)
    except BackpropError:
        pass
    out = []
    for start in range(0, len(grid), rows):
        batch = grid[start:start + rows]
        short = rows - len(batch)
        if short:
            batch = np.vstack([batch, np.repeat(batch[-1:], short, axis=0)])
        out.append(_run(graph, f, p, inputs, batch)[:rows - short])
    return np.concatenate(out)


def _run(graph: Graph, f: int, p: int, inputs: Mapping[str, Value],
         data: np.ndarray) -> np.ndarray:
    """Node p's value, one per row of `data` standing for node f's value."""
    sub = subgraph(graph, p, {f: data})
    values, _ = forward(sub, inputs)
    out = np.asarray(values[sub.output], dtype=float).reshape(-1)
    if len(out) != len(data):
        raise UsageError("the prediction does not give one value per row")
    return out


def subgraph(graph: Graph, root: int, replace: Mapping[int, Value]) -> Graph:
    """The nodes `root` depends on, renumbered in their order, as a graph whose output is
    `root`; a constant in `replace` holds the value given there instead of its own."""
    keep = graph.ancestors(root)
    index: dict[int, int] = {}
    nodes: list[Node] = []
    for i, node in enumerate(graph.nodes):
        if not keep[i]:
            continue
        index[i] = len(nodes)
        node = dataclasses.replace(node, args=tuple(index[a] for a in node.args))
        if i in replace:
            node = dataclasses.replace(node, value=replace[i])
        nodes.append(node)
    names = {k: index[v] for k, v in graph.names.items() if v in index}
    return Graph(tuple(nodes), index[root], graph.source, names)
