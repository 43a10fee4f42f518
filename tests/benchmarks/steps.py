"""One descent step of each side, for training.py: backprop's, and the references' on
the same data from the same starting weights.

Each `make_*` returns a function that runs one step (forward, backward, the update, the
watched accuracies) and is called in a fresh process by training.py. The nets:

- moons: samples/moons.bp (2-16-16-1 ReLU, max-margin loss + L2, 100 points), plain
  SGD at lr 0.1, the training accuracy watched (as `backprop descend samples/moons.bp`);
- digits: samples/digits.bp (64-32-10 tanh, softmax cross-entropy + L2, 1 347 training
  images, full batch), Adam at lr 0.01, the training and the test accuracy watched (as
  `backprop descend samples/digits.bp --optimizer adam --lr 0.01 --watch
  accuracy,test_accuracy`, the issue's command).

The references are written as their users write them: numpy by hand from the
derivatives on paper (in-place updates, pixels scaled once outside the step); jax with
the whole step under `jax.jit`; PyTorch eager with autograd and its own optimizer.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from _bench import ROOT

SAMPLES = ROOT / "samples"
SETTINGS = {"moons": {"lr": 0.1, "optimizer": "sgd", "watch": ("accuracy",)},
            "digits": {"lr": 0.01, "optimizer": "adam",
                       "watch": ("accuracy", "test_accuracy")}}
B1, B2, EPS = 0.9, 0.999, 1e-8  # Adam's, as backprop's defaults and torch's


def setup(net: str, batch: int | None = None):
    """The graph of samples/NET.bp with its data (the first `batch` rows of the
    training data when given: the digits' images and labels, the moons' points),
    backprop's starting inputs (seed 0) and the data as arrays by name."""
    from backpropcli.lang.parse import parse
    from backpropcli.tasks.values import bind, load_data

    graph = load_data(parse((SAMPLES / f"{net}.bp").read_text()), SAMPLES)
    if batch is not None:
        graph = _first_rows(graph, ("X", "Y") if net == "digits" else ("X", "y"), batch)
    inputs = bind(graph, {}, seed=0)
    data = {n: graph.nodes[graph.find(n)].value
            for n in (("X", "Y", "Xt", "Yt") if net == "digits" else ("X", "y"))}
    return graph, inputs, data


def _first_rows(graph, names, n):
    """The graph with the named data constants cut to their first n rows (repeated
    when n is more than they have): a batch of n."""
    from dataclasses import replace

    nodes = list(graph.nodes)
    for name in names:
        i = graph.find(name)
        v = nodes[i].value
        nodes[i] = replace(nodes[i], value=np.resize(v, (n, *v.shape[1:])))
    return replace(graph, nodes=tuple(nodes))


def make_backprop(net: str, steps: int, batch: int | None = None) -> Callable[[], object]:
    """`steps` steps of tasks.descend.run, the loop `backprop descend` runs (value,
    gradient, stopping rules, trace, the optimizer's update); returns a function that
    runs them all (the caller divides by steps)."""
    from backpropcli.core.compiled import compile_graph
    from backpropcli.tasks import descend

    graph, inputs, _ = setup(net, batch)
    s = SETTINGS[net]
    compiled = compile_graph(graph, inputs, [graph.find(n) for n in s["watch"]])
    settings = descend.Settings(lr=s["lr"], steps=steps - 1, optimizer=s["optimizer"])
    params = list(compiled.inputs)
    return lambda: descend.run(compiled, dict(inputs), params, settings)


# ---------------------------------------------------------------------------
# moons

def moons_numpy(batch: int | None = None) -> Callable[[], object]:
    graph, start, d = setup("moons", batch)
    X, y = d["X"], d["y"]
    W1, b1, W2, b2, w3 = (np.array(start[n], dtype=np.float64)
                          for n in ("W1", "b1", "W2", "b2", "w3"))
    b3 = float(start["b3"])
    n, lr = len(y), SETTINGS["moons"]["lr"]

    def step():
        nonlocal W1, b1, W2, b2, w3, b3  # (-= updates the arrays in place)
        z1 = X @ W1 + b1
        h1 = np.maximum(z1, 0)
        z2 = h1 @ W2 + b2
        h2 = np.maximum(z2, 0)
        score = h2 @ w3 + b3
        margin = 1 - y * score
        loss = np.maximum(margin, 0).mean() + 1e-4 * (
            (W1**2).sum() + (b1**2).sum() + (W2**2).sum() + (b2**2).sum() + (w3**2).sum()
            + b3**2)
        accuracy = (y * score > 0).mean()
        dscore = -y * (margin > 0) / n
        dz2 = np.outer(dscore, w3) * (z2 > 0)
        dz1 = (dz2 @ W2.T) * (z1 > 0)
        W1 -= lr * (X.T @ dz1 + 2e-4 * W1)
        b1 -= lr * (dz1.sum(0) + 2e-4 * b1)
        W2 -= lr * (h1.T @ dz2 + 2e-4 * W2)
        b2 -= lr * (dz2.sum(0) + 2e-4 * b2)
        w3 -= lr * (h2.T @ dscore + 2e-4 * w3)
        b3 -= lr * (dscore.sum() + 2e-4 * b3)
        return loss, accuracy

    return step


def moons_jax(batch: int | None = None) -> Callable[[], object]:
    import jax

    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    graph, start, d = setup("moons", batch)
    lr = SETTINGS["moons"]["lr"]

    def loss_fn(p, X, y):
        h1 = jax.nn.relu(X @ p["W1"] + p["b1"])
        h2 = jax.nn.relu(h1 @ p["W2"] + p["b2"])
        score = h2 @ p["w3"] + p["b3"]
        reg = sum(jnp.sum(v**2) for v in p.values())
        return jnp.mean(jax.nn.relu(1 - y * score)) + 1e-4 * reg, jnp.mean(y * score > 0)

    @jax.jit
    def step(p, X, y):
        (loss, acc), g = jax.value_and_grad(loss_fn, has_aux=True)(p, X, y)
        return {k: p[k] - lr * g[k] for k in p}, loss, acc

    state = [{k: jnp.asarray(np.asarray(v, dtype=np.float64)) for k, v in start.items()}]
    X, y = jnp.asarray(d["X"]), jnp.asarray(d["y"])

    def one():
        state[0], loss, acc = step(state[0], X, y)
        loss.block_until_ready()

    return one


def moons_torch(batch: int | None = None) -> Callable[[], object]:
    import torch

    graph, start, d = setup("moons", batch)
    lr = SETTINGS["moons"]["lr"]
    p = {k: torch.tensor(np.asarray(v, dtype=np.float64), requires_grad=True)
         for k, v in start.items()}
    X, y = torch.tensor(d["X"]), torch.tensor(d["y"])
    opt = torch.optim.SGD(p.values(), lr=lr)

    def step():
        h1 = torch.relu(X @ p["W1"] + p["b1"])
        h2 = torch.relu(h1 @ p["W2"] + p["b2"])
        score = h2 @ p["w3"] + p["b3"]
        reg = sum((v**2).sum() for v in p.values())
        loss = torch.relu(1 - y * score).mean() + 1e-4 * reg
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            accuracy = (y * score > 0).double().mean()
        return loss.item(), accuracy.item()

    return step


# ---------------------------------------------------------------------------
# digits

def digits_numpy(batch: int | None = None) -> Callable[[], object]:
    graph, start, d = setup("digits", batch)
    Xs, Xts = d["X"] / 16, d["Xt"] / 16  # scaled once: they never change
    Y, labels, labels_t = d["Y"], d["Y"].argmax(1), d["Yt"].argmax(1)
    params = [np.array(start[n], dtype=np.float64) for n in ("W1", "b1", "W2", "b2")]
    W1, b1, W2, b2 = params
    moments = [(np.zeros_like(q), np.zeros_like(q)) for q in params]
    n, lr = len(Y), SETTINGS["digits"]["lr"]
    t = 0

    def step():
        nonlocal t
        H = np.tanh(Xs @ W1 + b1)
        Z = H @ W2 + b2
        top = Z.max(1, keepdims=True)
        E = np.exp(Z - top)
        S = E.sum(1, keepdims=True)
        ce = np.mean(np.log(S[:, 0]) + top[:, 0] - (Y * Z).sum(1))
        loss = ce + 0.001 * ((W1**2).sum() + (W2**2).sum())
        accuracy = np.mean(Z.argmax(1) == labels)
        test_accuracy = np.mean((np.tanh(Xts @ W1 + b1) @ W2 + b2).argmax(1) == labels_t)
        dZ = (E / S - Y) / n
        dA = (dZ @ W2.T) * (1 - H * H)
        grads = (Xs.T @ dA + 0.002 * W1, dA.sum(0), H.T @ dZ + 0.002 * W2, dZ.sum(0))
        t += 1
        for q, g, (m, v) in zip(params, grads, moments, strict=True):  # Adam, in place
            m *= B1
            m += (1 - B1) * g
            v *= B2
            v += (1 - B2) * g * g
            q -= lr * (m / (1 - B1**t)) / (np.sqrt(v / (1 - B2**t)) + EPS)
        return loss, accuracy, test_accuracy

    return step


def digits_jax(batch: int | None = None) -> Callable[[], object]:
    import jax

    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    graph, start, d = setup("digits", batch)
    lr = SETTINGS["digits"]["lr"]
    X, Y, Xt, Yt = (jnp.asarray(d[k]) for k in ("X", "Y", "Xt", "Yt"))

    def net(p, X):
        return jnp.tanh(X / 16 @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]

    def loss_fn(p):
        Z = net(p, X)
        ce = jnp.mean(jax.nn.logsumexp(Z, axis=1) - jnp.sum(Y * Z, 1))
        accuracy = jnp.mean(Z.argmax(1) == Y.argmax(1))
        return ce + 0.001 * (jnp.sum(p["W1"]**2) + jnp.sum(p["W2"]**2)), accuracy

    @jax.jit
    def step(p, m, v, t):
        (loss, accuracy), g = jax.value_and_grad(loss_fn, has_aux=True)(p)
        test_accuracy = jnp.mean(net(p, Xt).argmax(1) == Yt.argmax(1))
        m = {k: B1 * m[k] + (1 - B1) * g[k] for k in p}
        v = {k: B2 * v[k] + (1 - B2) * g[k] ** 2 for k in p}
        p = {k: p[k] - lr * (m[k] / (1 - B1**t)) / (jnp.sqrt(v[k] / (1 - B2**t)) + EPS)
             for k in p}
        return p, m, v, loss, accuracy, test_accuracy

    p = {k: jnp.asarray(np.asarray(start[k], dtype=np.float64))
         for k in ("W1", "b1", "W2", "b2")}
    state = [p, {k: jnp.zeros_like(x) for k, x in p.items()},
             {k: jnp.zeros_like(x) for k, x in p.items()}, 0]

    def one():
        p, m, v, t = state
        p, m, v, loss, *_ = step(p, m, v, t + 1)
        state[:] = [p, m, v, t + 1]
        loss.block_until_ready()

    return one


def digits_torch(batch: int | None = None) -> Callable[[], object]:
    import torch
    import torch.nn.functional as F

    graph, start, d = setup("digits", batch)
    X, Xt = torch.tensor(d["X"]), torch.tensor(d["Xt"])
    labels, labels_t = (torch.tensor(d[k].argmax(1)) for k in ("Y", "Yt"))
    p = {k: torch.tensor(np.asarray(start[k], dtype=np.float64), requires_grad=True)
         for k in ("W1", "b1", "W2", "b2")}
    opt = torch.optim.Adam(p.values(), lr=SETTINGS["digits"]["lr"])

    def net(X):
        return torch.tanh(X / 16 @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]

    def step():
        Z = net(X)
        loss = F.cross_entropy(Z, labels) + 0.001 * ((p["W1"]**2).sum() + (p["W2"]**2).sum())
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            accuracy = (Z.argmax(1) == labels).double().mean()
            test_accuracy = (net(Xt).argmax(1) == labels_t).double().mean()
        return loss.item(), accuracy.item(), test_accuracy.item()

    return step


SIDES = {("moons", "numpy"): moons_numpy, ("moons", "jax"): moons_jax,
         ("moons", "torch"): moons_torch, ("digits", "numpy"): digits_numpy,
         ("digits", "jax"): digits_jax, ("digits", "torch"): digits_torch}
