"""A run or a race as the files people take away: a CSV table, CLI-schema JSON per racer."""

from __future__ import annotations

import csv
import io

import jax
import numpy as np

from optim.record import backend_name, number
from optim.runner import Trajectory


def run_csv(traj: Trajectory) -> str:
    """One row per index: step, x, y, f, ‖∇f‖ and the step size of the update that left it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["step", "x", "y", "loss", "grad_norm", "lr"])
    for k in range(traj.steps + 1):
        lr = repr(float(traj.lr[k])) if traj.lr is not None and k < traj.steps else ""
        writer.writerow([k, repr(float(traj.points[k, 0])), repr(float(traj.points[k, 1])),
                         repr(float(traj.loss[k])), repr(float(traj.grad_norm[k])), lr])
    return out.getvalue()


def race_records(result, surface, surface_label: str, start, schedule: str = "constant",
                 schedule_parameters=None) -> list[dict]:
    """One CLI-schema object per racer of a ``RaceResult`` (``experiments.race``), in racer order."""
    from optim.registry import get_optimizer

    grad = jax.jit(jax.vmap(jax.vmap(jax.grad(surface))))
    norms = np.linalg.norm(np.asarray(grad(result.points)), axis=-1)  # shape (steps + 1, R)
    records = []
    for r, racer in enumerate(result.racers):
        optimizer = get_optimizer(racer.optimizer)
        hp = optimizer.shown(result.hyperparameters[r])
        d = int(result.diverged_at[r])
        records.append({
            "surface": surface_label,
            "optimizer": optimizer.name,
            "hyperparameters": {**hp, "schedule": schedule, **dict(schedule_parameters or {})},
            "steps": result.steps,
            "start": [float(start[0]), float(start[1])],
            "trajectory": [[number(v) for v in p] for p in result.points[:, r]],
            "loss": [number(v) for v in result.loss[:, r]],
            "grad_norm": [number(v) for v in norms[:, r]],
            "diverged_at": None if d < 0 else d,
            "backend": backend_name(),
            "dtype": str(result.points.dtype),
        })
        if not optimizer.first_order and result.evaluations is not None:  # as optim run writes it
            records[-1]["evaluations"] = [int(v) for v in np.diff(result.evaluations[:, r])]
        if result.halted_at is not None and result.halted_at[r] >= 0:  # the rule could not step from there
            records[-1]["stopped_at"] = int(result.halted_at[r])
    return records


def race_csv(result) -> str:
    """Long format: one row per (racer, step)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["racer", "label", "step", "x", "y", "loss"])
    for r, racer in enumerate(result.racers):
        for k in range(result.steps + 1):
            writer.writerow([r + 1, racer.label, k, repr(float(result.points[k, r, 0])),
                             repr(float(result.points[k, r, 1])), repr(float(result.loss[k, r]))])
    return out.getvalue()
