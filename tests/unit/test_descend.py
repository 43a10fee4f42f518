"""The descent loop: optimizers, schedules, stopping, divergence."""

from __future__ import annotations

import numpy as np
import pytest

from backpropcli.core.compiled import compile_graph
from backpropcli.lang.parse import parse
from backpropcli.tasks import descend
from backpropcli.tasks.values import bind


def run(text: str, values: dict | None = None, params=None, **settings):
    graph = parse(text)
    inputs = bind(graph, {k: np.float64(v) for k, v in (values or {}).items()})
    c = compile_graph(graph, inputs)
    return descend.run(c, inputs, params or list(graph.input_names),
                       descend.Settings(**settings))


def test_worked_example_decreases_at_every_step():
    r = run("f = x*y; g = f + z", {"x": 3, "y": -4, "z": 2}, lr=0.01, steps=50)
    assert r.stopped == "steps" and r.steps == 50
    assert all(b < a for a, b in zip(r.values, r.values[1:], strict=False))
    assert r.values[1] == pytest.approx(3.04 * -4.03 + 1.99)  # x + 0.04, y - 0.03, z - 0.01


def test_first_sgd_step_is_the_step_command():
    r = run("g = x*y + z", {"x": 3, "y": -4, "z": 2}, lr=0.1, steps=1)
    assert r.values == pytest.approx([-10, -12.72])
    assert r.inputs == pytest.approx({"x": 3.4, "y": -4.3, "z": 1.9})


@pytest.mark.parametrize("optimizer", descend.OPTIMIZERS)
def test_each_optimizer_finds_the_minimum_of_a_bowl(optimizer):
    lr = {"sgd": 0.1, "momentum": 0.05, "adam": 0.1}[optimizer]
    r = run("y = (a - 3)^2 + (b + 1)^2", {"a": 0, "b": 0}, lr=lr, steps=500,
            optimizer=optimizer)
    assert r.inputs["a"] == pytest.approx(3, abs=1e-2)
    assert r.inputs["b"] == pytest.approx(-1, abs=1e-2)


def test_adam_first_step_moves_each_param_by_lr():
    # m̂ = g and ŝ = g² after one step, so the step is lr·g/|g| = lr in size.
    r = run("y = 5*a + 0.01*b", {"a": 0, "b": 0}, lr=0.5, steps=1, optimizer="adam")
    assert r.inputs["a"] == pytest.approx(-0.5, rel=1e-6)
    assert r.inputs["b"] == pytest.approx(-0.5, rel=1e-4)


def test_linear_schedule():
    s = descend.Settings(lr=1.0, steps=100, schedule="linear")
    assert descend.learning_rate(s, 0) == 1.0
    assert descend.learning_rate(s, 50) == pytest.approx(0.55)
    assert descend.learning_rate(s, 100) == pytest.approx(0.1)


def test_tolerance_stops_early():
    r = run("y = (a - 3)^2", {"a": 0}, lr=0.1, steps=10_000, tol=1e-12)
    assert r.stopped == "converged" and r.steps < 200


def test_divergence_on_non_finite_keeps_the_best_point():
    r = run("y = x^2", {"x": 1}, lr=1e6, steps=100)
    assert r.stopped == "diverged" and "not finite" in r.reason
    assert np.isfinite(r.inputs["x"]) and r.inputs["x"] == 1  # the start was the best


def test_divergence_on_growth():
    r = run("y = x^2", {"x": 1}, lr=1.5, steps=10_000)
    assert r.stopped == "diverged" and "rose" in r.reason
    assert r.inputs["x"] == 1


# The stopping rules on their own, judged on a list of values as the loop would see them.

def judged(values, **rules) -> tuple[int | None, descend.Stop | None, descend.Stopping]:
    """The step at which the rules stop a run of these values, and their verdict."""
    s = descend.Stopping(**rules)
    for k, v in enumerate(values):
        stop = s.judge(k, v)
        if stop is not None:
            return k, stop, s
    return None, None, s


def test_rules_converge_when_a_change_is_below_tol():
    k, stop, _ = judged([5.0, 3.0, 2.9995, 2.999], tol=1e-3)
    assert k == 2 and stop == descend.Stop(
        "converged", "the value changed by less than 0.001 at step 2")


def test_rules_never_converge_with_tol_zero():
    assert judged([1.0] * 100)[0] is None


def test_rules_diverge_after_patience_rises_above_the_start():
    k, stop, s = judged([1.0, 2.0, 3.0, 4.0, 5.0], patience=3)
    assert k == 3 and stop == descend.Stop(
        "diverged", "the value rose for 3 steps in a row, up to 4")
    assert s.best_step == 0


def test_rules_let_a_climb_out_of_a_dip_go_on():
    # Rising for many steps, but still below where it started: not divergence.
    assert judged([10.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0], patience=3)[0] is None


def test_rules_count_rises_in_a_row_only():
    # A flat step (or a fall) starts the count again.
    assert judged([1.0, 2.0, 3.0, 3.0, 4.0, 5.0], patience=3)[0] is None
    assert judged([1.0, 2.0, 3.0, 3.0, 4.0, 5.0, 6.0], patience=3)[0] == 6


def test_rules_ascending_mirror_them():
    k, stop, _ = judged([1.0, 0.0, -1.0, -2.0], patience=3, ascend=True)
    assert k == 3 and stop.stopped == "diverged"
    assert judged([1.0, 2.0, 3.0, 4.0], patience=3, ascend=True)[0] is None


def test_rules_keep_the_best_step_and_the_change():
    s = descend.Stopping()
    seen = []
    for k, v in enumerate([3.0, 1.0, 2.0, 0.5, 0.5]):
        s.judge(k, v)
        seen.append((s.improved, s.change, s.best_step))
    assert seen == [(True, None, 0), (True, -2.0, 1), (False, 1.0, 1), (True, -1.5, 3),
                    (False, 0.0, 3)]


def test_rules_on_a_value_that_is_not_finite():
    stop = descend.Stopping().not_finite(7, float("inf"))
    assert stop == descend.Stop(
        "diverged", "at step 7 the value or its gradient is not finite (inf)")


def test_ascend_climbs():
    r = run("y = -(a - 2)^2", {"a": 0}, lr=0.1, steps=200, ascend=True)
    assert r.inputs["a"] == pytest.approx(2, abs=1e-3)


def test_only_params_move():
    r = run("y = (a - 3)^2 + (b - 1)^2", {"a": 0, "b": 0}, params=["a"], lr=0.1, steps=50)
    assert r.inputs["b"] == 0


def test_default_watch_is_named_nodes_beside_the_output():
    graph = parse("score = w * x; accuracy = sign(score); loss = (score - 1)^2")
    assert [graph.nodes[i].name for i in descend.default_watch(graph)] == ["accuracy"]


# ---------------------------------------------------------------------------
# the trace: a bounded number of points, evenly spread, and the first, best and last

def fed(n: int, every: int = 1, limit: int = 16, best_at: int | None = None) -> descend.Trace:
    """A trace of steps 0 … n whose values fall, except a dip to the lowest at best_at."""
    trace = descend.Trace(("w",), every=every, limit=limit)
    low = None
    for k in range(n + 1):
        value = -1.0 if k == best_at else 1.0 / (k + 1)
        best = low is None or value < low
        low = value if best else low
        trace.add(descend.Point(k, value, None if k == 0 else 0.0, (2.0 * k,)), best)
    return trace


@pytest.mark.parametrize("every", [1, 3])
@pytest.mark.parametrize("n", [0, 1, 15, 16, 17, 47, 48, 49, 1000, 12_345])
def test_trace_keeps_a_bounded_evenly_spread_sample(n, every):
    trace = fed(n, every, best_at=n // 3 + 1 if n > 2 else None)
    kept = [p.step for p in trace.kept]  # the last step is apart until a later one comes
    assert len(kept) <= 16
    # Every multiple of the gap before the last step: evenly spread, from 0 to the end.
    assert kept == list(range(0, n, trace.gap))
    steps = trace.steps
    assert steps[0] == 0 and steps[-1] == n and steps == sorted(set(steps))
    if trace.stride > 1:
        assert len(kept) >= 8 and n // 3 + 1 in steps  # half full at least; the best kept
    if every == 1 and n <= 16:
        assert steps == list(range(n + 1))  # a short run keeps every step
    points = trace.points()
    assert trace.values == [p.value for p in points]
    assert trace.watched == {"w": [2.0 * k for k in steps]}


def test_every_k_before_thinning_is_the_multiples_and_the_last():
    trace = fed(40, every=7, limit=100, best_at=11)
    assert trace.steps == [0, 7, 14, 21, 28, 35, 40]  # as --every has always given


def run_steps(n: int, **kw) -> descend.Run:
    graph = parse("L = (a - 3)^2")
    inputs = bind(graph, {"a": np.float64(0.0)})
    return descend.run(compile_graph(graph, inputs), inputs, ["a"],
                       descend.Settings(lr=0.1, steps=n), **kw)


def test_a_long_run_keeps_at_most_the_limit():
    # 100 000 steps thinned to at most 300 points, as 10**9 steps are to descend.LIMIT
    n, limit = 10**5, 300
    r = run_steps(n, limit=limit)
    assert r.stopped == "steps" and r.steps == n
    steps = r.trace.steps
    assert len(steps) <= limit + 2
    assert steps[0] == 0 and steps[-1] == n and r.best_step in steps
    grid = [p.step for p in r.trace.kept]
    assert len(grid) > limit // 2
    assert set(np.diff(grid)) == {r.trace.gap}  # evenly spread
    assert n - grid[-1] <= r.trace.gap
    assert r.values[0] == 9.0 and r.values[-1] == pytest.approx(0.0, abs=1e-20)


def test_every_k_thins_on_top_of_the_multiples_of_k():
    r = run_steps(50_000, every=7, limit=1000)
    hist = descend.history(r, descend.Settings(lr=0.1, steps=50_000))
    steps = [h["step"] for h in hist]
    assert len(steps) <= 1000 + 2 and steps[0] == 0 and steps[-1] == 50_000
    assert all(k % 7 == 0 for k in steps if k not in (r.best_step, 50_000))
    assert r.history.gap % 7 == 0 and r.history.gap > 7
    # The change is still from the step before, not from the last point kept.
    k = steps[5]
    assert hist[5]["change"] == pytest.approx(9 * 0.64**k - 9 * 0.64 ** (k - 1), abs=1e-12)
    assert r.trace is not r.history and r.trace.every == 1  # the curve's, thinned apart


def test_memory_stays_flat_however_many_steps():
    import gc
    import tracemalloc

    def peak(n: int) -> int:
        gc.collect()
        tracemalloc.start()
        run_steps(n, limit=200)
        size = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return size

    small, large = peak(2 * 10**3), peak(2 * 10**4)
    assert large < 2 * small  # 10 times the steps, not 10 times the memory


def test_divergence_is_judged_on_every_step_not_on_the_trace():
    # Thinned down to a handful of points, the rise must still be seen step by step.
    r = run("y = x^2", {"x": 1}, lr=1.5, steps=10_000)
    graph = parse("y = x^2")
    inputs = bind(graph, {"x": np.float64(1)})
    small = descend.run(compile_graph(graph, inputs), inputs, ["x"],
                        descend.Settings(lr=1.5, steps=10_000), limit=2)
    assert small.stopped == r.stopped == "diverged" and small.reason == r.reason
    assert small.steps == r.steps and small.inputs == r.inputs


@pytest.mark.parametrize("steps", [10**7 + 1, 10**400, np.int64(2**62)])
def test_the_api_refuses_steps_above_the_cap(steps):
    import backpropcli as bp

    with pytest.raises(bp.BackpropError, match=r"steps must be at most 10,000,000") as e:
        bp.descend("L = (a - 3)^2", a=0, steps=steps)
    assert "steps" in e.value.message and e.value.exit_code == 2
    assert len(e.value.message) < 100
