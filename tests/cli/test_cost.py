"""`backprop cost` through the real command line: the three methods side by side, the
counts and the verdict, an array output's Jacobian, the document, and bad input."""

from __future__ import annotations

import json

from tests.helpers import SAMPLES

WORKED = ["g = x*y + z", "--x", "3", "--y", "-4", "--z", "2"]


def test_the_issue_line(backprop):
    r = backprop("cost", str(SAMPLES / "twolayer.bp"))
    assert r.returncode == 0, r.stderr
    for words in ("numerical", "forward mode", "reverse mode", "34 evaluations (2 per input",
                  "17 sweeps (1 per input element)", "1 forward + 1 backward",
                  "What reverse mode keeps for its backward pass", "its noise",
                  "For this program, reverse mode is"):
        assert words in r.stdout, words


def test_the_document_counts_exactly(cli):
    code, out, err = cli("cost", *WORKED, "--json", "--repeats", "2")
    assert code == 0, err
    c = json.loads(out)["cost"]
    assert c["compares"] == "gradient" and (c["input_elements"], c["output_elements"]) == (3, 1)
    m = c["methods"]
    assert m["numerical"]["passes"] == {"forward": 6, "backward": 0}
    assert m["numerical"]["evaluations"] == 12
    assert (m["forward"]["values"], m["forward"]["tangents"]) == (6, 5)
    assert (m["reverse"]["values"], m["reverse"]["local_derivatives"],
            m["reverse"]["backward_terms"]) == (2, 4, 4)
    assert c["reverse_keeps"] == {"values": 5, "local_derivatives": 4, "bytes": 72}
    assert c["repeats"] == 2 and c["cheapest"] == "reverse"
    assert c["sentence"] == ("for this program, reverse mode is 1.1× cheaper than forward "
                             "and 1.2× cheaper than numerical")


def test_an_array_output_says_forward_mode_wins(cli):
    code, out, err = cli("cost", "y = [1, 2, 3] * x + [4, 5, 6] * w", "--x", "2", "--w", "1")
    assert code == 0, err
    said = " ".join(out.split())
    assert "whole Jacobian (3 × 2)" in said
    assert "forward mode wins: with 3 outputs and 2 inputs" in said
    assert "1 forward + 3 backward (1 per output element)" in said


def test_from_the_session(cli):
    assert cli("eval", *WORKED)[0] == 0
    code, out, _ = cli("cost")
    assert code == 0 and "reverse mode is 1.1× cheaper" in out


def test_bad_input(cli):
    code, _, err = cli("cost", "g = sum(x*x)", "--x", json.dumps([1.0] * 1001))
    assert code == 2 and "at most 1000" in err
    code, _, err = cli("cost", *WORKED, "--repeats", "0")
    assert code == 2 and "--repeats" in err
    code, _, err = cli("cost", "g = 3 + 4")
    assert code == 2 and "depends on no input" in err
    code, _, err = cli("cost", "g = x*", "--x", "1")
    assert code == 2
    code, out, _ = cli("cost", "g = x*y", "--x", "1", "--json")
    assert code == 2 and json.loads(out)["error"]["message"].startswith("no value for y")
