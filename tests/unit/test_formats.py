"""The formats and targets are tables (output/formats.py): the schema's keys and enums,
the options' help, their checks and their shell completion are made from the rows, so
these tests hold each of them to the registry."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

import backpropcli as bp
from backpropcli import schemas
from backpropcli.output.formats import EXPLAIN, EXPORT, GRAPH, PLOT
from tests.helpers import command as backprop_command

SCHEMA = json.loads(schemas.text())["$defs"]


def test_the_graph_document_carries_each_picture_format_under_its_key():
    keys = set(SCHEMA["graph_document"]["properties"]) - {"nodes", "edges"}
    assert keys == {f.schema for f in GRAPH if f.schema is not None}
    binary = {k for k, v in SCHEMA["graph_document"]["properties"].items()
              if v.get("contentEncoding") == "base64"}
    assert binary == {f.schema for f in GRAPH if f.binary}


def test_the_export_document_names_every_target():
    assert SCHEMA["export_document"]["properties"]["to"]["enum"] == list(EXPORT.names)


@pytest.mark.parametrize(("command", "registry"), [("graph", GRAPH), ("explain", EXPLAIN),
                                                   ("export", EXPORT)])
def test_help_lists_every_format(cli, command, registry):
    code, out, _ = cli(command, "--help")
    said = " ".join(out.split())
    assert code == 0 and all(name in said for name in registry.names), said


def test_descend_help_lists_every_plot_suffix(cli):
    code, out, _ = cli("descend", "--help")
    assert all(suffix in " ".join(out.split()) for suffix in PLOT.names)


def test_the_api_refuses_a_format_not_in_the_table():
    with pytest.raises(bp.BackpropError, match="format jpeg: choose tree, dot"):
        bp.graph("g = x", x=1, format="jpeg")
    with pytest.raises(bp.BackpropError, match="to fortran: choose numpy, torch or jax"):
        bp.export("g = x", x=1, to="fortran")


def test_the_command_refuses_it_with_the_option_named(cli):
    code, _, err = cli("graph", "g = x", "--x", "1", "--format", "jpeg")
    assert code == 2 and "--format jpeg" in err
    assert "--format takes one of: " + ", ".join(GRAPH.names) in err


@pytest.mark.parametrize(("words", "offered"), [
    ("backprop graph g.bp --format ", GRAPH.names),
    ("backprop explain g.bp --format ", EXPLAIN.names),
    ("backprop export g.bp --to ", EXPORT.names),
])
def test_shell_completion_offers_the_formats(words, offered):
    env = dict(os.environ, _BACKPROP_COMPLETE="complete_bash", COMP_WORDS=words,
               COMP_CWORD=str(len(words.split())))
    done = subprocess.run(backprop_command(), env=env, capture_output=True, text=True)
    assert done.stdout.split() == list(offered), done.stderr
