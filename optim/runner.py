"""The runner: one jitted loop per run, ``vmap`` over starts and hyperparameters.

Structural choices (surface, optimizer code, gradient method, step bucket, batch
shape) are static and select a compiled function; every number a slider moves
(hyperparameters, start, the step count itself) is a traced argument, so moving
it compiles nothing. Here: the public entry points (``descend``, ``descend_batch``),
their records and their argument checks; the compiled loops themselves, three
shapes of one loop, are in ``optim.loops``.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import jax
import numpy as np

import surfaces  # noqa: F401  (turns on float64 before anything traces)
from optim.gradients import DEFAULT_FD_STEP, FINITE_DIFFERENCES, GRADIENT_METHODS, check_fd_step
from optim.loops import compiled_final, compiled_run, final_chunk
from optim.spec import Optimizer
from surfaces.base import Surface

MAX_STEPS = 100_000
MIN_BUCKET = 64


@dataclass(frozen=True)
class Trajectory:
    """One run, index 0 is the start."""

    points: np.ndarray  # shape (steps + 1, 2)
    loss: np.ndarray  # shape (steps + 1,)
    grad_norm: np.ndarray  # shape (steps + 1,)
    diverged_at: int | None  # first index whose point or loss is not finite
    steps: int
    hyperparameters: dict[str, float]
    lr: np.ndarray | None = None  # shape (steps,): the step size update t used, at index t - 1
    states: object = None  # optimizer state after each update (pytree, leading axis steps), if asked for
    grads: np.ndarray | None = None  # shape (steps, 2): ∇f at the point each update started from, if asked for
    schedule: str = "constant"
    schedule_parameters: dict[str, float] | None = None
    # shape (steps + 1, 2): evaluations made to reach each index (value-and-gradient calls, Hessians),
    # 0 at the start; a gradient rule makes one per update, L-BFGS or a line search several
    evaluations: np.ndarray | None = None
    halted_at: int | None = None  # where the rule could not step (a singular Hessian): the run stops there
    halt_reason: str | None = None  # why, in a sentence

    @property
    def final(self) -> np.ndarray:
        """The last point before divergence (or the end point)."""
        k = self.steps if self.diverged_at is None else max(self.diverged_at - 1, 0)
        return self.points[k]

    def steps_to_tolerance(self, tol: float) -> int | None:
        """First index whose gradient norm is below ``tol``; ``None`` if it never gets there."""
        end = len(self.grad_norm) if self.diverged_at is None else self.diverged_at
        hits = np.flatnonzero(self.grad_norm[:end] < tol)
        return int(hits[0]) if hits.size else None


@dataclass(frozen=True)
class BatchResult:
    """Many runs in one call; only what is asked for is kept."""

    final_points: np.ndarray  # shape (B, 2), the point at the last index (held after divergence)
    final_loss: np.ndarray  # shape (B,)
    diverged_at: np.ndarray  # shape (B,), -1 where the run stayed finite
    converged_at: np.ndarray  # shape (B,), first index with grad norm < tol, -1 if never
    points: np.ndarray | None  # shape (steps + 1, B, 2), time-major, only with keep_paths
    loss: np.ndarray | None  # shape (steps + 1, B), only with keep_paths
    halted_at: np.ndarray | None = None  # shape (B,), where the rule could not step, -1 if never
    evaluations: np.ndarray | None = None  # value-and-gradient calls: (B,) in all, or (steps + 1, B) with paths


def step_bucket(steps: int) -> int:
    """The compiled scan length for ``steps``: the next power of two, at least ``MIN_BUCKET``."""
    return max(MIN_BUCKET, 1 << max(int(steps) - 1, 0).bit_length())


def _as_hp(hp: Mapping[str, float]) -> dict[str, np.float64]:
    # One Python/NumPy type for every traced scalar: a change of type would recompile.
    return {k: np.float64(v) for k, v in sorted(hp.items())}


def _gradient_knobs(gradient: str, fd_step) -> dict[str, np.float64]:
    """The difference step ``h`` as a traced knob (finite differences only); validates the method."""
    if gradient not in GRADIENT_METHODS:
        raise ValueError(f"unknown gradient method {gradient!r}; choose one of: {', '.join(GRADIENT_METHODS)}")
    if gradient not in FINITE_DIFFERENCES:
        if fd_step is not None:
            raise ValueError(f"a finite-difference step applies to {' and '.join(FINITE_DIFFERENCES)} only")
        return {}
    return {"fd_step": np.float64(check_fd_step(DEFAULT_FD_STEP[gradient] if fd_step is None else fd_step))}


def _check_steps(steps) -> int:
    if isinstance(steps, bool) or not float(steps).is_integer() or not 0 <= int(steps) <= MAX_STEPS:
        raise ValueError(f"steps must be a whole number from 0 to {MAX_STEPS}, got {steps}")
    return int(steps)


def _check_start(start) -> np.ndarray:
    w0 = np.asarray(start, dtype=np.float64)
    if w0.shape[-1:] != (2,) or not np.all(np.isfinite(w0)):
        raise ValueError(f"the start must be two finite numbers x, y; got {start!r}")
    return w0


def descend(
    surface: Surface,
    optimizer: Optimizer,
    hyperparameters: Mapping[str, float] | None,
    start,
    steps: int,
    *,
    gradient: str = "reverse",
    schedule: str = "constant",
    schedule_parameters: Mapping[str, float] | None = None,
    record_state: bool = False,
    fd_step: float | None = None,
) -> Trajectory:
    """Run ``optimizer`` on ``surface`` from ``start`` for ``steps`` updates; ``ValueError`` on bad input.

    ``record_state`` also returns the optimizer state after every update (momentum buffers,
    second moments), for the anatomy of a step. ``gradient`` is one of ``GRADIENT_METHODS``;
    ``fd_step`` the difference step h of the finite-difference methods (default: ``DEFAULT_FD_STEP``).
    """
    from optim.schedules import get_schedule

    hp = optimizer.resolve(hyperparameters)
    sp = get_schedule(schedule).resolve(schedule_parameters)
    steps = _check_steps(steps)
    w0 = _check_start(start)
    bucket = step_bucket(steps)
    knobs = _gradient_knobs(gradient, fd_step)
    fn = compiled_run(surface, optimizer.code_name, gradient, bucket, False, schedule, record_state)
    k, record, extra, halt = fn(w0, {**_as_hp(hp), **knobs}, _as_hp(sp), np.int64(steps))
    # The record holds still from the last index reached: on the host (NumPy), where a gather over
    # a few thousand rows costs microseconds; in the graph it was a dozen small kernels.
    stop, halt = int(k), int(halt)
    rows = np.asarray(record)[np.minimum(np.arange(steps + 1), stop)]
    points, loss, grad_norm, lr = rows[:, :2], rows[:, 2], rows[:, 3], rows[1:, 4]
    evaluations = rows[:, 5:7].astype(np.int64)
    states = grads = None
    if record_state:
        before = np.minimum(np.arange(steps), max(stop - 1, 0))
        states, grads = jax.tree.map(lambda a: np.asarray(a)[before], extra)
    bad = not (np.isfinite(points[stop]).all() and np.isfinite(loss[stop]))
    diverged_at = stop if bad else None
    halted_at = stop if halt and not bad else None
    reason = optimizer.halts[halt] if halted_at is not None else None
    return Trajectory(points, loss, grad_norm, diverged_at, steps, hp, lr, states, grads, schedule, sp,
                      evaluations, halted_at, reason)


def _broadcast_parameters(given: Mapping | None, resolve) -> dict[str, np.ndarray]:
    """Validate every distinct row of batched parameters; merge them over the declared defaults.

    A row is one run's combination (Nesterov next to plain GD is valid, each on its own), so rows,
    not single values, are checked, each once.
    """
    arrays = {k: np.atleast_1d(np.asarray(v, dtype=np.float64)) for k, v in dict(given or {}).items()}
    if not arrays:
        return resolve({})
    names = sorted(arrays)
    b = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    table = np.stack([np.broadcast_to(arrays[k], b).ravel() for k in names], axis=1)  # (rows, names)
    for row in np.unique(table, axis=0):
        resolve(dict(zip(names, row.tolist(), strict=True)))
    scalars = {k: v for k, v in dict(given).items() if np.ndim(v) == 0}
    return {**resolve({**scalars, **{k: table[0, i] for i, k in enumerate(names)}}), **arrays}


def descend_batch(
    surface: Surface,
    optimizer: Optimizer,
    hyperparameters: Mapping[str, float | np.ndarray] | None,
    starts,
    steps: int,
    *,
    tol: float = 1e-6,
    keep_paths: bool = False,
    gradient: str = "reverse",
    schedule: str = "constant",
    schedule_parameters: Mapping[str, float | np.ndarray] | None = None,
    fd_step: float | None = None,
) -> BatchResult:
    """Many runs in one call: hyperparameter values, schedule parameters and starts broadcast to one batch axis.

    Values may be scalars or arrays of shape ``(B,)``; ``starts`` is ``(2,)`` or ``(B, 2)``. Every
    distinct value is validated as ``descend`` would.
    """
    from optim.schedules import get_schedule

    sched = get_schedule(schedule)
    hp = _broadcast_parameters(hyperparameters, optimizer.resolve)
    sp = _broadcast_parameters(schedule_parameters, sched.resolve)
    steps = _check_steps(steps)
    w0 = _check_start(starts)
    sizes = {np.shape(v)[0] for v in (*hp.values(), *sp.values()) if np.ndim(v)}
    sizes |= {w0.shape[0]} if w0.ndim == 2 else set()
    sizes.discard(1)
    if len(sizes) > 1:
        raise ValueError(f"batched arguments disagree in length: {sorted(sizes)}")
    b = sizes.pop() if sizes else 1

    w0_b = np.broadcast_to(w0, (b, 2))
    knobs = _gradient_knobs(gradient, fd_step)
    if not keep_paths:
        return _final_batch(surface, optimizer.code_name, gradient, schedule, w0_b, hp, sp, steps, tol, knobs)

    def as_batch(params: dict) -> dict[str, np.ndarray]:
        return {k: np.broadcast_to(np.asarray(v, dtype=np.float64), (b,)) for k, v in sorted(params.items())}

    fn = compiled_run(surface, optimizer.code_name, gradient, step_bucket(steps), True, schedule)
    (w, f, div, conv, halted), paths = fn(w0_b, as_batch({**hp, **knobs}), as_batch(sp), np.int64(steps),
                                          np.float64(tol))
    div, conv, halted = np.asarray(div), np.asarray(conv), np.asarray(halted)
    # Indices past the requested count belong to the padding of the bucket.
    conv = np.where(conv > steps, -1, conv)
    div = np.where(div > steps, -1, div)
    points = np.asarray(paths[0])[: steps + 1]
    loss = np.asarray(paths[1])[: steps + 1]
    evaluations = np.asarray(paths[5])[: steps + 1, :, 0].astype(np.int64)
    return BatchResult(np.asarray(w), np.asarray(f), div, conv, points, loss, halted, evaluations)


def _final_batch(surface, code_name, gradient, schedule, starts, hp, sp, steps, tol, knobs) -> BatchResult:
    """Final points of ``B`` runs through ``compiled_final``, padded to whole blocks (repeats of the last run)."""
    b = len(starts)
    chunk = final_chunk()
    if chunk is not None and b <= chunk:  # one block of its own size: padding a small batch is wasted work
        chunk = None
    size = b if chunk is None else -(-b // chunk) * chunk
    pad = lambda a: np.concatenate([a, np.repeat(a[-1:], size - b, axis=0)]) if size > b else a  # noqa: E731
    xy = np.ascontiguousarray(pad(starts).T)
    fn = compiled_final(surface, code_name, gradient, schedule, chunk)
    # Two layouts, so which knob varies never recompiles: every value shared by all runs (scalars in
    # the loop: a basin map, 1.5x faster than streaming them), or every value one per run.
    if all(np.size(v) == 1 for v in (*hp.values(), *sp.values())):
        one = lambda a: np.float64(np.ravel(a)[0])  # noqa: E731
    else:
        one = lambda a: pad(np.broadcast_to(np.asarray(a, dtype=np.float64), (b,)))  # noqa: E731
    # The difference step stays one scalar for the block (the block's gradient is vectorised around it).
    w, f, div, conv, halted, evals = fn(xy, {**{k: one(v) for k, v in hp.items()}, **knobs},
                                        {k: one(v) for k, v in sp.items()}, np.int32(steps), np.float64(tol))
    return BatchResult(np.asarray(w)[:, :b].T, np.asarray(f)[:b], np.asarray(div)[:b], np.asarray(conv)[:b],
                       None, None, np.asarray(halted)[:b], np.asarray(evals)[:b].astype(np.int64))
