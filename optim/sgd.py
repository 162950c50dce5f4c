"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (``torch.optim.SGD``)."""

from typing import NamedTuple

import jax.numpy as jnp

from optim.common import flag, lr, tmap, tmap_unzip, weight_decay
from optim.spec import Hyperparameter, Optimizer, OptimizerFns


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
