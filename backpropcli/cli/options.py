"""The command line: every option once, with one help text, and the reading of a
command's arguments into the program, its options and the inputs' values.

Inputs are given as options named after them (`--x 3`), so the commands read their own
arguments rather than declaring them to Typer: the options a command takes, `--set
name=value` for an input whose name is also an option, and `--name value` for every
other input, in any order around the program. `--y -4` and `--x -1e-3` are values,
never options. (Declaring no value options to Typer also keeps it from importing
pydantic to convert them, ~70 ms a run.)
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..api import KINDS, MAX_STEPS, MAX_VARIANTS, OPTIMIZERS, SCHEDULES, UsageError, closest
from ..api import LR as DEFAULT_LR
from ..api import STEPS as DEFAULT_STEPS
from ..output.formats import EXAM, EXPLAIN, GRAPH, PLOT, Registry
from ..output.formats import EXPORT as TARGETS

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_ONE_DASH = re.compile(r"-[A-Za-z_][A-Za-z0-9_-]*\Z")  # -x, -lr: an option with one dash
# Options every command takes that no spec lists (Click reads them first): a slip of
# one (--hemp) is meant as it, before any input the program does not have.
BUILT_IN = ("help",)


class Option(NamedTuple):
    name: str  # without the dashes; NAME stands for any input's name
    metavar: str | None  # None: a flag that takes no value
    help: str
    short: str = ""  # a one-letter spelling, -o for --save (never a letter an input takes)
    choices: tuple[str, ...] = ()  # a closed choice: its values, for completion (--format)
    many: bool = False  # the choices comma-separated: --ask local,grad


# The options of the commands that take a program, and of the session.
VALUE = Option("NAME", "VALUE", "a value for the input NAME: 3, -4, 1e-3, '[1, -2]' or @file "
               "(.json .npy .csv .txt)")
SET = Option("set", "NAME=VALUE", "the same, for an input named like an option (--set json=1)")
OUTPUT = Option("output", "NAME", "take the gradient of NAME (default: the last name assigned)")
PARAMS = Option("params", "A,B", "the inputs a step moves (default: every input)")
FREEZE = Option("freeze", "A,B", "inputs a step leaves where they are (kept by the session: "
                "--freeze \"\" frees them)")
SEED = Option("seed", "N", "seed for uniform(...) and randn(...) starting values")
STATE = Option("state", "PATH", "session file (default .backprop/session.json, or "
               "$BACKPROP_STATE)")
JSON = Option("json", None, "write one JSON document (schema backprop/1) to stdout")
FULL = Option("full", None, "show every row, every array element and every digit")
DIGITS = Option("digits", "N", "significant digits of the numbers shown, 1 to 17 (default: "
                "4 decimals; values you typed as typed)")
IGNORE_STDIN = Option("ignore-stdin", None, "never read stdin, even when it is not a terminal "
                      "(in a loop such as `while read i; do backprop step; done`, whose "
                      "stdin is the loop's)")
PROGRAM = (VALUE, SET, OUTPUT, PARAMS, FREEZE, SEED, STATE)

# step and descend
LR = Option("lr", "RATE", f"learning rate: each param moves by -lr·gradient (default "
            f"{DEFAULT_LR:g})")
ASCEND = Option("ascend", None, "climb the gradient instead: maximise the output")
NEWTON = Option("newton", None, "Newton's step x ← x − (H + λI)⁻¹∇g instead, beside the "
                "gradient step, with the Hessian's eigenvalues (at most 400 param elements)")
DAMPING = Option("damping", "λ", "Newton's damping: H + λI for a Hessian that is singular or "
                 "indefinite (default 0)")
STEPS = Option("steps", "N", f"how many steps at most (default {DEFAULT_STEPS}; "
               f"{MAX_STEPS:,} at most)")
OPTIMIZER = Option("optimizer", "NAME", "sgd (default), momentum (μ = 0.9) or adam",
                   choices=OPTIMIZERS)
DESCEND_OPTIMIZER = Option("optimizer", "NAME", "sgd (default), momentum (μ = 0.9), adam, or "
                           "newton: x − lr·(H + λI)⁻¹∇g, lr 1 unless given (at most 400 "
                           "param elements)", choices=(*OPTIMIZERS, "newton"))
SCHEDULE = Option("schedule", "NAME", "constant (default), or linear: lr·(1 − 0.9·k/steps)",
                  choices=SCHEDULES)
STOP = Option("tol", "T", "stop when a step changes the value by less than T (default: never)")
WATCH = Option("watch", "A,B", "other nodes to follow (default: named nodes the output does "
               "not use, such as an accuracy)")
EVERY = Option("every", "K", "with --json, the value history every K steps (default 1), "
               "thinned to at most 10 000 entries evenly spread for long runs, with the "
               "first, the best and the last")
PLOT_FILE = Option("plot", "FILE", f"save the loss curve as a picture, {PLOT.said()} (drawn "
                   "by matplotlib; the watched values on a second axis); beside it the loss "
                   "surface with the path for two number params, the decision boundary for "
                   "a classifier of two data columns")
COMPARE = Option("compare", "A,B", "run once per optimizer (sgd,momentum,adam) from the same "
                 "start; a table of each, their paths on one surface; the session keeps the "
                 "first", choices=OPTIMIZERS, many=True)
SURFACE = Option("surface", None, "insist on the loss surface (with --plot, and in the "
                 "terminal): an error names the params when there are not exactly two numbers")
PREDICT = Option("predict", "NODE", "the node whose value is the predicted class, for the "
                 "decision boundary (default: found from the data)")

# explain, check, graph
PATHS = Option("paths", "N", "paths written out per input (default 16); the rest are counted, "
               "and their sum is the back-propagated gradient")
EXPLAIN_FORMAT = Option("format", "FORMAT", f"{EXPLAIN.helped()}: plain text for notes and "
                        "slides", choices=EXPLAIN.names)
STANDALONE = Option("standalone", None, "with --format latex: a whole document that pdflatex "
                    "compiles alone (article and amsmath) instead of a fragment")
EXPLAIN_FULL = Option("full", None, "every input, every factor of a long path, every digit, "
                      "and a budget half as large again for the walk over the paths")
SYMBOLIC = Option("symbolic", None, "each gradient as one simplified formula in the "
                  "program's language (needs SymPy, the package's symbolic extra), "
                  "and how large it is written out in full against back-propagation's "
                  "products")
EPS = Option("eps", "EPS", "the step of the central differences, relative to |x| above 1 "
             "(default 1e-6)")
CHECK_TOL = Option("tol", "TOL", "the largest relative error that passes (default 1e-5); "
                   "above it the exit code is 1")
CHECK_FULL = Option("full", None, "a row for every element of every input, every digit")
GRAPH_FORMAT = Option("format", "FORMAT", GRAPH.helped(), choices=GRAPH.names)
SAVE = Option("save", "PATH", "write the "
              f"{GRAPH.said(tuple(f.name for f in GRAPH if f.writer))} picture to PATH "
              "instead of stdout")
GRAPH_FULL = Option("full", None, "draw every node in the tree (by default about a "
                    "screenful), every digit")
HISTORY_FULL = Option("full", None, "show every entry and every digit")

# export
TO = Option("to", "NAME", TARGETS.helped(), choices=TARGETS.names)
DESCEND = Option("descend", None, "the script also runs the descent (--lr, --steps, "
                 "--optimizer, --schedule, --ascend, --watch as for `backprop descend`) and "
                 "prints its final point")
EMBED = Option("embed-data", None, "write the data of load(...) into the script (up to 100 000 "
               "elements) instead of reading its file")
SCRIPT = Option("save", "FILE", "write the script to FILE (default: stdout); load(...) files "
                "are then found relative to FILE's folder", short="o")

# quiz
ASK = Option("ask", "KINDS", f"which questions, comma-separated: {', '.join(KINDS)} "
             "(default local,grad; and step with --lr)", choices=KINDS, many=True)
QUIZ_LR = Option("lr", "RATE", f"the learning rate of the step questions (default {DEFAULT_LR:g})")
QUIZ_TOL = Option("tol", "TOL", "how close a right answer is: |answer − right| ≤ "
                  "TOL·max(1, |right|) (default 1e-3, at most 0.1); a sheet's own tol "
                  "applies only when it is graded without PROGRAM")
RANDOM = Option("random", None, "a made-up problem instead of PROGRAM")
LEVEL = Option("level", "N", "the made-up problem's level: 1 one gate, 2 the article's "
               "circuit (default), 3 a sigmoid neuron, 4 a node used twice, 5 a vector layer")
QUIZ_SEED = Option("seed", "N", "the made-up problem's seed (shown when not given: the same "
                   "seed makes the same problem); for PROGRAM, that of uniform(...) and "
                   "randn(...) starts")
SHEET = Option("sheet", None, "write the questions without asking them (never the answers)")
KEY = Option("key", None, "for a teacher: the same questions as --sheet, each with its right "
             "answer (--json: the sheet filled in, which --answers grades all right)")
ANSWERS = Option("answers", "FILE", "grade the answers in FILE (JSON: {\"answers\": "
                 "{\"grad:x\": -4, ...}}; - for stdin) instead of asking; {\"variant\": K, "
                 "\"answers\": ...} is variant K of the exam that --random --level --seed "
                 "made")
VARIANTS = Option("variants", "N", f"exam sheets: N different variants (1 to {MAX_VARIANTS}) "
                  "of the made-up problem, variant K drawn from --seed and K; with -o FILE, "
                  "the sheets and their key (FILE-key)")
EXAM_FORMAT = Option("format", "FORMAT", f"of the exam sheets: {EXAM.helped()}",
                     choices=EXAM.names)
EXAM_SAVE = Option("save", "FILE", "write the exam sheets to FILE and their key, with each "
                   "answer and its derivation, to FILE with -key before the suffix "
                   "(exam.tex: exam-key.tex); the format from the suffix or --format",
                   short="o")
PDF = Option("pdf", None, "with -o FILE and LaTeX: also FILE.pdf and FILE-key.pdf, made by "
             "pdflatex (which must be installed)")


class CommandLine:
    """A command's arguments, read: the program, its own options, the inputs' values.
    (A plain class: a dataclass would cost every start ~0.2 ms to make.)"""

    __slots__ = ("options", "program", "values")

    def __init__(self) -> None:
        self.program: str | None = None  # the PROGRAM argument as typed
        self.options: dict[str, object] = {}
        self.values: dict[str, str] = {}  # input name → value text

    def __repr__(self) -> str:
        return f"CommandLine({self.program!r}, {self.options!r}, {self.values!r})"

    def flag(self, name: str) -> bool:
        return bool(self.options.get(name))

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.options.get(name, default)
        return None if value is None else str(value)


def choice(line: CommandLine, name: str, formats: Registry, default: str | None = None) -> str:
    """--format or --to: a name of the registry's (its default when not given)."""
    from ..api.checks import choice as checked

    return checked(line.options.get(name, default or formats.default), name, formats.names)


def split(tokens: list[str], options: tuple[Option, ...], program: bool = True) -> CommandLine:
    """Sort the tokens into the program, the command's own options and input values.
    `program`: the command takes a PROGRAM and its inputs' values (not step, history,
    reset)."""
    known = {o.name: o for o in options}
    shorts = {f"-{o.short}": o.name for o in options if o.short}
    line = CommandLine()
    rest = list(reversed(tokens))  # popped from the end: the next token
    while rest:
        tok = rest.pop()
        if tok == "--":
            continue
        if tok in shorts:
            tok = f"--{shorts[tok]}"
        if not tok.startswith("--"):
            if _one_dash(tok, line, rest, known, program):
                flag = known.get(tok[1:])
                valued = rest and not rest[-1].startswith("--") and (flag is None
                                                                     or flag.metavar)
                raise UsageError(f"{tok}: options take two dashes",
                                 hint=f"write -{tok}" + (f" {rest[-1]}" if valued else ""))
            _positional(line, tok, program)
            continue
        name, eq, inline = tok[2:].partition("=")
        if name in known and known[name].metavar is None:
            if eq:
                raise UsageError(f"--{name} takes no value")
            line.options[name] = True
        elif name in known or (program and _NAME.match(name)):
            _value(line, name, inline if eq else _next(rest, name, known), name in known)
        else:
            raise unknown_option(name, known)
    return line


def _one_dash(tok: str, line: CommandLine, rest: list[str], known: dict[str, Option],
              program: bool) -> bool:
    """Whether `-x` is an option written with one dash rather than the program `-x`
    (negative x): it names an option, or a value follows it, or there is no program for
    it to be (a program is already given, or the command takes none)."""
    if not _ONE_DASH.match(tok):
        return False
    return (tok[1:] in known or not program or line.program is not None
            or bool(rest and not rest[-1].startswith("-")))


def _next(rest: list[str], name: str, known: dict[str, Option]) -> str:
    """The value after --name: whatever follows (`--x -4`, even `--x --y`). But a name one
    slip from a flag, with nothing or another --option after it, is that flag mistyped
    (`--jsn`, `--jsno --x 3`), not an input waiting for its value."""
    if not rest or rest[-1].startswith("--"):
        flags = [o.name for o in known.values() if o.metavar is None] + list(BUILT_IN)
        meant = None if name in known else closest(name, flags)
        if meant is not None:
            raise UsageError(f"unknown option --{name}", hint=f"did you mean --{meant}?")
        if not rest:
            raise UsageError(f"--{name} needs a value")
    return rest.pop()


def unknown_option(name: str, known: dict[str, Option], others=()) -> UsageError:
    """The error for --name that the command does not take, with the option meant."""
    flags = [o for o in known if o != "NAME"]
    close = closest(name, flags + list(BUILT_IN))
    if close is not None:
        return UsageError(f"unknown option --{name}", hint=f"did you mean --{close}?")
    for command, options in others:  # an option of another command: step --steps
        if name in options:
            return UsageError(f"unknown option --{name}",
                              hint=f"--{name} is an option of `backprop {command}`")
    return UsageError(f"unknown option --{name}",
                      hint="options: " + ", ".join(f"--{o}" for o in flags))


def _value(line: CommandLine, name: str, value: str, known: bool) -> None:
    """An option's value, or an input's: --x 3, --set x=3."""
    if name == "set":
        target, eq, value = value.partition("=")
        if not eq or not _NAME.match(target.strip()):
            raise UsageError(f"--set {value!r}: write --set NAME=VALUE, as in --set x=3")
        _put(line, target.strip(), value)
    elif known:
        line.options[name] = value
    else:
        _put(line, name, value)


def _positional(line: CommandLine, tok: str, program: bool) -> None:
    if not program:
        raise UsageError(f"unexpected argument {_short(tok)!r}: this command takes no "
                         "program", hint="it goes on from the session (or a document on "
                                         "stdin)")
    if line.program is not None:
        raise UsageError(f"unexpected argument {tok!r}: the program is already "
                         f"{_short(line.program)!r}",
                         hint="quote the whole program: backprop eval \"g = x*y + z\"")
    line.program = tok


def _put(line: CommandLine, name: str, value: str) -> None:
    if name in line.values:
        raise UsageError(f"{name} is given twice")
    line.values[name] = value


def _short(text: str) -> str:
    return text if len(text) <= 30 else text[:27] + "..."


# export's options, in the order its help lists them
EXPORT = (TO, DESCEND, LR, STEPS, OPTIMIZER, SCHEDULE, ASCEND, WATCH, EMBED, SCRIPT, *PROGRAM,
          IGNORE_STDIN, JSON)

# The quiz's options, in the order its help lists them.
QUIZ = (ASK, QUIZ_LR, QUIZ_TOL, RANDOM, LEVEL, SHEET, KEY, ANSWERS, VARIANTS, EXAM_FORMAT,
        EXAM_SAVE, PDF, VALUE, SET, OUTPUT, PARAMS, FREEZE, QUIZ_SEED, STATE, DIGITS, FULL,
        IGNORE_STDIN, JSON)

# replay
HTML = Option("html", "FILE", "write the player as one self-contained web page (the graph as "
              "SVG, buttons, arrow keys and a slider; nothing fetched from anywhere)")
GIF = Option("gif", "FILE", "write the frames as an animation: a GIF, or an animated PNG for "
             "a FILE ending in .png (drawn by matplotlib)")
MAX_FRAMES = Option("max-frames", "N", "replay a program of up to N frames (default 2000)")
