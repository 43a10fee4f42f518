"""What the screen can take: its size, and the characters its encoding can write.

Size: COLUMNS and LINES are taken only when they are a sensible number. Rich reads
them as they are, and a COLUMNS of 0 makes every view zero columns wide, which
prints nothing at all (and Typer's error panels with it); a width of a billion pads
every line to a billion spaces. A value that is not a whole number from 1 up is
treated as unset (the terminal's own size, else Rich's 80 × 25), and a larger one is
cut to MAX.

Characters: the views write ∂, ·, →, box lines and the like. Where stdout or stderr
cannot encode them (PYTHONIOENCODING=ascii or latin-1, an old locale), the
`backprop` error handler writes each as ASCII a reader still understands (∂ as d,
· as *, → as ->, a box line as - or |), and anything else as its escape (\\u2202),
rather than ending the run. JSON documents are bytes, written as UTF-8 whatever
the encoding (cli/streams.py), so this never touches them.
"""

from __future__ import annotations

import codecs
import os
import unicodedata

MAX = 1000  # columns or lines: wider than any screen, narrow enough to draw at once
DEFAULT = {"COLUMNS": 80, "LINES": 25}  # Rich's own, where no terminal says otherwise
ERRORS = "backprop"  # the name of the encoding error handler below

_FD = {"COLUMNS": "columns", "LINES": "lines"}


def env_size(name: str) -> int | None:
    """COLUMNS or LINES as a sensible number (1 to MAX), or None when unset or nonsense."""
    text = os.environ.get(name, "").strip()
    if not (text.isascii() and text.isdigit()):  # -5, abc, 3.5, empty, ٣
        return None
    if len(text) > len(str(MAX)):  # 10**9, or a thousand digits (int() would refuse)
        return MAX
    number = int(text)
    return min(number, MAX) if number >= 1 else None


def size(name: str) -> int | None:
    """The size to draw at: COLUMNS or LINES when sensible; when set but not sensible, the
    terminal's own size (else the default); None when unset (Rich then finds it)."""
    if name not in os.environ:
        return None
    good = env_size(name)
    if good is not None:
        return good
    for fd in (1, 2, 0):  # as Rich looks: whichever standard stream is a terminal
        try:
            return min(getattr(os.get_terminal_size(fd), _FD[name]) or DEFAULT[name], MAX)
        except (OSError, ValueError):
            continue
    return DEFAULT[name]


def tidy_environment() -> None:
    """Make COLUMNS and LINES sensible for every library the command line runs (Rich,
    Typer's error panels): a nonsense value is removed, a huge one cut to MAX."""
    for name in _FD:
        if name in os.environ:
            good = env_size(name)
            if good is None:
                del os.environ[name]
            else:
                os.environ[name] = str(good)


# The tool's own symbols as ASCII. Others are tried by their compatibility form (² → 2,
# ₁ → 1) and by their Unicode name (box lines), and else escaped.
_ASCII = {"∂": "d", "·": "*", "…": "...", "→": "->", "←": "<-", "−": "-", "×": "x",
          "—": "--", "–": "-", "±": "+-", "≤": "<=", "≥": ">=", "≈": "~", "≠": "!=",
          "σ": "sigma", "µ": "u", "μ": "u", "↑": "^", "↓": "v", "✓": "ok", "✗": "x",
          "•": "*", "“": '"', "”": '"', "‘": "'", "’": "'", "\u00a0": " ",
          "▶": ">", "▼": "v", "⋮": ":",  # the replay player's marks
          "‖": "||", "′": "'", "⁻": "^-", "√": "sqrt",  # norms, σ′, H⁻¹, √n
          "λ": "lambda", "Σ": "sum", "∑": "sum", "∇": "grad ", "∞": "inf", "⁄": "/",
          "÷": "/", "∕": "/", "∗": "*", "⋅": "*", "⊙": "(*)", "◀": "<", "❚": "|",
          "⟨": "<", "⟩": ">", "«": "<<", "»": ">>", "₋": "-", "\u0307": "dot", "\u0302": "hat"}


def ascii_of(char: str) -> str:
    """A character as ASCII a reader understands, or its escape."""
    if char in _ASCII:
        return _ASCII[char]
    # its compatibility form, each part as the table says: ² → 2, ¼ → 1/4
    plain = "".join(_ASCII.get(c, c) for c in unicodedata.normalize("NFKD", char))
    if plain.isascii() and plain.isprintable():
        return plain
    # a letter with marks: forward mode's tangents (ẋ, ḟ) keep their dot as a word;
    # other accents are dropped (é → e)
    base = "".join(c for c in plain if not unicodedata.combining(c))
    if base and base.isascii() and base.isprintable():
        return base + ("dot" if "\u0307" in plain else "")
    name = unicodedata.name(char, "")
    if name.startswith("GREEK"):  # β as beta, Λ as Lambda
        word = name.split()[-1].lower()
        return word.capitalize() if "CAPITAL" in name else word
    digit = unicodedata.digit(char, None)
    if digit is not None:  # a digit of another script, as typed in a program (١ → 1)
        return str(digit)
    if name.startswith("BOX DRAWINGS"):  # ─ ━ │ as lines, corners and joints as +
        return "-" if name.endswith("HORIZONTAL") else "|" if name.endswith("VERTICAL") \
            else "+"
    if name.endswith("BLOCK"):  # █ ▌: a progress bar
        return "#"
    if name.startswith("BRAILLE PATTERN"):  # the dots of a plotted curve
        return " " if char == "\u2800" else "*"
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 \
        else f"\\U{code:08x}"


def _replace(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeEncodeError):
        raise err
    return "".join(ascii_of(c) for c in err.object[err.start:err.end]), err.end


def register() -> str:
    """Register the `backprop` error handler (once is enough; again is harmless) and
    return its name, for a stream's errors=."""
    codecs.register_error(ERRORS, _replace)
    return ERRORS
