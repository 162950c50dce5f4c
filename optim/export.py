"""A run as the files people take away: the CLI's JSON object and a CSV table, from one place."""

from __future__ import annotations

import csv
import io
import json
import math

import jax

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
