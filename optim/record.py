"""A run as the CLI prints it (DESIGN.md's contract): one JSON object, non-finite numbers as null."""

from __future__ import annotations

import json
import math

import jax

from optim.runner import Trajectory
from optim.spec import Optimizer


def backend_name() -> str:
    """"cpu" or "gpu" (or "tpu"): where JAX runs."""
    backend = jax.default_backend()
    return backend if backend in ("cpu", "tpu") else "gpu"


def number(v):
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
        "trajectory": [[number(v) for v in p] for p in traj.points],
        "loss": [number(v) for v in traj.loss],
        "grad_norm": [number(v) for v in traj.grad_norm],
        "diverged_at": traj.diverged_at,
        "backend": backend_name(),
        "dtype": str(traj.points.dtype),
    }


def run_json(record: dict) -> str:
    return json.dumps(record, allow_nan=False)
