"""The epoch loop behind ``optim.stochastic``: how an epoch is cut into batches, and the jitted runs.

An epoch is ``Batching.per_epoch`` updates over batches drawn from ``fold_in(key, epoch)``
(``epoch_batches``; ``batch_order`` lists them for a reference implementation to replay); one
epoch's updates are one ``lax.scan`` (``epoch_updates``), and a run is a ``lax.while_loop`` over
epochs around it, recorded after every update (``compiled_train``) or once per epoch
(``compiled_train_epochs``). The seed, the hyperparameters, λ and the number of epochs are traced.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.flatten_util import ravel_pytree

from optim.common import stepper

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
        xb, yb, wb = x[idx[j]], y[idx[j]], weight[j]

        def batch(p):  # this update's objective: what a rule with evaluations of its own (L-BFGS) searches
            return value_and_grad(p, xb, yb, wb, l2)

        f_batch, g = batch(w)
        m, sched_state = sched.multiplier(t, f_batch, sched_state, sp)
        lr_t = hp["lr"] * m
        moved = stepper(fns, lambda p: batch(p)[0], batch)(f_batch, g, state, w, {**hp, "lr": lr_t}, t)
        w, state = moved.params, moved.state
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


@lru_cache(maxsize=32)
def compiled_sizes(sample_loss, code_name: str, schedule: str, batchings: tuple[Batching, ...], epoch_bucket: int):
    """``compiled_train`` (batched) for several batchings as one jitted call, the arguments shared."""
    fns = [compiled_train(sample_loss, code_name, schedule, b, epoch_bucket, True) for b in batchings]
    return jax.jit(lambda *args: tuple(fn(*args) for fn in fns))


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
