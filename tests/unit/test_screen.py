"""The screen's size and characters (output/screen.py), and stdout's bytes: COLUMNS and
LINES only when sensible, the tool's symbols as ASCII where the encoding lacks them,
and a JSON document as UTF-8 bytes whatever the encoding of the stream."""

from __future__ import annotations

import io
import os
import sys

import pytest

from backpropcli.cli import streams
from backpropcli.output import screen


@pytest.mark.parametrize(("text", "size"), [
    ("100", 100), (" 42 ", 42), ("1", 1), ("1000", 1000), ("1001", 1000),
    ("1000000000", 1000), ("9" * 5000, 1000),
    ("0", None), ("-5", None), ("abc", None), ("", None), ("3.5", None), ("١٢٣", None),
    ("+80", None), ("1e3", None),
])
def test_a_size_counts_only_when_sensible(monkeypatch, text, size):
    monkeypatch.setenv("COLUMNS", text)
    assert screen.env_size("COLUMNS") == size
    # set but nonsense: the terminal's own size or the default, never 0 or a billion
    assert 1 <= (screen.size("COLUMNS") or 0) <= screen.MAX


def test_an_unset_size_is_left_to_rich(monkeypatch):
    monkeypatch.delenv("LINES", raising=False)
    assert screen.size("LINES") is None


def test_the_environment_is_tidied(monkeypatch):
    monkeypatch.setenv("COLUMNS", "0")
    monkeypatch.setenv("LINES", "1000000000")
    screen.tidy_environment()
    assert "COLUMNS" not in os.environ
    assert os.environ["LINES"] == str(screen.MAX)


def test_the_console_of_a_nonsense_width_draws(monkeypatch):
    from backpropcli.terminal import views

    for width in ("0", "-1", "x", "", "1000000000"):
        monkeypatch.setenv("COLUMNS", width)
        monkeypatch.setenv("LINES", width)
        assert 1 <= views.console().width <= screen.MAX
        assert views.draw(views.error(streams.UsageError("a message"))).strip()


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "cp1252"])
def test_text_in_an_encoding_without_the_symbols(encoding):
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding=encoding, errors=screen.register())
    stream.write("∂g/∂x = ∂g/∂f · ∂f/∂x → −4 ≈ …\n╭─│├█⠳ λ\ud800\n")
    stream.flush()
    text = raw.getvalue().decode(encoding)
    assert "dg/dx = dg/df" in text and "->" in text and "-4" in text
    assert " lambda" in text and "\\ud800" in text  # a lone surrogate has no ASCII: its escape


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "utf-8"])
def test_a_document_is_utf8_bytes_whatever_the_encoding(monkeypatch, encoding):
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding=encoding, errors=screen.register())
    monkeypatch.setattr(sys, "stdout", stream)
    streams.emit("text first\n")
    streams.emit('{"expr": "∂g/∂x · 2"}\n'.encode())
    assert raw.getvalue() == 'text first\n{"expr": "∂g/∂x · 2"}\n'.encode()


def test_nothing_to_write_needs_no_stdout(monkeypatch):
    monkeypatch.setattr(sys, "stdout", None)
    streams.emit("")  # reset's empty text with `>&-`: no failure
    with pytest.raises(streams.OutputError, match="stdout is closed"):
        streams.emit("text")


def test_no_progress_bar_without_stderr(monkeypatch):
    monkeypatch.setattr(sys, "stderr", None)
    with streams.progress("steps", 10_000) as tell:
        assert tell is None
    streams.say("nowhere to go")  # no talk, no failure


def test_every_symbol_the_package_writes_has_an_ascii_spelling():
    # Whatever the tool may say (help, tables, the schema's descriptions, the player's
    # marks, what a program may hold and an error echoes), an ASCII terminal gets words,
    # never an escape such as \u2202: the table, compatibility forms, Greek names, digits.
    from pathlib import Path

    package = Path(screen.__file__).resolve().parents[1]
    chars = {c for path in package.rglob("*") if path.suffix in (".py", ".json", ".js",
                                                                  ".css", ".lark")
             for c in path.read_text(encoding="utf-8") if not c.isascii()}
    escaped = sorted(c for c in chars if "\\" in screen.ascii_of(c))
    assert not escaped, escaped
    assert [screen.ascii_of(c) for c in "∂ẋ¼βλ١"] == ["d", "xdot", "1/4", "beta", "lambda", "1"]
