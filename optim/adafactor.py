"""Adafactor (torch.optim.Adafactor): a relative step size and, for a matrix, a second moment kept as one
row and one column average instead of a full matrix (Shazeer and Stern, 2018).

Unlike the elementwise rules, each update reads whole tensors: the step is scaled by the parameter's
root mean square and clipped by the update's. The runner therefore gives it one run's parameters at a
time (``Optimizer.elementwise`` is False). The code follows torch's single-tensor loop in its order
of operations.
"""

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from optim.common import lerp, lr, tmap, tmap_unzip, vec, weight_decay
from optim.spec import Hyperparameter, Optimizer, OptimizerFns, Step, StepParts

# torch's eps=(None, 1e-3): None is the parameter dtype's machine epsilon; the app runs in float64.
FLOAT64_EPS = float(np.finfo(np.float64).eps)


class AdafactorState(NamedTuple):
    row_var: object  # a matrix's row averages of g² (last axis kept as 1); a vector's whole second moment
    col_var: object  # a matrix's column averages of g² (second-to-last axis kept as 1); empty for a vector


def _factored(p) -> bool:
    return jnp.ndim(p) > 1


def _init(params, hp):
    def row(p):
        return jnp.zeros((*p.shape[:-1], 1), p.dtype) if _factored(p) else jnp.zeros_like(p)

    def col(p):
        return jnp.zeros((*p.shape[:-2], 1, p.shape[-1]), p.dtype) if _factored(p) else jnp.zeros((0,), p.dtype)

    return AdafactorState(tmap(row, params), tmap(col, params))


def _norm(x):
    return jnp.sqrt(jnp.sum(x * x))


def _terms(hp, t):
    """``(1 - beta2_t, rho_t)``: the second moment's averaging weight t^c and the relative step min(η, 1/√t)."""
    return t ** hp["beta2_decay"], jnp.minimum(hp["lr"], 1.0 / jnp.sqrt(t * 1.0))


def _update(grads, state, params, hp, t):
    weight, rho = _terms(hp, t)
    eps1 = hp["eps1"]

    def one(g, row, col, p):
        alpha = jnp.maximum(hp["eps2"], _norm(p) / np.sqrt(p.size)) * rho  # the parameter's scale, before the decay
        p = p * (1.0 - hp["lr"] * hp["weight_decay"])
        if _factored(p):
            row = lerp(row, jnp.sum(g * g, axis=-1, keepdims=True) / g.shape[-1], weight)
            col = lerp(col, jnp.sum(g * g, axis=-2, keepdims=True) / g.shape[-2], weight)
            v = (row @ col) / jnp.maximum(jnp.mean(row, axis=-2, keepdims=True), eps1)
        else:
            row = lerp(row, g * g, weight)
            v = row
        u = (1.0 / jnp.sqrt(jnp.maximum(v, eps1 * eps1))) * g
        clip = jnp.maximum(1.0, _norm(u) / (np.sqrt(u.size) * hp["d"]))
        return p + (-alpha / clip) * u, row, col

    new_params, row, col = tmap_unzip(one, 3, grads, state.row_var, state.col_var, params)
    return new_params, AdafactorState(row, col)


def _explain(s: Step) -> StepParts:
    hp = s.hp
    _, rho = (float(v) for v in _terms(hp, float(s.t)))
    alpha = max(hp["eps2"], float(np.sqrt(np.mean(s.w * s.w)))) * rho
    v = np.maximum(s.after.row_var, hp["eps1"] ** 2)
    u = s.g / np.sqrt(v)
    clip = max(1.0, float(np.sqrt(np.mean(u * u))) / hp["d"])
    effective = alpha / clip / np.sqrt(v)
    rows = {"relative step αₜ": np.full(2, alpha), "clip divisor": np.full(2, clip),
            "effective step αₜ/(clip·√v)": effective}
    return StepParts({"−αₜ·u/clip (relative, clipped)": -alpha / clip * u}, rows, effective, s.g,
                     rf"\alpha_t = {alpha:.4g}, \quad "
                     rf"\max\bigl(1, \tfrac{{\mathrm{{RMS}}(u_t)}}{{d}}\bigr) = {clip:.4g}, \quad "
                     rf"\frac{{\alpha_t}}{{\text{{clip}}\,\sqrt{{v_t}}}} = {vec(effective)}")


ADAFACTOR = Optimizer(
    name="adafactor",
    title="Adafactor",
    hyperparameters=(
        lr(1e-2),
        Hyperparameter(
            "beta2_decay", "second-moment decay", "c", -0.8,
            "The second moment averages with weight t^c: every past step counts early on, fewer later.",
            low=None, high=0.0, ui_low=-1.0, ui_high=0.0,
        ),
        Hyperparameter(
            "eps1", "denominator floor", r"\epsilon_1", FLOAT64_EPS,
            "The second moment is floored at ε₁² (torch's default None: the machine epsilon of float64).",
            low=0.0, ui_low=1e-16, ui_high=1e-3, log=True,
        ),
        Hyperparameter(
            "eps2", "smallest parameter scale", r"\epsilon_2", 1e-3,
            "The step is relative to the parameter's root mean square, but never to less than ε₂.",
            low=0.0, ui_low=1e-8, ui_high=1.0, log=True,
        ),
        Hyperparameter(
            "d", "clipping threshold", "d", 1.0,
            "Where the update's root mean square passes d, the whole update is scaled down to it.",
            low=1.0, ui_low=1.0, ui_high=10.0,
        ),
        weight_decay(decoupled=True),
    ),
    fns=OptimizerFns(_init, _update),
    update_latex=r"""\begin{aligned}
\rho_t &\leftarrow \min\bigl(\eta, 1/\sqrt{t}\bigr), \qquad
  \alpha_t \leftarrow \max\bigl(\epsilon_2, \mathrm{RMS}(w_{t-1})\bigr)\, \rho_t \\
v_t &\leftarrow (1 - t^{c})\, v_{t-1} + t^{c}\, g_t \odot g_t
  \quad (\text{a matrix: row and column averages}) \\
u_t &\leftarrow g_t / \sqrt{\max(v_t, \epsilon_1^2)} \\
w_t &\leftarrow (1 - \eta\lambda)\, w_{t-1} - \frac{\alpha_t}{\max\bigl(1, \mathrm{RMS}(u_t)/d\bigr)}\, u_t
\end{aligned}""",
    reference="torch.optim.Adafactor; Shazeer and Stern (2018), Adafactor: Adaptive Learning Rates with "
              "Sublinear Memory Cost, ICML.",
    summary="Steps relative to the weights' own size, with a second moment that costs a row and a column "
            "per matrix.",
    explain=_explain,
    elementwise=False,
)
