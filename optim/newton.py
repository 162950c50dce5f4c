"""Rules that evaluate the loss themselves: Newton's method and steepest descent with a line search.

Newton's step solves the local quadratic model: w ← w − η H⁻¹∇f, H = ∇²f by ``jax.hessian``. Where H
is not positive definite the model has no minimum; two standard fixes (Nocedal and Wright, Numerical
Optimization, 2nd ed., Section 3.4; Dauphin et al., 2014, for the saddle-free form):

* damping (Levenberg–Marquardt): H + λI, which for large λ becomes a gradient step of size η/λ;
* saddle-free: |H| = V|Λ|Vᵀ, the eigenvalues by absolute value, so the step runs downhill along every
  eigenvector, away from saddle points instead of towards them.

Where the (damped) Hessian is singular the step is undefined: the run stops there with a message
instead of a NaN. Both rules can search along their direction (``optim/linesearch.py``).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.flatten_util import ravel_pytree

from optim.common import flag, lr, vec
from optim.linesearch import MAX_TRIALS, Trials, armijo, flat_problem, no_trials, strong_wolfe
from optim.spec import Hyperparameter, Moved, Optimizer, OptimizerFns, Step, StepParts

LINE_SEARCHES = ("none", "armijo", "strong_wolfe")
MAX_LS = 25  # evaluations a line search may make per step (torch's _strong_wolfe default)
SINGULAR, ASCENT = 1, 2  # halt codes: Moved.ok is 0 where the step was taken


def line_search_knobs(choices: tuple[str, ...], default: str) -> tuple[Hyperparameter, ...]:
    """The line search and its constants, declared once for every rule that searches."""
    return (
        Hyperparameter(
            "line_search", "line search", r"\text{search}", float(choices.index(default)),
            "How far to go along the direction: none (the step η), backtracking until f drops enough "
            "(Armijo), or a step where f drops enough and the slope has flattened (strong Wolfe).",
            choices=choices,
        ),
        Hyperparameter(
            "c1", "sufficient decrease", r"c_1", 1e-4,
            "Accept step α only if f(w + αd) ≤ f(w) + c₁α∇f·d (Armijo's condition).",
            low=0.0, low_open=True, high=1.0, high_open=True, ui_low=1e-5, ui_high=0.5, log=True,
        ),
        Hyperparameter(
            "c2", "curvature condition", r"c_2", 0.9,
            "Strong Wolfe: accept only where the slope has flattened to |∇f·d| ≤ c₂|∇f(w)·d|.",
            low=0.0, low_open=True, high=1.0, high_open=True, ui_low=0.01, ui_high=0.99,
        ),
        Hyperparameter(
            "shrink", "backtracking factor", r"\rho", 0.5,
            "Armijo: each rejected trial multiplies the step by ρ.",
            low=0.0, low_open=True, high=1.0, high_open=True, ui_low=0.05, ui_high=0.95,
        ),
    )


def line_search_checks(hp) -> str | None:
    if hp["c2"] <= hp["c1"]:
        return f"c2 ({hp['c2']:g}) must be greater than c1 ({hp['c1']:g}): 0 < c1 < c2 < 1"
    return None


def search(kind, closure, w, f, g, d, t0, hp, trials: Trials):
    """The step along ``d`` by the chosen line search (``kind`` indexes ``LINE_SEARCHES``): returns the new
    point, the evaluations made and the trials. Without a search the step is ``t0`` and nothing is evaluated."""
    gtd = jnp.dot(g, d)

    def phi(point):
        return closure(point)

    def plain():
        return w + t0 * d, jnp.asarray(0, jnp.int32), trials

    def backtrack():
        r = armijo(phi, w, t0, d, f, g, gtd, trials, hp["c1"], hp["shrink"], MAX_LS)
        return w + r.t * d, r.evals, r.trials

    def wolfe():
        r = strong_wolfe(phi, w, t0, d, f, g, gtd, trials, hp["c1"], hp["c2"], 1e-9, MAX_LS)
        return w + r.t * d, r.evals, r.trials

    return lax.switch(jnp.asarray(kind, jnp.int32), (plain, backtrack, wolfe))


# --- Newton ---------------------------------------------------------------------------------------

class NewtonState(NamedTuple):
    """What the last step saw at its start (for the anatomy and the curvature view)."""

    eigenvalues: object  # of the Hessian itself, ascending
    eigenvectors: object  # columns
    direction: object  # the Newton direction d = −H̃⁻¹∇f (H̃ damped and/or |H|)
    trials: Trials


def _newton_init(params, hp):
    flat, _ = ravel_pytree(params)
    n = flat.shape[0]
    return NewtonState(jnp.zeros(n, flat.dtype), jnp.eye(n, dtype=flat.dtype), jnp.zeros(n, flat.dtype),
                       no_trials(n, flat.dtype))


def newton_direction(hessian, g, hp):
    """``(d, eigenvalues, eigenvectors, singular)``: d = −H̃⁻¹g through H's eigendecomposition, H̃ = H (or |H|)
    + λI. Singular where the smallest |eigenvalue| of H̃ is within n·ε of the largest (numerical rank)."""
    eigenvalues, eigenvectors = jnp.linalg.eigh(hessian)
    shifted = jnp.where(flag(hp["saddle_free"]), jnp.abs(eigenvalues), eigenvalues) + hp["damping"]
    size = jnp.abs(shifted)
    tiny = g.shape[0] * jnp.finfo(g.dtype).eps * jnp.max(size)
    singular = ~(jnp.min(size) > tiny)  # NaN counts as singular too
    safe = jnp.where(singular, 1.0, shifted)
    d = -(eigenvectors @ ((eigenvectors.T @ g) / safe))
    return d, eigenvalues, eigenvectors, singular


def _newton_step(closure, f, grads, state, params, hp, t):
    flat, g, unravel, value_and_grad = flat_problem(closure, params, grads)
    loss = lambda v: closure.loss(unravel(v))  # noqa: E731
    d, eigenvalues, eigenvectors, singular = newton_direction(jax.hessian(loss)(flat), g, hp)
    searching = hp["line_search"] > 0.5
    ascent = searching & ~(jnp.dot(g, d) <= 0)  # a search needs a direction that is not uphill
    halt = jnp.where(singular, SINGULAR, jnp.where(ascent, ASCENT, 0)).astype(jnp.int32)
    new, evals, trials = search(hp["line_search"], value_and_grad, flat, f, g, d, hp["lr"], hp,
                                no_trials(flat.shape[0], flat.dtype))
    new = jnp.where(halt == 0, new, flat)
    state = NewtonState(eigenvalues, eigenvectors, d, trials)
    return Moved(unravel(new), state, jnp.stack([1 + evals, jnp.asarray(1, jnp.int32)]), halt)


def _newton_checks(hp):
    return line_search_checks(hp)


def _newton_explain(s: Step) -> StepParts:
    d, lam = np.asarray(s.after.direction), np.asarray(s.after.eigenvalues)
    moved = s.after.trials
    rows = {"Hessian eigenvalues": lam, "Newton direction −H̃⁻¹∇f": d}
    if s.hp["line_search"] > 0.5:
        rows["trials (line search)"] = np.full(2, float(moved.count))
    kappa = abs(lam).max() / abs(lam).min() if abs(lam).min() > 0 else np.inf
    return StepParts({"η·d (Newton step)": s.lr * d}, rows, None, d,
                     rf"\lambda(H) = {vec(lam)}, \quad \kappa = {kappa:.4g}, \quad "
                     rf"d = -\tilde H^{{-1}} \nabla f = {vec(d)}")


NEWTON = Optimizer(
    name="newton",
    title="Newton's method",
    hyperparameters=(
        lr(1.0),
        Hyperparameter(
            "damping", "damping", r"\lambda", 0.0,
            "Adds λI to the Hessian (Levenberg–Marquardt): a larger λ makes the step shorter and more like "
            "a gradient step of size η/λ; any λ > 0 fixes a singular or indefinite Hessian's smallest "
            "eigenvalues.", low=0.0, ui_low=1e-4, ui_high=100.0, log=True,
        ),
        Hyperparameter(
            "saddle_free", "saddle-free |H|", r"|H|", 0.0,
            "Use |H| (eigenvalues by absolute value): downhill along every eigenvector, so saddles repel.",
            flag=True,
        ),
        *line_search_knobs(LINE_SEARCHES, "none"),
    ),
    fns=OptimizerFns(_newton_init, None, _newton_step),
    update_latex=r"""\begin{aligned}
H &= \nabla^2 f(w_{t-1}) = V \Lambda V^\top, \qquad
  \tilde H = V\, (\Lambda \text{ or } |\Lambda|)\, V^\top + \lambda I \\
d_t &= -\tilde H^{-1} \nabla f(w_{t-1}) \\
w_t &\leftarrow w_{t-1} + \alpha_t\, d_t, \qquad \alpha_t = \eta \text{ (or found by the line search from } \eta)
\end{aligned}""",
    reference="Nocedal and Wright, Numerical Optimization (2006), Sections 3.3-3.4; Dauphin et al. (2014), "
              "Identifying and attacking the saddle point problem, NeurIPS (saddle-free Newton).",
    summary="Jumps to the minimum of the local quadratic model: one step on a quadratic bowl.",
    checks=_newton_checks,
    explain=_newton_explain,
    elementwise=False,
    halts=("", "the Hessian is singular here, so the Newton step H⁻¹∇f is undefined: add damping λ > 0",
           "the Hessian is not positive definite here, so the Newton direction points uphill and no line "
           "search can accept it: switch on saddle-free |H| or add damping larger than its most negative "
           "eigenvalue"),
)


# --- Steepest descent with a line search ----------------------------------------------------------

class SteepestState(NamedTuple):
    direction: object
    trials: Trials


def _steepest_init(params, hp):
    flat, _ = ravel_pytree(params)
    return SteepestState(jnp.zeros_like(flat), no_trials(flat.shape[0], flat.dtype))


def _steepest_step(closure, f, grads, state, params, hp, t):
    flat, g, unravel, value_and_grad = flat_problem(closure, params, grads)
    # the searches here are Armijo (0) and strong Wolfe (1): LINE_SEARCHES without "none"
    new, evals, trials = search(hp["line_search"] + 1.0, value_and_grad, flat, f, g, -g, hp["lr"], hp,
                                no_trials(flat.shape[0], flat.dtype))
    return Moved(unravel(new), SteepestState(-g, trials), jnp.stack([1 + evals, jnp.asarray(0, jnp.int32)]),
                 jnp.asarray(0, jnp.int32))


def _steepest_explain(s: Step) -> StepParts:
    moved = s.after.trials
    taken = np.asarray(moved.points)[np.asarray(moved.accepted)]
    alpha = 0.0 if not len(taken) else float(np.linalg.norm(taken[-1] - s.w) / max(np.linalg.norm(s.g), 1e-300))
    return StepParts({}, {"accepted step α": np.full(2, alpha), "trials": np.full(2, float(moved.count))},
                     np.full(2, alpha), s.g, rf"\alpha_t = {alpha:.4g} \text{{ after {int(moved.count)} trials}}")


STEEPEST = Optimizer(
    name="steepest",
    title="Steepest descent + line search",
    hyperparameters=(lr(1.0), *line_search_knobs(LINE_SEARCHES[1:], "armijo")),
    fns=OptimizerFns(_steepest_init, None, _steepest_step),
    update_latex=r"""\begin{aligned}
d_t &= -\nabla f(w_{t-1}) \\
\alpha_t &: \text{ from } \eta, \text{ the first step with } f(w + \alpha d) \le f(w) + c_1 \alpha\, \nabla f \cdot d
  \ (\text{strong Wolfe: and } |\nabla f(w + \alpha d) \cdot d| \le c_2 |\nabla f \cdot d|) \\
w_t &\leftarrow w_{t-1} + \alpha_t\, d_t
\end{aligned}""",
    reference="Nocedal and Wright, Numerical Optimization (2006), Algorithm 3.1 (backtracking) and Section 3.1 "
              "(Wolfe conditions); the strong Wolfe search is torch.optim.LBFGS's.",
    summary="Gradient descent that tries steps along −∇f until f drops enough: no learning rate to tune.",
    checks=line_search_checks,
    explain=_steepest_explain,
    elementwise=False,
)

assert MAX_LS + 1 <= MAX_TRIALS
