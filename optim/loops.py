"""The jitted loops behind ``optim.runner``: one compiled function per structural choice.

Three shapes of the same loop:

* ``descend`` (one recorded run): a ``lax.while_loop`` that stops at the requested
  step, writing into a record sized by the step count's power-of-two bucket;
* ``descend_batch(keep_paths=True)``: ``vmap`` of a ``lax.scan`` over the bucket that
  holds still past the requested count (time-major paths);
* ``descend_batch`` (final points): blocks of runs as structure of arrays, a loop
  to the requested step with per-run trackers, no bucket at all.

Divergence: the first index whose point or loss is not finite. From there on the
run holds still (the record repeats that index), so nothing downstream sees a
half-overflowed path.
"""

from __future__ import annotations

from functools import lru_cache

import jax
import jax.numpy as jnp
from jax import lax

import surfaces  # noqa: F401  (turns on float64 before anything traces)
from optim.common import stepper
from optim.gradients import value_and_grad
from surfaces.base import Surface

NO_EVALUATIONS = (0, 0)  # (value-and-gradient calls, Hessians) before the first update


def _value_and_grad(loss_fn, method: str, argnums=0, hp=None):
    """``(f, ∇f)`` by the chosen gradient method (``optim.gradients``); finite differences read their step
    from ``hp["fd_step"]``, a traced value like every other knob."""
    return value_and_grad(loss_fn, method, argnums, None if hp is None else hp.get("fd_step"))


def _all_finite(tree) -> jax.Array:
    leaves = jax.tree.leaves(tree)
    return jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in leaves]))


def _norm(tree) -> jax.Array:
    return jnp.sqrt(sum(jnp.sum(x * x) for x in jax.tree.leaves(tree)))


def _run_single(loss_fn, fns, sched, method, bucket, record_state, w0, hp, sp, n_steps):
    """One recorded run, for ``descend``: a ``while_loop`` that stops after ``n_steps`` updates or at
    the first index whose point or loss is not finite, writing each index into ``bucket``-sized records.

    At update t the schedule scales the learning rate, ``eta_t = hp["lr"] * m_t``, exactly as a
    torch LR scheduler rewrites the group's ``lr`` (so Adagrad's lr_decay and AdamW's decay see it).
    Returns ``(k, record, extra)``: ``k`` the last index reached (``n_steps``, or where the run went
    bad), ``record`` rows ``(x, y, f, ‖∇f‖, η)`` per index (η: the step size of the update that led
    there; row 0 holds η₁), ``extra`` the optimizer state and gradient per update if asked for. Rows
    past ``k`` are left as they were and the caller holds the record still from ``k``. Stopping
    at ``n_steps`` rather than running the whole bucket saves up to half the steps. With four
    record buffers instead of one, XLA:CPU ran each call's thunks on its worker pool (perf: futex
    wake-ups around ThunkExecutor) and a 500-step call took ~140 us instead of ~46 us.
    """
    value_and_grad = _value_and_grad(loss_fn, method, hp=hp)
    step = stepper(fns, loss_fn, value_and_grad)
    f0, g0 = value_and_grad(w0)
    state0, sched0 = fns.init(w0, hp), sched.init(sp)
    lr1 = hp["lr"] * sched.multiplier(1, f0, sched0, sp)[0]  # so a run that is bad at its start still has an η
    rows = lambda x, n: jnp.zeros((n, *jnp.shape(x)), jnp.result_type(x))  # noqa: E731
    # One record, one row per index: x, y, f, ‖∇f‖, the η of the update that led there and the evaluations
    # so far (value-and-gradient calls, Hessians): one buffer to fill and to copy to the host instead of
    # several (see the docstring for why it matters).
    dtype = jnp.result_type(w0)
    row = lambda w, f, g, lr, ev: jnp.concatenate([w, jnp.stack([f, _norm(g), lr]), ev.astype(dtype)])  # noqa: E731
    evals0 = jnp.asarray(NO_EVALUATIONS, jnp.int32)
    record = jnp.zeros((bucket + 1, 7), dtype).at[0].set(row(w0, f0, g0, lr1, evals0))
    extra = (jax.tree.map(lambda x: rows(x, bucket), state0), rows(g0, bucket)) if record_state else None

    def going(c):
        k, w, _, _, f, _, _, _, _, halt = c
        return (k < n_steps) & _all_finite(w) & jnp.isfinite(f) & (halt == 0)

    def body(c):
        k, w, state, sched_state, f, g, evals, record, extra, _ = c
        t = k + 1
        m, sched_state = sched.multiplier(t, f, sched_state, sp)
        lr_t = hp["lr"] * m
        moved = step(f, g, state, w, {**hp, "lr": lr_t}, t)
        w_new, state, evals = moved.params, moved.state, evals + moved.evaluations
        f_new, g_new = value_and_grad(w_new)
        record = record.at[t].set(row(w_new, f_new, g_new, lr_t, evals))
        if record_state:
            states, grads = extra
            extra = (jax.tree.map(lambda r, x: r.at[k].set(x), states, state), grads.at[k].set(g))
        k = jnp.where(moved.halt == 0, t, k)  # a rule that could not step (halt) leaves the run where it stands
        return k, w_new, state, sched_state, f_new, g_new, evals, record, extra, moved.halt

    c0 = (jnp.asarray(0, dtype=jnp.int64), w0, state0, sched0, f0, g0, evals0, record, extra, jnp.asarray(0, jnp.int32))
    k, *_, record, extra, halt = lax.while_loop(going, body, c0)
    return k, record, extra, halt


def _run_recorded(loss_fn, fns, sched, method, bucket, record_state, w0, hp, sp, n_steps, tol):
    """The recorded run: the loop body is a plain chain (gradient, schedule, update, record).

    Divergence and convergence are found after the scan, in one vectorised pass, and the record
    holds still from the first bad index (or from ``n_steps``) by gathering. Keeping index
    trackers and hold-``where``s out of the body matters: XLA:CPU then runs the loop body as one
    sequential chain; with them, Adam's step cost 13x more (benchmarks/prototypes.py measured it).
    """
    value_and_grad = _value_and_grad(loss_fn, method, hp=hp)
    step = stepper(fns, loss_fn, value_and_grad)

    def body(carry, t):
        w, state, sched_state = carry
        f, g = value_and_grad(w)
        m, sched_state = sched.multiplier(t, f, sched_state, sp)
        lr_t = hp["lr"] * m
        moved = step(f, g, state, w, {**hp, "lr": lr_t}, t)
        return ((moved.params, moved.state, sched_state),
                (w, f, _norm(g), lr_t, (moved.state, g) if record_state else None, moved.evaluations, moved.halt))

    ts = jnp.arange(1, bucket + 1, dtype=jnp.int64)
    (w, _, _), (points, loss, grad_norm, lr, states, evals, halts) = lax.scan(
        body, (w0, fns.init(w0, hp), sched.init(sp)), ts)
    f_end, g_end = value_and_grad(w)
    append = lambda seq, last: jnp.concatenate([seq, last[None]])  # noqa: E731
    points, loss, grad_norm = append(points, w), append(loss, f_end), append(grad_norm, _norm(g_end))
    evals = jnp.concatenate([jnp.zeros((1, 2), jnp.int32), jnp.cumsum(evals, axis=0)])  # so far, per index
    k = jnp.arange(bucket + 1)
    bad = ~(jnp.all(jnp.isfinite(points), axis=-1) & jnp.isfinite(loss)) & (k <= n_steps)
    halted = (halts != 0) & (k[:-1] < n_steps)  # the update from index k could not be taken
    diverged = bad.any()
    stop = jnp.where(diverged, jnp.argmax(bad), n_steps)  # the record holds still from here
    halted_at = jnp.where(halted.any() & (jnp.argmax(halted) < stop), jnp.argmax(halted), -1)
    stop = jnp.where(halted_at >= 0, halted_at, stop)
    held = jnp.minimum(k, stop)
    points, loss, grad_norm, evals = points[held], loss[held], grad_norm[held], evals[held]
    lr = lr[jnp.minimum(k[:-1], jnp.maximum(stop - 1, 0))]
    if record_state:
        states = jax.tree.map(lambda a: a[jnp.minimum(k[:-1], jnp.maximum(stop - 1, 0))], states)
    hit = (grad_norm < tol) & (k <= stop) & ~(diverged & (k == stop))
    converged_at = jnp.where(hit.any(), jnp.argmax(hit), -1)
    diverged_at = jnp.where(diverged & (halted_at < 0), stop, -1)
    summary = (points[-1], loss[-1], diverged_at, converged_at, halted_at)
    return summary, (points, loss, grad_norm, lr, states, evals)


def _run_final(surface, fns, sched, method, xy, hp, sp, n_steps, tol):
    """Final points only, for a block of runs laid out as structure of arrays.

    ``xy`` is ``(2, b)``: every coordinate is one contiguous vector and every elementwise operation
    one vector loop over the block (the ``(b, 2)`` layout of ``vmap`` interleaves x and y). The loop
    stops at ``n_steps`` itself (a traced bound: no step bucket, one compile for every step count),
    and the trackers are the recorded run's rules, per run: ``diverged_at`` the first index whose
    point or loss is not finite (the run holds still from there), ``converged_at`` the first finite
    index with ``‖∇f‖ < tol`` (tested as ``‖∇f‖² < tol²``: no square root per step). The same
    arithmetic as ``_run_recorded`` applies to each run, up to rounding where the compiler vectorises it
    differently.
    """
    # The gradient of the surface's f(x, y) in its two scalars, vmapped over the block: taking it of the
    # stacked point instead (as the single runner does) measured 1.5x slower here (the (b, 2) layout again).
    value_and_grad = jax.vmap(_value_and_grad(surface.fn, method, argnums=(0, 1), hp=hp))
    b = xy.shape[1]
    batch = lambda tree: jax.tree.map(lambda a: jnp.broadcast_to(a, (b,)), tree)  # noqa: E731

    def body(t, carry):  # t = 1 .. n_steps; this body handles index t - 1
        w, state, sched_state, diverged_at, converged_at = carry
        f, g = value_and_grad(*w)
        gn2 = g[0] * g[0] + g[1] * g[1]
        idx = t - 1
        bad = ~(jnp.isfinite(w[0]) & jnp.isfinite(w[1]) & jnp.isfinite(f))
        diverged_at = jnp.where((diverged_at < 0) & bad, idx, diverged_at)
        converged_at = jnp.where((converged_at < 0) & (diverged_at < 0) & (gn2 < tol * tol), idx, converged_at)
        m, sched_new = sched.multiplier(t, f, sched_state, sp)
        w_new, state_new = fns.update(g, state, w, {**hp, "lr": hp["lr"] * m}, t)
        move = diverged_at < 0
        hold = lambda new, old: jax.tree.map(lambda a, c: jnp.where(move, a, c), new, old)  # noqa: E731
        return hold(w_new, w), hold(state_new, state), batch(hold(sched_new, sched_state)), diverged_at, converged_at

    w0 = (xy[0], xy[1])
    minus_one = jnp.full((b,), -1, dtype=jnp.int32)
    carry0 = (w0, batch(fns.init(w0, hp)), batch(sched.init(sp)), minus_one, minus_one)
    w, _, _, diverged_at, converged_at = lax.fori_loop(jnp.int32(1), n_steps + 1, body, carry0)
    f_end, g_end = value_and_grad(*w)
    gn_end = jnp.sqrt(g_end[0] * g_end[0] + g_end[1] * g_end[1])
    bad_end = ~(jnp.isfinite(w[0]) & jnp.isfinite(w[1]) & jnp.isfinite(f_end))
    diverged_at = jnp.where((diverged_at < 0) & bad_end, n_steps, diverged_at)
    converged_at = jnp.where((converged_at < 0) & (diverged_at < 0) & (gn_end < tol), n_steps, converged_at)
    evaluations = jnp.where(diverged_at < 0, n_steps, diverged_at)  # a gradient rule: one per update taken
    return jnp.stack(w), f_end, diverged_at, converged_at, jnp.full((b,), -1, jnp.int32), evaluations


def _run_final_each(surface, fns, sched, method, xy, hp, sp, n_steps, tol):
    """``_run_final`` for a rule that reads whole tensors (``Optimizer.elementwise`` False, e.g. Adafactor's
    root mean squares): each run's point is one ``(2,)`` vector and the runs of the block are vmapped, so no
    norm mixes two runs. Same arguments, trackers and results as ``_run_final``."""

    def one(w0, hp, sp):
        value_and_grad = _value_and_grad(surface, method, hp=hp)
        step = stepper(fns, surface, value_and_grad)

        def body(t, carry):
            w, state, sched_state, diverged_at, converged_at, halted_at, evals = carry
            f, g = value_and_grad(w)
            idx = t - 1
            bad = ~(_all_finite(w) & jnp.isfinite(f))
            diverged_at = jnp.where((diverged_at < 0) & (halted_at < 0) & bad, idx, diverged_at)
            converged_at = jnp.where((converged_at < 0) & (diverged_at < 0) & (g[0] * g[0] + g[1] * g[1] < tol * tol),
                                     idx, converged_at)
            m, sched_new = sched.multiplier(t, f, sched_state, sp)
            moved = step(f, g, state, w, {**hp, "lr": hp["lr"] * m}, t)
            running = (diverged_at < 0) & (halted_at < 0)
            halted_at = jnp.where(running & (moved.halt != 0), idx, halted_at)
            move = running & (moved.halt == 0)
            hold = lambda new, old: jax.tree.map(lambda a, c: jnp.where(move, a, c), new, old)  # noqa: E731
            return (hold(moved.params, w), hold(moved.state, state), hold(sched_new, sched_state), diverged_at,
                    converged_at, halted_at, evals + jnp.where(move, moved.evaluations[0], 0))

        minus_one = jnp.int32(-1)
        carry0 = (w0, fns.init(w0, hp), sched.init(sp), minus_one, minus_one, minus_one, jnp.int32(0))
        w, _, _, diverged_at, converged_at, halted_at, evals = lax.fori_loop(jnp.int32(1), n_steps + 1, body, carry0)
        f_end, g_end = value_and_grad(w)
        bad_end = ~(_all_finite(w) & jnp.isfinite(f_end))
        diverged_at = jnp.where((diverged_at < 0) & (halted_at < 0) & bad_end, n_steps, diverged_at)
        converged_at = jnp.where((converged_at < 0) & (diverged_at < 0) & (_norm(g_end) < tol), n_steps,
                                 converged_at)
        return w, f_end, diverged_at, converged_at, halted_at, evals

    axes = lambda d: {k: 0 if jnp.ndim(v) else None for k, v in d.items()}  # noqa: E731  per run or shared
    w, *rest = jax.vmap(one, in_axes=(1, axes(hp), axes(sp)))(xy, hp, sp)
    return (w.T, *rest)


def final_chunk() -> int | None:
    """Runs per block for final-points batches: 1,024 on a CPU (a block's state stays in the L1/L2
    caches for every step), the whole batch at once on an accelerator. A batch of at most one block
    runs as it is."""
    return 1024 if jax.default_backend() == "cpu" else None


@lru_cache(maxsize=128)
def compiled_final(surface: Surface, code_name: str, method: str, schedule: str, chunk: int | None):
    """The jitted final-points run: ``fn(xy, hp, sp, n_steps, tol)`` with ``xy`` of shape ``(2, B)``
    and every knob a scalar shared by all runs or a ``(B,)`` array; ``B`` a multiple of ``chunk``.
    Blocks of ``chunk`` runs go one after another (``lax.map``)."""
    from optim.registry import get_optimizer
    from optim.schedules import get_schedule

    optimizer = get_optimizer(code_name)
    fns, sched = optimizer.fns, get_schedule(schedule).fns
    loop = _run_final if optimizer.elementwise else _run_final_each

    def block(xy, hp, sp, n_steps, tol):
        return loop(surface, fns, sched, method, xy, hp, sp, n_steps, tol)

    def run(xy, hp, sp, n_steps, tol):
        if chunk is None:
            return block(xy, hp, sp, n_steps, tol)
        blocks = lambda a: a.reshape(*a.shape[:-1], -1, chunk).swapaxes(0, -2)  # noqa: E731  (..., B) -> (k, ..., c)
        per_run = lambda d: {k: v for k, v in d.items() if v.ndim}  # noqa: E731
        shared = lambda d: {k: v for k, v in d.items() if not v.ndim}  # noqa: E731
        parts = (blocks(xy), jax.tree.map(blocks, per_run(hp)), jax.tree.map(blocks, per_run(sp)))
        w, *rest = lax.map(
            lambda p: block(p[0], {**shared(hp), **p[1]}, {**shared(sp), **p[2]}, n_steps, tol), parts)
        unblock = lambda a: a.swapaxes(0, -2).reshape(*a.shape[1:-1], -1)  # noqa: E731
        return (unblock(w), *(a.reshape(-1) for a in rest))

    return jax.jit(run)


@lru_cache(maxsize=256)
def compiled_run(surface: Surface, code_name: str, method: str, bucket: int, batched: bool,
                 schedule: str = "constant", record_state: bool = False):
    """The jitted recorded run for one structural choice; cached so each compiles once per process.

    The returned function takes ``(w0, hp, sp, n_steps)`` (single, ``_run_single``) or
    ``(w0, hp, sp, n_steps, tol)`` (batched, ``_run_recorded`` under ``vmap``): start, optimizer
    hyperparameters, schedule parameters (dicts of float64 scalars, or of ``(B,)`` arrays when batched).
    """
    from optim.registry import get_optimizer
    from optim.schedules import get_schedule

    fns = get_optimizer(code_name).fns
    sched = get_schedule(schedule).fns

    if not batched:
        return jax.jit(lambda w0, hp, sp, n_steps: _run_single(
            surface, fns, sched, method, bucket, record_state, w0, hp, sp, n_steps))

    def one(w0, hp, sp, n_steps, tol):
        return _run_recorded(surface, fns, sched, method, bucket, record_state, w0, hp, sp, n_steps, tol)

    # Paths come out time-major (bucket + 1, B, ...): half the memory of batch-major here. A batch keeps
    # the scan: under vmap a while loop would select between whole old and new records at every step.
    return jax.jit(jax.vmap(one, in_axes=(0, 0, 0, None, None), out_axes=(0, 1)))
