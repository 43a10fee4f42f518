"""Lines that wrap between their pieces: the gradient's terms, the suggested command, a
hint's command line, and the program line under an error, at any width."""

from __future__ import annotations

from itertools import pairwise

from rich.console import Console
from rich.text import Text

from backpropcli.terminal.lines import Flow


def shown(renderable, width: int) -> list[str]:
    console = Console(record=True, width=width, color_system=None)
    console.print(renderable, crop=False)
    return [line.rstrip() for line in console.export_text().splitlines()]


def test_a_flow_wraps_between_pieces_and_indents_the_rest():
    flow = Flow(indent=2).add("Gradient of f:")
    for name, value in (("w0", "-0.1966"), ("x0", "0.3932"), ("w1", "-0.3932")):
        flow.add(f"∂f/∂{name} = {value}", "   ")
    assert shown(flow, 100) == ["Gradient of f:   ∂f/∂w0 = -0.1966   ∂f/∂x0 = 0.3932   "
                                "∂f/∂w1 = -0.3932"]
    assert shown(flow, 40) == ["Gradient of f:   ∂f/∂w0 = -0.1966",
                               "  ∂f/∂x0 = 0.3932   ∂f/∂w1 = -0.3932"]


def test_a_whole_piece_runs_past_the_edge_and_a_word_folds():
    command = 'backprop eval "g = x*y + z" --x 3'
    flow = Flow(indent=2).words("start one with:").add(command)
    assert shown(flow, 20) == ["start one with:", f"  {command}"]
    assert shown(Flow().words("a " + "b" * 25), 10) == ["a", "bbbbbbbbbb", "bbbbbbbbbb", "bbbbb"]


def test_a_phrase_keeps_a_sign_or_a_count_with_the_word_after_it():
    pieces = [p.plain for _, p, _ in Flow().phrase(Text("c = c#2 + t6  … 8 more")).pieces]
    assert pieces == ["c", "= c#2", "+ t6", "… 8 more"]
    assert shown(Flow(indent=3).phrase(Text("c = c#2 + t6  … 8 more")), 12) == \
        ["c = c#2 + t6", "   … 8 more"]


def test_a_hint_never_breaks_a_command_an_option_or_an_array():
    from backpropcli.terminal.messages import hint

    assert shown(hint("give them on the command line: --y VALUE --z VALUE"), 40) == \
        ["  hint: give them on the command line:", "        --y VALUE --z VALUE"]
    lines = shown(hint("write --y 3, --y -0.5, --y '[1, 2]' or --y @file.json"), 30)
    assert "--y '[1, 2]'" in "\n".join(lines)
    assert shown(hint("write arrays as [1, -2] or [[1, 2], [3, 4]]"), 40) == \
        ["  hint: write arrays as [1, -2] or", "        [[1, 2], [3, 4]]"]
    lines = shown(hint("pipe a document in (backprop eval ... --json | backprop step), or "
                       "leave stdin alone"), 40)
    assert "(backprop eval ... --json | backprop step)," in [line.strip() for line in lines]


def test_the_program_line_is_cut_around_the_caret_not_wrapped_away_from_it():
    from backpropcli.core.errors import ProgramError
    from backpropcli.terminal.messages import error

    source = "g = " + " + ".join(f"a{k}" for k in range(30)) + " + foo(x)"
    err = ProgramError("unknown function foo", line=1, column=source.index("foo") + 1,
                       source=source)
    for width in (40, 60, 80):
        lines = shown(error(err), width)
        line, caret = next((a, b) for a, b in pairwise(lines) if b.strip() == "^")
        assert len(line) <= width and line.startswith("  …")
        assert line[caret.index("^"):].startswith("foo")


def test_a_progress_line_never_cuts_its_count():
    from backpropcli.terminal.lines import ProgressLine

    for width in range(14, 130):
        line = ProgressLine("descending", 12345, 100000, "value 0.012345  123,456/s")
        text = shown(line, width)
        assert len(text) == 1 and len(text[0]) <= width, (width, text)
        assert "12345/100000" in text[0], (width, text)
    assert shown(ProgressLine("descending", 12345, 100000, "value 0.0123"), 80)[0].endswith(
        "12345/100000 value 0.0123")
    assert shown(ProgressLine("finite differences", 3, 1000), 30)[0].startswith(
        "finite differences")


def test_a_name_breaks_after_an_underscore_between_its_words():
    from backpropcli.terminal.lines import hyphenated, least_word

    assert hyphenated("test_accuracy", 10).plain.splitlines() == ["test_", "accuracy"]
    assert least_word("digits_train_images.csv") == len("images.csv")
    assert hyphenated("t_1", 2) == "t_1"  # a letter must follow: never t_/1
