"""The course's network, sized for a browser: a 64-128-10 MLP on scikit-learn's 8x8 digits.

The notes end with a PyTorch loop training ``Linear(784, 128) -> ReLU -> Linear(128, 10)`` with
``CrossEntropyLoss`` and ``optim.SGD``. Here the same architecture reads 8x8 images (64 pixels) and
is trained by this project's optimizers (torch.optim semantics) through ``optim.stochastic``: the whole
training (epochs x mini-batches, reshuffled each epoch with ``jax.random``) is one jitted loop, and
several seeds or learning rates of one optimizer are one vmapped call.

The weights start as ``torch.nn.Linear`` starts them: every weight and bias uniform in
±1/√fan_in (its default ``kaiming_uniform_(a=√5)`` works out to exactly that), drawn from a NumPy
seed. The layout is ``h = relu(x W1 + b1)``, ``z = h W2 + b2`` (W1 of shape (64, 128): torch's
``fc1.weight`` transposed). The loss of one image is ``logsumexp(z) - z_label`` (a stable log-softmax).

Loss landscape (Li et al., 2018, *Visualizing the Loss Landscape of Neural Nets*): the training loss
on the plane ``θ* + α d1 + β d2`` through the final weights θ*, along two random directions scaled
filter by filter to the weights' own norms (the biases' components zero, as in their code), or along
the two principal directions of the per-epoch weight trajectory. The whole grid is one jitted call;
the first layer is linear in the weights, so ``X (W1 + α D1 + β E1)`` is three matrix products for
the whole grid, not one per grid point.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache, partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.flatten_util import ravel_pytree

import surfaces  # noqa: F401  (switches float64 on before anything traces)
from optim import OPTIMIZERS, get_optimizer
from optim.schedules import get_schedule
from optim.stochastic import Batching, Runs, epoch_capacity, epoch_updates, resolve_steps
from surfaces.datasets import digits_data

LAYERS = (64, 128, 10)
# Every gradient rule trains the network ("sgd" at its defaults is "gd", so the race lists the course's name).
# The rules that evaluate the loss themselves do not: Newton's 9,610 x 9,610 Hessian is 740 MB a step, and
# L-BFGS and the line searches want the full loss, not a mini-batch's (the page says so).
RACE_OPTIMIZERS = tuple(name for name, o in OPTIMIZERS.items() if name != "sgd" and o.first_order)
SECOND_ORDER = tuple(o.title for o in OPTIMIZERS.values() if not o.first_order)
# A learning rate that trains each of them well in 20 epochs of batch 32 (checked on seed 0: a sweep of
# 1e-4 to 1 gave test accuracy >= 0.96 at these for all but Rprop, whose sign test sees mini-batch noise: 0.93).
DEFAULT_LR = {"gd": 0.1, "sgd": 0.1, "momentum": 0.01, "nesterov": 0.01, "asgd": 0.1, "adagrad": 0.01,
              "adadelta": 1.0, "rmsprop": 0.001, "rprop": 0.005, "adam": 0.001, "adamw": 0.001, "adamax": 0.002,
              "nadam": 0.002, "radam": 0.002, "adafactor": 0.1, "lion": 0.0005}
METRICS = ("test_loss", "test_accuracy", "train_accuracy")
DTYPES = ("float64", "float32")
MAX_EPOCHS = 500  # every epoch keeps a copy of the 9,610 weights (for the landscape's path)


def init_params(seed: int, layers: tuple[int, ...] = LAYERS) -> dict[str, np.ndarray]:
    """torch.nn.Linear's default start, seeded: W and b of each layer uniform in ±1/√fan_in."""
    rng = np.random.default_rng(int(seed))
    params = {}
    for k, (fan_in, fan_out) in enumerate(zip(layers[:-1], layers[1:], strict=True), start=1):
        bound = 1.0 / np.sqrt(fan_in)
        params[f"W{k}"] = rng.uniform(-bound, bound, (fan_in, fan_out))
        params[f"b{k}"] = rng.uniform(-bound, bound, fan_out)
    return params


def logits(params, x):
    """Shape (b, 10): the network's scores for a batch of flat images ``x`` (b, 64)."""
    h = jax.nn.relu(x @ params["W1"] + params["b1"])
    return h @ params["W2"] + params["b2"]


def _cross_entropy(z, y):
    return jax.nn.logsumexp(z, axis=-1) - jnp.take_along_axis(z, y[..., None].astype(jnp.int32), axis=-1)[..., 0]


def sample_loss(params, x, y):
    """Per-image cross-entropy, shape (b,): ``-log softmax(z)_y`` computed as ``logsumexp(z) - z_y``."""
    return _cross_entropy(logits(params, x), y)


def _evaluate(params, x, y):
    z = logits(params, x)
    return jnp.mean(_cross_entropy(z, y)), jnp.mean((jnp.argmax(z, axis=-1) == y).astype(jnp.float64))


def test_metrics(params):
    """(test loss, test accuracy, train accuracy) at one point: the held-out set is a constant of the loop."""
    data = digits_data()
    test_loss, test_acc = _evaluate(params, data.x_test, data.y_test)
    _, train_acc = _evaluate(params, data.x_train, data.y_train)
    return jnp.stack([test_loss, test_acc, train_acc])


test_metrics.__test__ = False  # not a pytest test, whatever its name


@dataclass(frozen=True)
class NetworkRun:
    """Per-epoch records of one training (or, batched, R of them: a run axis after the epoch axis)."""

    optimizer: str
    hyperparameters: dict
    seed: int | np.ndarray
    epochs: int
    batch_size: int
    updates_per_epoch: int
    params: np.ndarray  # (epochs + 1, [R,] P): the flattened weights at each epoch's end, 0 = the start
    train_loss: np.ndarray  # (epochs + 1, [R]): mean cross-entropy over the 1,437 training images
    test_loss: np.ndarray  # (epochs + 1, [R])
    test_accuracy: np.ndarray  # (epochs + 1, [R]), fraction in [0, 1]
    train_accuracy: np.ndarray  # (epochs + 1, [R])
    batch_loss: np.ndarray  # (epochs, [R]): the mean of each epoch's batch losses
    diverged_at: int | np.ndarray | None  # first epoch with non-finite weights or loss (batched: -1 = never)
    seconds: float  # wall time of the training call (all runs of the call together), compile excluded
    compile_seconds: float  # 0 when the compiled loop was reused

    def unravel(self, flat: np.ndarray) -> dict:
        return _unravel()(jnp.asarray(flat))


@lru_cache(maxsize=1)
def _unravel():
    return ravel_pytree(init_params(0))[1]


def _loop(fns, batching: Batching, bucket: int, x, y, x_test, y_test, w0, hp, key, n_epochs):
    """``optim.epochs._train_epochs`` for this network, the same updates (``test_network`` checks them
    equal), with a lighter record: at each epoch's end one forward pass over the training images (loss and
    accuracy) and one over the test images, instead of the full training gradient ``train_epochs`` also
    evaluates for its gradient norm (that backward pass over 1,437 images cost as much as the epoch's 45
    updates). Record row: the flat weights, then train loss, train accuracy, test loss, test accuracy and
    the epoch's mean batch loss; one packed buffer (DESIGN.md: several buffers sent XLA:CPU's loop body
    through its concurrent executor)."""
    value_and_grad = jax.value_and_grad(_batch_loss)
    fns = _in_dtype(fns)

    def row(w, batch_loss):
        train_loss, train_acc = _evaluate(w, x, y)
        test_loss, test_acc = _evaluate(w, x_test, y_test)
        return jnp.concatenate([ravel_pytree(w)[0], jnp.stack([train_loss, train_acc, test_loss, test_acc,
                                                               batch_loss])])

    first = row(w0, jnp.nan)
    record = jnp.zeros((bucket + 1, first.size)).at[0].set(first)

    constant = get_schedule("constant").fns  # η_t = η · 1.0: the same step as η itself

    def epoch(carry):
        e, w, state, sched_state, record = carry
        (w, state, sched_state), (_, _, batch_losses) = epoch_updates(
            value_and_grad, fns, constant, batching, x, y, hp, {}, 0.0, key, e, (w, state, sched_state), False)
        record = record.at[e + 1].set(row(w, jnp.mean(batch_losses)))
        return e + 1, w, state, sched_state, record

    carry = (jnp.asarray(0, jnp.int64), w0, fns.init(w0, hp), constant.init({}), record)
    return lax.while_loop(lambda c: c[0] < n_epochs, epoch, carry)[-1]


def _batch_loss(params, x, y, weight, l2):
    """The mean cross-entropy of a (padded) batch, in the weights' own precision; the network trains
    without a penalty (``l2`` unused: weight decay is the optimizer's)."""
    losses = sample_loss(params, x, y)
    weight = weight.astype(losses.dtype)  # epoch_batches' 0/1 weights are float64
    return jnp.sum(weight * losses) / jnp.sum(weight)


def _in_dtype(fns):
    """``fns`` whose update runs in the parameters' precision: hyperparameters (float64 scalars) are cast
    to it first, so float32 training is float32 throughout instead of promoted back to float64."""

    def update(grads, state, params, hp, t):
        dtype = jax.tree.leaves(params)[0].dtype
        return fns.update(grads, state, params, {k: jnp.asarray(v, dtype) for k, v in hp.items()}, t)

    return fns._replace(update=update)


@lru_cache(maxsize=64)
def _compiled_loop(code_name: str, batching: Batching, bucket: int, batched: bool):
    """``fn(x, y, x_test, y_test, w0, hp, key(s), n_epochs)``; batched: vmapped over the run axis of w0, hp
    and keys (a single run is not vmapped: a batch axis of one cost a tenth of the time in XLA:CPU's dots)."""
    fns = get_optimizer(code_name).fns
    one = partial(_loop, fns, batching, bucket)
    return jax.jit(jax.vmap(one, in_axes=(None, None, None, None, 0, 0, 0, None)) if batched else one)


_EXECUTABLES: dict = {}  # (optimizer code, batching, epoch bucket, argument shapes) -> (executable, compile s)


def _executable(code_name: str, batching: Batching, bucket: int, batched: bool, args: tuple):
    shapes = str(jax.tree.map(lambda a: (np.shape(a), str(a.dtype)), args))
    key = (code_name, batching, bucket, batched, shapes)
    if key not in _EXECUTABLES:
        t0 = time.perf_counter()
        compiled = _compiled_loop(code_name, batching, bucket, batched).lower(*args).compile()
        _EXECUTABLES[key] = (compiled, time.perf_counter() - t0)
        return _EXECUTABLES[key]
    return _EXECUTABLES[key][0], 0.0


def train_network(optimizer: str, hp: Mapping[str, float | np.ndarray] | None, epochs: int, batch_size: int,
                  seed=0, *, epoch_bucket: int | None = None, dtype: str = "float64") -> NetworkRun:
    """Train the 64-128-10 network on the digits' 1,437 training images with ``optimizer`` (a registry
    name) and hyperparameters ``hp`` (missing ones take the optimizer's defaults) for ``epochs`` epochs of
    mini-batches of ``batch_size``. ``seed`` sets both the initial weights and the batch order.

    An array of seeds or of hyperparameter values trains that many networks in one vmapped call (each
    seed its own start; one seed for several learning rates gives them all the same start and batches).
    ``epoch_bucket`` (at least ``epochs``) fixes the compiled record's length, so that a page's epochs slider
    reuses one compiled loop. ``dtype``: the precision of the weights, the images and every update
    (``"float64"``, the project's default, in which the updates equal ``torch.optim``'s to 1e-8;
    ``"float32"``, PyTorch's default, about twice as fast on a CPU). ``ValueError`` with one sentence on
    bad input.
    """
    if dtype not in DTYPES:
        raise ValueError(f"unknown precision {dtype!r}; choose {' or '.join(DTYPES)}")
    opt = get_optimizer(optimizer)
    if not opt.first_order:
        raise ValueError(f"{opt.title} does not train the network here: it evaluates the loss itself (Newton's "
                         "Hessian alone would be 9,610 x 9,610); it runs on the 2-D surfaces. Choose one of: "
                         + ", ".join(RACE_OPTIMIZERS))
    data = digits_data()
    batching = Batching.of(data.n_train, batch_size)
    resolve_steps(batching, None, epochs)
    if int(epochs) > MAX_EPOCHS:
        raise ValueError(f"epochs must be a whole number from 0 to {MAX_EPOCHS}, got {epochs}")
    epochs = int(epochs)
    runs = Runs.of(opt, hp, init_params(0), seed, 0.0, "constant", None)
    batched = np.ndim(seed) > 0 or runs.r > 1
    starts = [init_params(s) for s in runs.seeds]
    w0 = {k: np.stack([s[k] for s in starts]).astype(dtype) for k in starts[0]}
    bucket = epoch_capacity(epochs) if epoch_bucket is None else max(int(epoch_bucket), epochs)
    _, hp_, _, _, keys = runs.args
    if not batched:  # one run: no run axis in the compiled loop
        w0, hp_, keys = jax.tree.map(lambda a: a[0], (w0, hp_, keys))
    args = (data.x_train.astype(dtype), data.y_train, data.x_test.astype(dtype), data.y_test, w0, hp_, keys,
            np.int64(epochs))
    compiled, compile_seconds = _executable(opt.code_name, batching, bucket, batched, args)
    t0 = time.perf_counter()
    record = np.asarray(compiled(*args), dtype=np.float64)
    record = (record if batched else record[None])[:, : epochs + 1]  # (R, epochs + 1, cols)
    seconds = time.perf_counter() - t0
    p = runs.p
    bad = ~(np.isfinite(record[..., :p]).all(axis=-1) & np.isfinite(record[..., p]))
    diverged = np.where(bad.any(axis=1), bad.argmax(axis=1), -1)
    rows = np.swapaxes(record, 0, 1)  # (epochs + 1, R, cols)
    if not batched:
        rows, diverged = rows[:, 0], (None if diverged[0] < 0 else int(diverged[0]))
    m = rows[..., p:]  # train loss, train accuracy, test loss, test accuracy, mean batch loss
    hp_out = runs.hp if batched else {k: float(np.ravel(v)[0]) for k, v in runs.hp.items()}
    return NetworkRun(optimizer, hp_out, runs.seeds if batched else int(runs.seeds[0]), epochs, batching.size,
                      batching.per_epoch, rows[..., :p], m[..., 0], m[..., 2], m[..., 3], m[..., 1],
                      m[1:, ..., 4], diverged, seconds, compile_seconds)


def train_race(choices: Mapping[str, float], epochs: int, batch_size: int, seed: int = 0) -> dict[str, NetworkRun]:
    """Several optimizers side by side, each with its own learning rate: the same start and the same batches."""
    return {name: train_network(name, {"lr": lr}, epochs, batch_size, seed) for name, lr in choices.items()}


# ---------------------------------------------------------------------------------------------------
# The loss landscape around the trained weights.


def filter_normalized_direction(params_flat: np.ndarray, seed: int) -> np.ndarray:
    """A Gaussian direction with each filter (one unit's incoming weights: a column of W) rescaled to the
    norm of the same filter of the weights; bias components zero (Li et al., 2018, Sec. 4)."""
    params = jax.tree.map(np.asarray, _unravel()(jnp.asarray(params_flat)))
    rng = np.random.default_rng(int(seed))
    direction = {}
    for name in sorted(params):
        w = params[name]
        if name.startswith("b"):
            direction[name] = np.zeros_like(w)
            continue
        d = rng.normal(size=w.shape)
        direction[name] = d * (np.linalg.norm(w, axis=0) / np.maximum(np.linalg.norm(d, axis=0), 1e-300))
    return np.asarray(ravel_pytree(direction)[0])


def random_directions(params_flat: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    return filter_normalized_direction(params_flat, 2 * seed), filter_normalized_direction(params_flat, 2 * seed + 1)


def pca_directions(trajectory: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The two principal directions of the per-epoch weights ``trajectory`` (E + 1, P) taken relative to the
    final weights (Li et al., 2018, Sec. 7), unit length, and the share of the variance each explains."""
    m = np.asarray(trajectory, dtype=np.float64) - trajectory[-1]
    m = m - m.mean(axis=0)
    _, s, vt = np.linalg.svd(m, full_matrices=False)
    var = s ** 2
    share = var[:2] / var.sum() if var.sum() > 0 else np.zeros(2)
    d1, d2 = (vt[k] if k < len(vt) else np.zeros(m.shape[1]) for k in range(2))
    return d1, d2, share


def project(trajectory: np.ndarray, center: np.ndarray, d1: np.ndarray, d2: np.ndarray) -> np.ndarray:
    """Shape (E + 1, 2): the least-squares coordinates (α, β) of each ``trajectory`` point minus ``center``
    on the plane spanned by d1, d2 (exact dot products when they are orthonormal)."""
    basis = np.stack([d1, d2], axis=1)  # (P, 2)
    coords, *_ = np.linalg.lstsq(basis, (np.asarray(trajectory) - center).T, rcond=None)
    return coords.T


@partial(jax.jit, static_argnames=("n", "dtype"))
def _slice(center, d1, d2, x, y, span, n, dtype):
    """The mean training loss at the n x n points θ* + α d1 + β d2, one point at a time (``lax.map``): a
    point's hidden layer (N x 128) stays in cache, where a row of points at once spilled to memory."""
    unravel = _unravel()
    c, a, b = (jax.tree.map(lambda v: v.astype(dtype), unravel(v)) for v in (center, d1, d2))
    x = x.astype(dtype)
    axis = jnp.linspace(-1.0, 1.0, n, dtype=dtype)
    alphas, betas = axis * span[0].astype(dtype), axis * span[1].astype(dtype)
    pre = [x @ p["W1"] + p["b1"] for p in (c, a, b)]  # the first layer is linear in the weights

    def point(ab):
        alpha, beta = ab
        h = jax.nn.relu(pre[0] + alpha * pre[1] + beta * pre[2])
        z = h @ (c["W2"] + alpha * a["W2"] + beta * b["W2"]) + (c["b2"] + alpha * a["b2"] + beta * b["b2"])
        return jnp.mean(_cross_entropy(z, y))

    grid_a, grid_b = jnp.meshgrid(alphas, betas)
    return alphas, betas, lax.map(point, (grid_a.ravel(), grid_b.ravel())).reshape(n, n)


@dataclass(frozen=True)
class Landscape:
    """The training loss on a plane through the final weights, and the training path projected onto it."""

    kind: str  # "random" (filter-normalised) | "pca"
    alphas: np.ndarray  # (n,)
    betas: np.ndarray  # (n,)
    loss: np.ndarray  # (n, n): loss[i, j] at (alphas[j], betas[i])
    path: np.ndarray  # (E + 1, 2): the per-epoch weights' coordinates, the last one (0, 0)
    path_loss: np.ndarray  # (E + 1,): the training loss at each epoch (on the weights, not their projection)
    explained: np.ndarray | None  # PCA: share of the trajectory's variance along d1 and d2
    seconds: float


def landscape(run: NetworkRun, kind: str = "random", n: int = 41, seed: int = 0, span: float | None = None,
              dtype: str = "float32") -> Landscape:
    """The loss surface of ``run`` (a single run) on an n x n grid in one jitted call.

    The grid is evaluated in float32 by default (a picture: within 1e-6 of float64, in half the time);
    ``dtype="float64"`` gives the exact numbers."""
    if kind not in ("random", "pca"):
        raise ValueError(f"unknown landscape directions {kind!r}; choose random or pca")
    if run.params.ndim != 2:
        raise ValueError("the landscape is drawn for one run, not a batch")
    if not 3 <= int(n) <= 201:
        raise ValueError(f"the grid must have 3 to 201 points a side, got {n}")
    trajectory = run.params
    center = trajectory[-1]
    explained = None
    if kind == "random":
        d1, d2 = random_directions(center, seed)
    else:
        d1, d2, explained = pca_directions(trajectory)
    path = project(trajectory, center, d1, d2)
    if span is None:  # random: Li et al.'s ±1; PCA: the whole path with a margin
        reach = np.abs(path).max(axis=0) if kind == "pca" else np.ones(2)
        spans = np.maximum(1.25 * reach, 1e-3) if kind == "pca" else reach
    else:
        spans = np.array([float(span), float(span)])
    data = digits_data()
    t0 = time.perf_counter()
    alphas, betas, loss = (np.asarray(a, dtype=np.float64) for a in _slice(center, d1, d2, data.x_train, data.y_train,
                                                         jnp.asarray(spans), int(n), jnp.dtype(dtype)))
    return Landscape(kind, alphas, betas, loss, path, np.asarray(run.train_loss), explained,
                     time.perf_counter() - t0)


def predictions(run: NetworkRun, count: int = 8) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The first ``count`` test digits: images (count, 8, 8), labels, predicted labels, the softmax confidence."""
    data = digits_data()
    flat = run.params[-1] if run.params.ndim == 2 else run.params[-1, 0]
    z = np.asarray(logits(run.unravel(flat), jnp.asarray(data.x_test[:count])))
    prob = np.exp(z - z.max(axis=1, keepdims=True))
    prob /= prob.sum(axis=1, keepdims=True)
    return (data.x_test[:count].reshape(count, *data.shape), data.y_test[:count], prob.argmax(axis=1),
            prob.max(axis=1))
