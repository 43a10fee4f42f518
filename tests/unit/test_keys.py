"""terminal/keys.py: the replay player's keys from a terminal's bytes — letters, the
arrows and Home/End in the variants terminals send, sequences split across reads, and an
Esc pressed alone."""

from __future__ import annotations

import pytest

from backpropcli.terminal.keys import BACK, FIRST, INTERRUPT, LAST, NEXT, QUIT, parse


@pytest.mark.parametrize(("data", "key"), [
    (b"\x1b[C", NEXT), (b"\x1bOC", NEXT), (b"\x1b[1;5C", NEXT), (b" ", NEXT), (b"l", NEXT),
    (b"n", NEXT), (b"\r", NEXT), (b"\n", NEXT),
    (b"\x1b[D", BACK), (b"\x1bOD", BACK), (b"h", BACK), (b"p", BACK), (b"\x7f", BACK),
    (b"\x08", BACK),
    (b"\x1b[H", FIRST), (b"\x1bOH", FIRST), (b"\x1b[1~", FIRST), (b"\x1b[7~", FIRST),
    (b"g", FIRST),
    (b"\x1b[F", LAST), (b"\x1bOF", LAST), (b"\x1b[4~", LAST), (b"\x1b[8~", LAST), (b"G", LAST),
    (b"q", QUIT), (b"\x03", INTERRUPT),
])
def test_each_key(data, key):
    assert parse(data) == ([key], b"")


def test_keys_the_player_does_not_use_are_passed_over():
    assert parse(b"x\x1b[A\x1b[B\x1b[5~\x1b[200~zq") == ([QUIT], b"")
    assert parse("é∂".encode()) == ([], b"")


def test_several_keys_in_one_read():
    assert parse(b"\x1b[C\x1b[C \x1b[D\x1bOHG") == ([NEXT, NEXT, NEXT, BACK, FIRST, LAST], b"")


@pytest.mark.parametrize("sequence", [b"\x1b[C", b"\x1bOD", b"\x1b[1~", b"\x1b[1;2F"])
def test_a_sequence_split_across_reads_waits_for_its_rest(sequence):
    whole = parse(sequence)[0]
    for cut in range(1, len(sequence)):
        keys, left = parse(b"n" + sequence[:cut])
        assert (keys, left) == ([NEXT], sequence[:cut])
        assert parse(left + sequence[cut:]) == (whole, b"")


def test_an_esc_alone_quits_once_nothing_more_comes():
    assert parse(b"\x1b") == ([], b"\x1b")  # perhaps the start of an arrow: wait
    assert parse(b"\x1b", final=True) == ([QUIT], b"")
    assert parse(b"\x1b[", final=True)[0][0] == QUIT
    assert parse(b"\x1b\x1b[C") == ([QUIT, NEXT], b"")
