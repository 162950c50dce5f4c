"""How gradients are computed, measured: finite differences against automatic differentiation.

* ``compare_at``: every method of ``optim.gradients`` at one point of a surface, with its error against
  reverse-mode AD in float64 (the reference: exact up to rounding).
* ``error_vs_step``: the error of forward and central differences over a log range of h, in float64
  and float32: truncation (slope 1 and 2 on log-log axes) on the right, round-off (slope −1) on the
  left, the best h where they cross.
* ``cost_vs_n``: time and evaluations of f per gradient as the number of parameters n grows, on the
  n-dimensional Rosenbrock function and on a small network's loss. Finite differences need n + 1 or
  2n + 1 evaluations; reverse mode a small constant number whatever n.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np

from optim.gradients import GRADIENT_METHODS, LABELS, value_and_grad
from surfaces.base import Surface

EPS = {"float64": float(np.finfo(np.float64).eps), "float32": float(np.finfo(np.float32).eps)}
SCHEMES = ("fd-forward", "fd-central")


@dataclass(frozen=True)
class MethodResult:
    method: str
    label: str
    gradient: np.ndarray  # shape (2,)
    error: float  # ‖g − g_AD‖ / max(‖g_AD‖, tiny)
    evaluations: str


def _surface_fn(surface: Surface, dtype):
    return lambda w: surface.fn(w[0], w[1]).astype(dtype)


@lru_cache(maxsize=64)
def _gradient_fn(surface: Surface, method: str, dtype: str):
    fn = _surface_fn(surface, jnp.dtype(dtype))
    return jax.jit(lambda w, h: value_and_grad(fn, method, 0, h)(w)[1])


def compare_at(surface: Surface, point, h: dict[str, float]) -> list[MethodResult]:
    """Each gradient method at ``point`` (float64); ``h`` maps a difference scheme to its step."""
    from optim.gradients import evaluations

    w = jnp.asarray(point, dtype=jnp.float64)
    exact = np.asarray(_gradient_fn(surface, "reverse", "float64")(w, 0.0))
    scale = max(float(np.linalg.norm(exact)), 1e-300)
    out = []
    for method in GRADIENT_METHODS:
        g = np.asarray(_gradient_fn(surface, method, "float64")(w, float(h.get(method, 0.0))))
        err = float(np.linalg.norm(g - exact)) / scale
        out.append(MethodResult(method, LABELS[method], g, err, evaluations(method, 2)))
    return out


@dataclass(frozen=True)
class StepErrors:
    hs: np.ndarray  # shape (k,)
    errors: dict  # (scheme, dtype) -> shape (k,) relative errors against float64 reverse-mode AD
    best: dict  # (scheme, dtype) -> the h with the smallest error
    theory: dict  # (scheme, dtype) -> the textbook best h at unit scale: √ε (forward), ∛ε (central)


@lru_cache(maxsize=64)
def _step_sweep(surface: Surface, method: str, dtype: str):
    fn = _surface_fn(surface, jnp.dtype(dtype))
    one = lambda w, h: value_and_grad(fn, method, 0, h)(w)[1]  # noqa: E731
    return jax.jit(jax.vmap(one, in_axes=(None, 0)))


def error_vs_step(surface: Surface, point, hs) -> StepErrors:
    """Relative error of both difference schemes for every h in ``hs``, in float64 and float32."""
    hs = np.asarray(hs, dtype=np.float64)
    exact = np.asarray(_gradient_fn(surface, "reverse", "float64")(jnp.asarray(point, dtype=jnp.float64), 0.0))
    scale = max(float(np.linalg.norm(exact)), 1e-300)
    errors, best, theory = {}, {}, {}
    for dtype in ("float64", "float32"):
        w = jnp.asarray(point, dtype=dtype)
        for scheme in SCHEMES:
            g = np.asarray(_step_sweep(surface, scheme, dtype)(w, jnp.asarray(hs, dtype=dtype)), dtype=np.float64)
            err = np.linalg.norm(g - exact, axis=1) / scale
            errors[scheme, dtype] = err
            finite = np.where(np.isfinite(err), err, np.inf)
            best[scheme, dtype] = float(hs[int(np.argmin(finite))])
            theory[scheme, dtype] = EPS[dtype] ** (0.5 if scheme == "fd-forward" else 1 / 3)
    return StepErrors(hs, errors, best, theory)


def slope(hs, errors, lo: float, hi: float) -> float:
    """Least-squares slope of log(error) against log(h) for h in [lo, hi]."""
    hs, errors = np.asarray(hs), np.asarray(errors)
    keep = (hs >= lo) & (hs <= hi) & (errors > 0) & np.isfinite(errors)
    return float(np.polyfit(np.log(hs[keep]), np.log(errors[keep]), 1)[0])


# --- cost against the number of parameters ------------------------------------------------------------

FUNCTIONS = ("rosenbrock", "network")
NETWORK_SAMPLES = 16  # the small network's data: 16 samples of 8 features, 3 classes


def rosenbrock_n(w):
    """The n-dimensional Rosenbrock function Σ 100 (w_{i+1} − w_i²)² + (1 − w_i)²."""
    return jnp.sum(100.0 * (w[1:] - w[:-1] ** 2) ** 2 + (1.0 - w[:-1]) ** 2)


def _network_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(NETWORK_SAMPLES, 8))
    y = rng.integers(0, 3, NETWORK_SAMPLES)
    return jnp.asarray(x), jnp.asarray(y)


def network_width(n: int) -> int:
    """Hidden width of an 8-h-3 network with about n parameters: 8h + h + 3h + 3 = 12h + 3."""
    return max(1, round((n - 3) / 12))


def network_loss(hidden: int):
    """The mean cross-entropy of an 8-``hidden``-3 tanh network as a function of its flat parameter vector."""
    x, y = _network_data()

    def loss(w):
        w1 = w[: 8 * hidden].reshape(8, hidden)
        b1 = w[8 * hidden: 9 * hidden]
        w2 = w[9 * hidden: 12 * hidden].reshape(hidden, 3)
        b2 = w[12 * hidden: 12 * hidden + 3]
        logits = jnp.tanh(x @ w1 + b1) @ w2 + b2
        return jnp.mean(jax.nn.logsumexp(logits, axis=1) - logits[jnp.arange(len(y)), y])

    return loss, 12 * hidden + 3


@dataclass(frozen=True)
class CostRow:
    function: str
    n: int
    method: str
    seconds: float | None  # best of a few calls after compile; None when skipped (too slow)
    evaluations: int  # of f (AD: counted as the passes it makes: reverse 2, forward-mode n)
    note: str = ""


def _evaluation_count(method: str, n: int) -> int:
    return {"reverse": 2, "forward": n, "fd-forward": n + 1, "fd-central": 2 * n + 1}[method]


def cost_vs_n(function: str, ns, *, budget: float = 1.0, repeat: int = 3, progress=None) -> list[CostRow]:
    """Time per gradient for each method and n; a method whose last time exceeded ``budget`` seconds
    is not run at larger n (reported as skipped), so the page stays responsive. ``progress(fraction,
    text)`` is called before each measurement."""
    if function not in FUNCTIONS:
        raise ValueError(f"unknown function {function!r}; choose one of: {', '.join(FUNCTIONS)}")
    rows, over = [], set()
    for n in ns:
        if function == "rosenbrock":
            fn, size = rosenbrock_n, int(n)
        else:
            fn, size = network_loss(network_width(int(n)))
        w = jnp.asarray(np.random.default_rng(1).normal(scale=0.5, size=size))
        for m_index, method in enumerate(GRADIENT_METHODS):
            if progress is not None:
                done = (list(ns).index(n) * len(GRADIENT_METHODS) + m_index) / (len(ns) * len(GRADIENT_METHODS))
                progress(done, f"{LABELS[method]}, n = {size:,}")
            if method in over:
                rows.append(CostRow(function, size, method, None, _evaluation_count(method, size),
                                    f"skipped: over {budget:g} s at a smaller n"))
                continue
            h = 1e-6 if method.startswith("fd") else 0.0
            grad = jax.jit(lambda v, h, m=method, f=fn: value_and_grad(f, m, 0, h)(v)[1])
            jax.block_until_ready(grad(w, h))  # compile
            times = []
            for _ in range(repeat):
                t = time.perf_counter()
                jax.block_until_ready(grad(w, h))
                times.append(time.perf_counter() - t)
            seconds = min(times)
            if seconds > budget:
                over.add(method)
            rows.append(CostRow(function, size, method, seconds, _evaluation_count(method, size)))
    return rows
