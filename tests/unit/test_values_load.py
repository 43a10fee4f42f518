"""load("file", "col", ...): parsing records the file, values.load_data reads it next to
the program, the data is a constant (no gradient, never moved, not an input), and
every problem with a file points at the load(...) in the program."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from backpropcli.core.engine import evaluate
from backpropcli.core.errors import ProgramError, SyntaxProblem, UsageError, ValueProblem
from backpropcli.lang.parse import parse
from backpropcli.tasks.program import reopen, start
from backpropcli.tasks.values import load_data
from tests.helpers import SAMPLES

TABLE = "x1,x2,y\n1,2,0.5\n3,4,-1\n# a comment line\n\n5,6,2\n"


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "t.csv").write_text(TABLE)
    return folder


def test_parse_records_the_file_and_columns_and_reads_nothing():
    graph = parse('X = load("nowhere.csv", "x1", "x2"); y = load(\'nowhere.csv\'); L = sum(X)')
    X, y = graph.nodes[graph.find("X")], graph.nodes[graph.find("y")]
    assert X.is_const and X.is_data and X.value is None
    assert X.data == ("nowhere.csv", ("x1", "x2")) and y.data == ("nowhere.csv", ())
    assert X.text == 'load("nowhere.csv", "x1", "x2")'
    assert graph.input_names == ()
    assert (X.line, X.column) == (1, 5)


def test_load_data_reads_columns_in_the_order_given(data):
    graph = load_data(parse('X = load("t.csv", "x2", "x1"); y = load("t.csv", "y"); '
                            'A = load("t.csv"); L = sum(X)'), data)
    value = {n.name: n.value for n in graph.nodes if n.is_data}
    np.testing.assert_array_equal(value["X"], [[2, 1], [4, 3], [6, 5]])
    np.testing.assert_array_equal(value["y"], [0.5, -1, 2])  # one column: a vector
    np.testing.assert_array_equal(value["A"], [[1, 2, 0.5], [3, 4, -1], [5, 6, 2]])


@pytest.mark.parametrize(("name", "write"), [
    ("v.json", lambda p: p.write_text("[[1, 2], [3, 4]]")),
    ("v.npy", lambda p: np.save(p, np.array([[1.0, 2.0], [3.0, 4.0]]))),
    ("v.txt", lambda p: p.write_text("1 2\n3 4\n")),
])
def test_load_reads_the_same_files_as_values(tmp_path, name, write):
    write(tmp_path / name)
    graph = load_data(parse(f'V = load("{name}"); L = sum(V)'), tmp_path)
    np.testing.assert_array_equal(graph.nodes[graph.find("V")].value, [[1, 2], [3, 4]])


def test_data_is_a_constant_with_no_gradient_that_never_moves(data):
    graph, point = start('X = load("t.csv", "x1", "x2"); L = sum(X @ w)', {"w": "[1, -1]"},
                         base=data)
    assert list(point.inputs) == ["w"] and point.params == ["w"]
    ev = evaluate(graph, point.inputs)
    assert ev.value == -3
    assert ev.grads[graph.find("X")] is None
    np.testing.assert_array_equal(ev.gradients()["w"], [9, 12])


def test_inline_programs_read_from_the_current_folder_and_remember_it(data, monkeypatch):
    monkeypatch.chdir(data)
    graph, point = start('X = load("t.csv"); L = sum(X) * w', {"w": "1"})
    assert point.base == data
    monkeypatch.chdir(data.parent)  # step from elsewhere still finds the file
    graph2, _ = reopen(point)
    np.testing.assert_array_equal(graph2.nodes[graph2.find("X")].value,
                                  graph.nodes[graph.find("X")].value)


def test_program_files_read_next_to_themselves(cli, data, tmp_path):
    (data / "p.bp").write_text('X = load("t.csv", "x1")\nL = sum(X * w)\n')
    code, out, err = cli("eval", str(data / "p.bp"), "--w", "2", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["value"] == 18 and doc["base"] == str(data)
    assert doc["data"] == {"X": {"file": "t.csv", "columns": ["x1"], "shape": [3]}}
    code, out, err = cli("step", "--lr", "0.1", "--json")  # re-reads the file from base
    assert code == 0, err
    assert json.loads(out)["inputs"]["w"] == pytest.approx(2 - 0.1 * 9)


def test_samples_run_from_another_folder(backprop, tmp_path):
    # the installed command, from a folder with nothing in it: data found next to the sample
    for sample in ("twolayer", "layer", "neuron_vector"):
        r = backprop("eval", str(SAMPLES / f"{sample}.bp"))
        assert r.returncode == 0, r.stderr
        r = backprop("step")
        assert r.returncode == 0, r.stderr
    r = backprop("eval", str(SAMPLES / "twolayer.bp"))
    assert "data (twolayer.csv, 8×2)" in r.stdout
    assert "← output" in r.stdout


def test_a_copied_sample_reads_its_own_copy_of_the_data(cli, tmp_path):
    shutil.copy(SAMPLES / "twolayer.bp", tmp_path / "net.bp")
    code, out, err = cli("eval", str(tmp_path / "net.bp"))
    assert code == 2
    assert "no such file" in err and str(tmp_path / "twolayer.csv") in err
    assert 'X = load("twolayer.csv", "x1", "x2")' in err and "^" in err


# ---------------------------------------------------------------------------
# errors


def _read_error(text: str, folder) -> ValueProblem:
    with pytest.raises(ValueProblem) as e:
        start(text, {}, base=folder)
    return e.value


def test_missing_file_points_at_the_load(data):
    err = _read_error('w = 1\nX = load("nope.csv")\nL = sum(X) * w', data)
    assert (err.line, err.column) == (2, 5)
    assert "X: no such file" in err.message and str(data / "nope.csv") in err.message
    assert "relative to" in err.hint
    assert "^" in err.context()


def test_unknown_column_lists_the_columns(data):
    err = _read_error('X = load("t.csv", "x2", "x_1"); L = sum(X)', data)
    assert "has no column 'x_1'" in err.message
    assert "x1, x2, y" in err.hint and "did you mean 'x1'" in err.hint
    assert (err.line, err.column) == (1, 5)


def test_bad_cell_names_the_file_line_and_column(data):
    (data / "bad.csv").write_text("a,b\n1,2\n\n3,oops\n")
    err = _read_error('X = load("bad.csv"); L = sum(X)', data)
    assert "bad.csv, line 4, column 2 (b): 'oops' is not a number" in err.message
    assert err.line == 1


def test_ragged_table(data):
    (data / "ragged.csv").write_text("1,2\n3\n")
    err = _read_error('X = load("ragged.csv"); L = sum(X)', data)
    assert "line 2: 1 value, but the rows before have 2" in err.message


@pytest.mark.parametrize(("file", "words"), [
    ("nohead.csv", ["no header row"]),
    ("v.json", ["columns can only be chosen from a table"]),
])
def test_columns_need_a_table_with_a_header(data, file, words):
    (data / "nohead.csv").write_text("1,2\n3,4\n")
    (data / "v.json").write_text("[1, 2]")
    err = _read_error(f'X = load("{file}", "a"); L = sum(X)', data)
    for w in words:
        assert w in err.message


@pytest.mark.parametrize(("text", "words"), [
    ('y = 2 * load("t.csv")', ["assign it to a name"]),
    ('load("t.csv")', ["give the data a name"]),
    ("X = load(t)", ["file name and column names, each in quotes"]),
    ('X = load("t.csv", 1)', ["each in quotes"]),
    ("X = load()", ["needs the name of a file"]),
    ('X = load("")', ["an empty name"]),
    ('y = x + "t.csv"', ["only names a file or a column in load"]),
    ('y = "t.csv"', ["only names a file or a column in load"]),
    ('y = sum(x, "a")', ["axis of sum must be a whole number"]),
    ('y = ["a", 1]', ["numbers only"]),
    ('y = lod("t.csv")', ["unknown function lod", "load"]),
])
def test_load_used_wrongly(text, words):
    with pytest.raises(ProgramError) as e:
        parse(text)
    said = e.value.message + (e.value.hint or "")
    for w in words:
        assert w in said, said
    assert e.value.exit_code == 2 and e.value.line == 1


def test_unclosed_string():
    with pytest.raises(SyntaxProblem) as e:
        parse('X = load("t.csv)\nL = sum(X)')
    assert "not closed" in e.value.message and (e.value.line, e.value.column) == (1, 10)


def test_data_cannot_be_given_a_value_nor_be_the_output(cli, data, monkeypatch):
    monkeypatch.chdir(data)
    code, out, err = cli("eval", 'X = load("t.csv"); L = sum(X * w)', "--w", "1", "--X", "3")
    assert code == 2 and "X is data that the program reads from a file" in err
    with pytest.raises(ProgramError, match="ends with X"):
        start('X = load("t.csv")', {}, base=data)
    with pytest.raises(UsageError, match="data read from a file"):
        start('X = load("t.csv"); L = sum(X * w)', {"w": "1"}, base=data, output="X")


def test_errors_as_json_have_the_place(cli, data, monkeypatch):
    monkeypatch.chdir(data)
    code, out, _ = cli("eval", 'L = w * sum(load("t.csv"))', "--w", "1", "--json")
    assert code == 2
    error = json.loads(out)["error"]
    assert error["kind"] == "program" and (error["line"], error["column"]) == (1, 13)
    code, out, _ = cli("eval", 'X = load("t.csv", "z"); L = sum(X)', "--json")
    assert code == 2 and json.loads(out)["error"]["kind"] == "value"
