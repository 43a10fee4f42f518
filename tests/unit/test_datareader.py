"""tasks/datareader.py, the one set of rules for data files that backprop uses and every
exported script carries: that it stands alone (so a script can carry it), its rules
on headers, quotes and line ends, and its one kind of error."""

from __future__ import annotations

import ast
import sys

import numpy as np
import pytest

from backpropcli.output import export_names, export_text
from backpropcli.tasks import datareader
from backpropcli.tasks.datareader import DataFileError, read_data


def read(tmp_path, text: str | bytes, name: str = "t.csv", columns=()):
    path = tmp_path / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return read_data(path, columns)


def refused(tmp_path, text: str | bytes, name: str = "t.csv", columns=()) -> DataFileError:
    with pytest.raises(DataFileError) as e:
        read(tmp_path, text, name, columns)
    return e.value


def test_it_imports_only_the_standard_library_and_numpy():
    tree = ast.parse(export_names.inspect.getsource(datareader))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
            assert node.level == 0, "a relative import: the script could not run it"
    assert imported - {"numpy", "__future__"} <= set(sys.stdlib_module_names), imported


def test_the_script_text_is_the_module_less_its_docstring():
    text = export_names.reader_source()
    assert text.startswith("import json\n") and "from __future__" not in text
    namespace: dict = {}
    exec(compile(text, "reader", "exec"), namespace)  # safe: our own module's text
    assert namespace["read_data"].__doc__ == read_data.__doc__


def test_the_scripts_own_names_do_not_shadow_the_readers():
    """A later part of a script that defined a name the reader uses would change the
    reader's rules inside the script: no part defines one."""
    def defined(text: str) -> set[str]:
        return {s.name for s in ast.parse(text).body
                if isinstance(s, (ast.FunctionDef, ast.ClassDef))} | \
               {t.id for s in ast.parse(text).body if isinstance(s, ast.Assign)
                for t in s.targets if isinstance(t, ast.Name)}

    reader = defined(export_names.reader_source())
    parts = [export_text.HEAD, export_text.LOAD, export_text.DESCEND, export_text.WRITE,
             *export_text.OPTIMIZERS.values(),
             *(t for f in export_text.FRAMEWORK.values() for t in f.values())]
    for text in parts:
        assert not reader & defined(text)
    for to in ("numpy", "torch", "jax"):
        assert reader <= export_names.reserved(to)  # no program name takes them either


@pytest.mark.parametrize(("text", "header"), [
    ("x,y\n1,2\n", True),
    ("١,٢\n1,2\n", True),  # Arabic-Indic digits are names, not numbers
    ("inf,nan\n1,2\n", True),  # words float() would read
    ("1_000,x\n1,2\n", True),
    ("1,2\n3,4\n", False),
])
def test_a_header_is_a_first_row_with_no_number(tmp_path, text, header):
    got = read(tmp_path, text)
    assert got.shape == ((1, 2) if header else (2, 2))


@pytest.mark.parametrize(("text", "words"), [
    ("1,2,3o\n4,5,6\n", "line 1, column 3: '3o' is not a number"),
    ("1_000,2\n3,4\n", "line 1, column 1: '1_000' is not a number"),
    ('1,2"\n3,4\n', "line 1, column 2"),
    ("1,2,\n3,4,\n", "line 1, column 3: '' is not a number"),
    ("1,2\f3,4\n", "line 1, column 2"),
])
def test_a_first_row_mixing_numbers_and_words_is_data_with_an_error(tmp_path, text, words):
    assert words in refused(tmp_path, text).message


def test_an_unbalanced_quote_is_an_error_on_its_line(tmp_path):
    e = refused(tmp_path, 'x,y\n1,2\n3,"4\n5,6\n')
    assert e.line == 3 and "line 3: a quote that is not closed" in e.message
    assert "quotes" in e.hint
    assert read(tmp_path, '"x","y"\n"1","2"\n').tolist() == [[1, 2]]


@pytest.mark.parametrize("ends", ["\n", "\r\n", "\r"])
def test_line_ends_and_line_numbers(tmp_path, ends):
    text = ends.join(["x,y", "1,2", "", "# note", "3,oops", ""])
    e = refused(tmp_path, text)
    assert e.line == 5 and "line 5, column 2 (y): 'oops'" in e.message


def test_a_byte_order_mark_is_skipped_and_other_encodings_refused(tmp_path):
    assert read(tmp_path, b"\xef\xbb\xbfx\n1\n").tolist() == [1.0]
    assert read(tmp_path, b"\xef\xbb\xbf[1]", "t.json").tolist() == [1.0]
    assert "not UTF-8 text" in refused(tmp_path, "x\n1\n".encode("utf-16")).message


def test_npy_objects_are_refused_without_unpickling(tmp_path):
    path = tmp_path / "o.npy"
    np.save(path, np.array([1, {"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(DataFileError, match="holds object, not numbers"):
        read_data(path)


def test_files_that_are_not_files(tmp_path):
    with pytest.raises(DataFileError, match="no such file"):
        read_data(tmp_path / "none.csv")
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(DataFileError, match="it is a directory"):
        read_data(tmp_path / "d.csv")
    (tmp_path / "t.xlsx").write_text("1")
    with pytest.raises(DataFileError, match=r"use \.json, \.npy, \.csv or \.txt"):
        read_data(tmp_path / "t.xlsx")


def test_the_shape_check_is_the_callers(tmp_path):
    seen = []
    read(tmp_path, "1,2\n3,4\n")
    read_data(tmp_path / "t.csv", shape_check=lambda shape, what: seen.append(tuple(shape)))
    assert seen == [(2, 2)]
    deep = "[" * 33 + "1" + "]" * 33
    assert "33 axes" in refused(tmp_path, deep, "d.json").message
