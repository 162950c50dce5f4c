"""L-BFGS (torch.optim.LBFGS): a quasi-Newton direction from the last few steps and gradient changes.

One recorded step is one ``optimizer.step(closure)`` call: up to ``max_iter`` iterations and
``max_eval`` evaluations, the state (the history of steps s and gradient changes y, the last direction
and step) carried from call to call as torch keeps it. The code follows torch's ``step`` line for line,
with its two-loop recursion (Nocedal and Wright, Numerical Optimization, 2nd ed., Algorithm 7.4) and
its strong Wolfe line search (``optim/linesearch.py``). The history is a fixed buffer of
``MAX_HISTORY`` rows of which ``history_size`` are used, so the history size is a traced knob too.
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.flatten_util import ravel_pytree

from optim.common import lr, vec
from optim.linesearch import MAX_TRIALS, Trials, add_trial, dot, flat_problem, no_trials, py_min, strong_wolfe
from optim.spec import Hyperparameter, Moved, Optimizer, OptimizerFns, Step, StepParts

MAX_HISTORY = 100  # torch's default history_size, and the most this app keeps
LINE_SEARCH_FNS = ("none", "strong_wolfe")  # torch's line_search_fn: None or "strong_wolfe"


class LBFGSState(NamedTuple):
    func_evals: object  # torch's state["func_evals"]: every closure call so far
    n_iter: object  # torch's state["n_iter"]: every iteration so far
    d: object  # the last direction
    t: object  # the last step length along it
    old_dirs: object  # (MAX_HISTORY, n): gradient changes y, oldest first
    old_stps: object  # (MAX_HISTORY, n): steps s
    ro: object  # (MAX_HISTORY,): 1 / (y·s)
    num_old: object  # rows of the history in use
    h_diag: object  # the initial inverse Hessian's scale y·s / y·y
    prev_flat_grad: object
    prev_loss: object
    trials: Trials  # this call's evaluations after its first (line-search trials, or inner iterates)


def _init(params, hp):
    flat, _ = ravel_pytree(params)
    n, dtype = flat.shape[0], flat.dtype
    zero = jnp.zeros((), dtype)
    return LBFGSState(jnp.asarray(0, jnp.int32), jnp.asarray(0, jnp.int32), jnp.zeros(n, dtype), zero,
                      jnp.zeros((MAX_HISTORY, n), dtype), jnp.zeros((MAX_HISTORY, n), dtype),
                      jnp.zeros(MAX_HISTORY, dtype), jnp.asarray(0, jnp.int32), jnp.ones((), dtype),
                      jnp.zeros(n, dtype), zero, no_trials(n, dtype))


def _two_loop(g, old_dirs, old_stps, ro, num_old, h_diag):
    """−H·g for the L-BFGS inverse-Hessian estimate H, torch's one-buffer recursion."""
    def backward(j, c):
        q, al = c
        i = num_old - 1 - j
        a = dot(old_stps[i], q) * ro[i]
        return q + (-a) * old_dirs[i], al.at[i].set(a)

    q, al = lax.fori_loop(0, num_old, backward, (-g, jnp.zeros_like(ro)))

    def forward(i, r):
        be_i = dot(old_dirs[i], r) * ro[i]
        return r + (al[i] - be_i) * old_stps[i]

    return lax.fori_loop(0, num_old, forward, q * h_diag)


def _remember(state_parts, y, s, ys, history_size):
    """Append (y, s, 1/ys) to the history, dropping the oldest row where it is full."""
    old_dirs, old_stps, ro, num_old = state_parts
    full = num_old >= history_size
    shift = lambda a: jnp.where(full, jnp.roll(a, -1, axis=0), a)  # noqa: E731
    row = jnp.where(full, num_old - 1, num_old)
    return (shift(old_dirs).at[row].set(y), shift(old_stps).at[row].set(s), shift(ro).at[row].set(1.0 / ys),
            jnp.where(full, num_old, num_old + 1))


def _step(closure, f, grads, state, params, hp, t):
    flat, g, unravel, value_and_grad = flat_problem(closure, params, grads)

    lr_t, max_iter, max_eval = hp["lr"], hp["max_iter"], hp["max_eval"]
    tolerance_grad, tolerance_change = hp["tolerance_grad"], hp["tolerance_change"]
    wolfe = hp["line_search"] > 0.5
    trials = no_trials(flat.shape[0], flat.dtype)
    func_evals = state.func_evals + 1  # the closure call that gave f and g
    optimal = jnp.max(jnp.abs(g)) <= tolerance_grad

    # carry: w, loss, flat_grad, state fields, n_iter (this call), current_evals, done
    def going(c):
        return ~c[-1] & (c[-3] < max_iter)

    def body(c):
        w, loss, flat_grad, st, n_iter, current_evals, _ = c
        n_iter, n_total = n_iter + 1, st.n_iter + 1
        first = n_total == 1
        # the direction: -g on the very first iteration, else L-BFGS's from the updated history
        y = flat_grad - st.prev_flat_grad
        s = st.d * st.t
        ys = dot(y, s)
        learn = ~first & (ys > 1e-10)
        remembered = _remember((st.old_dirs, st.old_stps, st.ro, st.num_old), y, s, jnp.where(learn, ys, 1.0),
                               hp["history_size"])
        old_dirs, old_stps, ro, num_old = (jnp.where(learn, a, b) for a, b in zip(
            remembered, (st.old_dirs, st.old_stps, st.ro, st.num_old), strict=True))
        h_diag = jnp.where(learn, ys / dot(y, y), st.h_diag)
        num_old = jnp.where(first, 0, num_old)
        h_diag = jnp.where(first, 1.0, h_diag)
        d = jnp.where(first, -flat_grad, _two_loop(flat_grad, old_dirs, old_stps, ro, num_old, h_diag))
        prev_flat_grad, prev_loss = flat_grad, loss
        step = jnp.where(first, py_min(1.0, 1.0 / jnp.sum(jnp.abs(flat_grad))) * lr_t, lr_t)
        gtd = dot(flat_grad, d)
        flat_enough = gtd > -tolerance_change  # torch breaks here, before moving

        def searched():
            r = strong_wolfe(value_and_grad, w, step, d, loss, flat_grad, gtd, st.trials,
                             max_ls=max_eval - current_evals)
            opt = jnp.max(jnp.abs(r.grad)) <= tolerance_grad
            return w + r.t * d, r.loss, r.grad, r.t, r.evals, opt, r.trials

        def fixed():
            moved = w + step * d
            last = n_iter == max_iter  # torch does not evaluate after the last iteration

            def evaluate():
                f_new, g_new = value_and_grad(moved)
                return (f_new, g_new, jnp.max(jnp.abs(g_new)) <= tolerance_grad, jnp.asarray(1, jnp.int32),
                        add_trial(st.trials, moved, f_new, accepted=True))

            f_new, g_new, opt, evals, trials = lax.cond(
                last, lambda: (loss, flat_grad, jnp.asarray(False), jnp.asarray(0, jnp.int32), st.trials), evaluate)
            return moved, f_new, g_new, step, evals, opt, trials

        w_new, loss_new, grad_new, step_new, ls_evals, opt, trials = lax.cond(wolfe, searched, fixed)
        current_evals = current_evals + ls_evals
        done = ((n_iter == max_iter) | (current_evals >= max_eval) | opt
                | (jnp.max(jnp.abs(d * step_new)) <= tolerance_change)
                | (jnp.abs(loss_new - prev_loss) < tolerance_change))
        keep = lambda new, old: jnp.where(flat_enough, old, new)  # noqa: E731
        st = st._replace(
            func_evals=st.func_evals + keep(ls_evals, 0), n_iter=n_total, d=d, t=keep(step_new, step),
            old_dirs=old_dirs, old_stps=old_stps, ro=ro, num_old=num_old, h_diag=h_diag,
            prev_flat_grad=prev_flat_grad, prev_loss=prev_loss,
            trials=jax_tree_where(flat_enough, st.trials, trials))
        return (keep(w_new, w), keep(loss_new, loss), keep(grad_new, flat_grad), st, n_iter,
                keep(current_evals, current_evals - ls_evals), done | flat_enough)

    st0 = state._replace(func_evals=func_evals, trials=trials)
    c0 = (flat, f, g, st0, jnp.asarray(0, jnp.int32), jnp.asarray(1, jnp.int32), optimal)
    w, _, _, st, _, current_evals, _ = lax.while_loop(going, body, c0)
    return Moved(unravel(w), st, jnp.stack([current_evals, jnp.asarray(0, jnp.int32)]), jnp.asarray(0, jnp.int32))


def jax_tree_where(cond, a, b):
    return type(a)(*(jnp.where(cond, x, y) for x, y in zip(a, b, strict=True)))


def _explain(s: Step) -> StepParts:
    after = s.after
    d, t = np.asarray(after.d), float(after.t)
    rows = {"direction d": d, "step length t": np.full(2, t), "history pairs in use": np.full(2, float(after.num_old)),
            "evaluations this step": np.full(2, float(after.func_evals - s.before.func_evals))}
    return StepParts({"t·d (L-BFGS step)": t * d}, rows, None, d,
                     rf"d = -H_k \nabla f = {vec(d)}, \quad t = {t:.4g}, \quad "
                     rf"\text{{{int(after.num_old)} pairs }} (s_i, y_i)")


def _whole(name, label, default, help, low, high):
    return Hyperparameter(name, label, name.replace("_", r"\_"), float(default), help, low=low, high=high,
                          ui_low=float(low), ui_high=float(high), whole=True)


LBFGS = Optimizer(
    name="lbfgs",
    title="L-BFGS",
    hyperparameters=(
        lr(1.0),
        _whole("max_iter", "iterations per step", 1,
               "Iterations in one optimizer.step(closure) call (torch's default is 20; 1 here so one step "
               "is one iteration).", 1, MAX_TRIALS),
        _whole("max_eval", "evaluations per step", 25,
               "The most closure calls one step may make (torch's default, max_iter·5//4, would leave the "
               "line search no trial at one iteration per step; 25 is torch's for its own max_iter 20).",
               1, MAX_TRIALS),
        Hyperparameter(
            "tolerance_grad", "gradient tolerance", r"\tau_g", 1e-7,
            "A step ends early where every |∂f/∂wᵢ| is at most this.", low=0.0, ui_low=1e-12, ui_high=1e-2,
            log=True,
        ),
        Hyperparameter(
            "tolerance_change", "change tolerance", r"\tau_\Delta", 1e-9,
            "A step ends early where f or w changes by at most this.", low=0.0, ui_low=1e-15, ui_high=1e-3,
            log=True,
        ),
        _whole("history_size", "history size", MAX_HISTORY,
               "How many recent (step, gradient change) pairs shape the direction.", 1, MAX_HISTORY),
        Hyperparameter(
            "line_search", "line search", r"\text{search}", 0.0,
            "torch's line_search_fn: none (the step is lr, and lr·min(1, 1/Σ|g|) at the very first "
            "iteration) or strong_wolfe (c₁ = 1e-4, c₂ = 0.9, as torch fixes them).",
            choices=LINE_SEARCH_FNS,
        ),
    ),
    fns=OptimizerFns(_init, None, _step),
    update_latex=r"""\begin{aligned}
s_k &= w_{k} - w_{k-1}, \qquad y_k = \nabla f(w_k) - \nabla f(w_{k-1})
  \quad (\text{kept if } y_k^\top s_k > 10^{-10}) \\
d_k &= -H_k \nabla f(w_k), \qquad
  H_k \text{: the two-loop recursion over the last } m \text{ pairs, from } H^0 = \tfrac{s^\top y}{y^\top y} I \\
w_{k+1} &\leftarrow w_k + t_k\, d_k, \qquad t_k = \eta \text{ (or by the strong Wolfe search from } \eta)
\end{aligned}""",
    reference="torch.optim.LBFGS; Liu and Nocedal (1989), On the limited memory BFGS method for large scale "
              "optimization; Nocedal and Wright, Numerical Optimization (2006), Algorithm 7.4.",
    summary="A quasi-Newton method: builds curvature from the last steps' gradient changes, no Hessian needed.",
    explain=_explain,
    elementwise=False,
)
