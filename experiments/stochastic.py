"""Batch GD, SGD and mini-batch SGD side by side on a data surface, and the gradient as an opinion poll.

The course's Section 3.2: the full gradient is the average of N per-sample gradients; SGD (B = 1)
and mini-batch SGD (any B) estimate it from a random subset each update, cheaper per update and noisy.
``race_batch_sizes`` runs every contender over several seeds in one batched call (``train_sizes``)
so the spread over seeds can be drawn; ``gradient_poll`` takes one point of a run and compares the
batch's gradient with the full one and with many other random batches of the same size.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import jax
import jax.numpy as jnp
import numpy as np

from optim.spec import Optimizer
from optim.stochastic import Batching, DataRun, batch_order, train_sizes
from surfaces.data import DataSurface

AXES = ("updates", "epochs", "samples processed")
MAX_SEEDS = 16
MAX_EPOCHS = 200


@dataclass(frozen=True)
class Contender:
    label: str  # "batch GD (B = N = 200)", "SGD (B = 1)", "mini-batch (B = 16)"
    batch_size: int | None  # None = the full batch
    run: DataRun  # arrays (steps + 1, seeds, ...)

    def x_axis(self, axis: str) -> np.ndarray:
        """Shape (steps + 1,): updates, epochs or samples processed at each index."""
        k = np.arange(self.run.steps + 1)
        if axis == "updates":
            return k.astype(float)
        if axis == "epochs":
            return k / self.run.batching.per_epoch
        if axis == "samples processed":
            return self.run.batching.samples_at(k).astype(float)
        raise ValueError(f"unknown x-axis {axis!r}; choose one of: {', '.join(AXES)}")

    def first_seeds(self, k: int) -> Contender:
        """The same contender cut to its first ``k`` seeds."""
        run, cut = self.run, slice(0, k)
        return replace(self, run=replace(
            run, params=run.params[:, cut], loss=run.loss[:, cut], grad_norm=run.grad_norm[:, cut],
            lr=run.lr[:, cut], batch_loss=run.batch_loss[:, cut], diverged_at=np.atleast_1d(run.diverged_at)[cut],
            seed=np.atleast_1d(run.seed)[cut], l2=np.atleast_1d(run.l2)[cut]))


def seed_bucket(seeds: int) -> int:
    """Seeds actually run for ``seeds`` wanted: the next power of two, so the seed slider compiles once per
    bucket (the run axis is a shape) rather than on every move; the extra runs are cut off afterwards."""
    return 1 << max(int(seeds) - 1, 0).bit_length()


def contender_label(batch_size: int | None, n: int) -> str:
    if batch_size is None or batch_size >= n:
        return f"batch GD (B = N = {n})"
    return "SGD (B = 1)" if batch_size == 1 else f"mini-batch (B = {batch_size})"


def race_batch_sizes(surface: DataSurface, optimizer: Optimizer, hp: dict, start, *, batch_sizes, seeds: int,
                     epochs: int, replacement: bool = False) -> list[Contender]:
    """Every batch size over ``seeds`` seeds (0 .. seeds - 1), ``epochs`` epochs each, in one call."""
    if isinstance(seeds, bool) or not float(seeds).is_integer() or not 1 <= int(seeds) <= MAX_SEEDS:
        raise ValueError(f"the number of seeds must be a whole number from 1 to {MAX_SEEDS}, got {seeds}")
    if isinstance(epochs, bool) or not float(epochs).is_integer() or not 1 <= int(epochs) <= MAX_EPOCHS:
        raise ValueError(f"epochs must be a whole number from 1 to {MAX_EPOCHS}, got {epochs}")
    runs = train_sizes(surface.sample_loss, (surface.features, surface.targets), optimizer, hp,
                       np.asarray(start, dtype=np.float64), batch_sizes=tuple(batch_sizes),
                       seeds=np.arange(int(seeds)), epochs=int(epochs), replacement=replacement)
    return [Contender(contender_label(b, surface.n), b, run) for b, run in zip(batch_sizes, runs, strict=True)]


def spread(values: np.ndarray, diverged_at: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median, minimum and maximum over seeds (axis 1) at each index; NaN past a seed's divergence."""
    values = np.asarray(values, dtype=float).copy()
    if diverged_at is not None:
        for s, d in enumerate(np.atleast_1d(diverged_at)):
            if d >= 0:
                values[d:, s] = np.nan
    with np.errstate(all="ignore"), _quiet():
        return np.nanmedian(values, axis=1), np.nanmin(values, axis=1), np.nanmax(values, axis=1)


class _quiet:
    """``nanmedian`` of an all-NaN row warns; a diverged index is expected here, not a problem."""

    def __enter__(self):
        import warnings

        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        self._w.__exit__(*exc)


@dataclass(frozen=True)
class Poll:
    """The gradient at one point: the full one, the batch's, and many other batches of the same size."""

    point: np.ndarray  # shape (2,): w_{k-1}, where update k took its gradient
    full: np.ndarray  # shape (2,): ∇L over all N samples
    sampled: np.ndarray  # shape (2,): the gradient update k actually used (its batch)
    others: np.ndarray  # shape (polls, 2): gradients of other random batches of the same size
    per_sample: np.ndarray  # shape (N, 2): ∇ℓᵢ
    batch: np.ndarray  # the indices of update k's batch
    batch_size: int

    @property
    def error(self) -> float:
        """‖sampled − full‖ / ‖full‖."""
        return float(np.linalg.norm(self.sampled - self.full) / max(np.linalg.norm(self.full), 1e-300))

    @property
    def spread(self) -> float:
        """Root-mean-square distance of the other polls from the full gradient."""
        return float(np.sqrt(np.mean(np.sum((self.others - self.full) ** 2, axis=1))))


def _per_sample_gradients(surface: DataSurface, w: np.ndarray) -> np.ndarray:
    one = lambda x, y: jax.grad(lambda v: surface.sample_loss(v, x[None], y[None])[0])(jnp.asarray(w))  # noqa: E731
    return np.asarray(jax.vmap(one)(jnp.asarray(surface.features), jnp.asarray(surface.targets)))


def gradient_poll(surface: DataSurface, contender: Contender, update: int, *, polls: int = 300,
                  seed: int = 0) -> Poll:
    """The opinion poll at update ``update`` (1-based) of the first seed's run of ``contender``."""
    run = contender.run
    if not 1 <= update <= run.steps:
        raise ValueError(f"pick an update from 1 to {run.steps}, got {update}")
    batching: Batching = run.batching
    epoch = (update - 1) // batching.per_epoch
    order = batch_order(int(np.atleast_1d(run.seed)[0]), batching, epoch + 1)
    batch = order[update - 1]
    point = run.params[update - 1, 0] if run.params.ndim == 3 else run.params[update - 1]
    grads = _per_sample_gradients(surface, point)
    rng = np.random.default_rng(seed)
    b = len(batch)
    if batching.replacement:
        others = rng.integers(0, surface.n, size=(polls, b))
    else:
        others = np.argsort(rng.random((polls, surface.n)), axis=1)[:, :b]
    return Poll(point, grads.mean(axis=0), grads[batch].mean(axis=0), grads[others].mean(axis=1), grads, batch, b)
