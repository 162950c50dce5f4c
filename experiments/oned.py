"""Gradient descent on a curve ``f(w)``: the course's Section 3.1.1 and Example 3.1.3 in one dimension.

A curve is a polynomial, declared once by its coefficients: ``fn`` (``jax.numpy``, Horner's
rule), the derivative and every stationary point (the real roots of ``f'``, polished by Newton's
method in float64, classified by the sign change of ``f'``) all come from them.

The runs reuse the registry's optimizers unchanged: the parameter is a 0-d array (a pytree
with one leaf), the gradient is ``f'(w)``. One jitted ``lax.scan`` per (curve, optimizer code,
step bucket); hyperparameters, start and step count are traced. A run *diverges* at the first
index whose ``w`` or ``f(w)`` is not finite or whose ``|w|`` exceeds ``ESCAPE`` (far outside
every plot window: a geometric zig-zag on the quadratic would take hundreds of steps to overflow);
from there on it holds still, like ``optim.runner``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

import surfaces  # noqa: F401  (turns on float64 before anything traces)
from optim.common import stepper
from optim.runner import MAX_STEPS, step_bucket
from optim.spec import Optimizer

ESCAPE = 1e4
DIVERGED, NOT_CONVERGED = -1, -2  # basin labels besides the index of a minimum


@dataclass(frozen=True)
class Stationary1D:
    """A root of ``f'``: where, the value, the curvature ``f''`` there and its kind."""

    w: float
    value: float
    curvature: float  # f''(w); GD is stable near a minimum iff eta < 2 / f''
    kind: str  # "global minimum" | "local minimum" | "local maximum" | "inflection"


@dataclass(frozen=True, eq=False)
class Curve:
    """A one-parameter loss ``f(w)``; identity-hashed, as it is a static argument of the jitted runs."""

    name: str
    title: str
    latex: str  # f(w) = ..., KaTeX without dollars
    derivative_latex: str  # f'(w) = ...
    coefficients: tuple[float, ...]  # highest degree first
    window: tuple[float, float]  # the plot window in w
    start: float
    look_for: str
    stationary: tuple[Stationary1D, ...]
    text_points: tuple[tuple[float, float], ...] = ()  # (w, f) as the course text quotes them
    source: str = ""
    # Learning-rate examples from ``start``: (label, eta exactly as the control shows it, steps).
    regimes: tuple[tuple[str, str, int], ...] = ()

    def __call__(self, w):
        """``f(w)`` by Horner's rule, elementwise on scalars and arrays alike."""
        acc = jnp.zeros_like(jnp.asarray(w, dtype=jnp.float64))
        for c in self.coefficients:
            acc = acc * w + c
        return acc

    @property
    def minima(self) -> tuple[Stationary1D, ...]:
        return tuple(p for p in self.stationary if p.kind.endswith("minimum"))

    def value(self, w: float) -> float:
        return float(np.polyval(self.coefficients, w))

    def samples(self, lo: float, hi: float, n: int = 600) -> tuple[np.ndarray, np.ndarray]:
        """``(w, f(w))`` on ``n`` evenly spaced points of ``[lo, hi]``, for drawing."""
        return (ws := np.linspace(lo, hi, n)), np.polyval(self.coefficients, ws)


def stationary_points(coefficients) -> tuple[Stationary1D, ...]:
    """Real roots of ``f'`` (numpy's companion matrix, then Newton in float64), sorted, classified."""
    f = np.poly1d(coefficients)
    d1, d2 = f.deriv(), f.deriv(2)
    roots = [r.real for r in np.roots(d1.coeffs) if abs(r.imag) < 1e-7]
    polished: list[float] = []
    for r in sorted(roots):
        for _ in range(4):
            r = r - d1(r) / d2(r) if d2(r) != 0.0 else r
        if not any(abs(r - q) < 1e-6 for q in polished):  # a multiple root of f' counts once
            polished.append(float(r))
    points = []
    for r in polished:  # the kind from the sign change of f' (f'' = 0 at w^4's minimum)
        signs = tuple(np.sign(d1(r + s * 1e-4 * max(1.0, abs(r)))) for s in (-1, 1))
        kind = {(-1, 1): "local minimum", (1, -1): "local maximum"}.get(signs, "inflection")
        points.append(Stationary1D(r, float(f(r)), float(d2(r)), kind))
    lowest = min((p.value for p in points if p.kind == "local minimum"), default=None)
    return tuple(Stationary1D(p.w, p.value, p.curvature, "global minimum")
                 if p.kind == "local minimum" and p.value == lowest else p for p in points)


def polynomial_curve(name: str, title: str, latex: str, derivative_latex: str, coefficients, **fields) -> Curve:
    coefficients = tuple(float(c) for c in coefficients)
    return Curve(name, title, latex, derivative_latex, coefficients,
                 stationary=stationary_points(coefficients), **fields)


def _regimes(*pairs: tuple[str, int]) -> tuple[tuple[str, str, int], ...]:
    return tuple((label, lr, steps) for label, (lr, steps) in zip(REGIME_LABELS, pairs, strict=True))


REGIME_LABELS = ("too small", "just right", "oscillating", "diverging")
CURVES: dict[str, Curve] = {c.name: c for c in (
    polynomial_curve(
        "quadratic", "The course's parabola (Section 3.1.1)", r"f(w) = 4w^2 - 6w - 9", r"f'(w) = 8w - 6",
        (4, -6, -9), window=(-0.5, 2.0), start=0.0,
        look_for="f'' = 8 everywhere: η = 1/8 lands on w* = 3/4 in one step, 1/8 < η < 1/4 zig-zags in, "
                 "η = 1/4 bounces forever, η > 1/4 zig-zags out.",
        source="Course notes, Section 3.1.1, Figure 3.1.",
        regimes=_regimes(("0.01", 30), ("1/8", 5), ("1/6", 10), ("0.3", 30)),
    ),
    polynomial_curve(
        "quartic", "Two valleys (Example 3.1.3)", r"f(w) = \tfrac{1}{3}w^4 - \tfrac{1}{2}w^3 - w^2 + w",
        r"f'(w) = \tfrac{4}{3}w^3 - \tfrac{3}{2}w^2 - 2w + 1", (1 / 3, -1 / 2, -1, 1, 0),
        window=(-2.0, 2.75), start=-0.5, text_points=((-1.0, -1.0), (2.0, -1.0)),
        look_for="The start decides the valley: GD from the left of the local maximum w ≈ 0.4177 ends "
                 "in the left minimum, from the right in the right one (for a small enough η).",
        source="Course notes, Example 3.1.3, Figure 3.5; minima computed here from f'(w) = 0.",
        regimes=_regimes(("0.01", 50), ("0.2", 10), ("0.3", 20), ("1", 10)),
    ),
    polynomial_curve(
        "flat", "A flat minimum", r"f(w) = w^4", r"f'(w) = 4w^3", (1, 0, 0, 0, 0),
        window=(-1.6, 1.6), start=1.5,
        look_for="f''(0) = 0: no η is 'just right'. The slope vanishes faster than the distance, "
                 "so steps shrink and GD crawls (|wₖ| falls like 1/√(8ηk), not geometrically).",
        source="Added for contrast with the quadratic's geometric convergence.",
        regimes=(("too small", "0.01", 50), ("big first step", "0.1", 50), ("overshoots once", "0.2", 50),
                 ("diverging", "0.3", 10)),
    ),
)}


def get_curve(name: str) -> Curve:
    try:
        return CURVES[name]
    except KeyError:
        raise KeyError(f"unknown curve {name!r}; choose one of: {', '.join(CURVES)}") from None


@dataclass(frozen=True)
class Descent1D:
    """One run on a curve; index 0 is the start."""

    points: np.ndarray  # shape (steps + 1,): w_0 .. w_steps
    f: np.ndarray  # shape (steps + 1,): f(w_k)
    derivative: np.ndarray  # shape (steps + 1,): f'(w_k), the slope of the tangent at w_k
    diverged_at: int | None  # first index with w or f not finite or |w| > ESCAPE
    steps: int
    hyperparameters: dict[str, float]

    @property
    def updates(self) -> np.ndarray:
        """``w_{k+1} - w_k``, shape (steps,): for GD ``-eta f'(w_k)``."""
        return np.diff(self.points)

    @property
    def last_inside(self) -> int:
        """The last index before divergence (``steps`` when the run stayed inside)."""
        return self.steps if self.diverged_at is None else max(self.diverged_at - 1, 0)


def _outside(w, f, xp=jnp):
    """Diverged: ``w`` or ``f(w)`` not finite, or ``|w| > ESCAPE`` (elementwise; ``xp`` is jnp or np)."""
    return ~(xp.isfinite(w) & xp.isfinite(f)) | (xp.abs(w) > ESCAPE)


def _scan(curve: Curve, fns, bucket: int, w0, hp, n_steps):
    """The whole run as one scan; the body records (w_k, f, f') at index t - 1 and steps to w_{t}."""
    value_and_slope = jax.value_and_grad(curve)
    step = stepper(fns, curve, value_and_slope)

    def body(carry, t):
        w, state, stopped = carry
        f, g = value_and_slope(w)
        stopped = stopped | _outside(w, f)
        moved = step(f, g, state, w, hp, t)  # a rule that cannot step here (Newton where f'' = 0) holds still
        w_new, state_new = moved.params, moved.state
        move = ~stopped & (t <= n_steps)
        keep = lambda new, old: jnp.where(move, new, old)  # noqa: E731
        return (keep(w_new, w), jax.tree.map(keep, state_new, state), stopped), (w, f, g)

    carry0 = (w0, fns.init(w0, hp), jnp.asarray(False))
    ts = jnp.arange(1, bucket + 1, dtype=jnp.int64)
    (w, _, _), (ws, fs, gs) = lax.scan(body, carry0, ts)
    f_end, g_end = value_and_slope(w)
    return (jnp.append(ws, w), jnp.append(fs, f_end), jnp.append(gs, g_end))


@lru_cache(maxsize=128)
def compiled_descent(curve: Curve, code_name: str, bucket: int, batched: bool):
    """The jitted run for one structural choice; ``batched`` maps over starts, keeping the last point."""
    from optim.registry import get_optimizer

    fns = get_optimizer(code_name).fns

    def single(w0, hp, n_steps):
        return _scan(curve, fns, bucket, w0, hp, n_steps)

    if not batched:
        return jax.jit(single)

    def final(w0, hp, n_steps):
        ws, fs, _ = single(w0, hp, n_steps)
        return ws[-1], jnp.any(_outside(ws, fs))

    return jax.jit(jax.vmap(final, in_axes=(0, None, None)))


def _inputs(optimizer: Optimizer, hyperparameters, steps) -> tuple[dict[str, float], dict, int]:
    hp = optimizer.resolve(hyperparameters)
    if isinstance(steps, bool) or not float(steps).is_integer() or not 0 <= int(steps) <= MAX_STEPS:
        raise ValueError(f"steps must be a whole number from 0 to {MAX_STEPS}, got {steps}")
    # One NumPy type for every traced scalar: a change of type would recompile.
    return hp, {k: np.float64(v) for k, v in sorted(hp.items())}, int(steps)


def descend_1d(curve: Curve, optimizer: Optimizer, hyperparameters: Mapping[str, float] | None,
               start: float, steps: int) -> Descent1D:
    """Run ``optimizer`` on ``curve`` from ``w_0 = start``: for GD, ``w_{k+1} = w_k - eta f'(w_k)``."""
    hp, traced, steps = _inputs(optimizer, hyperparameters, steps)
    w0 = float(start)
    if not np.isfinite(w0):
        raise ValueError(f"the start must be a finite number, got {start!r}")
    fn = compiled_descent(curve, optimizer.code_name, step_bucket(steps), False)
    # Slice on the host: slicing a device array to a new length would compile a small op.
    ws, fs, gs = (np.asarray(a)[: steps + 1] for a in fn(np.float64(w0), traced, np.int64(steps)))
    bad = _outside(ws, fs, np)
    return Descent1D(ws, fs, gs, int(np.argmax(bad)) if bad.any() else None, steps, hp)


def basin_strip(curve: Curve, optimizer: Optimizer, hyperparameters: Mapping[str, float] | None,
                starts, steps: int, *, tol: float = 1e-3) -> np.ndarray:
    """Which minimum each start reaches, shape (N,): the index into ``curve.minima``, ``DIVERGED``,
    or ``NOT_CONVERGED`` when the final point is not within ``tol`` of a minimum after ``steps``."""
    _, traced, steps = _inputs(optimizer, hyperparameters, steps)
    w0 = np.asarray(starts, dtype=np.float64).reshape(-1)
    fn = compiled_descent(curve, optimizer.code_name, step_bucket(steps), True)
    final, diverged = (np.asarray(a) for a in fn(w0, traced, np.int64(steps)))
    minima = np.array([m.w for m in curve.minima])
    distance = np.abs(final[:, None] - minima[None, :])  # shape (N, minima)
    label = np.where(distance.min(axis=1) < tol, distance.argmin(axis=1), NOT_CONVERGED)
    return np.where(diverged, DIVERGED, label).astype(np.int64)
