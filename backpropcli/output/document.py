"""Every JSON document the tool writes (schema backprop/1), built from the tasks' data.

One document per command on stdout. `value`, `inputs` and `gradients` are always at
the same point; `gradients` has every input (0 where the output does not depend on
it); arrays are nested lists. Numbers are never written as NaN or Infinity (invalid
JSON): the engine stops before a non-finite value, and anything non-finite that
still reaches a document (an error's context) is written as a string.

A document carries everything needed to go on from its point (program, inputs,
params, output), so `step` can read it from a pipe instead of the session
(tasks/point.py reads it back).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from ..core.engine import Evaluation
from ..core.errors import BackpropError
from ..tasks.jsontext import Finite, FiniteList, dumps, dumps_bytes, jsonable
from ..tasks.point import SCHEMA, Point
from .text import count_text

if TYPE_CHECKING:  # what each command's document is made from, loaded with that command
    from ..tasks.check import Check
    from ..tasks.depth import Depth
    from ..tasks.derivation import Explanation, Factor, Path
    from ..tasks.descend import Run, Settings
    from ..tasks.grading import QuizResult, Tally
    from ..tasks.newton import Newton
    from ..tasks.quiz import Question, Quiz
    from ..tasks.symbolic import Formulas

__all__ = ["SCHEMA", "dumps", "dumps_bytes", "jsonable"]

EXACT = 2**53  # path counts up to here are JSON numbers (exact in every JSON reader)


def document(command: str, ev: Evaluation, point: Point, **extra) -> dict:
    """The document of every program command: the point, the value, the gradients and
    every computed node; `extra` adds the command's own keys (step, check, ...)."""
    nodes = ev.graph.nodes
    doc = {
        "schema": SCHEMA,
        "command": command,
        "program": point.program,
        "output": ev.output.name,
        "value": jsonable(ev.value),
        "inputs": Finite((k, jsonable(v)) for k, v in ev.inputs().items()),
        "params": list(point.params),
        "gradients": Finite((k, jsonable(v)) for k, v in ev.gradients().items()),
        "nodes": FiniteList(_node(ev, i) for i, node in enumerate(nodes) if node.computed),
    }
    data = {node.name: {"file": node.data[0], "columns": list(node.data[1]) or None,
                        "shape": list(np.shape(ev.values[i]))}
            for i, node in enumerate(nodes) if node.data is not None}
    if data:  # constants read by load(...): not inputs, never moved; `base` finds them again
        doc["data"] = data
    if point.base is not None:
        doc["base"] = str(point.base)
    doc.update(extra)
    return doc


def _node(ev: Evaluation, i: int) -> dict:
    """A computed node: what it computes from what, its value, the local gradient on
    each edge (None for a constant operand, which has no gradient) and ∂output/∂node."""
    nodes = ev.graph.nodes
    node, local, value = nodes[i], ev.local[i], ev.values[i]
    return {
        "name": node.name,
        "op": node.op,
        "args": [nodes[j].name for j in node.args],
        "expr": node.text,
        "value": jsonable(value),
        "shape": list(getattr(value, "shape", ())),
        "local": None if local is None else [
            None if loc is None else jsonable(loc)  # a constant operand has none
            for loc in local
        ],
        "grad": _grad(ev, i),
    }


def _grad(ev: Evaluation, i: int):
    """∂output/∂node, or None for a node that depends on no input (it has none)."""
    g = ev.grad(i)
    return None if g is None else jsonable(g)


def step_fields(before: Evaluation, lr: float, ascend: bool, change: float,
                newton: Newton | None = None) -> dict:
    """The `step` document's own key: where the step came from (the document's value,
    inputs and gradients are those after it); for Newton's step, the Hessian, its
    eigenvalues and the gradient step at lr beside it."""
    update = "param + lr * gradient" if ascend else "param - lr * gradient"
    return {"step": {
        "lr": lr,
        "ascend": ascend,
        "update": "param - (H + damping * I)^-1 gradient" if newton is not None else update,
        "newton": None if newton is None else {
            "damping": newton.damping,
            "params": newton.labels,
            "hessian": jsonable(newton.matrix),
            "eigenvalues": jsonable(newton.eigenvalues),
            "move": jsonable(newton.move),
            "gradient_step": {
                "value": jsonable(newton.gradient.value),
                "inputs": Finite((k, jsonable(v)) for k, v in newton.gradient.inputs().items()),
            },
        },
        "previous": {
            "value": jsonable(before.value),
            "inputs": {k: jsonable(v) for k, v in before.inputs().items()},
            "gradients": {k: jsonable(v) for k, v in before.gradients().items()},
        },
        "change": change,
    }}


def descend_fields(run: Run, settings: Settings) -> dict:
    """The `descend` document's own key: how the run went, and its history."""
    first, last = run.trace.points()[:1], run.trace.last
    return {"descend": {
        "optimizer": settings.optimizer, "lr": settings.lr, "schedule": settings.schedule,
        "steps": run.steps, "stopped": run.stopped, "reason": run.reason,
        "first": first[0].value if first else None,
        "last": last.value if last else None,
        "best_step": run.best_step,
        "plateau": run.plateau or None,
        "history": _history(run, settings),
        **({"warnings": [{"kind": w.kind, "message": w.message, "names": list(w.names)}
                         for w in run.warnings]} if run.warnings else {}),
    }}


def compared(runs: list[tuple[Run, Settings]]) -> list[dict]:
    """Descents compared (`descend --compare`): each optimizer's run, as descend_fields
    says it without the history, and the params where it ended."""
    out = []
    for run, settings in runs:
        first, last = run.trace.points()[:1], run.trace.last
        out.append({"optimizer": settings.optimizer, "steps": run.steps,
                    "stopped": run.stopped, "reason": run.reason,
                    "first": first[0].value if first else None,
                    "last": last.value if last else None, "best_step": run.best_step,
                    "inputs": {k: jsonable(v) for k, v in run.inputs.items()}})
    return out
def check_fields(check: Check) -> dict:
    """The `check` document's own key: every row and the cost of each method."""
    return {
        "check": {
            "eps": check.eps,
            "step": "eps * max(1, |x|)",
            "tol": check.tol,
            "relative_error": "|backprop - numeric| / max(|backprop|, |numeric|, 1)",
            "verdict": "passed" if check.passed else "failed",
            "failed": len(check.failures),
            "rows": [{"input": r.input, "index": list(r.index), "backprop": r.backprop,
                      "numeric": r.numeric, "error": r.error, "ok": r.ok}
                     for r in check.rows],
            "evaluations": {
                "backprop": {"forward": check.backprop.forward,
                             "backward": check.backprop.backward},
                "finite_differences": {"forward": check.numeric.forward},
            },
            "seconds": {"backprop": check.backprop.seconds,
                        "finite_differences": check.numeric.seconds},
            "problems": list(check.problems),
        }
    }


def count_json(n: int) -> int | str:
    """A path count for JSON: a number while exact in every reader, else its text."""
    return n if n < EXACT else (str(n) if n.bit_length() < 3000 else count_text(n))


def explain_fields(exp: Explanation) -> dict:
    """The `explain` document's own keys: per input its paths, their factors and sum."""
    def factor(f: Factor) -> dict:
        return {"symbol": f.symbol, "of": f.top, "wrt": f.bottom, "slot": f.slot,
                "formula": f.formula, "value": None if f.value is None else jsonable(f.value)}

    def path(p: Path) -> dict:
        doc = {"nodes": list(p.nodes), "factors": [factor(f) for f in p.factors],
               "length": p.length,
               "product": None if p.product is None else jsonable(p.product)}
        if p.elided:
            doc["elided"] = {"after": p.gap, "factors": p.elided}
        return doc

    return {
        "derivations": [{
            "input": der.input,
            "shape": list(der.shape),
            "gradient": jsonable(der.gradient),
            "path_count": count_json(der.count),
            "paths_written": len(der.paths),
            "paths": [path(p) for p in der.paths],
            "sum": None if der.path_sum is None else jsonable(der.path_sum),
            "complete": der.complete,
            "budget_ran_out": der.budget_ran_out,
        } for der in exp.derivations],
        "gates": [{"op": g.op, "gate": g.gate, "node": g.node, "expr": g.expr,
                   "local": [factor(f) for f in g.local], "also": list(g.others),
                   "also_more": g.more}
                  for g in exp.gates],
        "reuses": [{"node": r.node, "expr": r.expr, "operand": r.operand, "times": r.times}
                   for r in exp.reuses],
        "where": dict(exp.where),
        "paths_limit": exp.paths,
        **({} if exp.symbolic is None else {"symbolic": symbolic_fields(exp.symbolic)}),
    }


def symbolic_fields(f: Formulas) -> dict:
    """explain --symbolic: each input's formula (a program backprop reads back), and the
    counts of expression swell."""
    from .formulas import lesson

    return {
        "formulas": [{
            "input": x.input, "formula": x.program, "expression": x.expression,
            "where": dict(x.where), "inputs": list(x.inputs), "reason": x.reason or None,
            "paths": count_json(x.paths), "expanded_size": x.expanded, "size": x.size,
        } for x in f.formulas],
        "expanded_size": f.expanded,
        "backward_products": f.products,
        "limit": f.limit,
        "lesson": lesson(f),
    }


def graph_fields(ev: Evaluation) -> dict:
    """The `graph` document's own keys: every node (inputs and constants too) and every
    edge, with stable ids."""
    from .picture import edges, node_id  # with graph only

    nodes = ev.graph.nodes
    out_nodes = []
    for i, node in enumerate(nodes):
        out_nodes.append({
            "id": node_id(i),
            "name": node.name,
            "op": node.op,
            "expr": node.text if node.computed else None,
            "value": jsonable(ev.values[i]),
            "shape": list(np.shape(ev.values[i])),
            "grad": _grad(ev, i),
            "output": i == ev.graph.output,
        })
    out_edges = [{"from": node_id(e.source), "to": node_id(e.target), "slot": e.slot,
                  "local": None if e.local is None else jsonable(e.local)}
                 for e in edges(ev)]
    return {"nodes": out_nodes, "edges": out_edges}


def quiz_sheet(quiz: Quiz, key: bool = False) -> dict:
    """The question sheet of `backprop quiz --sheet`: the point (program, inputs, params,
    so that it can be graded later as it is), the settings, what is given, and each
    question with its id, prompt and what it is worked out from; never an answer.
    `answers` is the form to fill in (null: not answered), for `--answers`.
    With `key` (`quiz --key`, for a teacher) the same sheet filled in: each question's
    `right` answer, `answers` holding them, and `"key": true` in `quiz`."""
    ev, point = quiz.evaluation, quiz.point
    given = quiz.given()
    doc = {
        "schema": SCHEMA,
        "command": "quiz",
        "program": point.program,
        "output": ev.output.name,
        "inputs": {k: jsonable(v) for k, v in ev.inputs().items()},
        "params": list(point.params),
    }
    if point.base is not None:
        doc["base"] = str(point.base)
    questions = [_question(quiz, q, given) for q in quiz.questions]
    if key:
        for q, asked in zip(quiz.questions, questions, strict=True):
            asked["right"] = jsonable(q.right)
    doc["quiz"] = {**_settings(quiz), "given": {k: jsonable(v) for k, v in given.items()},
                   **({"key": True} if key else {}), "questions": questions}
    doc["answers"] = {q.id: jsonable(q.right) if key else None for q in quiz.questions}
    return doc


def quiz_fields(result: QuizResult) -> dict:
    """The `quiz` document's own key after answering or grading: every question with the
    answers given, its verdict, the right answer and its derivation; the score per kind
    and per node; what to practise next."""
    from . import hints  # the quiz's words load with the quiz only

    quiz = result.quiz
    topic, command = hints.practice_text(result.practice())
    questions = []
    for k, g in enumerate(result.graded):
        q = g.question
        questions.append({**_question(quiz, q, quiz.known(k)),
                          "answers": [jsonable(a) for a in g.tries], "verdict": g.verdict,
                          "right": jsonable(q.right),
                          "derivation": hints.derivation(quiz, q)})
    return {"quiz": {
        **_settings(quiz),
        "score": {**_tally(result.score), "all_right": result.all_right,
                  "stopped": result.stopped},
        "by_kind": {kind: _tally(t) for kind, t in result.by_kind().items()},
        "by_node": {name: _tally(t) for name, t in result.by_node().items()},
        "questions": questions,
        "practice": {"topic": topic, "command": command},
    }}


def _settings(quiz: Quiz) -> dict:
    problem = quiz.problem
    settings = {"ask": list(quiz.kinds), "lr": quiz.lr, "tol": quiz.tol,
                "random": None if problem is None else {"level": problem.level,
                                                        "seed": problem.seed}}
    if problem is not None and problem.variant is not None:  # a sheet of an exam
        settings["variant"] = problem.variant
    return settings


def _question(quiz: Quiz, q: Question, known: Mapping[str, object]) -> dict:
    from . import quiztext  # the quiz's words load with the quiz only

    doc: dict[str, object] = {"id": q.id, "kind": q.kind, "node": quiz.name(q.node)}
    if q.kind == "local":
        doc.update({"wrt": quiz.name(q.operand), "use": q.use})
    elif q.kind == "tangent":
        doc["wrt"] = quiz.name(q.operand)  # the input the tangent is along
    doc.update({"asks": quiztext.symbol(quiz, q), "prompt": quiztext.prompt(quiz, q, known),
                "uses": list(q.uses), "shape": list(q.shape)})
    return doc


def _tally(t: Tally) -> dict:
    return {"asked": t.asked, "right": t.right, "second_try": t.second, "wrong": t.wrong,
            "unanswered": t.unanswered}


def depth_document(d: Depth) -> dict:
    """`backprop depth`: the net, the gradient's norm at each layer (from the data's layer
    up), the factor per layer and why, the program that was evaluated (`source`) and its
    starting weights and biases (`inputs`)."""
    net = d.net
    return {
        "schema": SCHEMA, "command": "depth",
        "net": {"act": net.act, "layers": net.layers, "init": net.init, "width": net.width,
                "examples": net.examples, "seed": net.seed},
        "loss": d.loss,
        "layers": [{"layer": k.index, "param": k.param, "norm": k.norm, "factor": k.factor,
                    "rms": k.rms, "slope": k.slope} for k in d.layers],
        "factor": d.factor,
        "reason": d.reason,
        "source": d.program,
        "inputs": Finite((k, jsonable(v)) for k, v in d.inputs.items()),
    }


def history_document(point: Point, entries: list[dict]) -> dict:
    return {"schema": SCHEMA, "command": "history", "program": point.program,
            "output": point.output, "history": entries}


def reset_document(state: str, removed: bool) -> dict:
    return {"schema": SCHEMA, "command": "reset", "state": state, "removed": removed}


def error_document(err: BackpropError, command: str | None) -> dict:
    return {"schema": SCHEMA, "command": command, "error": err.to_json(), **err.data}


def _history(run: Run, settings: Settings) -> list[dict]:
    from ..tasks.descend import history  # with a descent only

    return history(run, settings)
