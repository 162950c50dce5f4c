"""A run as the files people take away: the CLI's JSON object and a CSV table, from one place."""

from __future__ import annotations

import csv
import io
import json
import math

import jax
import numpy as np

from optim.runner import Trajectory
from optim.spec import Optimizer


def backend_name() -> str:
    """"cpu" or "gpu" (or "tpu"): where JAX runs."""
    backend = jax.default_backend()
    return backend if backend in ("cpu", "tpu") else "gpu"


def _number(v):
    v = float(v)
    return v if math.isfinite(v) else None


def run_record(traj: Trajectory, surface_label: str, optimizer: Optimizer, start) -> dict:
    """The JSON object of ``python -m optim run`` (DESIGN.md): non-finite numbers become ``None``."""
    hp = {h.name: (bool(traj.hyperparameters[h.name]) if h.flag else traj.hyperparameters[h.name])
          for h in optimizer.hyperparameters}
    return {
        "surface": surface_label,
        "optimizer": optimizer.name,
        "hyperparameters": {**hp, "schedule": traj.schedule, **(traj.schedule_parameters or {})},
        "steps": traj.steps,
        "start": [float(start[0]), float(start[1])],
        "trajectory": [[_number(v) for v in p] for p in traj.points],
        "loss": [_number(v) for v in traj.loss],
        "grad_norm": [_number(v) for v in traj.grad_norm],
        "diverged_at": traj.diverged_at,
        "backend": backend_name(),
        "dtype": str(traj.points.dtype),
    }


def run_json(record: dict) -> str:
    return json.dumps(record, allow_nan=False)


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
    """One CLI-schema object per racer of a ``RaceResult`` (``optim.race``), in racer order."""
    from optim.registry import get_optimizer

    grad = jax.jit(jax.vmap(jax.vmap(jax.grad(surface))))
    norms = np.linalg.norm(np.asarray(grad(result.points)), axis=-1)  # shape (steps + 1, R)
    records = []
    for r, racer in enumerate(result.racers):
        optimizer = get_optimizer(racer.optimizer)
        hp = {h.name: (bool(result.hyperparameters[r][h.name]) if h.flag else result.hyperparameters[r][h.name])
              for h in optimizer.hyperparameters}
        d = int(result.diverged_at[r])
        records.append({
            "surface": surface_label,
            "optimizer": optimizer.name,
            "hyperparameters": {**hp, "schedule": schedule, **dict(schedule_parameters or {})},
            "steps": result.steps,
            "start": [float(start[0]), float(start[1])],
            "trajectory": [[_number(v) for v in p] for p in result.points[:, r]],
            "loss": [_number(v) for v in result.loss[:, r]],
            "grad_norm": [_number(v) for v in norms[:, r]],
            "diverged_at": None if d < 0 else d,
            "backend": backend_name(),
            "dtype": str(result.points.dtype),
        })
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
