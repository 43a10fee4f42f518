"""`backprop export`: PROGRAM at its point as one Python script (numpy, PyTorch or JAX),
to stdout or atomically to -o FILE."""

from __future__ import annotations

from ... import api
from ...output import document as doc
from .. import options as o
from ..handling import PROGRAM_OPTIONS, options, program
from ..options import CommandLine
from ..spec import Env, Outcome, Spec


def run_export(line: CommandLine, env: Env) -> Outcome:
    save = line.text("save")
    given = options(line, "to", "lr", "steps", "optimizer", "schedule", "watch",
                    *PROGRAM_OPTIONS)
    script = api.export(program(line, env), line.values, descend=line.flag("descend"),
                        ascend=True if line.flag("ascend") else None,
                        embed_data=line.flag("embed-data"), file=save, **given)

    def document() -> dict:
        return {"schema": doc.SCHEMA, "command": "export", "to": script.to,
                "descend": script.descend, "file": save, "script": script.text}

    if save is not None:
        # executable (less the umask): the script starts with #!/usr/bin/env python3
        api.save_file(save, script.text.encode("utf-8"), "-o: ", new_mode=0o777)
        return Outcome(document=document, text="",
                       note=f"wrote the {script.to} script to {save}; run it: python {save}")
    return Outcome(document=document, text=script.text)


SPEC = Spec(
    "export", "PROGRAM as a Python script: numpy by hand, PyTorch or JAX.",
    "Write PROGRAM at its point as one Python script (stdout, or -o FILE): --to numpy "
    "writes the backward pass by hand, a line per edge under its gate's rule; torch and "
    "jax leave it to loss.backward() and jax.value_and_grad. Each script prints eval's "
    "document, or with --descend descend's at the run's end. Numbers are written "
    "exactly, load(...) data read from its file (or held: --embed-data).\nWithout "
    "PROGRAM, the document on stdin or the session's point.",
    ('backprop export "g = x*y + z" --x 3 --y -4 --z 2 > g.py && python g.py',
     "backprop export samples/seed.bp --to torch | python - | jq .gradients",
     "backprop export samples/moons.bp --to jax --descend --seed 1 -o moons_jax.py"),
    o.EXPORT, run_export, rank=13)
