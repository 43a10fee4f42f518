"""`backprop step`: one gradient-descent step from the session, or from the document on
stdin; saves the new point and adds to the session's history."""

from __future__ import annotations

from ... import api
from ...output import document as doc
from .. import options as o
from ..handling import frozen_note, options, views
from ..options import CommandLine
from ..spec import Env, Outcome, Spec
from .eval import entry


def run_step(line: CommandLine, env: Env) -> Outcome:
    piped = env.stdin()
    start = api.Document(piped, "stdin") if piped else env.session
    r = api.step(start, **options(line, "lr", "params", "freeze", "damping"),
                 ascend=line.flag("ascend"), newton=line.flag("newton"))
    before = r.previous.evaluation if r.previous else r.evaluation
    lr, ascend, newton = r.lr or api.LR, r.ascend, r.newton
    if newton is not None:
        return Outcome(
            document=lambda: doc.document("step", r.evaluation, r.point,
                                          **doc.step_fields(before, lr, False, r.change or 0.0,
                                                            newton)),
            view=lambda: views().newton_report(newton, line.flag("full")),
            session=env.session.continued(r.point, [entry(r, None, r.change, newton=True)]),
            note=frozen_note(line, r))
    return Outcome(
        document=lambda: doc.document("step", r.evaluation, r.point,
                                      **doc.step_fields(before, lr, ascend, r.change or 0.0)),
        view=lambda: views().step_report(before, r.evaluation, r.point.params,
                                         -lr if ascend else lr, line.flag("full")),
        session=env.session.continued(r.point, [entry(r, lr, r.change, ascend)]),
        note=frozen_note(line, r))


SPEC = Spec(
    "step", "One gradient-descent step from the session, or from a document on stdin.",
    "Move every param one step down the gradient (up with --ascend), from the session or "
    "from the JSON document on stdin, and show each param's value, gradient, move and "
    "new value, and how the output changed. Saves the new point in the session and adds "
    "to its history.\nWhat the session remembers: the program, the output, the inputs' "
    "values and which inputs move (--params, --freeze: a later step keeps them frozen and "
    "says so; --freeze \"\" frees them). Not --lr (0.1 unless given) nor --ascend.\n"
    "--newton takes Newton's step x ← x − (H + λI)⁻¹∇g instead (the Hessian by "
    "forward-over-reverse, at most 400 param elements; --damping λ, default 0), shown "
    "beside the gradient step at --lr with the Hessian's eigenvalues; a singular or "
    "indefinite Hessian stops with exit code 1, naming its eigenvalues.\n"
    "stdin: read as a JSON document whenever it is not a terminal; in a shell loop whose "
    "stdin is not for backprop, give --ignore-stdin (or < /dev/null).",
    ("backprop step --lr 0.1",
     'backprop eval "g = x*y + z" --x 3 --y -4 --z 2 --json | backprop step --json',
     "backprop step --ascend --params x",
     "backprop step --newton --damping 0.1"),
    (o.LR, o.ASCEND, o.NEWTON, o.DAMPING, o.PARAMS, o.FREEZE, o.STATE, o.DIGITS, o.FULL,
     o.IGNORE_STDIN, o.JSON), run_step,
    program=False, changes_session=True, rank=2)
