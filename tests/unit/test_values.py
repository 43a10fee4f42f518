"""values.py: reading a value as typed after --name, from files, and binding inputs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from backpropcli.core.errors import ValueProblem
from backpropcli.lang.parse import parse
from backpropcli.tasks.values import bind, read_value


def problem(name: str, text: str, base=None) -> str:
    with pytest.raises(ValueProblem) as e:
        read_value(name, text, base)
    assert e.value.exit_code == 2
    return e.value.message


# ---------------------------------------------------------------------------
# numbers and JSON arrays

@pytest.mark.parametrize(("text", "value"), [
    ("3", 3.0), ("-4", -4.0), ("0.5", 0.5), ("1e-3", 0.001), ("-1e-3", -0.001), (".5", 0.5),
    ("  2.5 ", 2.5), ("+7", 7.0), ("1e308", 1e308), ("1e-400", 0.0),
])
def test_numbers(text, value):
    got = read_value("x", text)
    assert type(got) is np.float64 and got == value


@pytest.mark.parametrize(("text", "expected"), [
    ("[1, -2]", [1.0, -2.0]),
    ("[[1, 2], [3, 4]]", [[1.0, 2.0], [3.0, 4.0]]),
    ("[3]", [3.0]),
    ("[[[1], [2]]]", [[[1.0], [2.0]]]),
    ("[1e-3, 2.5E2]", [0.001, 250.0]),
])
def test_json_arrays(text, expected):
    got = read_value("w", text)
    assert isinstance(got, np.ndarray) and got.dtype == np.float64
    assert got.tolist() == expected


@pytest.mark.parametrize(("text", "words"), [
    ("abc", "'abc' is not a number"),
    ("", "is not a number"),
    ("3 4", "is not a number"),
    ("0x10", "is not a number"),
    ("nan", "not a finite number"),
    ("inf", "not a finite number"),
    ("-inf", "not a finite number"),
    ("1e400", "not a finite number"),
    ("[1, NaN]", "not a finite number"),
    ("[1, 1e400]", "not a finite number"),
    ("[[1, 2], [3]]", "ragged array"),
    ("[1, [2]]", "ragged array"),
    ("[]", "empty array"),
    ("[[]]", "empty array"),
    ("[1, 2", "is not an array of numbers"),
    ("[" * 5000, "is not an array of numbers"),
    ("[true]", "not an array holding true/false"),
    ('["3"]', "not an array holding text"),
    ("[1, null]", "not an array holding null"),
    ('[{"a": 1}]', "not an array holding an object"),
])
def test_values_that_are_refused(text, words):
    message = problem("w", text)
    assert message.startswith("w: ") and words in message, message


def test_a_value_that_is_not_a_number_has_a_hint():
    with pytest.raises(ValueProblem) as e:
        read_value("rate", "fast")
    assert "rate=3" in e.value.hint and "@file.json" in e.value.hint  # the API's words
    from backpropcli.cli.spelling import OPTIONS

    e.value.spelled(OPTIONS)
    assert "--rate 3" in e.value.hint and "@file.json" in e.value.hint


# ---------------------------------------------------------------------------
# @files

def test_json_files(tmp_path):
    (tmp_path / "n.json").write_text("2.5")
    (tmp_path / "w.json").write_text(json.dumps([[1, 2, 3], [4, 5, 6]]))
    assert read_value("n", f"@{tmp_path / 'n.json'}") == 2.5
    assert read_value("w", f"@{tmp_path / 'w.json'}").shape == (2, 3)
    (tmp_path / "bad.json").write_text("[1, 2,")
    assert "is not valid JSON" in problem("w", f"@{tmp_path / 'bad.json'}")
    (tmp_path / "odd.json").write_text('{"w": [1]}')
    message = problem("w", f"@{tmp_path / 'odd.json'}")
    assert "an object" in message and "odd.json" in message


def test_a_relative_file_is_read_from_the_base_folder(tmp_path):
    (tmp_path / "w.json").write_text("[1, 2]")
    assert read_value("w", "@w.json", base=tmp_path).tolist() == [1.0, 2.0]
    assert read_value("w", f"@{tmp_path}/w.json", base=tmp_path / "elsewhere").tolist() == [1, 2]


def test_npy_files(tmp_path):
    np.save(tmp_path / "f.npy", np.arange(6, dtype=np.float32).reshape(2, 3))
    np.save(tmp_path / "i.npy", np.array([1, 2, 3]))
    np.save(tmp_path / "s.npy", np.array(4.0))
    np.save(tmp_path / "t.npy", np.array(["a", "b"]))
    np.save(tmp_path / "nan.npy", np.array([1.0, np.nan]))
    got = read_value("w", f"@{tmp_path / 'f.npy'}")
    assert got.dtype == np.float64 and got.tolist() == [[0, 1, 2], [3, 4, 5]]
    assert read_value("w", f"@{tmp_path / 'i.npy'}").tolist() == [1.0, 2.0, 3.0]
    assert read_value("w", f"@{tmp_path / 's.npy'}") == 4.0
    assert "not numbers" in problem("w", f"@{tmp_path / 't.npy'}")
    assert "not a finite number" in problem("w", f"@{tmp_path / 'nan.npy'}")
    (tmp_path / "junk.npy").write_bytes(b"not an npy file")
    assert "is not a numeric .npy file" in problem("w", f"@{tmp_path / 'junk.npy'}")


def test_csv_with_and_without_a_header(tmp_path):
    (tmp_path / "plain.csv").write_text("1,2,3\n4,5,6\n")
    (tmp_path / "header.csv").write_text("a, b, c\n1, 2, 3\n4, 5, 6\n")
    (tmp_path / "commented.csv").write_text("# weights\n\n1,2,3\n\n4,5,6\n")
    for name in ("plain.csv", "header.csv", "commented.csv"):
        got = read_value("W", f"@{tmp_path / name}")
        assert got.tolist() == [[1, 2, 3], [4, 5, 6]], name


def test_tables_separated_by_tabs_or_spaces(tmp_path):
    (tmp_path / "t.tsv").write_text("x\ty\n1\t2\n3\t4\n")
    (tmp_path / "t.txt").write_text("1 2\n3   4\n")
    assert read_value("W", f"@{tmp_path / 't.tsv'}").tolist() == [[1, 2], [3, 4]]
    assert read_value("W", f"@{tmp_path / 't.txt'}").tolist() == [[1, 2], [3, 4]]


def test_one_column_is_a_vector(tmp_path):
    (tmp_path / "col.csv").write_text("y\n1\n2\n3\n")
    got = read_value("y", f"@{tmp_path / 'col.csv'}")
    assert got.shape == (3,) and got.tolist() == [1, 2, 3]
    (tmp_path / "row.csv").write_text("1,2,3\n")
    assert read_value("y", f"@{tmp_path / 'row.csv'}").shape == (1, 3)


def test_a_bad_cell_is_named_by_row_and_column(tmp_path):
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n3,oops\n")
    message = problem("W", f"@{tmp_path / 'bad.csv'}")
    assert "line 3, column 2 (b)" in message and "'oops' is not a number" in message
    assert "bad.csv" in message
    (tmp_path / "nobad.csv").write_text("1,2\n3,nan\n")
    assert "line 2, column 2" in problem("W", f"@{tmp_path / 'nobad.csv'}")


def test_rows_of_different_lengths(tmp_path):
    (tmp_path / "ragged.csv").write_text("1,2\n3,4,5\n")
    message = problem("W", f"@{tmp_path / 'ragged.csv'}")
    assert "line 2: 3 values, but the rows before have 2" in message


def test_tables_without_numbers(tmp_path):
    (tmp_path / "empty.csv").write_text("\n# nothing\n")
    (tmp_path / "header.csv").write_text("a,b\n")
    assert "holds no numbers" in problem("W", f"@{tmp_path / 'empty.csv'}")
    assert "a header but no numbers" in problem("W", f"@{tmp_path / 'header.csv'}")


def test_file_problems(tmp_path):
    assert "no such file" in problem("W", f"@{tmp_path / 'missing.json'}")
    assert "no such file" in problem("W", "@missing.csv", base=tmp_path)
    assert "no such file ~0/w.json" in problem("W", "@~0/w.json")  # no user named 0
    (tmp_path / "w.xlsx").write_text("")
    assert "use .json, .npy, .csv or .txt" in problem("W", f"@{tmp_path / 'w.xlsx'}")
    assert "cannot read" in problem("W", f"@{tmp_path}")  # a folder
    (tmp_path / "latin.csv").write_bytes(b"1,\xff\n")
    assert "cannot read" in problem("W", f"@{tmp_path / 'latin.csv'}")


# ---------------------------------------------------------------------------
# bind

def test_given_values_and_defaults():
    graph = parse("w = 3\ng = w * x")
    assert bind(graph, {"x": np.float64(2)}) == {"w": 3.0, "x": 2.0}
    assert bind(graph, {"x": np.float64(2), "w": np.float64(5)}) == {"w": 5.0, "x": 2.0}


def test_a_default_after_the_first_use():
    graph = parse("g = w * x\nw = -4")
    assert bind(graph, {"x": np.float64(1)})["w"] == -4


def test_missing_values_list_every_name():
    with pytest.raises(ValueProblem) as e:
        bind(parse("g = a*b + c*a"), {"b": np.float64(1)})
    assert e.value.message == "no value for a, c"
    assert e.value.hint == "give them as keywords: a=VALUE c=VALUE"  # the API's words
    from backpropcli.cli.spelling import OPTIONS

    e.value.spelled(OPTIONS)
    assert e.value.hint == "give them on the command line: --a VALUE --c VALUE"


def test_unknown_names_are_refused():
    graph = parse("g = x * y")
    with pytest.raises(ValueProblem) as e:
        bind(graph, {"x": 1.0, "y": 1.0, "q": 1.0, "r": 2.0})
    assert "does not use q, r" in e.value.message and "x, y" in e.value.hint


def test_computed_names_cannot_be_given():
    graph = parse("f = x * y; g = f + 1")
    with pytest.raises(ValueProblem) as e:
        bind(graph, {"x": 1.0, "y": 1.0, "f": 2.0})
    assert e.value.message.startswith("f is computed by the program")
    with pytest.raises(ValueProblem) as e:
        bind(graph, {"f": 1.0, "g": 2.0})
    assert e.value.message.startswith("f, g are computed")


def test_a_program_without_inputs():
    graph = parse("g = 2 * 3")
    assert bind(graph, {}) == {}
    with pytest.raises(ValueProblem) as e:
        bind(graph, {"x": 1.0})
    assert e.value.hint == "it has no inputs"


@pytest.mark.parametrize("kind", ["uniform", "randn"])
def test_a_seed_makes_random_starts_reproducible(kind):
    graph = parse(f"W = {kind}(2, 3)\nb = {kind}()\ng = sum(W) + b")
    first = bind(graph, {}, seed=7)
    again = bind(graph, {}, seed=7)
    other = bind(graph, {}, seed=8)
    assert first["W"].shape == (2, 3) and type(first["b"]) is np.float64
    assert np.array_equal(first["W"], again["W"]) and first["b"] == again["b"]
    assert not np.array_equal(first["W"], other["W"])
    unseeded = [bind(graph, {})["W"] for _ in range(2)]
    assert not np.array_equal(*unseeded)
    if kind == "uniform":
        assert np.all(np.abs(first["W"]) <= 1)


def test_a_given_value_replaces_a_random_start():
    graph = parse("W = uniform(2)\ng = sum(W)")
    given = np.array([5.0, 6.0])
    assert bind(graph, {"W": given}, seed=1)["W"] is given
