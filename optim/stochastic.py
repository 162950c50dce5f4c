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
``lax.while_loop`` over epochs around a ``lax.scan`` over the epoch's batches; the seed, the
hyperparameters, λ and the number of updates are traced, so none of them compiles anything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.flatten_util import ravel_pytree

from optim.runner import MAX_STEPS, Trajectory, _as_hp, _broadcast_parameters
from optim.spec import Optimizer

SampleLoss = Callable  # (params, x_batch, y_batch) -> per-sample losses, shape (b,)


@dataclass(frozen=True)
class Batching:
    """How an epoch is cut: ``n`` samples into ``per_epoch`` batches of (at most) ``size``."""

    n: int
    size: int  # B as used: min(B, N) without replacement
    per_epoch: int  # updates per epoch, ceil(N / B)
    replacement: bool

    @classmethod
    def of(cls, n: int, batch_size: int | None, replacement: bool = False) -> Batching:
        if isinstance(n, bool) or int(n) < 1:
            raise ValueError(f"the dataset needs at least one sample, got {n}")
        if batch_size is None:
            batch_size = n
        if isinstance(batch_size, bool) or not float(batch_size).is_integer() or int(batch_size) < 1:
            raise ValueError(f"the batch size must be a whole number of at least 1, got {batch_size}")
        b = int(batch_size)
        if not replacement:
            b = min(b, n)
        return cls(int(n), b, -(-int(n) // b), bool(replacement))

    @property
    def full(self) -> bool:
        return self.size >= self.n and not self.replacement

    def samples_at(self, k: np.ndarray) -> np.ndarray:
        """Samples processed (per-sample gradients evaluated) in the first ``k`` updates."""
        k = np.asarray(k)
        if self.replacement:
            return k * self.size
        epochs, rest = np.divmod(k, self.per_epoch)
        return epochs * self.n + np.minimum(rest * self.size, self.n)


def epoch_batches(key, epoch, batching: Batching):
    """Indices ``(per_epoch, size)`` and 0/1 weights of one epoch's batches, from ``fold_in(key, epoch)``."""
    n, b, nb = batching.n, batching.size, batching.per_epoch
    k = jax.random.fold_in(key, epoch)
    if batching.replacement:
        idx = jax.random.randint(k, (nb * b,), 0, n)
        return idx.reshape(nb, b), jnp.ones((nb, b))
    if batching.full:
        return jnp.arange(n)[None], jnp.ones((1, n))
    order = jax.random.permutation(k, n)
    pad = nb * b - n
    idx = jnp.concatenate([order, jnp.zeros(pad, order.dtype)]) if pad else order
    weight = (jnp.arange(nb * b) < n).astype(jnp.float64)
    return idx.reshape(nb, b), weight.reshape(nb, b)


def batch_order(seed: int, batching: Batching, epochs: int) -> list[np.ndarray]:
    """The sample indices of every update the loop makes, in order (one array per batch): what a
    reference implementation (``torch`` in the tests) must be fed to walk the same path."""
    key = jax.random.key(np.uint32(seed))
    out = []
    for e in range(epochs):
        idx, weight = (np.asarray(a) for a in epoch_batches(key, e, batching))
        out += [i[w > 0] for i, w in zip(idx, weight, strict=True)]
    return out


def _objective(sample_loss: SampleLoss):
    def objective(params, x, y, weight, l2):
        losses = sample_loss(params, x, y)
        penalty = sum(jnp.sum(p * p) for p in jax.tree.leaves(params))
        return jnp.sum(weight * losses) / jnp.sum(weight) + l2 * penalty

    return objective


def epoch_updates(value_and_grad, fns, sched, batching: Batching, x, y, hp, sp, l2, key, e, carry, keep_params: bool):
    """Epoch ``e``'s updates as one ``lax.scan``: returns the carry ``(w, state, sched_state)`` and per update
    (the flattened parameters if ``keep_params`` else ``None``, the step size, the batch's loss)."""
    idx, weight = epoch_batches(key, e, batching)
    nb = batching.per_epoch

    def update(c, j):
        w, state, sched_state = c
        t = e * nb + j + 1
        f_batch, g = value_and_grad(w, x[idx[j]], y[idx[j]], weight[j], l2)
        m, sched_state = sched.multiplier(t, f_batch, sched_state, sp)
        lr_t = hp["lr"] * m
        w, state = fns.update(g, state, w, {**hp, "lr": lr_t}, t)
        return (w, state, sched_state), (ravel_pytree(w)[0] if keep_params else None, lr_t, f_batch)

    return lax.scan(update, carry, jnp.arange(nb))


def _train(sample_loss, fns, sched, batching: Batching, epoch_bucket: int, x, y, w0, hp, sp, l2, key, n_epochs):
    """One run: ``n_epochs`` epochs (traced), recorded into a buffer of ``epoch_bucket`` epochs.

    Record rows (one per update, row 0 the start): the flattened parameters, the full objective, the
    norm of the full gradient, the step size of the update and the batch's own loss. One packed buffer
    (DESIGN.md: several record buffers sent XLA:CPU's loop body through its concurrent executor).
    """
    objective = _objective(sample_loss)
    full_weight = jnp.ones(batching.n)
    flat0, unravel = ravel_pytree(w0)

    def full_row(flat):  # the full objective and the norm of its gradient at one recorded point
        f, g = jax.value_and_grad(objective)(unravel(flat), x, y, full_weight, l2)
        return f, jnp.sqrt(sum(jnp.sum(v * v) for v in jax.tree.leaves(g)))

    nb = batching.per_epoch
    f0, g0 = full_row(flat0)
    record = jnp.zeros((epoch_bucket * nb + 1, flat0.size + 4))
    record = record.at[0].set(jnp.concatenate([flat0, jnp.stack([f0, g0, jnp.nan, jnp.nan])]))
    value_and_grad = jax.value_and_grad(objective)

    def epoch(carry):
        e, w, state, sched_state, record = carry
        (w, state, sched_state), (flats, lrs, batch_losses) = epoch_updates(
            value_and_grad, fns, sched, batching, x, y, hp, sp, l2, key, e, (w, state, sched_state), True)
        f, gn = jax.vmap(full_row)(flats)
        rows = jnp.concatenate([flats, jnp.stack([f, gn, lrs, batch_losses], axis=1)], axis=1)
        record = lax.dynamic_update_slice(record, rows, (1 + e * nb, 0))
        return e + 1, w, state, sched_state, record

    carry = (jnp.asarray(0, jnp.int64), w0, fns.init(w0, hp), sched.init(sp), record)
    *_, record = lax.while_loop(lambda c: c[0] < n_epochs, epoch, carry)
    return record


@lru_cache(maxsize=128)
def compiled_train(sample_loss: SampleLoss, code_name: str, schedule: str, batching: Batching, epoch_bucket: int,
                   batched: bool):
    """The jitted run ``fn(x, y, w0, hp, sp, l2, key, n_epochs)``; batched: ``vmap`` over
    ``(w0, hp, sp, l2, key)`` with a leading run axis, the data and the epoch count shared."""
    from optim.registry import get_optimizer
    from optim.schedules import get_schedule

    fns = get_optimizer(code_name).fns
    sched = get_schedule(schedule).fns

    def one(x, y, w0, hp, sp, l2, key, n_epochs):
        return _train(sample_loss, fns, sched, batching, epoch_bucket, x, y, w0, hp, sp, l2, key, n_epochs)

    if batched:
        return jax.jit(jax.vmap(one, in_axes=(None, None, 0, 0, 0, 0, 0, None)))
    return jax.jit(one)


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
    fn = _compiled_sizes(sample_loss, optimizer.code_name, schedule, batchings, epoch_capacity(epochs))
    records = fn(x, y, *runs.args, np.int64(epochs))
    return [runs.result(np.asarray(rec), n, b) for rec, n, b in zip(records, steps, batchings, strict=True)]


@lru_cache(maxsize=32)
def _compiled_sizes(sample_loss, code_name: str, schedule: str, batchings: tuple[Batching, ...], epoch_bucket: int):
    fns = [compiled_train(sample_loss, code_name, schedule, b, epoch_bucket, True) for b in batchings]
    return jax.jit(lambda *args: tuple(fn(*args) for fn in fns))


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


def _train_epochs(sample_loss, metrics, fns, sched, batching: Batching, epoch_bucket: int, x, y, w0, hp, sp, l2, key,
                  n_epochs):
    """Like ``_train``, but one record row per epoch: the parameters at the epoch's end, the full objective
    and gradient norm, the last step size, the epoch's mean batch loss and ``metrics(params)`` (M values)."""
    objective = _objective(sample_loss)
    flat0, unravel = ravel_pytree(w0)
    value_and_grad = jax.value_and_grad(objective)
    full_weight = jnp.ones(batching.n)
    measure = (lambda w: jnp.zeros(0)) if metrics is None else metrics  # noqa: E731

    def row(w, lr, batch_loss):
        f, g = value_and_grad(w, x, y, full_weight, l2)
        gn = jnp.sqrt(sum(jnp.sum(v * v) for v in jax.tree.leaves(g)))
        return jnp.concatenate([ravel_pytree(w)[0], jnp.stack([f, gn, lr, batch_loss]), measure(w)])

    first = row(w0, jnp.nan, jnp.nan)
    record = jnp.zeros((epoch_bucket + 1, first.size)).at[0].set(first)

    def epoch(carry):
        e, w, state, sched_state, record = carry
        (w, state, sched_state), (_, lrs, batch_losses) = epoch_updates(
            value_and_grad, fns, sched, batching, x, y, hp, sp, l2, key, e, (w, state, sched_state), False)
        record = record.at[e + 1].set(row(w, lrs[-1], jnp.mean(batch_losses)))
        return e + 1, w, state, sched_state, record

    carry = (jnp.asarray(0, jnp.int64), w0, fns.init(w0, hp), sched.init(sp), record)
    *_, record = lax.while_loop(lambda c: c[0] < n_epochs, epoch, carry)
    return record


@lru_cache(maxsize=64)
def compiled_train_epochs(sample_loss: SampleLoss, metrics, code_name: str, schedule: str, batching: Batching,
                          epoch_bucket: int, batched: bool):
    """The jitted per-epoch run ``fn(x, y, w0, hp, sp, l2, key, n_epochs)``; batched as ``compiled_train``."""
    from optim.registry import get_optimizer
    from optim.schedules import get_schedule

    fns = get_optimizer(code_name).fns
    sched = get_schedule(schedule).fns

    def one(x, y, w0, hp, sp, l2, key, n_epochs):
        return _train_epochs(sample_loss, metrics, fns, sched, batching, epoch_bucket, x, y, w0, hp, sp, l2, key,
                             n_epochs)

    if batched:
        return jax.jit(jax.vmap(one, in_axes=(None, None, 0, 0, 0, 0, 0, None)))
    return jax.jit(one)


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
