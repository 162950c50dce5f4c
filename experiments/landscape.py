"""The landscape as a whole: basins of attraction, stationary points and the stable manifold of a saddle.

Basin map. Every start ``w_0`` of an ``n x n`` grid over the window runs the optimizer in one
batched call (``descend_batch``; only final points and step counts come back). A start is labelled
by where it settles: the first step ``k`` with ``‖∇f(w_k)‖ < tol`` makes it converged, and its final
point is matched to the nearest declared minimum (or other declared stationary point) within
``MATCH_RADIUS`` of the window; points matching nothing are grouped into extra attractors by
single linkage on a grid of small cells (a ring of minima becomes one attractor, not hundreds).

Stationary points. ``∇f(w) = 0`` is solved from a grid of seeds by Levenberg-Marquardt-damped
Newton steps, with ``H`` the Hessian (symmetric, so ``HᵀH = H²``) and ``g = ∇f(w)``:

    w ← w − (H² + μ s I)⁻¹ H g,    s = ‖H‖²_F / 2,

accepted only when ``‖∇f‖`` falls (then ``μ ← μ/3``, else ``μ ← 4μ``). Large ``μ`` is gradient
descent on ``½‖∇f‖²``, ``μ → 0`` is Newton's ``w ← w − H⁻¹g`` with quadratic convergence. Each
point is classified by the eigenvalues ``λ₁ ≤ λ₂`` of ``jax.hessian``: both > 0 a minimum, both
< 0 a maximum, opposite signs a saddle; a ~0 eigenvalue is settled by the values around the point.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from time import perf_counter

import jax
import jax.numpy as jnp
import numpy as np

import surfaces  # noqa: F401  (float64 before anything traces)
from optim.runner import descend_batch
from optim.spec import Optimizer
from surfaces.base import StationaryPoint, Surface, Window

DIVERGED, NOT_CONVERGED = -1, -2  # basin labels that are not attractors
MATCH_RADIUS = 0.02  # a settled point within 2 % of the window's shorter side is that declared point
CLUSTER_CELL = 0.01  # cell size (fraction of the window) for grouping undeclared settling points
GRAD_TOL = 1e-8  # a stationary point has ‖∇f‖ < GRAD_TOL · max(1, |f|) after refinement
EIG_TOL = 1e-6  # an eigenvalue below EIG_TOL · max(1, max|λ|) counts as zero
NEWTON_ITERATIONS = 80
KIND_ORDER = ("global minimum", "local minimum", "saddle", "local maximum", "degenerate")
_CIRCLE = np.stack([np.cos(np.arange(16) * np.pi / 8), np.sin(np.arange(16) * np.pi / 8)], axis=1)  # (16, 2)


@dataclass(frozen=True)
class FoundPoint(StationaryPoint):
    """A stationary point found numerically, with the Hessian's eigenvalues ``λ₁ ≤ λ₂``."""

    eigenvalues: tuple[float, float] = (math.nan, math.nan)
    grad_norm: float = math.nan


@dataclass(frozen=True)
class BasinMap:
    """Where each start of an ``n x n`` grid ends; ``labels[i, j]`` belongs to the start ``(xs[j], ys[i])``."""

    xs: np.ndarray  # shape (n,), start x coordinates (cell centres)
    ys: np.ndarray  # shape (n,)
    labels: np.ndarray  # shape (n, n), index into attractors, DIVERGED or NOT_CONVERGED
    steps: np.ndarray  # shape (n, n), steps to tolerance, to divergence, or the budget when neither
    attractors: tuple[StationaryPoint, ...]  # declared minima first (stable colours), then the rest
    counts: np.ndarray  # shape (len(attractors),), starts per attractor
    budget: int  # the step budget
    global_known: bool  # the surface declares its global minima
    seconds: float  # wall time of the batched run

    @property
    def share(self) -> np.ndarray:
        return self.counts / self.labels.size  # shape (len(attractors),)

    def share_of(self, label: int) -> float:
        return float(np.mean(self.labels == label))

    @property
    def share_global(self) -> float | None:
        """Share of starts that settle in a global minimum (``None`` when the surface declares none)."""
        hits = [c for a, c in zip(self.attractors, self.counts, strict=True) if a.kind == "global minimum"]
        return float(sum(hits) / self.labels.size) if self.global_known else None


def start_grid(domain: Window, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres ``(xs, ys)``, each shape (n,), mirror-exact: ``xs[i] - mid == mid - xs[n-1-i]``."""
    xs, ys = ((lo + hi) / 2 + (np.arange(n) + 0.5 - n / 2) * ((hi - lo) / n) for lo, hi in domain)
    return xs, ys


def _side(surface: Surface) -> float:
    return min(hi - lo for lo, hi in surface.domain)


def _cluster(points: np.ndarray, cell: float, tags=None) -> np.ndarray:
    """Group ids (m,) for ``points`` (m, 2): single linkage over same or touching cells with equal ``tags``."""
    tag_ids = np.zeros(len(points), np.int64) if tags is None else np.unique(tags, return_inverse=True)[1]
    keys = np.column_stack([np.floor(points / cell).astype(np.int64), tag_ids])
    cells, inverse = np.unique(keys, axis=0, return_inverse=True)
    parent = {tuple(c): tuple(c) for c in cells.tolist()}

    def root(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]  # path halving
            k = parent[k]
        return k

    for kx, ky, tag in parent:
        for near in ((kx + dx, ky + dy, tag) for dx in (-1, 0, 1) for dy in (-1, 0, 1)):
            if near in parent:
                parent[root(near)] = root((kx, ky, tag))
    ids = {r: i for i, r in enumerate(dict.fromkeys(root(k) for k in parent))}
    return np.array([ids[root(k)] for k in parent], dtype=np.int64)[inverse.ravel()]


def _attractors(surface: Surface, finals: np.ndarray, values: np.ndarray):
    """Attractors and each settled point's index into them; ``finals`` (m, 2), ``values`` (m,)."""
    minima = [*surface.minima, *(p for p in surface.others if p.kind == "local minimum")]
    declared = [*minima, *(p for p in surface.others if p.kind != "local minimum")]
    index = np.full(len(finals), -1, dtype=np.int64)
    attractors: list[StationaryPoint] = list(minima)
    if declared and len(finals):
        dist = np.linalg.norm(finals[:, None, :] - np.array([p.point for p in declared])[None], axis=2)  # (m, K)
        nearest = dist.argmin(axis=1)
        near = dist[np.arange(len(finals)), nearest] < MATCH_RADIUS * _side(surface)
        for k in np.unique(nearest[near]):  # saddles and maxima are listed only when reached
            if k >= len(minima):
                attractors.append(declared[k])
            index[near & (nearest == k)] = attractors.index(declared[k])
    rest = np.flatnonzero(index < 0)
    if rest.size:
        groups = _cluster(finals[rest], CLUSTER_CELL * _side(surface))
        members = [rest[groups == g] for g in range(groups.max() + 1)]
        reps = sorted((m[np.argmin(values[m])] for m in members), key=lambda r: tuple(finals[r]))  # by position
        for r, kind in zip(reps, _classify(surface, finals[reps]), strict=True):
            index[rest[groups == groups[np.searchsorted(rest, r)]]] = len(attractors)
            attractors.append(StationaryPoint((float(finals[r, 0]), float(finals[r, 1])), float(values[r]), kind))
    return tuple(attractors), index


def basin_map(surface: Surface, optimizer: Optimizer, hyperparameters: Mapping[str, float] | None,
              n: int, steps: int, tol: float = 1e-6) -> BasinMap:
    """Run ``optimizer`` from every start of an ``n x n`` grid (one batched call) and label the starts."""
    xs, ys = start_grid(surface.domain, int(n))
    gx, gy = np.meshgrid(xs, ys)
    began = perf_counter()
    run = descend_batch(surface, optimizer, hyperparameters, np.stack([gx.ravel(), gy.ravel()], axis=1), steps,
                        tol=tol)  # starts shape (n², 2), row-major over (y, x); no paths kept
    seconds = perf_counter() - began
    diverged = run.diverged_at >= 0
    converged = (run.converged_at >= 0) & ~diverged
    labels = np.where(diverged, DIVERGED, NOT_CONVERGED).astype(np.int64)
    attractors, index = _attractors(surface, run.final_points[converged], run.final_loss[converged])
    labels[converged] = index
    taken = np.where(converged, run.converged_at, np.where(diverged, run.diverged_at, steps))
    counts = np.bincount(labels[labels >= 0], minlength=len(attractors))
    return BasinMap(xs, ys, labels.reshape(n, n), taken.reshape(n, n), attractors, counts, int(steps),
                    bool(surface.minima), seconds)


def sample_paths(surface: Surface, optimizer: Optimizer, hyperparameters: Mapping[str, float] | None,
                 steps: int) -> np.ndarray:
    """Paths from 8 starts (a 3 x 3 lattice at 1/6, 1/2, 5/6 of the window, centre left out): (steps + 1, 8, 2)."""
    (x0, x1), (y0, y1) = surface.domain
    lattice = [(x0 + a * (x1 - x0), y0 + b * (y1 - y0)) for a in (1 / 6, 1 / 2, 5 / 6) for b in (1 / 6, 1 / 2, 5 / 6)]
    starts = np.array([p for k, p in enumerate(lattice) if k != 4])
    return descend_batch(surface, optimizer, hyperparameters, starts, steps, keep_paths=True).points


# ---- stationary points ---------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _newton_solver(surface: Surface):
    """Jitted, seed-batched ``w0 (k, 2) -> (w (k, 2), ‖∇f(w)‖ (k,), f(w) (k,))``, compiled once per surface."""
    grad, hess = jax.grad(surface), jax.hessian(surface)

    def lm_step(carry, _):
        w, mu = carry
        g, H = grad(w), hess(w)
        scale = jnp.sum(H * H) / 2 + 1e-300
        w_new = w - jnp.linalg.solve(H @ H + mu * scale * jnp.eye(2), H @ g)
        better = jnp.all(jnp.isfinite(w_new)) & (jnp.linalg.norm(grad(w_new)) < jnp.linalg.norm(g))
        return (jnp.where(better, w_new, w), jnp.clip(jnp.where(better, mu / 3, mu * 4), 1e-15, 1e15)), None

    def solve(w0):  # shape (2,)
        (w, _), _ = jax.lax.scan(lm_step, (w0, jnp.asarray(1e-3)), None, length=NEWTON_ITERATIONS)
        return w, jnp.linalg.norm(grad(w)), surface(w)

    return jax.jit(jax.vmap(solve))


@lru_cache(maxsize=64)
def _hessian_fn(surface: Surface):
    """Jitted, batched ``w (k, 2) -> (f (k,), λ (k, 2) ascending, eigenvectors (k, 2, 2) as columns)``."""
    return jax.jit(jax.vmap(lambda w: (surface(w), *jnp.linalg.eigh(jax.hessian(surface)(w)))))


def hessian_eigen(surface: Surface, points) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues ``λ₁ ≤ λ₂`` (k, 2) and unit eigenvectors as columns (k, 2, 2) of the Hessian at ``points``."""
    _, eig, vec = _hessian_fn(surface)(np.asarray(points, dtype=np.float64).reshape(-1, 2))
    return np.asarray(eig), np.asarray(vec)


def _kind(surface: Surface, point: np.ndarray, value: float, eig: np.ndarray, vectors: np.ndarray) -> str:
    """Minimum, maximum or saddle by the signs of ``eig`` (2,); a ~0 eigenvalue is settled by probing.

    Along a flat eigenvector ``v`` the values ``f(w ± ρv) − f(w)`` decide (both up: a minimum when the
    other eigenvalue is > 0, a saddle when < 0; zero within rounding: "degenerate", e.g. a ring of
    minima); with both eigenvalues ~0 the values on a small circle decide.
    """
    big = float(np.max(np.abs(eig)))
    signs = [int(np.sign(v)) if abs(v) > EIG_TOL * max(1.0, big) else 0 for v in eig]
    if 0 not in signs:
        kind = {(1, 1): "local minimum", (-1, -1): "local maximum"}.get(tuple(signs), "saddle")
    else:
        radius = 1e-3 * _side(surface)
        flat = vectors[:, signs.index(0)]
        probes = _CIRCLE if signs == [0, 0] else np.stack([flat, -flat])
        around = np.asarray(surface(point + radius * probes)) - value
        noise = 5e-5 * big * radius**2 + 1e-12 * (1.0 + abs(value))  # ~0 beside ½λρ² and f's rounding
        up, down = bool((around > noise).all()), bool((around < -noise).all())
        other = max(signs, key=abs)  # the non-zero sign, 0 when both are ~0
        if (up and other >= 0) or (down and other <= 0):
            kind = "local minimum" if up else "local maximum"
        elif up or down or (other == 0 and (around > noise).any() and (around < -noise).any()):
            kind = "saddle"
        else:
            kind = "degenerate"
    f_star = surface.f_star
    if kind == "local minimum" and f_star is not None and value <= f_star + 1e-8 * (1.0 + abs(f_star)):
        kind = "global minimum"
    return kind


def _classify(surface: Surface, points: np.ndarray) -> list[str]:
    values, eigs, vectors = (np.asarray(a) for a in _hessian_fn(surface)(np.asarray(points, dtype=np.float64)))
    return [_kind(surface, *args) for args in zip(points, values.tolist(), eigs, vectors, strict=True)]


def stationary_points(surface: Surface, seeds: int = 24, extra_seeds=()) -> list[FoundPoint]:
    """Every stationary point found from a ``seeds x seeds`` grid over the window, deduplicated and classified.

    ``extra_seeds`` (k, 2) join the grid (e.g. the declared points, to confirm them). Kept: points
    inside the window with ``‖∇f‖ < GRAD_TOL · max(1, |f|)``. A continuum of stationary points (a
    ring where one eigenvalue is 0) is reported once per connected piece, as "degenerate".
    """
    xs, ys = start_grid(surface.domain, int(seeds))
    gx, gy = np.meshgrid(xs, ys)
    w0 = np.concatenate([np.stack([gx.ravel(), gy.ravel()], 1), np.asarray(extra_seeds, float).reshape(-1, 2)])
    w, gnorm, f = (np.asarray(a) for a in _newton_solver(surface)(w0))
    (x0, x1), (y0, y1) = surface.domain
    ok = (np.isfinite(w).all(axis=1) & (gnorm < GRAD_TOL * np.maximum(1.0, np.abs(f)))
          & (w[:, 0] >= x0) & (w[:, 0] <= x1) & (w[:, 1] >= y0) & (w[:, 1] <= y1))
    kept: list[int] = []
    for i in np.flatnonzero(ok)[np.argsort(gnorm[ok], kind="stable")]:  # the best-converged copy wins
        if all(np.linalg.norm(w[i] - w[j]) > 1e-6 * _side(surface) for j in kept):
            kept.append(int(i))
    w, gnorm, f = np.where(np.abs(w[kept]) < 1e-14 * _side(surface), 0.0, w[kept]), gnorm[kept], f[kept]  # no 1e-163
    eig = hessian_eigen(surface, w)[0] if kept else np.zeros((0, 2))
    found = [FoundPoint((float(p[0]), float(p[1])), float(v), kind,
                        eigenvalues=(float(e[0]), float(e[1])), grad_norm=float(g))
             for p, v, kind, e, g in zip(w, f, _classify(surface, w) if kept else [], eig, gnorm, strict=True)]
    flat = [p for p in found if p.kind == "degenerate"]
    if flat:  # one representative per connected piece of a continuum at one value
        values = np.array([p.value for p in flat])
        tags = np.round(values / (1.0 + np.abs(values).max()) * 1e6).astype(np.int64)  # equal to ~1e-6
        groups = _cluster(np.array([p.point for p in flat]), 0.75 * _side(surface) / seeds, tags=tags)
        firsts = {int(g): p for g, p in reversed(list(zip(groups, flat, strict=True)))}
        found = [p for p in found if p.kind != "degenerate"] + list(firsts.values())
    return sorted(found, key=lambda p: (KIND_ORDER.index(p.kind), p.value, p.point))


# ---- the saddle demo -----------------------------------------------------------------------------


def stable_manifold_start(surface: Surface, saddle, optimizer: Optimizer, hyperparameters: Mapping[str, float],
                          steps: int, *, distance: float = 0.2, offset: float = 1e-9) -> tuple[float, float]:
    """A start on the stable manifold of ``saddle``, ``offset`` (times the distance) off it to one side.

    From ``w = s + d·v₊`` (``v₊`` the eigenvector of λ > 0, ``d = distance`` times the window) starts
    along ``v₋`` (λ < 0) run in one batched call per round; the escape side ``sign((w_end − s)·v₋)``
    flips where the segment crosses the manifold, and eight rounds of 33 starts narrow it to ~1e-12 d.
    """
    s = np.asarray(saddle, dtype=np.float64)
    vectors = hessian_eigen(surface, s)[1][0]
    unstable, stable, d = vectors[:, 0], vectors[:, 1], distance * _side(surface)
    (x0, x1), (y0, y1) = surface.domain
    inside = [b for b in (s + d * stable, s - d * stable) if x0 <= b[0] <= x1 and y0 <= b[1] <= y1]
    base = inside[0] if inside else s + d * stable
    lo, hi = -d / 2, d / 2
    for _ in range(8):
        ts = np.linspace(lo, hi, 33)
        ends = descend_batch(surface, optimizer, hyperparameters, base + ts[:, None] * unstable, steps, tol=0.0)
        side = np.nan_to_num(np.sign((ends.final_points - s) @ unstable))
        flips = np.flatnonzero(side[:-1] * side[1:] < 0)
        if not flips.size:
            break
        k = flips[np.argmin(np.abs(ts[flips]))]
        lo, hi = ts[k], ts[k + 1]
    start = base + ((lo + hi) / 2 + offset * d) * unstable
    return float(start[0]), float(start[1])
