"""Curvature at a point, and the line a search looked along.

* ``curvature_at``: the Hessian's eigenvalues and eigenvectors at w, its condition number, and the
  Newton step −H⁻¹∇f beside −∇f, so a page can show how an optimizer's step compares with both.
* ``line_slice``: φ(α) = f(w + α d) along a step's search direction, with the sufficient-decrease line
  f(w) + c₁ α ∇f·d (Armijo's condition: accepted trials lie under it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np

from surfaces.base import Surface


@dataclass(frozen=True)
class Curvature:
    point: np.ndarray  # w, shape (2,)
    gradient: np.ndarray
    hessian: np.ndarray  # (2, 2)
    eigenvalues: np.ndarray  # ascending
    eigenvectors: np.ndarray  # columns, unit length
    condition: float  # |λ|max / |λ|min (inf where singular)
    newton_step: np.ndarray | None  # −H⁻¹∇f; None where H is singular

    @property
    def kind(self) -> str:
        """What the local quadratic model is: a bowl, a saddle, a cap, or flat in some direction."""
        lo, hi = self.eigenvalues
        scale = max(abs(lo), abs(hi), 1e-300)
        if min(abs(lo), abs(hi)) <= 1e-12 * scale:
            return "flat in one direction (singular Hessian)"
        if lo > 0:
            return "a bowl (positive definite)"
        if hi < 0:
            return "a cap (negative definite)"
        return "a saddle (indefinite)"


@lru_cache(maxsize=64)
def _derivatives(surface: Surface):
    """Jitted once per surface (a page's rerun compiles nothing): ∇f, ∇²f, and f over a batch of points."""
    fn = lambda w: surface(w)  # noqa: E731
    return jax.jit(jax.grad(fn)), jax.jit(jax.hessian(fn)), jax.jit(jax.vmap(fn))


def curvature_at(surface: Surface, point) -> Curvature:
    w = jnp.asarray(point, dtype=jnp.float64)
    grad, hessian, _ = _derivatives(surface)
    g, h = np.asarray(grad(w)), np.asarray(hessian(w))
    h = (h + h.T) / 2.0  # symmetric to the last digit before the eigendecomposition
    lam, vecs = np.linalg.eigh(h)
    size = np.abs(lam)
    singular = not size.min() > 2 * np.finfo(float).eps * size.max()
    condition = float("inf") if singular else float(size.max() / size.min())
    newton = None if singular else -(vecs @ ((vecs.T @ g) / lam))
    return Curvature(np.asarray(point, float), g, h, lam, vecs, condition, newton)


@dataclass(frozen=True)
class LineSlice:
    alphas: np.ndarray  # step lengths along d, from 0
    phi: np.ndarray  # f(w + α d)
    armijo: np.ndarray  # f(w) + c₁ α ∇f·d
    trial_alphas: np.ndarray  # where the search evaluated
    trial_loss: np.ndarray
    accepted: np.ndarray  # bool per trial


def line_slice(surface: Surface, point, direction, gradient, trial_points, trial_loss, accepted, c1: float,
               n: int = 121) -> LineSlice:
    """φ along ``direction`` from ``point``, over the step lengths the trials reached (and a little beyond)."""
    w, d = np.asarray(point, float), np.asarray(direction, float)
    dd = float(d @ d)
    trials = np.asarray(trial_points, float).reshape(-1, 2)
    trial_alphas = (trials - w) @ d / dd if dd > 0 and len(trials) else np.zeros(len(trials))
    reach = float(np.max(trial_alphas)) if len(trial_alphas) else 0.0
    top = 1.5 * reach if np.isfinite(reach) and reach > 0 else 1.0  # the trials' span, and half again beyond
    alphas = np.linspace(0.0, top, n)
    pts = w[None, :] + alphas[:, None] * d[None, :]
    values = _derivatives(surface)[2]
    phi = np.asarray(values(jnp.asarray(pts)))
    f0 = float(phi[0])
    armijo = f0 + c1 * alphas * float(np.asarray(gradient) @ d)
    return LineSlice(alphas, phi, armijo, trial_alphas, np.asarray(trial_loss, float), np.asarray(accepted, bool))
