"""What a person wants to know about one run, in numbers: where it ended and how it got there."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optim.runner import Trajectory
from surfaces.base import Surface


@dataclass(frozen=True)
class RunSummary:
    final_point: tuple[float, float]
    final_loss: float
    gap: float | None  # f - f* when f* is known
    nearest: str | None  # "global minimum (3, 2)" or None when the surface declares none
    distance: float | None  # to the nearest declared minimum
    steps_to_tol: int | None  # first step with ‖∇f‖ < tol
    diverged_at: int | None
    steps: int
    message: str  # one sentence in plain words
    halted_at: int | None = None  # where the rule could not step (Newton, singular Hessian)
    evaluations: int | None = None  # value-and-gradient calls in all, for rules that make more than one a step


def summarize(traj: Trajectory, surface: Surface, tol: float) -> RunSummary:
    x, y = (float(v) for v in traj.final)
    k = traj.steps if traj.diverged_at is None else max(traj.diverged_at - 1, 0)
    loss = float(traj.loss[k])
    gap = loss - surface.f_star if surface.f_star is not None and np.isfinite(loss) else None
    near = surface.nearest_minimum((x, y))
    nearest = distance = None
    if near is not None:
        point, distance = near
        nearest = (f"ring of {point.kind.replace('minimum', 'minima')} (r = {point.radius:.4g})" if point.ring
                   else f"{point.kind} ({point.point[0]:.4g}, {point.point[1]:.4g})")
    hit = traj.steps_to_tolerance(tol)
    if traj.halted_at is not None:
        message = f"Stopped at step {traj.halted_at}: {traj.halt_reason}."
    elif traj.diverged_at is not None:
        message = (
            f"Diverged at step {traj.diverged_at}: the numbers overflowed, so the learning rate is too "
            f"big for this surface. The last finite point (step {k}) is drawn."
        )
    elif hit is not None:
        message = f"‖∇f‖ fell below {tol:g} at step {hit} of {traj.steps}."
    else:
        message = f"After {traj.steps} steps ‖∇f‖ = {traj.grad_norm[-1]:.3g} is still above {tol:g}."
        low = int(np.nanargmin(traj.grad_norm)) if np.isfinite(traj.grad_norm).any() else traj.steps
        if low < traj.steps and traj.grad_norm[-1] > 10 * traj.grad_norm[low]:  # dipped, then grew again
            message = (
                f"‖∇f‖ dipped to {traj.grad_norm[low]:.2g} at step {low}, close to a stationary point, then "
                f"grew to {traj.grad_norm[-1]:.3g}: the run passed it and is still going downhill"
                + (" (this surface has no minimum, so f keeps falling)." if not surface.minima else ".")
            )
    evaluations = None
    if traj.evaluations is not None and int(traj.evaluations[-1, 0]) != traj.steps:
        evaluations = int(traj.evaluations[-1, 0])
    return RunSummary((x, y), loss, gap, nearest, distance, hit, traj.diverged_at, traj.steps, message,
                      traj.halted_at, evaluations)
