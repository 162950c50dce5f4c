"""Prototypes of a leaner runner, kept here to measure what a change to ``optim/runner.py`` would buy.

Nothing in the app uses these. They drive the registry's own optimizers (``Optimizer.fns``: the
same torch-exact ``init``/``update``) on the registry's surfaces, so their numbers compare like with
like, and the benchmark checks their output against ``descend`` / ``descend_batch`` before timing.

* ``record_after_scan``: one run, recorded like ``descend``, with the divergence/convergence
  bookkeeping and the "hold still" moved out of the loop body into one vectorized pass over the
  record. On XLA:CPU the runner's body (value_and_grad, update, two index trackers, three holds,
  three records) is a dependency graph of more than 8 kernels touching buffers over 512 bytes, and
  XLA's ThunkExecutor then runs every iteration through its concurrent scheduler (~0.6 us of
  bookkeeping per step, seen in ``perf`` as ThunkExecutor::ProcessCompletedOutEdges and malloc/free);
  a body that is a plain chain runs sequentially at ~30-50 ns per step.
* ``record_to_n``: the same with a ``while_loop`` that stops at the requested step (or at the first
  non-finite point) instead of running the whole power-of-two bucket.
* ``basins_final``: final points only for many starts, in float32 or float64, coordinates as two
  ``(B,)`` arrays (structure of arrays: each elementwise op is one contiguous vector loop),
  ``n_steps`` traced (no step bucket at all), processed in cache-sized chunks with ``lax.map``.
"""

from __future__ import annotations

from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from optim import get_optimizer, step_bucket
from surfaces import Surface


def _norm(g) -> jax.Array:
    return jnp.sqrt(sum(jnp.sum(x * x) for x in jax.tree.leaves(g)))


def _hold(points, loss, grad_norm, stop):
    """Repeat index ``min(k, stop)`` from there on, as the runner's record does after a hold."""
    k = jnp.arange(points.shape[0])
    idx = jnp.minimum(k, stop)
    return points[idx], loss[idx], grad_norm[idx]


@lru_cache(maxsize=64)
def _record_after_scan(surface: Surface, code_name: str, bucket: int):
    fns = get_optimizer(code_name).fns
    value_and_grad = jax.value_and_grad(surface)

    def run(w0, hp, n_steps):
        def body(carry, t):  # a chain: gradient, update, record; nothing else
            w, state = carry
            f, g = value_and_grad(w)
            w_new, state = fns.update(g, state, w, hp, t)
            return (w_new, state), (w, f, _norm(g))

        ts = jnp.arange(1, bucket + 1, dtype=jnp.int64)
        (w, _), (points, loss, grad_norm) = lax.scan(body, (w0, fns.init(w0, hp)), ts)
        f_end, g_end = value_and_grad(w)
        points = jnp.concatenate([points, w[None]])
        loss = jnp.concatenate([loss, f_end[None]])
        grad_norm = jnp.concatenate([grad_norm, _norm(g_end)[None]])
        k = jnp.arange(bucket + 1)
        bad = ~(jnp.all(jnp.isfinite(points), axis=-1) & jnp.isfinite(loss)) & (k <= n_steps)
        stop = jnp.where(bad.any(), jnp.argmax(bad), n_steps)
        return _hold(points, loss, grad_norm, stop)

    return jax.jit(run)


@lru_cache(maxsize=64)
def _record_to_n(surface: Surface, code_name: str, bucket: int):
    fns = get_optimizer(code_name).fns
    value_and_grad = jax.value_and_grad(surface)

    def run(w0, hp, n_steps):
        f0, g0 = value_and_grad(w0)
        points = jnp.zeros((bucket + 1, 2), w0.dtype).at[0].set(w0)
        loss = jnp.zeros(bucket + 1, w0.dtype).at[0].set(f0)
        grad_norm = jnp.zeros(bucket + 1, w0.dtype).at[0].set(_norm(g0))

        def going(c):
            k, w, _, f, _, _, _, _ = c
            return (k < n_steps) & jnp.isfinite(f) & jnp.all(jnp.isfinite(w))

        def body(c):
            k, w, state, f, g, points, loss, grad_norm = c
            w, state = fns.update(g, state, w, hp, k + 1)
            f, g = value_and_grad(w)
            k = k + 1
            return (k, w, state, f, g, points.at[k].set(w), loss.at[k].set(f), grad_norm.at[k].set(_norm(g)))

        c0 = (jnp.int64(0), w0, fns.init(w0, hp), f0, g0, points, loss, grad_norm)
        k, *_, points, loss, grad_norm = lax.while_loop(going, body, c0)
        return _hold(points, loss, grad_norm, k)

    return jax.jit(run)


def record_run(variant: str, surface: Surface, optimizer, hyperparameters, start, steps: int):
    """``(points, loss, grad_norm)`` sliced to ``steps + 1`` rows, as ``descend`` returns them."""
    make = {"after_scan": _record_after_scan, "to_n": _record_to_n}[variant]
    fn = make(surface, optimizer.code_name, step_bucket(steps))
    hp = {k: np.float64(v) for k, v in sorted(optimizer.resolve(hyperparameters).items())}
    out = fn(np.asarray(start, dtype=np.float64), hp, np.int64(steps))
    return tuple(np.asarray(a)[: steps + 1] for a in out)


# --- basins: final points only ------------------------------------------------------------------------
@lru_cache(maxsize=64)
def _basins_final(surface: Surface, code_name: str, dtype: str, chunk: int | None):
    fns = get_optimizer(code_name).fns
    dt = jnp.dtype(dtype)
    # f is elementwise, so the gradient of its sum is every start's own gradient at once
    grad_xy = jax.grad(lambda x, y: jnp.sum(surface.fn(x, y)), argnums=(0, 1))

    def run_block(xy, hp, n_steps):  # xy: (2, b)
        w = (xy[0], xy[1])

        def body(t, carry):
            w, state = carry
            return fns.update(grad_xy(*w), state, w, hp, t.astype(dt))

        w, _ = lax.fori_loop(1, n_steps + 1, body, (w, fns.init(w, hp)))
        return jnp.stack(w)

    def run(xy, hp, n_steps):  # xy: (2, B), B a multiple of chunk
        if chunk is None:
            out = run_block(xy, hp, n_steps)
        else:
            blocks = xy.reshape(2, -1, chunk).transpose(1, 0, 2)
            out = lax.map(lambda b: run_block(b, hp, n_steps), blocks).transpose(1, 0, 2).reshape(2, -1)
        return out, surface.fn(out[0], out[1])

    return jax.jit(run)


def default_chunk() -> int | None:
    """1,024 starts per block on CPU (the state stays in L1/L2 for all steps); one block on a GPU."""
    return 1024 if jax.default_backend() == "cpu" else None


def basins_final(surface: Surface, optimizer, hyperparameters, starts, steps: int, *,
                 dtype: str = "float32", chunk: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Final points ``(B, 2)`` and losses ``(B,)`` of ``steps`` updates from every start (scalar knobs)."""
    starts = np.asarray(starts, dtype=np.float64).reshape(-1, 2)
    b = len(starts)
    size = b if chunk is None else -(-b // chunk) * chunk
    xy = np.empty((2, size), dtype=dtype)
    xy[:, :b] = starts.T
    xy[:, b:] = starts[-1:].T  # padding: repeats of the last start, cut off below
    hp = {k: np.asarray(v, dtype=dtype) for k, v in sorted(optimizer.resolve(hyperparameters).items())}
    fn = _basins_final(surface, optimizer.code_name, dtype, chunk)
    out, loss = fn(xy, hp, np.int32(steps))
    return np.asarray(out)[:, :b].T, np.asarray(loss)[:b]


def basin_labels(surface: Surface, finals: np.ndarray, radius: float = 0.05) -> np.ndarray:
    """Which declared minimum each final point is within ``radius`` of; -1 none, -2 not finite."""
    minima = [*surface.minima, *(p for p in surface.others if p.kind == "local minimum")]
    pts = np.array([m.point for m in minima], dtype=np.float64).reshape(-1, 2)
    finals = np.asarray(finals, dtype=np.float64)
    d = np.linalg.norm(finals[:, None, :] - pts[None, :, :], axis=-1)
    labels = np.where(d.min(axis=1) <= radius, d.argmin(axis=1), -1)
    return np.where(np.isfinite(finals).all(axis=1), labels, -2)
