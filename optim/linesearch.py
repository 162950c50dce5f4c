"""Line searches along a direction d from a point x: how far to go, found by trying points.

* ``strong_wolfe``: torch.optim.LBFGS's (``torch/optim/lbfgs.py``, itself a port of minFunc's
  ``lswolfe``), line for line in its order of operations: bracket a step that satisfies the strong
  Wolfe conditions, then zoom in with safeguarded cubic interpolation.
* ``armijo``: backtracking (Nocedal and Wright, Numerical Optimization, 2nd ed., Algorithm 3.1):
  shrink the step by a factor until the sufficient-decrease condition holds.

Both are pure JAX (``lax.while_loop``), every knob traced. Each trial is written to a fixed-size
buffer (``Trials``) so a page can draw every point the search looked at, accepted or not.
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
from jax import lax
from jax.flatten_util import ravel_pytree

MAX_TRIALS = 32  # trial points kept per step (max_eval and the line searches' budgets are capped to it)


def flat_problem(closure, params, grads):
    """A closure rule's problem as one vector: ``(w, g, unravel, value_and_grad)`` where
    ``value_and_grad(v) -> (f, flat gradient)`` evaluates at ``unravel(v)``."""
    flat, unravel = ravel_pytree(params)

    def value_and_grad(v):
        f, g = closure.value_and_grad(unravel(v))
        return f, ravel_pytree(g)[0]

    return flat, ravel_pytree(grads)[0], unravel, value_and_grad


def rounded(x):
    """``x`` rounded on its own: torch rounds a product before adding it (two roundings); XLA would fuse
    the two into one fused multiply-add. A select on ``x`` keeps them apart (a NaN stays a NaN)."""
    return jnp.where(x == x, x, jnp.nan)


def dot(a, b):
    """torch.dot's arithmetic for short vectors: each product rounded, then summed left to right."""
    products = rounded(a * b)
    total = products[0]
    for i in range(1, products.shape[0]):
        total = total + products[i]
    return total


def py_max(a, b):
    """Python's ``max(a, b)``: ``a`` unless ``b > a`` (so a NaN in ``a`` stays, as in torch's Python code)."""
    return jnp.where(b > a, b, a)


def py_min(a, b):
    return jnp.where(b < a, b, a)


class Trials(NamedTuple):
    """The points one step evaluated beyond its start: ``(n, MAX_TRIALS)`` layout, ``count`` rows in use."""

    points: object  # (MAX_TRIALS, n)
    loss: object  # (MAX_TRIALS,)
    accepted: object  # (MAX_TRIALS,) bool: the point the step moved to (or an inner iterate)
    count: object  # int: rows written


def no_trials(n: int, dtype) -> Trials:
    return Trials(jnp.zeros((MAX_TRIALS, n), dtype), jnp.zeros((MAX_TRIALS,), dtype),
                  jnp.zeros((MAX_TRIALS,), bool), jnp.asarray(0, jnp.int32))


def add_trial(trials: Trials, point, loss, accepted=False) -> Trials:
    """Append one evaluated point (beyond the buffer the last row is overwritten: never out of bounds)."""
    i = jnp.minimum(trials.count, MAX_TRIALS - 1)
    return Trials(trials.points.at[i].set(point), trials.loss.at[i].set(loss),
                  trials.accepted.at[i].set(accepted), trials.count + 1)


def mark_accepted(trials: Trials, start, point, loss) -> Trials:
    """Mark the last row from ``start`` on that is ``point`` with ``loss`` (the search's answer) as accepted;
    none where the answer is the start itself (a step of 0)."""
    rows = jnp.arange(MAX_TRIALS)
    same = jnp.all(trials.points == point, axis=-1) & (trials.loss == loss)
    hit = (rows >= start) & (rows < trials.count) & same
    last = jnp.max(jnp.where(hit, rows, -1))
    return trials._replace(accepted=trials.accepted | (rows == last))


def cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """torch's ``_cubic_interpolate``: the minimiser of the cubic through two points with their slopes,
    clamped to ``bounds`` (default: between the two points); the midpoint where the cubic has none."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = jnp.where(x1 <= x2, x1, x2), jnp.where(x1 <= x2, x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = rounded(d1**2) - rounded(g1 * g2)
    d2 = jnp.sqrt(jnp.where(d2_square >= 0, d2_square, 0.0))
    min_pos = jnp.where(x1 <= x2,
                        x2 - rounded((x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))),
                        x1 - rounded((x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))))
    return jnp.where(d2_square >= 0, py_min(py_max(min_pos, xmin_bound), xmax_bound),
                     (xmin_bound + xmax_bound) / 2.0)


class WolfeResult(NamedTuple):
    loss: object
    grad: object
    t: object
    evals: object
    trials: Trials


def strong_wolfe(phi, x, t, d, f, g, gtd, trials: Trials, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """torch's ``_strong_wolfe``. ``phi(point) -> (f, g)``; the trial point is ``x + t * d`` (torch's
    ``p.add_(d, alpha=t)``). Returns the loss, gradient and step of the accepted point and the count of
    evaluations; every trial is appended to ``trials`` (the accepted one marked)."""
    d_norm = jnp.max(jnp.abs(d))
    start = trials.count

    def evaluate(t, trials):
        point = x + t * d
        f_new, g_new = phi(point)
        return f_new, g_new, dot(g_new, d), add_trial(trials, point, f_new)

    f_new, g_new, gtd_new, trials = evaluate(t, trials)
    zero = jnp.zeros_like(t)
    pair = lambda a, b: jnp.stack([a, b])  # noqa: E731

    # Bracketing: grow the step until an interval is known to hold a point satisfying the conditions.
    # carry: ls_iter, t, f_new, g_new, gtd_new, t_prev, f_prev, g_prev, gtd_prev, found, done, bracket, trials
    def bracket_going(c):
        return (c[0] < max_ls) & ~c[9]

    def bracket_body(c):
        ls_iter, t, f_new, g_new, gtd_new, t_prev, f_prev, g_prev, gtd_prev, _, _, _, trials = c
        armijo_fails = (f_new > (f + rounded(c1 * t * gtd))) | ((ls_iter > 1) & (f_new >= f_prev))
        curvature_holds = jnp.abs(gtd_new) <= -c2 * gtd
        turned = gtd_new >= 0
        interval = armijo_fails | (~curvature_holds & turned)
        done = ~armijo_fails & curvature_holds
        found = interval | done
        # the interval [t_prev, t], or the single point t where it already satisfies both conditions
        ends = lambda now, prev: jnp.where(done, pair(now, now), pair(prev, now))  # noqa: E731
        bracket = (ends(t, t_prev), ends(f_new, f_prev), ends(g_new, g_prev), ends(gtd_new, gtd_prev))
        # interpolate past t (only taken where no bracket was found)
        t_next = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                                   bounds=(t + rounded(0.01 * (t - t_prev)), t * 10))
        f_n, g_n, gtd_n, trials_n = lax.cond(found, lambda: (f_new, g_new, gtd_new, trials),
                                             lambda: evaluate(t_next, trials))
        keep = lambda a, b: jnp.where(found, a, b)  # noqa: E731
        return (keep(ls_iter, ls_iter + 1), keep(t, t_next), f_n, g_n, gtd_n, keep(t_prev, t), keep(f_prev, f_new),
                keep(g_prev, g_new), keep(gtd_prev, gtd_new), found, done, bracket, trials_n)

    empty = (pair(zero, t), pair(f, f_new), pair(g, g_new), pair(gtd, gtd_new))
    c0 = (jnp.asarray(0, jnp.int32), t, f_new, g_new, gtd_new, zero, f, g, gtd, jnp.asarray(False),
          jnp.asarray(False), empty, trials)
    ls_iter, t, f_new, g_new, gtd_new, *_, done, bracket, trials = lax.while_loop(bracket_going, bracket_body, c0)
    # reached max number of iterations: the bracket is [0, t]
    out_of_budget = ls_iter == max_ls
    bracket = tuple(jnp.where(out_of_budget, e, b) for e, b in zip(
        (pair(zero, t), pair(f, f_new), pair(g, g_new), pair(gtd, gtd_new)), bracket, strict=True))

    # Zoom: refine the bracket until a point satisfies the conditions. Which end is low is carried, and
    # recomputed only where torch recomputes it (a NaN loss would otherwise tell the two apart).
    def lowest(bf):
        return jnp.where(bf[0] <= bf[1], 0, 1)

    def zoom_going(c):
        ls_iter, done, (bt, *_), _, _, _ = c
        return ~done & (ls_iter < max_ls) & ~(jnp.abs(bt[1] - bt[0]) * d_norm < tolerance_change)

    def zoom_body(c):
        ls_iter, done, (bt, bf, bg, bgtd), low, insuf_progress, trials = c
        high = 1 - low
        t = cubic_interpolate(bt[0], bf[0], bgtd[0], bt[1], bf[1], bgtd[1])
        top, bottom = py_max(bt[0], bt[1]), py_min(bt[0], bt[1])
        eps = 0.1 * (top - bottom)
        near_edge = py_min(top - t, t - bottom) < eps
        move = near_edge & (insuf_progress | (t >= top) | (t <= bottom))
        t = jnp.where(move, jnp.where(jnp.abs(t - top) < jnp.abs(t - bottom), top - eps, bottom + eps), t)
        insuf_progress = near_edge & ~move
        f_new, g_new, gtd_new, trials = evaluate(t, trials)
        ls_iter = ls_iter + 1
        new_high = (f_new > (f + rounded(c1 * t * gtd))) | (f_new >= bf[low])
        wolfe = jnp.abs(gtd_new) <= -c2 * gtd
        flip = ~new_high & ~wolfe & (gtd_new * (bt[high] - bt[low]) >= 0)  # old high becomes new low

        ends = (bt, bf, bg, bgtd)
        flipped = tuple(jnp.where(flip, b.at[high].set(b[low]), b) for b in ends)
        slot = jnp.where(new_high, high, low)  # the new point replaces the high end, or becomes the low end
        updated = tuple(b.at[slot].set(v) for b, v in zip(flipped, (t, f_new, g_new, gtd_new), strict=True))
        low = jnp.where(new_high, lowest(updated[1]), low)
        return ls_iter, done | (~new_high & wolfe), updated, low, insuf_progress, trials

    c0 = (ls_iter, done, bracket, lowest(bracket[1]), jnp.asarray(False), trials)
    _, _, (bt, bf, bg, _), low, _, trials = lax.while_loop(zoom_going, zoom_body, c0)
    evals = trials.count - start
    trials = mark_accepted(trials, start, x + bt[low] * d, bf[low])
    return WolfeResult(bf[low], bg[low], bt[low], evals, trials)


def armijo(phi, x, t, d, f, g, gtd, trials: Trials, c1=1e-4, shrink=0.5, max_ls=25):
    """Backtracking: try ``t``, then ``shrink * t``, ... until ``f(x + t d) <= f + c1 t g·d`` (at most
    ``max_ls`` tries; where none passes, the step is 0 and the point stays). Returns the loss and
    gradient at the accepted point, the step, the evaluation count and the trials."""
    start = trials.count

    def evaluate(t, trials):
        point = x + t * d
        f_new, g_new = phi(point)
        return f_new, g_new, add_trial(trials, point, f_new)

    f_new, g_new, trials = evaluate(t, trials)

    def going(c):
        k, t, f_new, _, _ = c
        return (k < max_ls) & ~(f_new <= f + c1 * t * gtd)

    def body(c):
        k, t, _, _, trials = c
        t = t * shrink
        f_new, g_new, trials = evaluate(t, trials)
        return k + 1, t, f_new, g_new, trials

    k, t, f_new, g_new, trials = lax.while_loop(going, body, (jnp.asarray(1, jnp.int32), t, f_new, g_new, trials))
    ok = f_new <= f + c1 * t * gtd
    evals = trials.count - start
    marked = mark_accepted(trials, start, x + t * d, f_new)
    trials = trials._replace(accepted=jnp.where(ok, marked.accepted, trials.accepted))
    return WolfeResult(jnp.where(ok, f_new, f), jnp.where(ok, g_new, g), jnp.where(ok, t, 0.0), evals, trials)
