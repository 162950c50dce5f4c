"""Prototypes of a leaner runner, kept here to measure what a change to the runner (``optim/loops.py``) would buy.

Nothing in the app uses these. They drive the registry's own optimizers (``Optimizer.fns``: the
same torch-exact ``init``/``update``) on the registry's surfaces, so their numbers compare like with
like, and the benchmark checks their output against ``descend`` / ``descend_batch`` before timing.

The recorded-run prototypes measured here before (bookkeeping after the loop, a ``while_loop`` to
the requested step) are now the runner itself (``optim.loops._run_single``). What stays:

* ``basins_final``: final points only for many starts, in float32 or float64, without the runner's
  per-run divergence/convergence trackers (``descend_batch`` now has the same structure-of-arrays,
  chunked layout, with them): the floor the trackers and float64 cost against.
"""

from __future__ import annotations

from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from optim import get_optimizer
from surfaces import Surface


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
