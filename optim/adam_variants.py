"""Adam's relatives in ``torch.optim``: Adamax (the infinity norm), NAdam (Nesterov momentum) and RAdam
(the variance of the adaptive step rectified). Each follows torch's single-tensor code line for line, in
its order of operations, so trajectories agree to the last digits.
"""

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from optim.adam import betas
from optim.common import EFFECTIVE, eps, flag, lerp, lr, tmap, tmap_unzip, vec, weight_decay
from optim.spec import Hyperparameter, Optimizer, OptimizerFns, Step, StepParts

_DECOUPLED = Hyperparameter(
    "decoupled_weight_decay", "decoupled weight decay", r"\text{decoupled}", 0.0,
    "Shrink the weights by (1 − ηλ) each step (AdamW's way) instead of adding λw to the gradient.",
    flag=True,
)


def _decay(g, p, hp):
    """torch's two readings of weight decay: ``(g + λp, p)`` coupled, ``(g, p(1 − ηλ))`` decoupled."""
    decoupled = flag(hp.get("decoupled_weight_decay", 0.0))
    return (jnp.where(decoupled, g, g + hp["weight_decay"] * p),
            jnp.where(decoupled, p * (1.0 - hp["lr"] * hp["weight_decay"]), p))


# --- Adamax ---------------------------------------------------------------------------------------

class AdamaxState(NamedTuple):
    exp_avg: object  # first moment s
    exp_inf: object  # exponentially weighted infinity norm u


def _adamax_update(grads, state, params, hp, t):
    b1, b2 = hp["beta1"], hp["beta2"]
    clr = hp["lr"] / (1.0 - b1**t)

    def one(g, m, u, p):
        g = g + hp["weight_decay"] * p
        m = lerp(m, g, 1.0 - b1)
        u = jnp.maximum(u * b2, jnp.abs(g) + hp["eps"])
        return p + (-clr * m) / u, m, u

    new_params, m, u = tmap_unzip(one, 3, grads, state.exp_avg, state.exp_inf, params)
    return new_params, AdamaxState(m, u)


def _adamax_explain(s: Step) -> StepParts:
    s_hat = s.after.exp_avg / (1.0 - s.hp["beta1"] ** s.t)
    effective = s.lr / s.after.exp_inf
    return StepParts({"−η·ŝ (first moment)": -s.lr * s_hat},
                     {"ŝ (bias-corrected mean)": s_hat, "u (max of |g|)": s.after.exp_inf,
                      "effective step η/u": effective},
                     effective, s_hat, rf"\frac{{\eta}}{{u}} = {vec(effective)}")


ADAMAX = Optimizer(
    name="adamax",
    title="Adamax",
    hyperparameters=(lr(2e-3), *betas(), eps(1e-8), weight_decay()),
    fns=OptimizerFns(lambda params, hp: AdamaxState(tmap(jnp.zeros_like, params), tmap(jnp.zeros_like, params)),
                     _adamax_update),
    update_latex=r"""\begin{aligned}
g_t &\leftarrow \nabla f(w_{t-1}) + \lambda w_{t-1} \\
s_t &\leftarrow \beta_1 s_{t-1} + (1-\beta_1)\, g_t \\
u_t &\leftarrow \max(\beta_2 u_{t-1},\ |g_t| + \epsilon) \\
w_t &\leftarrow w_{t-1} - \frac{\eta}{1-\beta_1^t}\, \frac{s_t}{u_t}
\end{aligned}""",
    reference="torch.optim.Adamax; Kingma and Ba (2014), arXiv:1412.6980, Section 7.1.",
    summary="Adam with the infinity norm: each coordinate divides by the largest recent |gradient|.",
    explain=_adamax_explain,
    scale_free=True,
)


# --- NAdam ----------------------------------------------------------------------------------------

class NAdamState(NamedTuple):
    exp_avg: object
    exp_avg_sq: object
    mu_product: object  # prod of mu_1..mu_t, one scalar per parameter tensor (as torch keeps it)


def _nadam_mu(hp, step):
    return hp["beta1"] * (1.0 - 0.5 * (0.96 ** (step * hp["momentum_decay"])))


def _nadam_update(grads, state, params, hp, t):
    b2, lr_t = hp["beta2"], hp["lr"]
    bias_correction2 = 1.0 - b2**t
    mu, mu_next = _nadam_mu(hp, t), _nadam_mu(hp, t + 1)

    def one(g, m, v, mu_product, p):
        g, p = _decay(g, p, hp)
        mu_product = mu_product * mu
        m = lerp(m, g, 1.0 - hp["beta1"])
        v = v * b2 + (1.0 - b2) * g * g
        denom = jnp.sqrt(v / bias_correction2) + hp["eps"]
        mu_product_next = mu_product * mu_next
        p = p + (-lr_t * (1.0 - mu) / (1.0 - mu_product) * g) / denom
        p = p + ((-lr_t * mu_next) / (1.0 - mu_product_next) * m) / denom
        return p, m, v, mu_product

    new_params, m, v, mu_product = tmap_unzip(one, 4, grads, state.exp_avg, state.exp_avg_sq, state.mu_product,
                                              params)
    return new_params, NAdamState(m, v, mu_product)


def _nadam_explain(s: Step) -> StepParts:
    hp, after = s.hp, s.after
    mu, mu_next = _nadam_mu(hp, s.t), _nadam_mu(hp, s.t + 1)
    g = s.g if hp["decoupled_weight_decay"] else s.g + hp["weight_decay"] * s.w
    look_ahead = ((1.0 - mu) / (1.0 - after.mu_product) * g
                  + mu_next / (1.0 - after.mu_product * mu_next) * after.exp_avg)
    effective = s.lr / (np.sqrt(after.exp_avg_sq / (1.0 - hp["beta2"] ** s.t)) + hp["eps"])
    return StepParts({"−η·ŝ (Nesterov look-ahead)": -s.lr * look_ahead},
                     {"ŝ (Nesterov look-ahead)": look_ahead, "momentum μₜ": np.full(2, mu), EFFECTIVE: effective},
                     effective, look_ahead, rf"\mu_t = {mu:.4g}, \quad \frac{{\eta}}{{\sqrt{{\hat r}} + \epsilon}} = "
                     rf"{vec(effective)}")


NADAM = Optimizer(
    name="nadam",
    title="NAdam",
    hyperparameters=(
        lr(2e-3), *betas(), eps(1e-8), weight_decay(),
        Hyperparameter(
            "momentum_decay", "momentum decay", r"\psi", 4e-3,
            "How fast the momentum schedule μₜ = β₁(1 − ½·0.96^{tψ}) warms up to β₁.",
            low=0.0, ui_low=1e-4, ui_high=1.0, log=True,
        ),
        _DECOUPLED,
    ),
    fns=OptimizerFns(
        lambda params, hp: NAdamState(tmap(jnp.zeros_like, params), tmap(jnp.zeros_like, params),
                                      tmap(lambda p: jnp.ones((), jnp.result_type(p)), params)),
        _nadam_update,
    ),
    update_latex=r"""\begin{aligned}
g_t &\leftarrow \nabla f(w_{t-1}) + \lambda w_{t-1}
  \quad (\text{decoupled: } w_{t-1} \leftarrow (1-\eta\lambda) w_{t-1}) \\
\mu_t &\leftarrow \beta_1 \bigl(1 - \tfrac12\, 0.96^{t\psi}\bigr) \\
s_t &\leftarrow \beta_1 s_{t-1} + (1-\beta_1)\, g_t, \qquad
  r_t \leftarrow \beta_2 r_{t-1} + (1-\beta_2)\, g_t \odot g_t \\
\hat s_t &\leftarrow \frac{\mu_{t+1}\, s_t}{1 - \prod_{i=1}^{t+1} \mu_i}
  + \frac{(1-\mu_t)\, g_t}{1 - \prod_{i=1}^{t} \mu_i},
  \qquad \hat r_t \leftarrow r_t / (1-\beta_2^t) \\
w_t &\leftarrow w_{t-1} - \eta\, \frac{\hat s_t}{\sqrt{\hat r_t} + \epsilon}
\end{aligned}""",
    reference="torch.optim.NAdam; Dozat (2016), Incorporating Nesterov Momentum into Adam, ICLR workshop.",
    summary="Adam with Nesterov momentum: the step looks ahead along the next momentum.",
    explain=_nadam_explain,
    scale_free=True,
)


# --- RAdam ----------------------------------------------------------------------------------------

class RAdamState(NamedTuple):
    exp_avg: object
    exp_avg_sq: object


def _radam_terms(hp, step):
    """``(rho_t, rectification, bias_correction2)``: torch's scalar arithmetic (rect only where rho_t > 5)."""
    b2 = hp["beta2"]
    bias_correction2 = 1.0 - b2**step
    rho_inf = 2.0 / (1.0 - b2) - 1.0
    rho_t = rho_inf - 2.0 * step * (b2**step) / bias_correction2
    safe = jnp.where(rho_t > 5.0, rho_t, 6.0)  # the rectification is used only where rho_t > 5
    rect = ((safe - 4.0) * (safe - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * safe)) ** 0.5
    return rho_t, rect, bias_correction2


def _radam_update(grads, state, params, hp, t):
    b1, b2 = hp["beta1"], hp["beta2"]
    rho_t, rect, bias_correction2 = _radam_terms(hp, t)
    bias_correction1 = 1.0 - b1**t

    def one(g, m, v, p):
        g, p = _decay(g, p, hp)
        m = lerp(m, g, 1.0 - b1)
        v = v * b2 + (1.0 - b2) * g * g
        m_hat = m / bias_correction1
        adaptive = bias_correction2**0.5 / (jnp.sqrt(v) + hp["eps"])
        rectified = p - m_hat * hp["lr"] * adaptive * rect
        return jnp.where(rho_t > 5.0, rectified, p - m_hat * hp["lr"]), m, v

    new_params, m, v = tmap_unzip(one, 3, grads, state.exp_avg, state.exp_avg_sq, params)
    return new_params, RAdamState(m, v)


def _radam_explain(s: Step) -> StepParts:
    hp, after = s.hp, s.after
    rho_t, rect, bias_correction2 = (float(v) for v in _radam_terms(hp, float(s.t)))
    s_hat = after.exp_avg / (1.0 - hp["beta1"] ** s.t)
    if rho_t > 5.0:
        effective = s.lr * rect * bias_correction2**0.5 / (np.sqrt(after.exp_avg_sq) + hp["eps"])
        body = (rf"\rho_t = {rho_t:.4g} > 5: \quad \eta\, \text{{rect}}_t "
                rf"\frac{{\sqrt{{1-\beta_2^t}}}}{{\sqrt{{r_t}}+\epsilon}} = {vec(effective)}")
    else:
        effective = np.full(2, s.lr)
        body = rf"\rho_t = {rho_t:.4g} \le 5: \text{{ momentum only, step }} \eta\, \hat s"
    return StepParts({"−η·ŝ (first moment)": -s.lr * s_hat},
                     {"ŝ (bias-corrected mean)": s_hat, "ρₜ (SMA length)": np.full(2, rho_t), EFFECTIVE: effective},
                     effective, s_hat, body)


RADAM = Optimizer(
    name="radam",
    title="RAdam",
    hyperparameters=(lr(1e-3), *betas(), eps(1e-8), weight_decay(), _DECOUPLED),
    fns=OptimizerFns(lambda params, hp: RAdamState(tmap(jnp.zeros_like, params), tmap(jnp.zeros_like, params)),
                     _radam_update),
    update_latex=r"""\begin{aligned}
g_t &\leftarrow \nabla f(w_{t-1}) + \lambda w_{t-1}
  \quad (\text{decoupled: } w_{t-1} \leftarrow (1-\eta\lambda) w_{t-1}) \\
s_t &\leftarrow \beta_1 s_{t-1} + (1-\beta_1)\, g_t, \qquad
  r_t \leftarrow \beta_2 r_{t-1} + (1-\beta_2)\, g_t \odot g_t \\
\rho_\infty &= \tfrac{2}{1-\beta_2} - 1, \qquad \rho_t = \rho_\infty - \tfrac{2t\beta_2^t}{1-\beta_2^t} \\
w_t &\leftarrow w_{t-1} - \eta\, \frac{s_t}{1-\beta_1^t} \cdot \begin{cases}
  \sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}\,
  \frac{\sqrt{1-\beta_2^t}}{\sqrt{r_t}+\epsilon} & \rho_t > 5 \\ 1 & \text{otherwise} \end{cases}
\end{aligned}""",
    reference="torch.optim.RAdam; Liu et al. (2020), On the Variance of the Adaptive Learning Rate and Beyond, ICLR.",
    summary="Adam that starts as momentum SGD and switches the adaptive step on once its variance is tractable.",
    explain=_radam_explain,
    scale_free=True,
)
