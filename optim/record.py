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
    hp = optimizer.shown(traj.hyperparameters)
    extra = {}
    if not optimizer.first_order and traj.evaluations is not None:
        # a rule with evaluations of its own: what each step cost (torch's func_evals per step() call)
        per_step = [[int(v) for v in col] for col in (traj.evaluations[1:] - traj.evaluations[:-1]).T]
        extra["evaluations"] = per_step[0]
        if any(per_step[1]):
            extra["hessian_evaluations"] = per_step[1]
    if traj.halted_at is not None:
        extra["stopped_at"], extra["stopped_because"] = traj.halted_at, traj.halt_reason
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
        **extra,
    }


def run_json(record: dict) -> str:
    return json.dumps(record, allow_nan=False)
