"""Per-coordinate learning rates: Adagrad and RMSprop (``torch.optim.Adagrad``, ``torch.optim.RMSprop``).

The course's RMSProp snippet writes ``r += alpha * r + (1 - alpha) * dw * dw``, which
adds the old accumulator twice; the rule implemented here is the intended
``r = alpha * r + (1 - alpha) * dw * dw`` (Hinton, Lecture 6a; torch.optim.RMSprop).
"""

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from optim.common import EFFECTIVE, eps, flag, lerp, lr, tmap, tmap_unzip, vec, weight_decay
from optim.spec import Hyperparameter, Optimizer, OptimizerFns, Step, StepParts


class AdagradState(NamedTuple):
    sum_sq: object  # running sum of squared gradients


def _adagrad_update(grads, state, params, hp, t):
    clr = hp["lr"] / (1.0 + (t - 1) * hp["lr_decay"])

    def one(g, s, p):
        g = g + hp["weight_decay"] * p
        s = s + 1.0 * g * g
        std = jnp.sqrt(s) + hp["eps"]
        return p + (-clr * g) / std, s

    new_params, new_sum = tmap_unzip(one, 2, grads, state.sum_sq, params)
    return new_params, AdagradState(new_sum)


def _adagrad_explain(s: Step) -> StepParts:
    hp, lr, g = s.hp, s.lr, s.g
    clr = lr / (1.0 + (s.t - 1) * hp["lr_decay"])
    effective = clr / (np.sqrt(s.after.sum_sq) + hp["eps"])
    rows = {"accumulated g² (r)": s.after.sum_sq, EFFECTIVE: effective}
    return StepParts({}, rows, effective, g + hp["weight_decay"] * s.w,
                     rf"\frac{{\tilde\eta}}{{\sqrt{{r}} + \epsilon}} = {vec(effective)}")


ADAGRAD = Optimizer(
    name="adagrad",
    title="Adagrad",
    hyperparameters=(
        lr(1e-2),
        Hyperparameter(
            "lr_decay", "learning-rate decay", r"\gamma", 0.0,
            "The step size shrinks as η / (1 + (t-1)γ).", low=0.0, ui_high=1.0,
        ),
        weight_decay(),
        Hyperparameter(
            "initial_accumulator_value", "initial accumulator", r"r_0", 0.0,
            "Starting value of the running sum of squared gradients.", low=0.0, ui_high=1.0,
        ),
        eps(1e-10),
    ),
    fns=OptimizerFns(
        lambda params, hp: AdagradState(tmap(lambda p: jnp.full_like(p, hp["initial_accumulator_value"]), params)),
        _adagrad_update,
    ),
    update_latex=r"""\begin{aligned}
g_t &\leftarrow \nabla f(w_{t-1}) + \lambda w_{t-1} \\
\tilde\eta_t &\leftarrow \eta \,/\, (1 + (t-1)\gamma) \\
r_t &\leftarrow r_{t-1} + g_t \odot g_t \\
w_t &\leftarrow w_{t-1} - \tilde\eta_t\, \frac{g_t}{\sqrt{r_t} + \epsilon}
\end{aligned}""",
    reference="torch.optim.Adagrad; Duchi, Hazan and Singer (2011), JMLR 12.",
    summary="Divides each coordinate's step by the root of its accumulated squared gradients.",
    explain=_adagrad_explain,
    scale_free=True,
)


class RMSpropState(NamedTuple):
    square_avg: object
    grad_avg: object  # used when centered
    momentum_buffer: object  # used when momentum > 0


def _rmsprop_update(grads, state, params, hp, t):
    alpha = hp["alpha"]

    def one(g, sq, ga, buf, p):
        g = g + hp["weight_decay"] * p
        sq = sq * alpha + (1.0 - alpha) * g * g
        ga_new = lerp(ga, g, 1.0 - alpha)
        centered = flag(hp["centered"])
        ga = jnp.where(centered, ga_new, ga)
        var = jnp.where(centered, sq + (-1.0 * ga) * ga, sq)
        avg = jnp.sqrt(var) + hp["eps"]
        use_momentum = hp["momentum"] > 0
        buf_new = buf * hp["momentum"] + g / avg
        p_momentum = p + (-hp["lr"]) * buf_new
        p_plain = p + (-hp["lr"] * g) / avg
        return (
            jnp.where(use_momentum, p_momentum, p_plain),
            sq,
            ga,
            jnp.where(use_momentum, buf_new, buf),
        )

    new_params, sq, ga, buf = tmap_unzip(
        one, 4, grads, state.square_avg, state.grad_avg, state.momentum_buffer, params
    )
    return new_params, RMSpropState(sq, ga, buf)


def _rmsprop_explain(s: Step) -> StepParts:
    hp, lr, after = s.hp, s.lr, s.after
    var = after.square_avg - after.grad_avg**2 if hp["centered"] else after.square_avg
    effective = lr / (np.sqrt(var) + hp["eps"])
    rows, arrows = {"mean g² (r)": after.square_avg, EFFECTIVE: effective}, {}
    direction = s.g + hp["weight_decay"] * s.w
    if hp["momentum"] > 0:
        arrows["−η·b (velocity)"] = -lr * after.momentum_buffer
        rows["momentum buffer b"] = after.momentum_buffer
        effective, direction = np.full(2, lr), after.momentum_buffer
    return StepParts(arrows, rows, effective, direction,
                     rf"\frac{{\eta}}{{\sqrt{{\tilde r}} + \epsilon}} = {vec(lr / (np.sqrt(var) + hp['eps']))}")


RMSPROP = Optimizer(
    name="rmsprop",
    title="RMSprop",
    hyperparameters=(
        lr(1e-2),
        Hyperparameter(
            "alpha", "smoothing constant", r"\alpha", 0.99,
            "How much of the old squared-gradient average is kept each step.", low=0.0, ui_high=0.999,
        ),
        eps(1e-8),
        weight_decay(),
        Hyperparameter(
            "momentum", "momentum", r"\mu", 0.0,
            "Momentum applied to the normalised step.", low=0.0, ui_high=0.99,
        ),
        Hyperparameter(
            "centered", "centered", r"\text{centered}", 0.0,
            "Normalise by an estimate of the gradient's variance instead of its raw second moment.",
            flag=True,
        ),
    ),
    fns=OptimizerFns(
        lambda params, hp: RMSpropState(*(tmap(jnp.zeros_like, params) for _ in range(3))),
        _rmsprop_update,
    ),
    update_latex=r"""\begin{aligned}
g_t &\leftarrow \nabla f(w_{t-1}) + \lambda w_{t-1} \\
r_t &\leftarrow \alpha\, r_{t-1} + (1-\alpha)\, g_t \odot g_t \\
\bar g_t &\leftarrow \alpha\, \bar g_{t-1} + (1-\alpha)\, g_t \quad (\text{centered only}) \\
\tilde r_t &\leftarrow \begin{cases} r_t - \bar g_t \odot \bar g_t & \text{centered} \\
  r_t & \text{otherwise} \end{cases} \\
b_t &\leftarrow \mu\, b_{t-1} + \frac{g_t}{\sqrt{\tilde r_t} + \epsilon} \\
w_t &\leftarrow w_{t-1} - \eta\, b_t \quad \Bigl(w_t \leftarrow w_{t-1} - \eta \frac{g_t}{\sqrt{\tilde r_t}+\epsilon}
  \text{ when } \mu = 0\Bigr)
\end{aligned}""",
    reference="torch.optim.RMSprop; Hinton (2012), Neural Networks for Machine Learning, Lecture 6a.",
    summary="Adagrad with a leaky (exponentially weighted) average, so the step size does not die out.",
    explain=_rmsprop_explain,
    scale_free=True,
)


class AdadeltaState(NamedTuple):
    square_avg: object  # running average of g², r
    acc_delta: object  # running average of the squared updates, Δ


def _adadelta_update(grads, state, params, hp, t):
    rho = hp["rho"]

    def one(g, sq, acc, p):
        g = g + hp["weight_decay"] * p
        sq = sq * rho + (1.0 - rho) * g * g
        delta = jnp.sqrt(acc + hp["eps"]) / jnp.sqrt(sq + hp["eps"]) * g
        acc = acc * rho + (1.0 - rho) * delta * delta
        return p + (-hp["lr"]) * delta, sq, acc

    new_params, sq, acc = tmap_unzip(one, 3, grads, state.square_avg, state.acc_delta, params)
    return new_params, AdadeltaState(sq, acc)


def _adadelta_explain(s: Step) -> StepParts:
    hp = s.hp
    ratio = np.sqrt(s.before.acc_delta + hp["eps"]) / np.sqrt(s.after.square_avg + hp["eps"])
    effective = s.lr * ratio
    rows = {"mean g² (r)": s.after.square_avg, "mean Δ² before (Δ)": s.before.acc_delta,
            "effective step η√(Δ+ε)/√(r+ε)": effective}
    return StepParts({}, rows, effective, s.g + hp["weight_decay"] * s.w,
                     rf"\eta\, \frac{{\sqrt{{\Delta_{{t-1}} + \epsilon}}}}{{\sqrt{{r_t + \epsilon}}}} = "
                     rf"{vec(effective)}")


ADADELTA = Optimizer(
    name="adadelta",
    title="Adadelta",
    hyperparameters=(
        lr(1.0),
        Hyperparameter(
            "rho", "smoothing constant", r"\rho", 0.9,
            "How much of the old averages (of g² and of the squared updates) is kept each step.",
            low=0.0, high=1.0, ui_high=0.999,
        ),
        eps(1e-6),
        weight_decay(),
    ),
    fns=OptimizerFns(
        lambda params, hp: AdadeltaState(tmap(jnp.zeros_like, params), tmap(jnp.zeros_like, params)),
        _adadelta_update,
    ),
    update_latex=r"""\begin{aligned}
g_t &\leftarrow \nabla f(w_{t-1}) + \lambda w_{t-1} \\
r_t &\leftarrow \rho\, r_{t-1} + (1-\rho)\, g_t \odot g_t \\
d_t &\leftarrow \frac{\sqrt{\Delta_{t-1} + \epsilon}}{\sqrt{r_t + \epsilon}} \odot g_t \\
\Delta_t &\leftarrow \rho\, \Delta_{t-1} + (1-\rho)\, d_t \odot d_t \\
w_t &\leftarrow w_{t-1} - \eta\, d_t
\end{aligned}""",
    reference="torch.optim.Adadelta; Zeiler (2012), ADADELTA: An Adaptive Learning Rate Method, arXiv:1212.5701.",
    summary="RMSprop whose step size is the running RMS of its own past updates: units match, η = 1 works.",
    explain=_adadelta_explain,
)
