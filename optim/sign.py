"""Steps that follow the gradient's sign, not its size: Rprop (``torch.optim.Rprop``) and Lion (``optax.lion``).

Both move each coordinate by a step of their own choosing in the direction -sign(·): Rprop grows a
coordinate's step while its gradient keeps its sign and shrinks it when the sign flips; Lion takes the
sign of an interpolation between the gradient and its momentum, so every coordinate moves by exactly η.
"""

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from optim.adam import betas
from optim.common import lr, tmap, tmap_unzip, vec, weight_decay
from optim.spec import Hyperparameter, Optimizer, OptimizerFns, Step, StepParts

# --- Rprop ----------------------------------------------------------------------------------------


class RpropState(NamedTuple):
    prev: object  # the previous gradient (0 where the last step was a sign flip)
    step_size: object  # each coordinate's own step


def _rprop_update(grads, state, params, hp, t):
    def one(g, prev, step_size, p):
        step_size = jnp.where(t == 1, hp["lr"], step_size)  # torch fills it with lr on the first step
        product = g * prev
        factor = jnp.where(product > 0, hp["etaplus"], jnp.where(product < 0, hp["etaminus"], 1.0))
        step_size = jnp.clip(step_size * factor, hp["step_size_min"], hp["step_size_max"])
        g = jnp.where(factor == hp["etaminus"], 0.0, g)  # after a sign flip: no move, and no flip next time
        return p + (-1.0 * jnp.sign(g)) * step_size, g, step_size

    new_params, prev, step_size = tmap_unzip(one, 3, grads, state.prev, state.step_size, params)
    return new_params, RpropState(prev, step_size)


def _rprop_checks(hp):
    if hp["step_size_min"] > hp["step_size_max"]:
        return (f"step_size_min ({hp['step_size_min']:g}) must not exceed step_size_max "
                f"({hp['step_size_max']:g})")
    return None


def _rprop_explain(s: Step) -> StepParts:
    moved = s.after.prev  # the gradient, zeroed where its sign flipped
    direction = np.sign(moved)
    rows = {"step size per coordinate": s.after.step_size, "sign(g) (0 after a flip)": direction}
    return StepParts({}, rows, s.after.step_size, direction,
                     rf"\Delta w = -\operatorname{{sign}}(g) \odot \delta = "
                     rf"-{vec(direction)} \odot {vec(s.after.step_size)}")


RPROP = Optimizer(
    name="rprop",
    title="Rprop",
    hyperparameters=(
        lr(1e-2),
        Hyperparameter(
            "etaminus", "shrink factor", r"\eta^-", 0.5,
            "A coordinate whose gradient flips sign has its step multiplied by this (0 < η⁻ < 1).",
            low=0.0, low_open=True, high=1.0, high_open=True, ui_low=0.01, ui_high=0.99, cli="etas",
        ),
        Hyperparameter(
            "etaplus", "growth factor", r"\eta^+", 1.2,
            "A coordinate whose gradient keeps its sign has its step multiplied by this (η⁺ > 1).",
            low=1.0, low_open=True, ui_low=1.01, ui_high=3.0, cli="etas",
        ),
        Hyperparameter(
            "step_size_min", "smallest step", r"\delta_{\min}", 1e-6,
            "No coordinate's step shrinks below this.", low=0.0, ui_low=1e-9, ui_high=1.0, log=True, cli="step_sizes",
        ),
        Hyperparameter(
            "step_size_max", "largest step", r"\delta_{\max}", 50.0,
            "No coordinate's step grows beyond this.", low=0.0, ui_low=1e-3, ui_high=100.0, log=True, cli="step_sizes",
        ),
    ),
    fns=OptimizerFns(lambda params, hp: RpropState(tmap(jnp.zeros_like, params), tmap(jnp.zeros_like, params)),
                     _rprop_update),
    update_latex=r"""\begin{aligned}
\delta_0 &= \eta, \qquad g_t \leftarrow \nabla f(w_{t-1}) \\
\delta_t &\leftarrow \operatorname{clip}\Bigl(\delta_{t-1} \cdot \begin{cases} \eta^+ & g_t\, g_{t-1} > 0 \\
  \eta^- & g_t\, g_{t-1} < 0 \\ 1 & \text{otherwise} \end{cases},\ \delta_{\min},\ \delta_{\max}\Bigr) \\
g_t &\leftarrow 0 \quad \text{where } g_t\, g_{t-1} < 0 \\
w_t &\leftarrow w_{t-1} - \operatorname{sign}(g_t) \odot \delta_t
\end{aligned}""",
    reference="torch.optim.Rprop; Riedmiller and Braun (1993), A direct adaptive method for faster backpropagation "
              "learning: the RPROP algorithm.",
    summary="Only the gradient's sign counts: a coordinate's step grows while its sign holds, shrinks when it flips.",
    checks=_rprop_checks,
    explain=_rprop_explain,
)


# --- Lion -----------------------------------------------------------------------------------------

class LionState(NamedTuple):
    exp_avg: object  # the momentum m


def _lion_update(grads, state, params, hp, t):
    b1, b2 = hp["beta1"], hp["beta2"]

    def one(g, m, p):
        direction = jnp.sign((1.0 - b1) * g + b1 * m) + hp["weight_decay"] * p
        return p + (-hp["lr"]) * direction, (1.0 - b2) * g + b2 * m

    new_params, m = tmap_unzip(one, 2, grads, state.exp_avg, params)
    return new_params, LionState(m)


def _lion_explain(s: Step) -> StepParts:
    hp = s.hp
    mix = (1.0 - hp["beta1"]) * s.g + hp["beta1"] * s.before.exp_avg
    direction = np.sign(mix) + hp["weight_decay"] * s.w
    rows = {"c = β₁m + (1−β₁)g": mix, "sign(c)": np.sign(mix), "momentum m (after)": s.after.exp_avg}
    return StepParts({"−η·sign(c)": -s.lr * np.sign(mix)}, rows, np.full(2, s.lr), direction,
                     rf"c = {vec(mix)}, \quad \Delta w = -\eta\,(\operatorname{{sign}}(c) + \lambda w)")


LION = Optimizer(
    name="lion",
    title="Lion",
    hyperparameters=(lr(1e-4), *betas(beta2=0.99), weight_decay(1e-3, decoupled=True)),
    fns=OptimizerFns(lambda params, hp: LionState(tmap(jnp.zeros_like, params)), _lion_update),
    update_latex=r"""\begin{aligned}
g_t &\leftarrow \nabla f(w_{t-1}) \\
c_t &\leftarrow \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\
w_t &\leftarrow w_{t-1} - \eta\, \bigl(\operatorname{sign}(c_t) + \lambda w_{t-1}\bigr) \\
m_t &\leftarrow \beta_2 m_{t-1} + (1-\beta_2)\, g_t
\end{aligned}""",
    reference="optax.lion (torch.optim has none); Chen et al. (2023), Symbolic Discovery of Optimization "
              "Algorithms, arXiv:2302.06675.",
    summary="The sign of a momentum-gradient mix: every coordinate moves by exactly η. Use a smaller η than Adam's.",
    explain=_lion_explain,
    scale_free=True,
)
