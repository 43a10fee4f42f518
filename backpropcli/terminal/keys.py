"""The keys of the replay's player (player.py), read from a terminal's bytes: the
letters and the escape sequences arrows, Home and End send, in the variants xterm, the
Linux console, rxvt, tmux and screen use, with or without modifiers."""

from __future__ import annotations

# What a key does.
NEXT, BACK, FIRST, LAST, QUIT, INTERRUPT = "next", "back", "first", "last", "quit", "interrupt"
_BYTES = {b" ": NEXT, b"l": NEXT, b"n": NEXT, b"\r": NEXT, b"\n": NEXT, b"j": NEXT,
          b"h": BACK, b"p": BACK, b"\x7f": BACK, b"\x08": BACK, b"k": BACK,
          b"g": FIRST, b"G": LAST, b"q": QUIT, b"Q": QUIT, b"\x04": QUIT,
          b"\x03": INTERRUPT}
# The final byte of a CSI (Esc [ ... X) or SS3 (Esc O X) sequence: arrows, Home and End,
# as xterm, the Linux console, rxvt, tmux and screen send them, with or without modifiers
_FINAL = {ord("C"): NEXT, ord("D"): BACK, ord("H"): FIRST, ord("F"): LAST, ord("M"): NEXT}
_TILDE = {"1": FIRST, "7": FIRST, "4": LAST, "8": LAST}  # Esc [ 1 ~ (Home), Esc [ 4 ~ (End)
ESC_WAIT = 0.05  # seconds an Esc waits for the rest of a sequence before it is a lone Esc


def parse(data: bytes, final: bool = False) -> tuple[list[str], bytes]:
    """The keys in bytes read from the terminal, and what is left over: the start of an
    escape sequence whose rest has not arrived. With `final` (nothing more came in time)
    nothing is left over: an Esc not followed by a whole sequence is the Esc key."""
    keys: list[str] = []
    i = 0
    while i < len(data):
        if data[i] != 0x1B:
            key = _BYTES.get(data[i:i + 1])
            if key:
                keys.append(key)
            i += 1
            continue
        end, key = _sequence(data, i)
        if end is None:  # unfinished: wait for the rest, or it was a lone Esc
            if not final:
                return keys, data[i:]
            end, key = i + 1, QUIT
        if key:
            keys.append(key)
        i = end
    return keys, b""


def _sequence(data: bytes, i: int) -> tuple[int | None, str | None]:
    """The escape sequence at data[i] (an Esc): where it ends and its key (None: a key the
    player does not use); end None: unfinished."""
    if i + 1 >= len(data):
        return None, None
    kind = data[i + 1]
    if kind == ord("["):  # CSI: parameters and intermediates (0x20-0x3f), a final byte
        j = i + 2
        while j < len(data) and 0x20 <= data[j] <= 0x3F:
            j += 1
        if j >= len(data):
            return None, None
        if data[j] == ord("~"):
            params = data[i + 2:j].decode("ascii", "replace").split(";")
            return j + 1, _TILDE.get(params[0])
        return j + 1, _FINAL.get(data[j])
    if kind == ord("O"):  # SS3: the application-mode arrows and Home/End (Esc O C)
        if i + 2 >= len(data):
            return None, None
        return i + 3, _FINAL.get(data[i + 2])
    return i + 1, QUIT  # Esc and then another key: the Esc was pressed alone
