"""Learning from data: stochastic and mini-batch gradient descent in one jitted loop per run.

The loss is an average over N samples plus an optional ℓ2 penalty (the course's Eq. 3.2 with
R(w) = ‖w‖²)::

    L(w) = (1/N) Σᵢ ℓ(w; xᵢ, yᵢ) + λ ‖w‖²

Each update takes the gradient of the same expression over one batch of B samples instead of all N
(Section 3.2.1: by the linearity of the gradient, the batch mean estimates the full gradient, as an
opinion poll estimates a vote). An epoch is ⌈N/B⌉ updates:

* without replacement (the default, ``torch.utils.data.DataLoader(shuffle=True)``): the samples are
  permuted afresh each epoch and cut into batches; the last batch is smaller when B does not divide N
  (``drop_last=False``);
* with replacement: each batch is B indices drawn uniformly, every batch of the epoch full size.

B ≥ N is the full batch in the data's own order: the same arithmetic as the full loss, so the path is
batch gradient descent's. The parameters are any pytree (two weights, a 3-vector, a polynomial's
coefficients, a network's layers); the optimizers are the same ``(init, update)`` pairs as on the 2-D
surfaces. The whole run (epochs x batches, the reshuffling with ``jax.random`` included) is one
``lax.while_loop`` over epochs around a ``lax.scan`` over the epoch's batches (``optim.epochs``); the
seed, the hyperparameters, λ and the number of updates are traced, so none of them compiles anything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import jax
import numpy as np
from jax.flatten_util import ravel_pytree

from optim.epochs import Batching, SampleLoss, compiled_sizes, compiled_train, compiled_train_epochs

# The next three moved to optim.epochs and are still importable from here (``X as X``: a re-export).
from optim.epochs import batch_order as batch_order
from optim.epochs import epoch_batches as epoch_batches
from optim.epochs import epoch_updates as epoch_updates
from optim.runner import MAX_STEPS, Trajectory, _as_hp, _broadcast_parameters
from optim.spec import Optimizer


@dataclass(frozen=True)
class DataRun:
    """One mini-batch run (or, batched, several: a leading run axis after the step axis)."""

    params: np.ndarray  # shape (steps + 1, P) (batched: (steps + 1, R, P)): flattened parameters, 0 = start
    loss: np.ndarray  # shape (steps + 1,) (R): the full objective L(w) at each index
    grad_norm: np.ndarray  # shape (steps + 1,) (R): ‖∇L(w)‖ over the full data
    lr: np.ndarray  # shape (steps,) (R): the step size each update used
    batch_loss: np.ndarray  # shape (steps,) (R): the loss on the batch each update saw
    diverged_at: np.ndarray | int | None  # first index whose point or loss is not finite (batched: -1 = never)
    steps: int  # updates
    batching: Batching
    seed: int | np.ndarray
    hyperparameters: dict
    l2: float | np.ndarray
    unravel: Callable  # flat parameter vector -> the pytree

    @property
    def epochs(self) -> float:
        return self.steps / self.batching.per_epoch

    @property
    def samples(self) -> np.ndarray:
        """Shape (steps + 1,): samples processed before each index (0 at the start)."""
        return self.batching.samples_at(np.arange(self.steps + 1))

    def trajectory(self, schedule: str = "constant", schedule_parameters=None) -> Trajectory:
        """A two-parameter single run as the 2-D pages' ``Trajectory`` (points = the weights)."""
        if self.params.ndim != 2 or self.params.shape[1] != 2:
            raise ValueError("only a single run with two parameters is a 2-D trajectory")
        return Trajectory(self.params, self.loss, self.grad_norm, self.diverged_at, self.steps,
                          self.hyperparameters, self.lr, schedule=schedule, schedule_parameters=schedule_parameters)


def epoch_capacity(epochs: int) -> int:
    """The compiled record's length for ``epochs``: the next power of two, so nearby epoch counts share a loop."""
    return 1 << max(int(epochs) - 1, 0).bit_length()


def resolve_steps(batching: Batching, steps, epochs) -> int:
    if (steps is None) == (epochs is None):
        raise ValueError("give either a number of updates (steps) or a number of epochs, not both")
    if epochs is not None:
        if isinstance(epochs, bool) or not float(epochs).is_integer() or int(epochs) < 0:
            raise ValueError(f"epochs must be a whole number of at least 0, got {epochs}")
        steps = int(epochs) * batching.per_epoch
        if steps > MAX_STEPS:
            raise ValueError(
                f"{int(epochs)} epochs of {batching.per_epoch} updates are {steps:,} updates, more than the "
                f"{MAX_STEPS:,} allowed: use at most {MAX_STEPS // batching.per_epoch:,} epochs or a larger batch")
    if isinstance(steps, bool) or not float(steps).is_integer() or not 0 <= int(steps) <= MAX_STEPS:
        raise ValueError(f"steps must be a whole number from 0 to {MAX_STEPS:,}, got {steps}")
    return int(steps)


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not float(seed).is_integer() or not 0 <= int(seed) < 2**32:
        raise ValueError(f"the seed must be a whole number from 0 to {2**32 - 1}, got {seed}")
    return int(seed)


def _check_l2(l2) -> float:
    l2 = float(l2)
    if not np.isfinite(l2) or l2 < 0:
        raise ValueError(f"the regularization strength λ must be a finite number >= 0, got {l2:g}")
    return l2


def _finish(record: np.ndarray, steps: int, p: int):
    """Cut the bucket to ``steps + 1`` rows; hold still from the first non-finite index."""
    rows = record[: steps + 1]
    bad = ~(np.isfinite(rows[:, :p]).all(axis=-1) & np.isfinite(rows[:, p]))
    stop = int(np.argmax(bad)) if bad.any() else None
    if stop is not None:
        rows = rows[np.minimum(np.arange(steps + 1), stop)]
    return rows, stop


def train(
    sample_loss: SampleLoss,
    data: tuple[np.ndarray, np.ndarray],
    optimizer: Optimizer,
    hyperparameters: Mapping[str, float] | None,
    start,
    *,
    batch_size: int | None = None,
    steps: int | None = None,
    epochs: int | None = None,
    seed: int = 0,
    replacement: bool = False,
    l2: float = 0.0,
    schedule: str = "constant",
    schedule_parameters: Mapping[str, float] | None = None,
) -> DataRun:
    """Minimise the mean of ``sample_loss`` over ``data = (x, y)`` (+ ``l2``·‖w‖²) from ``start`` (any pytree).

    ``batch_size=None`` (or ≥ N) is full-batch gradient descent. Give ``steps`` (updates) or ``epochs``.
    ``ValueError`` with one sentence on bad input.
    """
    from optim.schedules import get_schedule

    x, y = (np.asarray(a, dtype=np.float64) for a in data)
    batching = Batching.of(len(x), batch_size, replacement)
    steps = resolve_steps(batching, steps, epochs)
    hp = optimizer.resolve(hyperparameters)
    sp = get_schedule(schedule).resolve(schedule_parameters)
    seed, l2 = _check_seed(seed), _check_l2(l2)
    w0 = jax.tree.map(lambda a: np.asarray(a, dtype=np.float64), start)
    flat0, unravel = ravel_pytree(w0)
    if not np.all(np.isfinite(flat0)):
        raise ValueError("the start must be finite numbers")
    n_epochs = -(-steps // batching.per_epoch)
    fn = compiled_train(sample_loss, optimizer.code_name, schedule, batching, epoch_capacity(n_epochs), False)
    record = np.asarray(fn(x, y, w0, _as_hp(hp), _as_hp(sp), np.float64(l2), jax.random.key(np.uint32(seed)),
                           np.int64(n_epochs)))
    p = flat0.size
    rows, stop = _finish(record, steps, p)
    return DataRun(rows[:, :p], rows[:, p], rows[:, p + 1], rows[1:, p + 2], rows[1:, p + 3], stop, steps, batching,
                   seed, hp, l2, unravel)


def train_batch(
    sample_loss: SampleLoss,
    data: tuple[np.ndarray, np.ndarray],
    optimizer: Optimizer,
    hyperparameters: Mapping[str, float | np.ndarray] | None,
    start,
    *,
    seeds,
    batch_size: int | None = None,
    steps: int | None = None,
    epochs: int | None = None,
    replacement: bool = False,
    l2: float | np.ndarray = 0.0,
    schedule: str = "constant",
    schedule_parameters: Mapping[str, float | np.ndarray] | None = None,
) -> DataRun:
    """R runs in one call (``vmap``): seeds, hyperparameter values and λ broadcast along the run axis;
    ``start`` is one pytree for all. Arrays come back as ``(steps + 1, R, ...)``."""
    x, y = (np.asarray(a, dtype=np.float64) for a in data)
    batching = Batching.of(len(x), batch_size, replacement)
    steps = resolve_steps(batching, steps, epochs)
    runs = Runs.of(optimizer, hyperparameters, start, seeds, l2, schedule, schedule_parameters)
    n_epochs = -(-steps // batching.per_epoch)
    fn = compiled_train(sample_loss, optimizer.code_name, schedule, batching, epoch_capacity(n_epochs), True)
    return runs.result(np.asarray(fn(x, y, *runs.args, np.int64(n_epochs))), steps, batching)


def train_sizes(
    sample_loss: SampleLoss,
    data: tuple[np.ndarray, np.ndarray],
    optimizer: Optimizer,
    hyperparameters: Mapping[str, float | np.ndarray] | None,
    start,
    *,
    batch_sizes,
    seeds,
    epochs: int,
    replacement: bool = False,
    l2: float | np.ndarray = 0.0,
    schedule: str = "constant",
    schedule_parameters: Mapping[str, float | np.ndarray] | None = None,
) -> list[DataRun]:
    """``train_batch`` for several batch sizes at once, the same epochs each: one jitted call
    (each size is its own loop of its own shape, compiled together into one executable)."""
    x, y = (np.asarray(a, dtype=np.float64) for a in data)
    batchings = tuple(Batching.of(len(x), b, replacement) for b in batch_sizes)
    steps = [resolve_steps(b, None, epochs) for b in batchings]
    runs = Runs.of(optimizer, hyperparameters, start, seeds, l2, schedule, schedule_parameters)
    fn = compiled_sizes(sample_loss, optimizer.code_name, schedule, batchings, epoch_capacity(epochs))
    records = fn(x, y, *runs.args, np.int64(epochs))
    return [runs.result(np.asarray(rec), n, b) for rec, n, b in zip(records, steps, batchings, strict=True)]


@dataclass(frozen=True)
class Runs:
    """The run axis of a batched call: every per-run argument broadcast to R, validated once per value."""

    args: tuple  # (w0, hp, sp, l2, keys), each with a leading axis of R
    r: int
    p: int
    unravel: Callable
    seeds: np.ndarray
    l2: np.ndarray
    hp: dict

    @classmethod
    def of(cls, optimizer, hyperparameters, start, seeds, l2, schedule, schedule_parameters) -> Runs:
        from optim.schedules import get_schedule

        hp = _broadcast_parameters(hyperparameters, optimizer.resolve)
        sp = _broadcast_parameters(schedule_parameters, get_schedule(schedule).resolve)
        seeds = np.atleast_1d(np.asarray(seeds))
        for s in np.unique(seeds):
            _check_seed(s)
        l2s = np.atleast_1d(np.asarray(l2, dtype=np.float64))
        for v in np.unique(l2s):
            _check_l2(v)
        sizes = {np.shape(v)[0] for v in (*hp.values(), *sp.values(), seeds, l2s) if np.ndim(v)} - {1}
        if len(sizes) > 1:
            raise ValueError(f"batched arguments disagree in length: {sorted(sizes)}")
        r = sizes.pop() if sizes else 1
        runs = lambda a: np.broadcast_to(np.asarray(a, dtype=np.float64), (r,))  # noqa: E731
        w0 = jax.tree.map(lambda a: np.broadcast_to(np.asarray(a, dtype=np.float64), (r, *np.shape(a))), start)
        flat0, unravel = ravel_pytree(start)
        seeds = np.broadcast_to(seeds, (r,)).astype(np.int64)
        keys = jax.vmap(lambda s: jax.random.key(s))(seeds.astype(np.uint32))
        args = (w0, {k: runs(v) for k, v in sorted(hp.items())}, {k: runs(v) for k, v in sorted(sp.items())},
                runs(l2s), keys)
        return cls(args, r, int(flat0.size), unravel, seeds, runs(l2s), hp)

    def result(self, record: np.ndarray, steps: int, batching: Batching) -> DataRun:
        p = self.p
        per_run = [_finish(rec, steps, p) for rec in record]  # record: (R, rows, cols)
        rows = np.stack([pr[0] for pr in per_run], axis=1)  # (steps + 1, R, cols)
        diverged = np.array([-1 if pr[1] is None else pr[1] for pr in per_run])
        return DataRun(rows[..., :p], rows[..., p], rows[..., p + 1], rows[1:, :, p + 2], rows[1:, :, p + 3],
                       diverged, steps, batching, self.seeds, self.hp, self.l2, self.unravel)


# ---------------------------------------------------------------------------------------------------
# Per-epoch records: for models whose full loss is too costly to evaluate after every update (a network).


@dataclass(frozen=True)
class EpochRun:
    """A run recorded once per epoch (index 0 = the start); batched: a run axis after the epoch axis."""

    params: np.ndarray  # shape (epochs + 1, P) (batched (epochs + 1, R, P)): the parameters at each epoch's end
    loss: np.ndarray  # shape (epochs + 1,): the full training objective
    grad_norm: np.ndarray  # shape (epochs + 1,)
    lr: np.ndarray  # shape (epochs,): the step size of each epoch's last update
    batch_loss: np.ndarray  # shape (epochs,): the mean of the epoch's batch losses
    metrics: np.ndarray  # shape (epochs + 1, M): whatever ``metrics(params)`` returned (test loss, accuracy, ...)
    diverged_at: np.ndarray | int | None  # first epoch index whose parameters or loss are not finite
    epochs: int
    batching: Batching
    seed: int | np.ndarray
    hyperparameters: dict
    unravel: Callable


def train_epochs(
    sample_loss: SampleLoss,
    data: tuple[np.ndarray, np.ndarray],
    optimizer: Optimizer,
    hyperparameters: Mapping[str, float | np.ndarray] | None,
    start,
    *,
    epochs: int,
    batch_size: int | None = None,
    seeds=0,
    replacement: bool = False,
    l2: float | np.ndarray = 0.0,
    schedule: str = "constant",
    schedule_parameters: Mapping[str, float | np.ndarray] | None = None,
    metrics: Callable | None = None,
) -> EpochRun:
    """``train`` recorded once per epoch, with ``metrics(params) -> (M,)`` evaluated at each epoch's end
    (a module-level function: it is a static argument). A scalar ``seeds`` and scalar hyperparameters
    give one run; arrays of seeds, hyperparameter values or λ give several in one vmapped call."""
    x, y = (np.asarray(a) for a in data)
    x = x.astype(np.float64)
    batching = Batching.of(len(x), batch_size, replacement)
    resolve_steps(batching, None, epochs)  # refuses a bad epoch count in one sentence
    runs = Runs.of(optimizer, hyperparameters, start, seeds, l2, schedule, schedule_parameters)
    batched = np.ndim(seeds) > 0 or runs.r > 1
    epochs = int(epochs)
    fn = compiled_train_epochs(sample_loss, metrics, optimizer.code_name, schedule, batching, epoch_capacity(epochs),
                               True)
    record = np.asarray(fn(x, y, *runs.args, np.int64(epochs)))[:, : epochs + 1]  # (R, epochs + 1, cols)
    p = runs.p
    bad = ~(np.isfinite(record[..., :p]).all(axis=-1) & np.isfinite(record[..., p]))  # (R, epochs + 1)
    diverged = np.where(bad.any(axis=1), bad.argmax(axis=1), -1)
    rows = np.swapaxes(record, 0, 1)  # (epochs + 1, R, cols)
    out = EpochRun(rows[..., :p], rows[..., p], rows[..., p + 1], rows[1:, :, p + 2], rows[1:, :, p + 3],
                   rows[..., p + 4:], diverged, epochs, batching, runs.seeds, runs.hp, runs.unravel)
    if batched:
        return out
    first = lambda a: a[:, 0]  # noqa: E731
    return EpochRun(first(out.params), first(out.loss), first(out.grad_norm), first(out.lr), first(out.batch_loss),
                    first(out.metrics), None if diverged[0] < 0 else int(diverged[0]), epochs, batching,
                    int(runs.seeds[0]), runs.hp, runs.unravel)
