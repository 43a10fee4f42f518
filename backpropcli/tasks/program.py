"""A program at a point: from what the user typed, or from a saved point, to the graph,
the input values, the params and the output — and one step from there to the next.

This is the glue every command shares; it parses, binds and evaluates, and never
prints. A saved point (the session, or a document on stdin) is re-parsed from its
program text, so it can never disagree with what the user wrote.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..core import fmt
from ..core.engine import Evaluation, evaluate
from ..core.errors import MathError, ProgramError, UsageError, ValueProblem, give, param
from ..core.graph import Graph
from ..core.optim import step
from ..lang.parse import parse
from .files import expand, is_file, read_text
from .point import Point
from .values import bind, load_data, refuse_unknown, value_of


def choose_output(graph: Graph, name: str | None) -> Graph:
    if name is None:
        node = graph.nodes[graph.output]
        if node.is_data:
            raise ProgramError(f"the program ends with {node.name} = {node.text}, data read "
                               "from a file, which has no gradient",
                               line=node.line, column=node.column, source=graph.source,
                               hint=f"end it with a formula that uses {node.name}, or choose "
                                    f"the output with {give('output', 'NAME')}")
        return graph
    index = find_node(graph, name, "output")
    if graph.nodes[index].is_data:
        raise UsageError(f"{param('output')} {name}: {name} is data read from a file, a constant "
                         "with no gradient", hint="choose a node the program computes")
    return graph.with_output(index)


def find_node(graph: Graph, name: str, what: str) -> int:
    """The index of the node `name`, or the error that says there is none (for the
    parameter `what`: output, watch), worded here once."""
    index = graph.find(name)
    if index is None:
        import difflib  # noqa: PLC0415  (only for a name that is not there)

        close = difflib.get_close_matches(name, sorted(graph.names), n=1)
        names = ", ".join(sorted(graph.names)) or "none"
        raise UsageError(f"{param(what)} {name}: the program has no {name!r}",
                         hint=(f"did you mean {close[0]}? " if close else "")
                         + f"the values it can {what}: {names}")
    return index


def choose_params(graph: Graph, params: list[str] | None, freeze: list[str] | None) -> list[str]:
    """The inputs a step moves: all of them, or --params, minus --freeze."""
    inputs = graph.input_names
    for flag, names in (("params", params), ("freeze", freeze)):
        unknown = [n for n in names or [] if n not in inputs]
        if unknown:
            raise UsageError(f"{param(flag)}: {', '.join(unknown)} "
                             f"{'is not an input' if len(unknown) == 1 else 'are not inputs'}",
                             hint="inputs: " + (", ".join(inputs) or "none"))
    chosen = list(params) if params else list(inputs)
    return [n for n in chosen if n not in (freeze or [])]


def start(
    text: str,
    values: Mapping[str, object],
    *,
    base: Path | None = None,
    output: str | None = None,
    params: list[str] | None = None,
    freeze: list[str] | None = None,
    seed: int | None = None,
) -> tuple[Graph, Point]:
    """Parse the program, read its data files and bind the values given (numbers, lists,
    arrays, or text as typed on the command line: see values.value_of)."""
    graph = parse(text)
    if base is None and any(n.is_data for n in graph.nodes):
        # remember where relative data files were found, so that `step` finds them
        # again from another folder (the session and the document carry `base`)
        base = Path.cwd()
    graph = choose_output(load_data(graph, base), output)
    refuse_unknown(graph, values)  # a mistyped option is said before its value is read
    given = {name: value_of(name, v) for name, v in values.items()}  # @file: from here
    inputs = bind(graph, given, seed)
    chosen = choose_params(graph, params, freeze)
    return graph, Point(text, graph.nodes[graph.output].name, inputs, chosen, base)


def reopen(
    point: Point,
    params: list[str] | None = None,
    freeze: list[str] | None = None,
    values: Mapping[str, object] | None = None,
    output: str | None = None,
) -> tuple[Graph, Point]:
    """The graph of a saved point, checked against its inputs. --params/--freeze, values
    typed on the command line and --output may replace what was saved."""
    graph = choose_output(load_data(parse(point.program), point.base, quiet=True),
                         output or point.output)
    missing = [n for n in graph.input_names if n not in point.inputs]
    if missing:
        raise ValueProblem(f"the saved point has no value for {', '.join(missing)}")
    refuse_unknown(graph, values or {})
    typed = {name: value_of(name, v) for name, v in (values or {}).items()}
    inputs = bind(graph, {**point.inputs, **typed})  # refuses names the program does not use
    # --freeze "" or --params "" (an empty list) frees what the point had frozen
    given = params is not None or freeze is not None
    chosen = choose_params(graph, params, freeze) if given else point.params
    unknown = [n for n in chosen if n not in graph.input_names]
    if unknown:
        raise ValueProblem(f"the saved params {', '.join(unknown)} are not inputs")
    return graph, Point(point.program, graph.nodes[graph.output].name, inputs, chosen,
                        point.base)


def refuse_constant(graph: Graph, nothing: str) -> None:
    """Refuse (exit 2) a command that needs a gradient where the output depends on no
    input (g = 3 + 4, act = 2^log(2)): there is none, and a zero would be no answer.
    `nothing` says what the command then cannot do: "a step has nothing to move"."""
    if not graph.requires_grad()[graph.output]:
        name = graph.nodes[graph.output].name
        raise ProgramError(f"{name} depends on no input: it is made of constants alone, so "
                           f"there is nothing to differentiate and {nothing}",
                           hint="write a name for a value to vary, such as x in g = 3*x + 4, "
                                "or choose another output with --output")


def take_step(graph: Graph, point: Point, lr: float) -> tuple[Evaluation, Evaluation, Point]:
    """Evaluate at the point, step every param by -lr · gradient, evaluate again there."""
    refuse_constant(graph, "a step has nothing to move")
    refuse_frozen(graph, point.params, "a step has nothing to move")
    before = evaluate(graph, point.inputs)
    moved = step(before.inputs(), before.gradients(), point.params, lr)
    for name in point.params:
        if not np.isfinite(moved[name]).all():  # lr · gradient overflowed: say so, not a pole
            grad = before.gradients()[name]
            raise MathError(f"the step moves {name} beyond what a number can hold "
                            f"({name} - {fmt.number(abs(lr))} · {fmt.brief(grad)} overflows)",
                            hint=f"take a smaller step: a smaller {param('lr')}")
    after = evaluate(graph, moved)
    return before, after, Point(point.program, point.output, after.inputs(), point.params,
                                point.base)


def change(before: Evaluation, after: Evaluation) -> float:
    """How far the output (summed, for an array) moved; a MathError if that overflows,
    as from -1e308 to 1e308, which JSON and the session could not hold."""
    with np.errstate(all="ignore"):
        moved = float(np.sum(after.value) - np.sum(before.value))
    if not np.isfinite(moved):
        raise MathError(f"the step moved {after.output.name} by more than a number can hold "
                        f"(from {fmt.number(np.sum(before.value))} "
                        f"to {fmt.number(np.sum(after.value))})",
                        hint=f"take a smaller step: a smaller {param('lr')}")
    return moved


def read_program(arg: str, typed: bool = True) -> tuple[str, Path | None]:
    """The program text and the folder its relative file names are read from.

    `arg` is a path to a file, or (`typed`: as typed on the command line) the text
    itself unless it names a .bp file or, with no space in it, a file that is there."""
    path = expand(arg)
    if not typed or names_file(arg):
        if not os.path.lexists(path):
            raise UsageError(f"no such program file: {arg}")
        text = read_text(path, "the program file ", error=UsageError)
        return text, path.resolve().parent
    return arg, None


def names_file(arg: str) -> bool:
    """Whether PROGRAM as typed names a file: a .bp file, or (with no space in it) a
    file that is there; else it is the program's text."""
    return arg.endswith(".bp") or (not any(c.isspace() for c in arg) and is_file(expand(arg)))


def refuse_frozen(graph: Graph, params: list[str], nothing: str) -> None:
    """Refuse (exit 2) a step or a descent that may move no input: every one is frozen,
    by --freeze or --params now or as a saved point keeps them. Done quietly, it would
    print an empty table and "did not change", and every later step the same."""
    if params or not graph.input_names:
        return
    frozen = ", ".join(graph.input_names)
    raise UsageError(f"{nothing}: every input is frozen ({frozen}); a saved point (the "
                     f"session, a document) keeps the {param('freeze')} or "
                     f"{param('params')} it was given until they are given again",
                     hint=f'free them with {give("freeze", chr(34) * 2)} (every input '
                          f'moves again), or choose the ones to move with '
                          f'{give("params", graph.input_names[0])}')
