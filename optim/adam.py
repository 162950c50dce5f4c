"""Adam, AMSGrad and AdamW (``torch.optim.Adam``, ``torch.optim.AdamW``).

The course's Adam snippet writes ``s += beta1 * s + (1 - beta1) * dw``; the intended
rule, implemented here, is ``s = beta1 * s + (1 - beta1) * dw`` (Kingma and Ba, 2014).
"""

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from optim.common import EFFECTIVE, eps, flag, lerp, lr, tmap, tmap_unzip, vec, weight_decay
from optim.spec import Hyperparameter, Optimizer, OptimizerFns, Step, StepParts


class AdamState(NamedTuple):
    exp_avg: object  # first moment s
    exp_avg_sq: object  # second moment r
    max_exp_avg_sq: object  # running max of r, used with amsgrad


def _init(params, hp):
    return AdamState(*(tmap(jnp.zeros_like, params) for _ in range(3)))


def _make_update(decoupled: bool):
    def update(grads, state, params, hp, t):
        b1, b2 = hp["beta1"], hp["beta2"]
        step_size = hp["lr"] / (1.0 - b1**t)
        bias_correction2_sqrt = jnp.sqrt(1.0 - b2**t)

        def one(g, m, v, vmax, p):
            if decoupled:
                p = p * (1.0 - hp["lr"] * hp["weight_decay"])
            else:
                g = g + hp["weight_decay"] * p
            m = lerp(m, g, 1.0 - b1)
            v = v * b2 + (1.0 - b2) * g * g
            vmax = jnp.where(flag(hp["amsgrad"]), jnp.maximum(vmax, v), vmax)
            second = jnp.where(flag(hp["amsgrad"]), vmax, v)
            denom = jnp.sqrt(second) / bias_correction2_sqrt + hp["eps"]
            return p + (-step_size * m) / denom, m, v, vmax

        new_params, m, v, vmax = tmap_unzip(
            one, 4, grads, state.exp_avg, state.exp_avg_sq, state.max_exp_avg_sq, params
        )
        return new_params, AdamState(m, v, vmax)

    return update


def _explain(s: Step) -> StepParts:
    hp, lr, after = s.hp, s.lr, s.after
    s_hat = after.exp_avg / (1.0 - hp["beta1"] ** s.t)
    second = after.max_exp_avg_sq if hp["amsgrad"] else after.exp_avg_sq
    r_hat = second / (1.0 - hp["beta2"] ** s.t)
    effective = lr / (np.sqrt(r_hat) + hp["eps"])
    return StepParts(
        {"−η·ŝ (first moment)": -lr * s_hat}, {"ŝ (bias-corrected mean)": s_hat, "r̂ (bias-corrected g²)": r_hat,
                                             EFFECTIVE: effective},
        effective, s_hat,
        rf"\frac{{\eta}}{{\sqrt{{\hat r}} + \epsilon}} = {vec(effective)} \\ "
        rf"\Delta w = -\frac{{\eta}}{{\sqrt{{\hat r}} + \epsilon}} \odot \hat s")


def betas(beta2: float = 0.999):
    """Adam's (beta1, beta2), given on the command line as one pair: --betas 0.9,0.999."""
    return (
        Hyperparameter(
            "beta1", "first-moment decay", r"\beta_1", 0.9,
            "Memory of the gradient average (the momentum part).",
            low=0.0, high=1.0, high_open=True, ui_high=0.999, cli="betas",
        ),
        Hyperparameter(
            "beta2", "second-moment decay", r"\beta_2", beta2,
            "Memory of the squared-gradient average (the RMSprop part).",
            low=0.0, high=1.0, high_open=True, ui_high=0.999, cli="betas",
        ),
    )


_AMSGRAD = Hyperparameter(
    "amsgrad", "AMSGrad", r"\text{amsgrad}", 0.0,
    "Divide by the largest second moment seen so far, so the step size never grows back.",
    flag=True,
)

_ADAM_LATEX = r"""\begin{aligned}
g_t &\leftarrow \nabla f(w_{t-1}) %s \\
s_t &\leftarrow \beta_1 s_{t-1} + (1-\beta_1)\, g_t \\
r_t &\leftarrow \beta_2 r_{t-1} + (1-\beta_2)\, g_t \odot g_t
  \quad (\text{amsgrad: } r_t \leftarrow \max(r_{t-1}^{\max}, r_t)) \\
\hat s_t &\leftarrow s_t / (1-\beta_1^t), \qquad \hat r_t \leftarrow r_t / (1-\beta_2^t) \\
w_t &\leftarrow %s - \eta\, \frac{\hat s_t}{\sqrt{\hat r_t} + \epsilon}
\end{aligned}"""

ADAM = Optimizer(
    name="adam",
    title="Adam",
    hyperparameters=(lr(1e-3), *betas(), eps(1e-8), weight_decay(), _AMSGRAD),
    fns=OptimizerFns(_init, _make_update(decoupled=False)),
    update_latex=_ADAM_LATEX % (r"+ \lambda w_{t-1}", r"w_{t-1}"),
    reference="torch.optim.Adam; Kingma and Ba (2014), arXiv:1412.6980; Reddi et al. (2018) for AMSGrad.",
    summary="Momentum on the gradient plus RMSprop's per-coordinate scaling, both bias-corrected.",
    explain=_explain,
    scale_free=True,
)

ADAMW = Optimizer(
    name="adamw",
    title="AdamW",
    hyperparameters=(lr(1e-3), *betas(), eps(1e-8), weight_decay(1e-2, decoupled=True), _AMSGRAD),
    fns=OptimizerFns(_init, _make_update(decoupled=True)),
    update_latex=_ADAM_LATEX % ("", r"(1-\eta\lambda)\, w_{t-1}"),
    reference="torch.optim.AdamW; Loshchilov and Hutter (2019), Decoupled Weight Decay Regularization.",
    summary="Adam whose weight decay shrinks the weights directly instead of entering the gradient.",
    explain=_explain,
    scale_free=True,
)
