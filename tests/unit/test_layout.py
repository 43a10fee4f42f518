"""The layered layout of the computation graph (output/layout.py) that the web player and
the animation draw from: columns by depth, the output alone at the far side, constants
left out, an edge per use, fewer crossings than graph order, and no recursion."""

from __future__ import annotations

import itertools

from backpropcli.lang.parse import parse
from backpropcli.output.layout import Layout, _inversions, drawn, layout


def test_inputs_first_each_node_after_its_deepest_operand_output_last():
    g = parse("f = x*y; g = f + z")
    lay = layout(g)
    names = {g.nodes[i].name: i for i in lay.nodes}
    col = {n: lay.column[i] for n, i in names.items()}
    assert col == {"x": 0, "y": 0, "z": 0, "f": 1, "g": 2}
    for e in lay.edges:
        assert lay.column[e.target] > lay.column[e.source]
    assert lay.columns[-1] == [g.output]


def test_the_output_stands_alone_in_the_last_column():
    g = parse("a = x + 1; b = a * a; c = b + y; out = a * y")  # c is as deep as anything
    lay = layout(g)
    last = max(lay.column.values())
    assert [i for i in lay.nodes if lay.column[i] == last] == [g.output]


def test_numbers_written_in_the_program_are_left_out_and_a_use_is_an_edge():
    g = parse("b = a + a; c = 2 * b + 3")
    lay = layout(g)
    assert all(not g.nodes[i].is_const for i in lay.nodes)
    assert drawn(g) == list(lay.nodes)
    a = g.find("a")
    assert [(e.source, e.slot) for e in lay.edges if e.source == a] == [(a, 0), (a, 1)]


def test_rows_are_a_permutation_in_every_column():
    g = parse("; ".join(f"t{k} = x{k % 5} * x{(k * 3) % 5}" for k in range(12))
              + "; out = " + " + ".join(f"t{k}" for k in range(12)))
    lay = layout(g)
    for col in lay.columns:
        assert sorted(lay.row[i] for i in col) == list(range(len(col)))


def _crossings_in_graph_order(g, lay: Layout) -> int:
    rows = {}
    for col in lay.columns:
        for r, i in enumerate(sorted(col)):
            rows[i] = r
    return Layout(lay.nodes, lay.column, rows, lay.edges).crossings()


def test_the_sweeps_cross_fewer_edges_than_graph_order():
    # inputs listed in an order that crosses every product with every other one
    g = parse("x0 = 1; x1 = 2; x2 = 3; x3 = 4; a = x0 * x3; b = x1 * x2; c = x2 * x1; "
              "d = x3 * x0; out = a + b + c + d")
    lay = layout(g)
    assert lay.crossings() <= _crossings_in_graph_order(g, lay)
    g = parse("; ".join(f"t{k} = x{(k * 7) % 10} + x{(k * 3) % 10}" for k in range(10))
              + "; out = " + " + ".join(f"t{k}" for k in range(10)))
    lay = layout(g)
    assert lay.crossings() < _crossings_in_graph_order(g, lay)


def test_inversions_count_pairs_out_of_order():
    for seq in ([], [1], [3, 1, 2], [5, 4, 3, 2, 1], [1, 1, 0, 2, 2, 0]):
        brute = sum(1 for a, b in itertools.combinations(seq, 2) if a > b)
        assert _inversions(list(seq)) == brute


def test_thousands_of_edges_and_a_deep_chain_without_recursion():
    # a chain 3 000 deep: a recursive walk would pass Python's recursion limit
    chain = "x = 1; a0 = x * x\n" + "\n".join(f"a{k} = a{k - 1} * x + x" for k in range(1, 3000))
    lay = layout(parse(chain))
    assert max(lay.column.values()) >= 3000
    wide = ("; ".join(f"x{k} = {k}" for k in range(1000)) + "; s = "
            + " + ".join(f"x{k} * x{(k * 7) % 1000}" for k in range(1000)))
    lay = layout(parse(wide))
    assert len(lay.edges) > 2000
