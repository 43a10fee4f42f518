"""output/tree.py: the plan of the terminal tree — reused nodes referred to, constants and
unused nodes, and the counts of what a big tree leaves out within its budget."""

from __future__ import annotations

import pytest

from backpropcli.core.engine import evaluate
from backpropcli.output import tree
from tests.pictures import run, sample, seed

# the tree plan

def names(ev, plan, kind=None):
    return [ev.graph.nodes[r.node].name for r in plan.rows if kind is None or r.kind == kind]


def test_tree_plan_of_the_worked_example():
    ev = seed()
    plan = tree.tree_plan(ev)
    assert [(r.lead, ev.graph.nodes[r.node].name, r.kind) for r in plan.rows] == [
        ("", "g", "full"), ("├─ ", "f", "full"), ("│  ├─ ", "x", "full"),
        ("│  └─ ", "y", "full"), ("└─ ", "z", "full")]
    assert (plan.total, plan.shown, plan.hidden, plan.unused) == (5, 5, 0, ())


def test_a_reused_node_is_drawn_once_then_referred_to():
    ev = sample("reuse.bp")
    plan = tree.tree_plan(ev)
    assert [(ev.graph.nodes[r.node].name, r.kind) for r in plan.rows] == [
        ("c", "full"), ("b", "full"), ("a", "full"), ("a", "ref"), ("b", "ref")]


def test_constants_and_unused_nodes():
    ev = run("f = x * y; g = f + 2; h = g * 3", x=3, y=-4)
    ev = evaluate(ev.graph.with_output(ev.graph.find("g")), ev.inputs())
    plan = tree.tree_plan(ev)
    assert names(ev, plan, "const") == ["2"]
    assert [ev.graph.nodes[i].name for i in plan.unused] == ["h"]


def chain(n: int):
    """c = c*1.01 + y, n times: 2n + 2 nodes, n + 1 levels deep."""
    return run("c = x\n" + "c = c * 1.01 + y\n" * n, x=1, y=2)


def fan(n: int):
    """A sum of n products over 50 inputs: a deep left spine with reuse everywhere."""
    text = " + ".join(f"x{k % 50}*{k}" for k in range(n))
    return run(text, **{f"x{k}": k for k in range(50)})


def check_counts(ev, plan):
    """The plan's counts agree with its rows, and every node is drawn or counted once."""
    drawn = [r.node for r in plan.rows if r.kind in (tree.FULL, tree.CUT, tree.FOLDED)]
    assert len(drawn) == len(set(drawn)) == plan.shown
    reachable = ev.graph.ancestors(ev.graph.output)
    total = sum(1 for i, n in enumerate(ev.graph.nodes) if reachable[i] and not n.is_const)
    assert plan.total == total
    assert plan.hidden == sum(r.hidden for r in plan.rows) == total - plan.shown
    refs = {r.node for r in plan.rows if r.kind == tree.REF}
    assert refs <= set(drawn)


@pytest.mark.parametrize("make", [lambda: chain(250), lambda: fan(500),
                                  lambda: sample("micrograd.bp")])
@pytest.mark.parametrize(("lines", "depth"), [(60, 10), (20, 4), (8, 100), (1000, 3)])
def test_a_big_graph_stays_within_its_budget(make, lines, depth):
    ev = make()
    plan = tree.tree_plan(ev, lines=lines, depth=depth)
    assert len(plan.rows) <= lines + 1  # one more row at most: the last node's operand
    assert all(len(r.lead) <= 3 * depth for r in plan.rows)
    check_counts(ev, plan)


def test_a_500_node_graph_is_summarised():
    ev = fan(500)  # 1049 nodes the output depends on
    plan = tree.tree_plan(ev)
    assert plan.total == 1049
    assert len(plan.rows) <= tree.TREE_LINES
    assert plan.hidden > 900
    check_counts(ev, plan)


def test_every_cut_row_with_a_hidden_operand_counts_it():
    ev = fan(500)
    plan = tree.tree_plan(ev)
    for r in plan.rows:
        if r.kind == tree.CUT:
            hidden_operand = any(
                not n.is_const and all(q.node != j for q in plan.rows)
                for j, n in ((j, ev.graph.nodes[j]) for j in ev.graph.nodes[r.node].args))
            assert (r.hidden > 0) == hidden_operand


def test_full_draws_everything_and_folds_deep_rows():
    ev = chain(100)  # 101 levels
    plan = tree.tree_plan(ev, full=True, fold=12)
    assert plan.hidden == 0 and plan.shown == plan.total == 202
    assert all(len(r.lead) <= 3 * 13 for r in plan.rows)
    folded = [r.node for r in plan.rows if r.kind == tree.FOLDED]
    resumed = [r.node for r in plan.rows if r.kind == tree.RESUME]
    assert folded == resumed and len(folded) >= 100 // 12
    check_counts(ev, plan)
