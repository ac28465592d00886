"""Report to MTL Lab from your own training program (standard library only).

MTL Lab launches your program once per trial with the trial as JSON in the environment
variable MTL_TRIAL (and in the file named by MTL_TRIAL_FILE). Read it with ``trial()``, train,
and call ``report(epoch, metrics)`` after every epoch; the last report is the trial's result
unless you call ``final(metrics)``. Exit 0 when training succeeded; any other exit fails the trial
(the last lines of stderr are kept as the reason). On SIGTERM (pruned, cancelled, paused, interrupted)
you have a grace period to save your state in ``checkpoint_dir()`` before SIGKILL.

    import mtl_report as mtl
    t = mtl.trial()                    # {"trial", "attempt", "seed", "strategy", "params",
                                       #  "weights", "tasks", "epochs", ...}
    for epoch in range(1, t["epochs"] + 1):
        ...
        mtl.report(epoch, {"digit": {"val": {"accuracy": 0.91, "loss": 0.31}}})

The wire format, for any language: print one line ``@mtl {json}`` on stdout per report, e.g.
``@mtl {"epoch": 3, "metrics": {TASK: {SPLIT: {METRIC: number}}}, "weights": {TASK: number}}``,
``@mtl {"final": {...}}`` or ``@mtl {"checkpoint": true}``. NaN and Infinity are accepted.
"""

import json
import os
import sys

__all__ = ["trial", "report", "final", "checkpoint_dir", "checkpoint_saved"]


def trial():
    """The trial MTL Lab is running, as a dict (a stand-in when run by hand, outside MTL Lab)."""
    raw = os.environ.get("MTL_TRIAL")
    if raw is None:
        path = os.environ.get("MTL_TRIAL_FILE")
        if path:
            with open(path, encoding="utf-8") as f:
                raw = f.read()
    if raw is None:
        return {"trial": 0, "attempt": 1, "seed": 0, "strategy": "equal", "strategyOptions": {},
                "params": {}, "tasks": [], "epochs": 1, "experiment": "by-hand"}
    return json.loads(raw)


def _emit(payload):
    sys.stdout.write("@mtl " + json.dumps(payload, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def _plain(metrics):
    """Metrics as plain floats (numpy and torch scalars included)."""
    return {task: {split: {name: float(v) for name, v in values.items()}
                   for split, values in splits.items()}
            for task, splits in metrics.items()}


def report(epoch, metrics, weights=None):
    """Reports one finished epoch (from 1): metrics as {task: {split: {metric: value}}}.

    Splits are "train", "val" and "test"; a non-finite train "loss" fails the trial, other
    non-finite values are recorded as diverged. ``weights`` are the task weights in force.
    """
    payload = {"epoch": int(epoch), "metrics": _plain(metrics)}
    if weights is not None:
        payload["weights"] = {k: float(v) for k, v in weights.items()}
    _emit(payload)


def final(metrics):
    """Reports the trial's final metrics (else the last epoch's are the result)."""
    _emit({"final": _plain(metrics)})


def checkpoint_dir():
    """A folder for your checkpoints that survives a restart of the trial, or None."""
    return os.environ.get("MTL_CHECKPOINT_DIR")


def checkpoint_saved():
    """Says a consistent checkpoint is in checkpoint_dir() now (MTL Lab then keeps it)."""
    _emit({"checkpoint": True})
