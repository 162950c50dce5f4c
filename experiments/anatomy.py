"""The anatomy of one update: what each part of an optimizer contributes to the step from w_k.

Everything is read from a trajectory recorded with ``descend(..., record_state=True)``: the
gradient at w_k, the optimizer state after the update, and the step size used. Nothing is
recomputed. All arrows are displacements in the plane, so they share one scale:

- ``-η∇f``: where plain gradient descent would go from w_k;
- the optimizer's own direction (momentum's velocity, Adam's bias-corrected first moment),
  scaled by ``-η`` the same way;
- ``Δw = w_{k+1} - w_k``: the update that actually happened.

For adaptive methods the per-coordinate effective step size ``η / (√r̂ + ε)`` is reported: the
number that multiplies each coordinate of the (momentum-averaged) gradient.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from optim.common import vec
from optim.runner import Trajectory
from optim.spec import Optimizer, Step, StepParts


@dataclass(frozen=True)
class StepAnatomy:
    k: int  # the update from w_k to w_{k+1}
    point: np.ndarray  # w_k, shape (2,)
    next_point: np.ndarray  # w_{k+1}, shape (2,)
    gradient: np.ndarray  # ∇f(w_k), shape (2,)
    lr: float  # η_k used by this update (after the schedule)
    arrows: dict[str, np.ndarray]  # label -> displacement (2,), drawn from w_k
    effective_step: np.ndarray | None  # per-coordinate step size for adaptive methods, shape (2,)
    direction: np.ndarray | None  # what effective_step multiplies: the update is -effective_step * direction
    rows: dict[str, np.ndarray]  # label -> (2,) numbers for the table
    latex: str  # the update with this step's numbers substituted


def _state_before(traj: Trajectory, optimizer: Optimizer, k: int):
    """The optimizer state update ``k`` started from: the recorded one after update ``k - 1``, or the initial."""
    if k > 0:
        return jax.tree.map(lambda leaf: np.asarray(leaf)[k - 1], traj.states)
    hp = {name: jnp.float64(v) for name, v in traj.hyperparameters.items()}
    return jax.tree.map(np.asarray, optimizer.fns.init(jnp.asarray(traj.points[0]), hp))


def step_anatomy(traj: Trajectory, optimizer: Optimizer, k: int) -> StepAnatomy:
    """The parts of update ``k`` (0 ≤ k < steps) of a run recorded with ``record_state=True``."""
    if traj.states is None or traj.grads is None:
        raise ValueError("the trajectory was recorded without its optimizer state (record_state=True)")
    if not 0 <= k < traj.steps:
        raise ValueError(f"the update index must be from 0 to {traj.steps - 1}, got {k}")
    hp, t = traj.hyperparameters, k + 1
    w, w_next, g, lr = traj.points[k], traj.points[k + 1], traj.grads[k], float(traj.lr[k])
    state = jax.tree.map(lambda leaf: np.asarray(leaf)[k], traj.states)
    delta = w_next - w
    arrows = {"−η∇f (plain GD step)": -lr * g}
    rows = {"wₖ": w, "∇f(wₖ)": g}  # Unicode subscripts: a table cell shows text, not LaTeX
    head = rf"\Delta w = w_{{k+1}} - w_k = {vec(delta)}"
    parts = optimizer.explain(Step(_state_before(traj, optimizer, k), state, hp, lr, g, w, t)) \
        if optimizer.explain is not None else StepParts({}, {})
    arrows.update(parts.arrows)
    rows.update(parts.rows)
    effective, body = parts.effective, parts.body
    arrows["Δw (actual update)"] = delta
    rows["Δw"] = delta
    rows["wₖ₊₁"] = w_next
    lines = [rf"k = {k}", *([body] if body else []), head]
    latex = r"\begin{gathered}" + r" \\ ".join(lines) + r"\end{gathered}"
    return StepAnatomy(k, w, w_next, g, lr, arrows, effective, parts.direction, rows, latex)
