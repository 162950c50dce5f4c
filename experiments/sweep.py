r"""Learning-rate sweeps: many η in one batched call, the regions of the course's Figure 3.3, and 2/L.

Notation: ``f`` the surface, ``w₀`` the start, ``S`` the steps, ``η₁ < … < η_N`` the swept learning
rates, ``f_ref`` the reference value (the declared global minimum ``f*``, else the lowest final
loss of the sweep) and ``gap_i = f(w_S(η_i)) − f_ref``, floored at ``FLOOR · (f(w₀) − f_ref)``: a
gap below twelve digits of the start's is rounding, not learning rate.

Regions (``classify_regions``), decided in this order:

* **diverged**: the run overflowed (``diverged_at ≥ 0``) or ended above its start,
  ``f(w_S) > f(w₀)``: worse than not moving at all.
* **good**: ``env_i ≤ GOOD_FACTOR · min_j env_j``, within one decade of the best η of the sweep, where
  ``env`` is the gap after a running maximum over ``±SMOOTH`` of the points (at least ±2): with
  momentum the end point's phase on its spiral changes quickly with η, and one lucky η that happens
  to pass the minimum at the last step must not set the bar for all the others.
* **too small**: neither, and η_i left of the best η: the steps are short, the run is still on its way.
* **too big**: neither, and η_i right of the best η: each step overshoots the minimum and the run
  zig-zags across it (GD on a quadratic: ``|1 − η L|`` close to 1 from the side ``η > 1/L``).
  On the bowl the gap is ``(1 − 2η)^{2S}`` times the start's, so the four come in this order.

Stability on a quadratic with Hessian ``H``: GD's error obeys ``e_{t+1} = (I − ηH) e_t``, each
eigendirection λ shrinks by ``|1 − ηλ|`` per step, so GD is stable iff ``0 < η < 2/L`` with
``L = λ_max(H)``; at ``η = 2/L`` the steepest direction flips sign every step without decaying.
Heavy-ball momentum in torch's form (``b_t = μ b_{t−1} + g_t``, ``w_t = w_{t−1} − η b_t``) obeys
``e_{t+1} = (1 − ηλ) e_t + μ (e_t − e_{t−1})``, stable iff ``ηλ < 2(1 + μ)``; torch's Nesterov form
iff ``ηλ < 2(1 + μ)/(1 + 2μ)``. Dampening τ scales the gradient by ``1 − τ``; weight decay adds its
λ to every eigenvalue. The course's effective learning rate ``η/(1 − μ)`` is the step on a steady
slope, where every past gradient adds up: ``η (1 + μ + μ² + …) ∇f``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np

from optim.registry import get_optimizer
from optim.runner import Trajectory, descend, descend_batch
from optim.spec import Optimizer
from surfaces.base import Surface

TOO_SMALL, GOOD, TOO_BIG, DIVERGED = 0, 1, 2, 3
REGIONS = ("too small", "good", "too big", "diverged")  # indexed by the labels above
GOOD_FACTOR = 10.0  # "good" = final gap within this factor of the best η's
SMOOTH = 0.01  # the running maximum behind "good" spans this fraction of the points on each side
FLOOR = 1e-12  # gaps below this fraction of the start's gap count as converged
_TINY = 1e-300  # keeps a log axis finite when the start already sits at f_ref


@dataclass(frozen=True)
class SweepResult:
    """One run per learning rate, all from the same start, summarised by where it ended."""

    lrs: np.ndarray  # shape (N,), increasing
    final_loss: np.ndarray  # shape (N,)
    final_points: np.ndarray  # shape (N, 2)
    diverged_at: np.ndarray  # shape (N,), first non-finite index, -1 where the run stayed finite
    start_loss: float  # f(w₀)
    f_ref: float  # f* when declared, else the sweep's lowest final loss (nan if every run blew up)
    f_star_known: bool
    steps: int

    @property
    def diverged(self) -> np.ndarray:  # shape (N,) bool
        with np.errstate(invalid="ignore"):
            return (self.diverged_at >= 0) | ~np.isfinite(self.final_loss) | (self.final_loss > self.start_loss)

    @property
    def floor(self) -> float:
        start_gap = self.start_loss - self.f_ref
        return max(FLOOR * start_gap, _TINY) if start_gap > 0 else _TINY

    @property
    def gap(self) -> np.ndarray:
        """``max(f(w_S) − f_ref, floor)``, NaN where the run diverged; shape (N,)."""
        with np.errstate(invalid="ignore"):
            gap = np.maximum(self.final_loss - self.f_ref, self.floor)
        return np.where(self.diverged, np.nan, gap)


def _summarise(surface: Surface, lrs: np.ndarray, res, start, steps: int) -> SweepResult:
    """The batch's end points as a ``SweepResult``; ``f_ref`` is f*, else the lowest non-diverged final loss."""
    f0 = float(surface(np.asarray(start, dtype=np.float64)))
    out = SweepResult(lrs, res.final_loss, res.final_points, res.diverged_at, f0, float("nan"), False, int(steps))
    if surface.f_star is not None:
        return replace(out, f_ref=float(surface.f_star), f_star_known=True)
    ok = ~out.diverged
    return replace(out, f_ref=float(res.final_loss[ok].min()) if ok.any() else float("nan"))


def lr_sweep(surface: Surface, optimizer: Optimizer, hp: Mapping[str, float] | None, start, steps: int,
             lrs) -> SweepResult:
    """Run ``optimizer`` from ``start`` for every η in ``lrs`` (N,): one ``descend_batch`` call, one compile.

    ``hp`` holds the other hyperparameters (its ``lr``, if any, is replaced by the sweep).
    """
    lrs = np.asarray(lrs, dtype=np.float64).reshape(-1)
    if lrs.size < 2 or not np.all(np.isfinite(lrs)) or lrs[0] <= 0 or np.any(np.diff(lrs) <= 0):
        raise ValueError("the learning rates must be at least two positive, finite, increasing numbers")
    fixed = {k: v for k, v in dict(hp or {}).items() if k != "lr"}
    res = descend_batch(surface, optimizer, {**fixed, "lr": lrs}, start, steps)
    return _summarise(surface, lrs, res, start, steps)


def envelope(result: SweepResult) -> np.ndarray:
    """The floored gap after a running maximum over ±k neighbouring η, k = max(2, SMOOTH·N); NaN where diverged."""
    gap = result.gap
    k = max(2, round(SMOOTH * len(gap)))
    padded = np.pad(np.where(np.isnan(gap), -np.inf, gap), k, constant_values=-np.inf)
    env = np.lib.stride_tricks.sliding_window_view(padded, 2 * k + 1).max(axis=1)  # shape (N,)
    return np.where(np.isnan(gap), np.nan, env)


def best_index(result: SweepResult) -> int | None:
    """The η with the smallest envelope gap; among ties (several at the floor) the middle one."""
    env = envelope(result)
    if not np.isfinite(env).any():
        return None
    tied = np.flatnonzero(env == np.nanmin(env))
    return int(tied[len(tied) // 2])


def classify_regions(result: SweepResult) -> np.ndarray:
    """One label per η (N,) int: ``TOO_SMALL``, ``GOOD``, ``TOO_BIG`` or ``DIVERGED`` (rules: module docstring)."""
    n = len(result.lrs)
    labels = np.full(n, DIVERGED, dtype=np.int64)
    best = best_index(result)
    if best is None:
        return labels
    env, live = envelope(result), ~result.diverged
    labels[live] = np.where(np.arange(n)[live] < best, TOO_SMALL, TOO_BIG)
    labels[live & (env <= GOOD_FACTOR * env[best])] = GOOD
    return labels


def example_indices(result: SweepResult, labels: np.ndarray) -> dict[int, int]:
    """One η per region shown in Figure 3.3's style: the best η for "good"; for "too small" and "too big"
    the η of the region that ends farthest from the minimum (largest final gap), so the example shows
    its category: the middle of the "too big" run could still reach a gap of 1e-10, just later."""
    out: dict[int, int] = {}
    best = best_index(result)
    gap = np.where(np.isfinite(result.gap), result.gap, -np.inf)  # the run's own end, not the envelope,
    for region in (TOO_SMALL, GOOD, TOO_BIG):                      # which smears a neighbour's gap over it
        where = np.flatnonzero(labels == region)
        if not where.size:
            continue
        out[region] = best if region == GOOD and best is not None else int(where[np.argmax(gap[where])])
    return out


def example_runs(surface: Surface, optimizer: Optimizer, hp: Mapping[str, float] | None, start, steps: int,
                 lrs) -> list[Trajectory]:
    """The whole path for a few chosen η (one ``descend`` each: the sweep keeps only where runs end)."""
    fixed = {k: v for k, v in dict(hp or {}).items() if k != "lr"}
    return [descend(surface, optimizer, {**fixed, "lr": float(lr)}, start, steps) for lr in lrs]


def divergence_onset(result: SweepResult, labels: np.ndarray) -> tuple[float | None, float] | None:
    """``(last η before it, first diverged η)`` for the smallest diverged η; ``None`` if no run diverged."""
    hits = np.flatnonzero(labels == DIVERGED)
    k = int(hits[0]) if hits.size else None
    return None if k is None else ((float(result.lrs[k - 1]) if k > 0 else None), float(result.lrs[k]))


# ---- curvature and thresholds ----------------------------------------------------------------


@lru_cache(maxsize=64)
def _hessians(surface: Surface):
    return jax.jit(jax.vmap(jax.hessian(surface)))  # (k, 2) -> (k, 2, 2)


def hessian(surface: Surface, points) -> np.ndarray:
    """The Hessian of ``f`` at ``points`` (k, 2) by ``jax.hessian``; shape (k, 2, 2)."""
    return np.asarray(_hessians(surface)(jnp.asarray(np.asarray(points, dtype=np.float64).reshape(-1, 2))))


def stability_threshold(surface: Surface, point) -> float:
    """GD's threshold ``2/L``, ``L = λ_max(∇²f(point))`` from ``jax.hessian``; ``inf`` when ``L ≤ 0``.

    For a quadratic the Hessian is the same everywhere and so is the threshold. Otherwise it holds
    only near ``point``: pass the global minimum, where the last steps of a converging run happen.
    """
    top = float(np.linalg.eigvalsh(hessian(surface, point)[0])[-1])
    return 2.0 / top if top > 0 else float("inf")


@dataclass(frozen=True)
class Curvature:
    """The Hessian's eigenvalues at one point, and whether they are the same over the whole window."""

    point: tuple[float, float]
    eigenvalues: tuple[float, float]  # ascending
    quadratic: bool  # the Hessian is constant over the window (checked at a few points)
    where: str  # for a sentence: "everywhere (f is quadratic)" or "at the global minimum (1, 1)"

    @property
    def L(self) -> float:  # noqa: N802  (the notes' symbol)
        return self.eigenvalues[1]

    @property
    def threshold(self) -> float:
        return 2.0 / self.L if self.L > 0 else float("inf")


def _probe_points(surface: Surface) -> np.ndarray:
    (x0, x1), (y0, y1) = surface.domain
    fx, fy = np.array([0.5, 0.13, 0.87, 0.31, 0.72]), np.array([0.5, 0.21, 0.66, 0.9, 0.08])
    return np.stack([x0 + fx * (x1 - x0), y0 + fy * (y1 - y0)], axis=1)  # shape (5, 2), off any symmetry


def curvature(surface: Surface, near=None) -> Curvature | None:
    """The curvature that sets the threshold: anywhere on a quadratic, else at a global minimum.

    Quadratic means the Hessian agrees to 1e-9 at five points spread over the window. Otherwise it is
    taken at the declared global minimum nearest to ``near`` (e.g. where the best run ended), or at
    ``near`` itself when the surface declares none; ``None`` when there is no such point.
    """
    probes = hessian(surface, _probe_points(surface))
    scale = max(1.0, float(np.nanmax(np.abs(probes)))) if np.isfinite(probes).any() else 1.0
    quadratic = bool(np.isfinite(probes).all() and np.abs(probes - probes[0]).max() <= 1e-9 * scale)
    minima = [m.point for m in surface.minima]
    if quadratic:
        point = minima[0] if minima else tuple(_probe_points(surface)[0])  # any point will do
        where = "everywhere (f is quadratic, its Hessian is constant)"
    elif minima:
        ref = np.asarray(near if near is not None else minima[0], dtype=float)
        point = min(minima, key=lambda p: float(np.hypot(*(np.asarray(p) - ref))))
        where = f"at the global minimum ({point[0]:.4g}, {point[1]:.4g})"
    elif near is not None and np.isfinite(near).all():
        point = near
        where = f"at ({near[0]:.4g}, {near[1]:.4g}), where the best run ended"
    else:
        return None
    eig = np.linalg.eigvalsh(hessian(surface, point)[0])
    if not np.isfinite(eig).all():
        return None
    return Curvature((float(point[0]), float(point[1])), (float(eig[0]), float(eig[1])), quadratic, where)


def momentum_threshold(L: float, mu, *, dampening: float = 0.0, nesterov: bool = False,  # noqa: N803
                       weight_decay: float = 0.0):
    """The largest stable η of torch's SGD on a quadratic with top eigenvalue ``L`` (scalar or array ``mu``).

    ``2/L'`` without momentum, ``2(1+μ)/((1−τ) L')`` heavy ball, ``2(1+μ)/((1+2μ) L')`` Nesterov,
    with ``L' = L + weight_decay``; ``inf`` where ``L' ≤ 0``.
    """
    mu = np.asarray(mu, dtype=np.float64)
    top = L + weight_decay
    with np.errstate(divide="ignore"):
        scale = np.where(mu == 0, 1.0, np.where(nesterov, (1 + mu) / (1 + 2 * mu), (1 + mu) / (1 - dampening)))
        eta = np.where(top > 0, 2.0 * scale / top, np.inf)
    return float(eta) if eta.ndim == 0 else eta


def optimizer_threshold(optimizer: Optimizer, hp: Mapping[str, float], L: float) -> float | None:  # noqa: N803
    """The stable-η bound for the SGD family (GD, momentum, Nesterov); ``None`` for adaptive methods."""
    if optimizer.code_name != "sgd":
        return None
    v = optimizer.resolve({k: x for k, x in hp.items() if k != "lr"})
    return momentum_threshold(L, v["momentum"], dampening=v["dampening"], nesterov=bool(v["nesterov"]),
                              weight_decay=v["weight_decay"])


# ---- the (η, μ) convergence map ---------------------------------------------------------------


@dataclass(frozen=True)
class MomentumMap:
    """Final gap of heavy-ball SGD over an (η, μ) grid, Distill's convergence map."""

    lrs: np.ndarray  # shape (n_lr,)
    mus: np.ndarray  # shape (n_mu,)
    gap: np.ndarray  # shape (n_mu, n_lr), floored like SweepResult.gap, NaN where diverged
    diverged: np.ndarray  # shape (n_mu, n_lr) bool: overflowed or ended above the start
    start_loss: float
    f_ref: float


def momentum_map(surface: Surface, hp: Mapping[str, float] | None, start, steps: int, lrs, mus) -> MomentumMap:
    """Torch's SGD at every (η, μ) of ``lrs × mus``: one ``descend_batch`` over the flattened grid.

    ``hp`` may fix SGD's other knobs (dampening, weight decay); Nesterov stays off (it needs μ > 0).
    """
    lrs, mus = (np.asarray(v, dtype=np.float64).reshape(-1) for v in (lrs, mus))
    grid_lr, grid_mu = np.meshgrid(lrs, mus)  # shape (n_mu, n_lr) each
    fixed = {k: v for k, v in dict(hp or {}).items() if k not in ("lr", "momentum", "nesterov")}
    batch = {**fixed, "lr": grid_lr.ravel(), "momentum": grid_mu.ravel()}
    res = descend_batch(surface, get_optimizer("sgd"), batch, start, steps)
    flat = _summarise(surface, grid_lr.ravel(), res, start, steps)
    return MomentumMap(lrs, mus, flat.gap.reshape(grid_lr.shape), flat.diverged.reshape(grid_lr.shape),
                       flat.start_loss, flat.f_ref)


def map_agreement(mmap: MomentumMap, L: float, *, dampening: float = 0.0, weight_decay: float = 0.0) -> float:  # noqa: N803
    """Fraction of the map's cells where "diverged" matches the theory ``η ≥ 2(1+μ)/((1−τ)(L+λ))``."""
    bound = momentum_threshold(L, mmap.mus, dampening=dampening, weight_decay=weight_decay)  # (n_mu,)
    predicted = mmap.lrs[None, :] >= np.asarray(bound).reshape(-1, 1)
    return float(np.mean(predicted == mmap.diverged))
