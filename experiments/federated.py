"""Federated learning on a data surface (the course's Section 3.2.3): the data stays with K clients.

Each round the server sends its weights w to every client. In **FedSGD** each client returns the
gradient of its own mean loss, g_k = ∇L_k(w), and the server steps along their average weighted by
data size, w ← w − η Σ_k (n_k/N) g_k. Since L = Σ_k (n_k/N) L_k, that average *is* the full gradient:
FedSGD walks exactly centralized GD's path (to rounding, checked to 1e-12). In **FedAvg** each client
takes E local full-batch GD steps on its own L_k from w (deterministic, so E = 1 is FedSGD again) and
returns its weights; the server averages the weights, w ← Σ_k (n_k/N) w_k. With E > 1 and clients whose
data differ (different regions of the feature, different label mixes) the local walks head for the
clients' own minimizers, and the average of those walks settles away from the true minimizer: drift.

Counting: a round is one exchange of weights (communication); client computation counts per-sample
gradient evaluations (every client evaluates all of its n_k samples per local step: N per FedSGD round,
E·N per FedAvg round).

The clients' data are padded to one array of shape (K, M) with 0/1 weights, every algorithm is one
jitted ``lax.scan`` over rounds with ``vmap`` over clients (no Python loop over either); rounds run to
a power-of-two bucket and hold still after the requested number, so a new round count rarely compiles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from optim import MAX_STEPS, descend, get_optimizer, step_bucket
from surfaces.data import DataSurface, minimizer, sample_loss

SPLITS = ("even", "regions", "labels")
SPLIT_TITLES = {
    "even": "even random split",
    "regions": "by region of the feature",
    "labels": "by label mix",
}
MAX_LOCAL_STEPS = 100
LABEL_BLUR = 1.5  # labels split: sort by y + U(0, LABEL_BLUR), so neighbouring clients share some of both classes
MAX_WORK = MAX_STEPS  # rounds × local steps: the budget of centralized GD's comparison run


@dataclass(frozen=True, eq=False)
class Split:
    """K clients' samples, padded: ``x``/``y``/``mask``/``index`` of shape (K, M); ``index`` is -1 on padding."""

    kind: str
    seed: int
    x: np.ndarray
    y: np.ndarray
    mask: np.ndarray  # 1.0 where a client holds a sample, 0.0 on padding
    index: np.ndarray  # the sample's row in the data surface, -1 on padding
    counts: np.ndarray  # (K,) n_k

    @property
    def k(self) -> int:
        return int(self.counts.shape[0])

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    @property
    def weights(self) -> np.ndarray:
        """n_k / N: the server's weight for client k."""
        return self.counts / self.counts.sum()

    def client_of(self) -> np.ndarray:
        """(N,) the client holding each sample of the surface (in the surface's order)."""
        out = np.empty(self.n, dtype=np.int64)
        for k in range(self.k):
            out[self.index[k, : self.counts[k]]] = k
        return out


def _whole(value, what: str) -> int:
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a whole number, not {value!r}") from None
    if not math.isfinite(f) or f != int(f):
        raise ValueError(f"{what} must be a whole number, not {value!r}")
    return int(f)


def check_clients(n_samples: int, k) -> int:
    k = _whole(k, "the number of clients")
    if k < 1:
        raise ValueError(f"the number of clients must be at least 1, not {k}")
    if k > n_samples:
        raise ValueError(f"{k} clients cannot share {n_samples} samples: every client needs at least one sample")
    return k


def split_data(surface: DataSurface, k, kind: str = "even", seed=0) -> Split:
    """Deal ``surface``'s samples to ``k`` clients; ``ValueError`` (one sentence) on bad input.

    ``even``: a seeded random permutation cut into K nearly equal parts (every client sees the same
    distribution). ``regions``: sorted by the feature and cut, so each client sees one stretch of x.
    ``labels`` (classification only): sorted by the label plus seeded uniform noise on [0, 1.5) and cut,
    so the clients' label mixes run from mostly one class to mostly the other (two clients: about 5/6 of
    class 0 and 5/6 of class 1; with many clients the first and last hold one class only).
    """
    if kind not in SPLITS:
        raise ValueError(f"unknown split {kind!r}; choose one of: {', '.join(SPLITS)}")
    seed = _whole(seed, "the seed")
    if seed < 0:
        raise ValueError(f"the seed must be 0 or more, not {seed}")
    x, y = np.asarray(surface.features, dtype=np.float64), np.asarray(surface.targets, dtype=np.float64)
    n = x.shape[0]
    k = check_clients(n, k)
    rng = np.random.default_rng(seed)
    if kind == "even":
        order = rng.permutation(n)
    elif kind == "regions":
        order = np.argsort(x, kind="stable")
    else:
        if surface.model != "logistic":
            raise ValueError("a split by label mix needs a classification surface (blobs or iris); "
                             "choose 'even' or 'regions' for regression")
        order = np.argsort(y + rng.uniform(0.0, LABEL_BLUR, n), kind="stable")  # by label, blurred
    return split_from_parts(x, y, np.array_split(order, k), kind, seed)


def split_from_parts(x, y, parts, kind: str = "custom", seed: int = 0) -> Split:
    """A split from explicit client index lists (each sample in exactly one, every list non-empty)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    parts = [np.asarray(p, dtype=np.int64).reshape(-1) for p in parts]
    if not parts or min(len(p) for p in parts) < 1:
        raise ValueError("every client needs at least one sample")
    if not np.array_equal(np.sort(np.concatenate(parts)), np.arange(x.shape[0])):
        raise ValueError("the clients' samples must cover every sample exactly once")
    k, m = len(parts), max(len(p) for p in parts)
    index = np.full((k, m), -1, dtype=np.int64)
    for i, p in enumerate(parts):
        index[i, : len(p)] = p
    mask = (index >= 0).astype(np.float64)
    safe = np.where(index >= 0, index, 0)
    return Split(kind, seed, np.where(mask > 0, x[safe], 0.0), np.where(mask > 0, y[safe], 0.0), mask, index,
                 np.array([len(p) for p in parts], dtype=np.int64))


def client_minimizers(surface: DataSurface, split: Split) -> list[tuple[float, float] | None]:
    """Each client's own minimizer of L_k, or None where it does not exist (one label only, separable data,
    a single feature value)."""
    out: list[tuple[float, float] | None] = []
    for k in range(split.k):
        xk, yk = split.x[k, : split.counts[k]], split.y[k, : split.counts[k]]
        w = None
        if np.ptp(xk) > 0 and not (surface.model == "logistic" and np.ptp(yk) == 0):
            with np.errstate(all="ignore"):
                try:
                    w = minimizer(surface.model, xk, yk)
                except np.linalg.LinAlgError:
                    w = None
            if w is not None and not (np.isfinite(w).all() and np.abs(w).max() < 1e6
                                      and _grad_small(surface, w, xk, yk)):
                w = None
        out.append(None if w is None else (float(w[0]), float(w[1])))
    return out


def _grad_small(surface: DataSurface, w, x, y) -> bool:
    z = w[0] + w[1] * x
    r = 2 * (z - y) if surface.model == "linear" else 1 / (1 + np.exp(-z)) - y
    return bool(np.abs([r.mean(), (r * x).mean()]).max() < 1e-8)


def _client_loss(model: str, w, x, y, mask, n):
    """L_k(w): client k's mean loss over its own samples (padding weighs 0)."""
    return jnp.sum(mask * sample_loss(model, w, x, y)) / n


def _server_loss(model: str, w, x, y, mask, n, p):
    """L(w) = Σ_k (n_k/N) L_k(w): the full mean loss, as the server would assemble it."""
    return jnp.sum(p * jax.vmap(partial(_client_loss, model), in_axes=(None, 0, 0, 0, 0))(w, x, y, mask, n))


@partial(jax.jit, static_argnames=("model", "bucket"))
def _fedsgd(model, bucket, x, y, mask, counts, w0, eta, rounds):
    """FedSGD: per round every client's gradient, averaged by n_k/N on the server, one GD step."""
    p, n = counts / jnp.sum(counts), jnp.maximum(counts, 1.0)
    values_and_grads = jax.vmap(jax.value_and_grad(partial(_client_loss, model)), in_axes=(None, 0, 0, 0, 0))

    def round_(w, t):
        losses, grads = values_and_grads(w, x, y, mask, n)  # L_k(w) comes free with the gradient
        g = jnp.einsum("k,ki->i", p, grads)  # the server's weighted average
        return jnp.where(t < rounds, w - eta * g, w), (w, jnp.sum(p * losses))

    w_last, (ws, loss) = lax.scan(round_, w0, jnp.arange(bucket))  # row t: w_t and L(w_t) before round t
    return (jnp.concatenate([ws, w_last[None]]),
            jnp.concatenate([loss, _server_loss(model, w_last, x, y, mask, n, p)[None]]))


@partial(jax.jit, static_argnames=("model", "bucket"))
def _fedavg(model, bucket, x, y, mask, counts, w0, eta, local_steps, rounds):
    """FedAvg: per round every client runs ``local_steps`` GD steps from w; the server averages the weights."""
    p, n = counts / jnp.sum(counts), jnp.maximum(counts, 1.0)
    grad = jax.grad(partial(_client_loss, model))

    def local(w, xk, yk, mk, nk):
        return lax.fori_loop(0, local_steps, lambda _, v: v - eta * grad(v, xk, yk, mk, nk), w)

    clients = jax.vmap(local, in_axes=(None, 0, 0, 0, 0))

    def round_(w, t):
        w_new = jnp.einsum("k,ki->i", p, clients(w, x, y, mask, n))  # the server's weighted average
        w = jnp.where(t < rounds, w_new, w)
        return w, (w, _server_loss(model, w, x, y, mask, n, p))

    _, (ws, loss) = lax.scan(round_, w0, jnp.arange(bucket))
    return (jnp.concatenate([w0[None], ws]),
            jnp.concatenate([_server_loss(model, w0, x, y, mask, n, p)[None], loss]))


@dataclass(frozen=True, eq=False)
class FedRun:
    """One federated (or centralized) run: ``points`` (rounds + 1, 2), ``loss`` (rounds + 1,) the full mean
    loss after each round, ``work`` (rounds + 1,) per-sample gradient evaluations so far (all clients)."""

    name: str
    points: np.ndarray
    loss: np.ndarray
    work: np.ndarray
    local_steps: int = 1

    @property
    def rounds(self) -> int:
        return int(self.points.shape[0] - 1)

    @property
    def diverged_at(self) -> int | None:
        bad = ~(np.isfinite(self.loss) & np.isfinite(self.points).all(axis=1))
        return int(np.argmax(bad)) if bad.any() else None


def _check_run(eta, local_steps, rounds) -> tuple[float, int, int]:
    try:
        eta = float(eta)
    except (TypeError, ValueError):
        raise ValueError(f"the learning rate must be a number, not {eta!r}") from None
    if not (math.isfinite(eta) and eta > 0):
        raise ValueError(f"the learning rate must be a positive number, not {eta!r}")
    local_steps = _whole(local_steps, "the number of local steps")
    if local_steps < 1:
        raise ValueError(f"the number of local steps must be at least 1, not {local_steps}")
    if local_steps > MAX_LOCAL_STEPS:
        raise ValueError(f"at most {MAX_LOCAL_STEPS} local steps per round, not {local_steps}")
    rounds = _whole(rounds, "the number of rounds")
    if rounds < 1:
        raise ValueError(f"the number of rounds must be at least 1, not {rounds}")
    if rounds * local_steps > MAX_WORK:
        raise ValueError(f"rounds × local steps = {rounds * local_steps:,} is beyond the cap of {MAX_WORK:,}")
    return eta, local_steps, rounds


def _bucket(n: int, least: int) -> int:
    return max(least, 1 << max(n - 1, 0).bit_length())


def _as_arrays(split: Split):
    """The split padded to power-of-two (clients, samples), so most changes of K reuse a compiled loop:
    padded clients hold no samples and weigh n_k/N = 0 (their mean divides by max(n_k, 1))."""
    k, m = _bucket(split.k, 1), _bucket(split.x.shape[1], 1)

    def pad(a):
        return jnp.asarray(np.pad(a, ((0, k - a.shape[0]), (0, m - a.shape[1]))))

    return (pad(split.x), pad(split.y), pad(split.mask),
            jnp.asarray(np.pad(split.counts.astype(np.float64), (0, k - split.k))))


def _start(start) -> jnp.ndarray:
    w0 = np.asarray(start, dtype=np.float64).reshape(-1)
    if w0.shape != (2,) or not np.isfinite(w0).all():
        raise ValueError(f"the start must be two finite numbers, not {start!r}")
    return jnp.asarray(w0)


def fedsgd(surface: DataSurface, split: Split, start, eta, rounds) -> FedRun:
    """FedSGD for ``rounds`` rounds: clients send gradients, the server averages them by n_k/N and steps."""
    eta, _, rounds = _check_run(eta, 1, rounds)
    bucket = step_bucket(rounds)
    ws, loss = _fedsgd(surface.model, bucket, *_as_arrays(split), _start(start), eta, rounds)
    work = np.arange(rounds + 1, dtype=np.int64) * split.n
    return FedRun("FedSGD", np.asarray(ws)[: rounds + 1], np.asarray(loss)[: rounds + 1], work)


def fedavg(surface: DataSurface, split: Split, start, eta, local_steps, rounds) -> FedRun:
    """FedAvg for ``rounds`` rounds of ``local_steps`` local full-batch GD steps per client."""
    eta, local_steps, rounds = _check_run(eta, local_steps, rounds)
    bucket = step_bucket(rounds)
    ws, loss = _fedavg(surface.model, bucket, *_as_arrays(split), _start(start), eta, local_steps, rounds)
    work = np.arange(rounds + 1, dtype=np.int64) * split.n * local_steps
    return FedRun(f"FedAvg (E = {local_steps})", np.asarray(ws)[: rounds + 1], np.asarray(loss)[: rounds + 1],
                  work, local_steps)


def centralized(surface: DataSurface, start, eta, steps) -> FedRun:
    """Plain GD on the pooled data (``optim.descend`` with "gd"): what federated learning must match."""
    eta, _, steps = _check_run(eta, 1, steps)
    t = descend(surface, get_optimizer("gd"), {"lr": eta}, tuple(map(float, start)), steps)
    return FedRun("centralized GD", np.asarray(t.points), np.asarray(t.loss),
                  np.arange(steps + 1, dtype=np.int64) * surface.n)


@dataclass(frozen=True, eq=False)
class Comparison:
    """Centralized GD, FedSGD and FedAvg on one split, on the same computation budget (rounds × E steps
    for GD and FedSGD, ``rounds`` rounds of E local steps for FedAvg), with the drift measured."""

    split: Split
    gd: FedRun
    fedsgd: FedRun
    fedavg: FedRun
    w_star: tuple[float, float]
    loss_star: float
    client_minima: list[tuple[float, float] | None]

    @property
    def fedsgd_gap(self) -> float:
        """max over the path of ‖FedSGD − centralized GD‖∞ (should be rounding)."""
        return _max_gap(self.fedsgd.points, self.gd.points)

    @property
    def drift(self) -> float:
        """‖FedAvg's last point − w*‖₂: how far the federated average ends from the true minimizer."""
        return float(np.linalg.norm(self.fedavg.points[-1] - np.asarray(self.w_star)))

    @property
    def gd_distance(self) -> float:
        """‖centralized GD's last point − w*‖₂ after the same computation."""
        return float(np.linalg.norm(self.gd.points[-1] - np.asarray(self.w_star)))

    @property
    def fedavg_vs_gd(self) -> float:
        """‖FedAvg − centralized GD‖₂ at the end, after the same client computation."""
        return float(np.linalg.norm(self.fedavg.points[-1] - self.gd.points[-1]))

    def rows(self) -> list[dict]:
        """One row per algorithm for the results table."""
        out = []
        for run in (self.gd, self.fedsgd, self.fedavg):
            last = run.points[-1]
            out.append({
                "algorithm": run.name,
                "rounds of communication": 0 if run is self.gd else run.rounds,
                "updates of w": run.rounds,
                "per-sample gradient evaluations": int(run.work[-1]),
                "final loss − L*": float(run.loss[-1] - self.loss_star),
                "distance to w*": float(np.linalg.norm(last - np.asarray(self.w_star))),
                "w₀": float(last[0]), "w₁": float(last[1]),
                "diverged at": run.diverged_at,
            })
        return out


def _max_gap(a, b) -> float:
    a, b = np.asarray(a), np.asarray(b)
    m = min(len(a), len(b))
    with np.errstate(invalid="ignore"):
        d = np.abs(a[:m] - b[:m])
    return float(np.nanmax(d)) if np.isfinite(d).any() else math.inf


def compare(surface: DataSurface, k, kind: str, local_steps, eta, rounds, start=None, seed=0) -> Comparison:
    """The page's computation: split, run the three algorithms on the same computation budget, measure drift."""
    if not isinstance(surface, DataSurface):
        raise ValueError(f"federated learning needs a data surface, not {surface.name!r}")
    eta, local_steps, rounds = _check_run(eta, local_steps, rounds)
    split = split_data(surface, k, kind, seed)
    start = surface.start if start is None else start
    budget = rounds * local_steps
    return Comparison(
        split=split,
        gd=centralized(surface, start, eta, budget),
        fedsgd=fedsgd(surface, split, start, eta, budget),
        fedavg=fedavg(surface, split, start, eta, local_steps, rounds),
        w_star=surface.minima[0].point,
        loss_star=float(surface.minima[0].value),
        client_minima=client_minimizers(surface, split),
    )


def zoom_window(c: Comparison, domain) -> tuple[tuple[float, float], tuple[float, float]]:
    """A square window around w* and FedAvg's end, wide enough to show the drift (inside ``domain``'s scale)."""
    w_star = np.asarray(c.w_star)
    end = None if c.fedavg.diverged_at is not None else _finite_end(c.fedavg.points)
    (x0, x1), (y0, y1) = domain
    least = 0.01 * max(x1 - x0, y1 - y0)
    if end is None:
        centre, half = w_star, 10 * least
    else:
        centre = (w_star + end) / 2
        half = max(2.0 * float(np.max(np.abs(end - w_star))), least)
    return (float(centre[0] - half), float(centre[0] + half)), (float(centre[1] - half), float(centre[1] + half))


def _finite_end(points) -> np.ndarray | None:
    pts = np.asarray(points)
    ok = np.isfinite(pts).all(axis=1)
    return None if not ok.any() else pts[np.flatnonzero(ok)[-1]]


def grid_on(surface: DataSurface, window, n: int = 160) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(xs, ys, Z)`` of the full loss on an ``n × n`` grid over ``window`` (the zoomed contour)."""
    (x0, x1), (y0, y1) = window
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    X, Y = np.meshgrid(xs, ys)
    return xs, ys, np.asarray(surface.fn(jnp.asarray(X), jnp.asarray(Y)))
