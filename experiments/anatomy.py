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

import numpy as np

from optim.runner import Trajectory
from optim.spec import Optimizer


@dataclass(frozen=True)
class StepAnatomy:
    k: int  # the update from w_k to w_{k+1}
    point: np.ndarray  # w_k, shape (2,)
    next_point: np.ndarray  # w_{k+1}, shape (2,)
    gradient: np.ndarray  # ∇f(w_k), shape (2,)
    lr: float  # η_k used by this update (after the schedule)
    arrows: dict[str, np.ndarray]  # label -> displacement (2,), drawn from w_k
    effective_step: np.ndarray | None  # per-coordinate η/(√r̂+ε) for adaptive methods, shape (2,)
    rows: dict[str, np.ndarray]  # label -> (2,) numbers for the table
    latex: str  # the update with this step's numbers substituted


def _vec(v: np.ndarray) -> str:
    return rf"\begin{{pmatrix}} {v[0]:.4g} \\ {v[1]:.4g} \end{{pmatrix}}"


def step_anatomy(traj: Trajectory, optimizer: Optimizer, k: int) -> StepAnatomy:
    """The parts of update ``k`` (0 ≤ k < steps) of a run recorded with ``record_state=True``."""
    if traj.states is None or traj.grads is None:
        raise ValueError("the trajectory was recorded without its optimizer state (record_state=True)")
    if not 0 <= k < traj.steps:
        raise ValueError(f"the update index must be from 0 to {traj.steps - 1}, got {k}")
    hp, t = traj.hyperparameters, k + 1
    w, w_next, g, lr = traj.points[k], traj.points[k + 1], traj.grads[k], float(traj.lr[k])
    state = type(traj.states)(*(np.asarray(leaf)[k] for leaf in traj.states))
    delta = w_next - w
    arrows = {"−η∇f (plain GD step)": -lr * g}
    rows = {"wₖ": w, "∇f(wₖ)": g}  # Unicode subscripts: a table cell shows text, not LaTeX
    effective = None
    name = optimizer.code_name
    head = rf"\Delta w = w_{{k+1}} - w_k = {_vec(delta)}"
    if name == "sgd":
        if hp["momentum"] > 0:
            arrows["−η·b (velocity)"] = -lr * state.momentum_buffer
            rows["momentum buffer b"] = state.momentum_buffer
            body = rf"b = {_vec(state.momentum_buffer)}, \quad \Delta w = -\eta\, d = -{lr:.4g}\, d"
        else:
            body = rf"\Delta w = -\eta\, \nabla f = -{lr:.4g} \cdot {_vec(g)}"
    elif name == "adagrad":
        clr = lr / (1.0 + k * hp["lr_decay"])
        effective = clr / (np.sqrt(state.sum_sq) + hp["eps"])
        rows["accumulated g² (r)"] = state.sum_sq
        body = rf"\frac{{\tilde\eta}}{{\sqrt{{r}} + \epsilon}} = {_vec(effective)}"
    elif name == "rmsprop":
        var = state.square_avg - state.grad_avg**2 if hp["centered"] else state.square_avg
        effective = lr / (np.sqrt(var) + hp["eps"])
        rows["mean g² (r)"] = state.square_avg
        if hp["momentum"] > 0:
            arrows["−η·b (velocity)"] = -lr * state.momentum_buffer
            rows["momentum buffer b"] = state.momentum_buffer
        body = rf"\frac{{\eta}}{{\sqrt{{\tilde r}} + \epsilon}} = {_vec(effective)}"
    elif name in ("adam", "adamw"):
        s_hat = state.exp_avg / (1.0 - hp["beta1"] ** t)
        second = state.max_exp_avg_sq if hp["amsgrad"] else state.exp_avg_sq
        r_hat = second / (1.0 - hp["beta2"] ** t)
        effective = lr / (np.sqrt(r_hat) + hp["eps"])
        arrows["−η·ŝ (first moment)"] = -lr * s_hat
        rows["ŝ (bias-corrected mean)"] = s_hat
        rows["r̂ (bias-corrected g²)"] = r_hat
        body = (rf"\frac{{\eta}}{{\sqrt{{\hat r}} + \epsilon}} = {_vec(effective)} \\ "
                rf"\Delta w = -\frac{{\eta}}{{\sqrt{{\hat r}} + \epsilon}} \odot \hat s")
    else:
        body = ""
    if effective is not None:
        rows["effective step η/(√r̂+ε)"] = effective
    arrows["Δw (actual update)"] = delta
    rows["Δw"] = delta
    rows["wₖ₊₁"] = w_next
    lines = [rf"k = {k}", *([body] if body else []), head]
    latex = r"\begin{gathered}" + r" \\ ".join(lines) + r"\end{gathered}"
    return StepAnatomy(k, w, w_next, g, lr, arrows, effective, rows, latex)
