"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (``torch.optim.SGD``)."""

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from optim.common import flag, lr, tmap, tmap_unzip, vec, weight_decay
from optim.spec import Hyperparameter, Optimizer, OptimizerFns, Step, StepParts


class SGDState(NamedTuple):
    momentum_buffer: object  # pytree like params; unused while momentum is 0


def _init(params, hp):
    return SGDState(tmap(jnp.zeros_like, params))


def _update(grads, state, params, hp, t):
    mu, tau = hp["momentum"], hp["dampening"]
    use_momentum = mu != 0.0

    def one(g, buf, p):
        g = g + hp["weight_decay"] * p
        # torch clones the gradient into the buffer on the first step, then mixes.
        new_buf = jnp.where(t == 1, g, buf * mu + (1.0 - tau) * g)
        step_dir = jnp.where(flag(hp["nesterov"]), g + mu * new_buf, new_buf)
        step_dir = jnp.where(use_momentum, step_dir, g)
        new_buf = jnp.where(use_momentum, new_buf, buf)
        return p + (-hp["lr"]) * step_dir, new_buf

    new_params, new_buf = tmap_unzip(one, 2, grads, state.momentum_buffer, params)
    return new_params, SGDState(new_buf)


def _explain(s: Step) -> StepParts:
    hp, lr = s.hp, s.lr
    g = s.g + hp["weight_decay"] * s.w
    step = np.full(2, lr)
    if hp["momentum"] <= 0:
        return StepParts({}, {}, step, g, rf"\Delta w = -\eta\, \nabla f = -{lr:.4g} \cdot {vec(g)}")
    b = s.after.momentum_buffer
    arrows, rows = {"−η·b (velocity)": -lr * b}, {"momentum buffer b": b}
    if not hp["nesterov"]:
        return StepParts(arrows, rows, step, b, rf"b = {vec(b)}, \quad \Delta w = -\eta\, b = -{lr:.4g}\, b")
    d = g + hp["momentum"] * b
    arrows["−η·(g + μb) (look-ahead)"] = -lr * d
    rows["look-ahead direction g + μb"] = d
    return StepParts(arrows, rows, step, d,
                     rf"b = {vec(b)}, \quad \Delta w = -\eta\, (g + \mu b) = -{lr:.4g}\, {vec(d)}")


def _checks(hp):
    if hp["nesterov"] and (hp["momentum"] <= 0 or hp["dampening"] != 0):
        return "Nesterov momentum needs momentum > 0 and dampening 0"
    return None


SGD = Optimizer(
    name="sgd",
    title="SGD (gradient descent, optional momentum)",
    hyperparameters=(
        lr(1e-3),
        Hyperparameter(
            "momentum", "momentum", r"\mu", 0.0,
            "Fraction of the previous step kept: with μ the step grows up to η/(1-μ) on a steady slope.",
            low=0.0, ui_high=0.99,
        ),
        Hyperparameter(
            "dampening", "dampening", r"\tau", 0.0,
            "Scales the new gradient's share of the momentum buffer by (1 - τ).",
            low=0.0, high=1.0, ui_high=1.0,
        ),
        weight_decay(),
        Hyperparameter(
            "nesterov", "Nesterov", r"\text{nesterov}", 0.0,
            "Look ahead: step along g + μ·b instead of b (needs momentum > 0, dampening 0).",
            flag=True,
        ),
    ),
    fns=OptimizerFns(_init, _update),
    update_latex=r"""\begin{aligned}
g_t &\leftarrow \nabla f(w_{t-1}) + \lambda w_{t-1} \\
b_t &\leftarrow \begin{cases} g_t & t = 1 \\ \mu\, b_{t-1} + (1-\tau)\, g_t & t > 1 \end{cases} \\
d_t &\leftarrow \begin{cases} g_t + \mu\, b_t & \text{nesterov} \\ b_t & \text{otherwise} \end{cases} \\
  & \quad (d_t = g_t \text{ when } \mu = 0) \\
w_t &\leftarrow w_{t-1} - \eta\, d_t
\end{aligned}""",
    reference="torch.optim.SGD; Sutskever et al. (2013), On the importance of initialization and momentum.",
    summary="Step against the gradient; momentum accumulates past steps into a velocity.",
    checks=_checks,
    explain=_explain,
)

# The course's names show the course's rule and only the knobs it has; the rest keep torch's
# defaults (0), under which SGD's four-line rule reduces to exactly these.
GD = SGD.alias(
    "gd", "Gradient descent (the course's GD)",
    "w ← w - η∇f(w): the course's Definition 3.1.1 (SGD with no momentum).",
    knobs=("lr",),
    update_latex=r"\vec{w} \leftarrow \vec{w} - \eta\, \nabla f(\vec{w})",
)
MOMENTUM = SGD.alias(
    "momentum", "GD with momentum (μ = 0.9)",
    "A velocity that remembers past gradients: faster along valleys, smoother across them.",
    knobs=("lr", "momentum"),
    update_latex=r"""\begin{aligned}
b_t &\leftarrow \mu\, b_{t-1} + \nabla f(w_{t-1}) \quad (b_0 = 0) \\
w_t &\leftarrow w_{t-1} - \eta\, b_t
\end{aligned}""",
    momentum=0.9,
)
NESTEROV = SGD.alias(
    "nesterov", "Nesterov momentum (μ = 0.9)",
    "Momentum that corrects with the gradient after the look-ahead step.",
    knobs=("lr", "momentum"),
    update_latex=r"""\begin{aligned}
g_t &\leftarrow \nabla f(w_{t-1}) \\
b_t &\leftarrow \mu\, b_{t-1} + g_t \quad (b_0 = 0) \\
w_t &\leftarrow w_{t-1} - \eta\, (g_t + \mu\, b_t)
\end{aligned}""",
    momentum=0.9, nesterov=1.0,
)


class ASGDState(NamedTuple):
    eta: object  # the decayed step size eta_t, one scalar per parameter tensor (as torch keeps it)
    mu: object  # the averaging weight mu_t, one scalar per parameter tensor
    ax: object  # the averaged iterate


def _asgd_init(params, hp):
    scalar = lambda p, v: jnp.full((), v, jnp.result_type(p))  # noqa: E731
    # eta_1 is the learning rate of the first step (torch sets it then, after any scheduler): 0 marks it unset.
    return ASGDState(tmap(lambda p: scalar(p, 0.0), params), tmap(lambda p: scalar(p, 1.0), params),
                     tmap(jnp.zeros_like, params))


def _asgd_update(grads, state, params, hp, t):
    lambd, lr_t = hp["lambd"], hp["lr"]

    def one(g, eta, mu, ax, p):
        eta = jnp.where(t == 1, lr_t, eta)
        g = g + hp["weight_decay"] * p
        p = p * (1.0 - lambd * eta)
        p = p + (-eta) * g
        ax = jnp.where(mu != 1.0, ax + (p - ax) * mu, p)
        # the next step's eta and mu, from this step's count and learning rate (torch's order)
        eta = lr_t / ((1.0 + lambd * lr_t * t) ** hp["alpha"])
        mu = 1.0 / jnp.maximum(1.0, t - hp["t0"])
        return p, eta, mu, ax

    new_params, eta, mu, ax = tmap_unzip(one, 4, grads, state.eta, state.mu, state.ax, params)
    return new_params, ASGDState(eta, mu, ax)


def _asgd_explain(s: Step) -> StepParts:
    eta = s.lr if s.t == 1 else float(s.before.eta)
    decay = -s.hp["lambd"] * eta * s.w
    rows = {"ηₜ (decayed step size)": np.full(2, eta), "averaged iterate w̄": s.after.ax}
    g = s.g + s.hp["weight_decay"] * s.w
    return StepParts({"−κ·ηₜ·w (decay term)": decay, "−ηₜ∇f (decayed step)": -eta * g},
                     rows, np.full(2, eta), g + s.hp["lambd"] * s.w,
                     rf"\eta_t = \frac{{\eta}}{{(1 + \kappa\eta (t-1))^{{\alpha}}}} = {eta:.4g}, \quad "
                     rf"\bar w = {vec(s.after.ax)}")


ASGD = Optimizer(
    name="asgd",
    title="ASGD (averaged SGD)",
    hyperparameters=(
        lr(1e-2),
        Hyperparameter(
            "lambd", "decay term", r"\kappa", 1e-4,
            "Shrinks the weights by (1 − κ·ηₜ) each step, and sets how fast ηₜ decays.",
            low=0.0, ui_low=1e-6, ui_high=1.0, log=True,
        ),
        Hyperparameter(
            "alpha", "step-size power", r"\alpha", 0.75,
            "ηₜ = η / (1 + κ η t)^α: the power of the step size's decay.", low=0.0, ui_high=2.0,
        ),
        Hyperparameter(
            "t0", "averaging starts", r"t_0", 1e6,
            "The step after which the averaged iterate w̄ starts to average (before it, w̄ is the current point).",
            low=0.0, ui_low=1.0, ui_high=1e6, log=True,
        ),
        weight_decay(),
    ),
    fns=OptimizerFns(_asgd_init, _asgd_update),
    update_latex=r"""\begin{aligned}
g_t &\leftarrow \nabla f(w_{t-1}) + \lambda w_{t-1} \\
w_t &\leftarrow (1 - \kappa \eta_t)\, w_{t-1} - \eta_t\, g_t \\
\bar w_t &\leftarrow \bar w_{t-1} + \mu_t (w_t - \bar w_{t-1}) \\
\eta_{t+1} &\leftarrow \eta \,/\, (1 + \kappa\, \eta\, t)^{\alpha}, \qquad \mu_{t+1} \leftarrow 1 / \max(1,\ t - t_0)
\end{aligned}""",
    reference="torch.optim.ASGD; Polyak and Juditsky (1992), Acceleration of Stochastic Approximation by Averaging.",
    summary="SGD with a slowly decaying step size, keeping a running average w̄ of the iterates (Polyak averaging).",
    explain=_asgd_explain,
)
