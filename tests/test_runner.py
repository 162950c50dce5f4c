"""The runner: compiles once per structure, batches equal single runs, records divergence, rejects bad input.

Compiles are counted with ``jax.monitoring``: JAX records an event for every jaxpr it traces and
every XLA module it compiles; a positive control (a new step bucket) shows the counter sees them.
Surfaces here are fresh copies of registry entries: a ``Surface`` hashes by identity, so a copy
has its own compile cache and the counts do not depend on which tests ran before.
"""

from __future__ import annotations

import dataclasses
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

from optim import MAX_STEPS, OPTIMIZERS, descend, descend_batch, get_optimizer, step_bucket
from optim.runner import final_chunk
from surfaces import get_surface
from tests.jaxlog import COMPILE_EVENT, TRACE_EVENT, compile_log


def fresh(name: str):
    """A copy of a registry surface with a compile cache of its own."""
    return dataclasses.replace(get_surface(name))


def compiles(log) -> int:
    return sum(event == COMPILE_EVENT for event, _ in log)


def mixed_deviation(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b)), initial=0.0))


# ---------------------------------------------------------------------------------------------
# Compile behaviour.

def test_compile_log_sees_a_compile():
    """Positive control: a fresh jitted function is traced and compiled once, then neither."""
    f = jax.jit(lambda x: jnp.sin(x) * 3.0)
    with compile_log() as log:
        f(np.float64(1.0))
    assert compiles(log) == 1 and any(event == TRACE_EVENT for event, _ in log)
    with compile_log() as log:
        f(np.float64(2.0))
    assert log == []


@pytest.mark.parametrize("steps", [[64, 1, 0, 37], [70, 100, 128, 65], [300, 257, 512]])
def test_steps_within_a_bucket_compile_once(steps):
    surface, sgd = fresh("bowl"), get_optimizer("sgd")
    with compile_log() as log:
        descend(surface, sgd, {"lr": 0.1}, (1.0, 1.0), steps[0])
    assert compiles(log) == 1, "a new bucket is one compile"
    assert len({step_bucket(s) for s in steps}) == 1
    with compile_log() as log:
        for s in steps[1:]:
            traj = descend(surface, sgd, {"lr": 0.1}, (1.0, 1.0), s)
            assert traj.points.shape == (s + 1, 2)
    assert log == []
    with compile_log() as log:
        descend(surface, sgd, {"lr": 0.1}, (1.0, 1.0), 2 * step_bucket(steps[0]))
    assert compiles(log) == 1, "the next bucket compiles again"


def _random_calls(name: str, rng):
    """~20 (hyperparameters, start) pairs mixing Python floats and ints, NumPy scalars and flags."""
    def pick(options):  # keeps each option's own Python / NumPy type
        return options[int(rng.integers(len(options)))]

    knobs = {
        "sgd": lambda: {"momentum": pick([0.5, np.float32(0.9), 0.0, 1]), "dampening": pick([0.0, 0])},
        "nesterov": lambda: {"momentum": rng.uniform(0.1, 0.95), "nesterov": bool(rng.integers(2))},
        "adagrad": lambda: {"lr_decay": np.float64(rng.uniform(0, 0.1)), "initial_accumulator_value": 1},
        "rmsprop": lambda: {"alpha": rng.uniform(0.5, 0.99), "centered": bool(rng.integers(2)),
                            "momentum": pick([0, 0.5])},
        "adam": lambda: {"beta1": rng.uniform(0, 0.99), "beta2": np.float32(0.99),
                         "amsgrad": pick([True, False, 1.0, 0]), "eps": 1e-6},
        "adamw": lambda: {"weight_decay": pick([0, 0.1, np.float64(0.5)]), "amsgrad": False},
        "asgd": lambda: {"lambd": pick([1e-4, 1, np.float32(0.5)]), "alpha": rng.uniform(0.5, 1),
                         "t0": pick([10, 1e6])},
        "adadelta": lambda: {"rho": rng.uniform(0.5, 0.99), "eps": pick([1e-6, np.float64(1e-3)])},
        "rprop": lambda: {"etaminus": rng.uniform(0.1, 0.9), "etaplus": pick([1.2, 2]),
                          "step_size_max": pick([50, np.float32(1.0)])},
        "adamax": lambda: {"beta1": rng.uniform(0, 0.99), "beta2": pick([0.999, np.float32(0.9)])},
        "nadam": lambda: {"momentum_decay": pick([4e-3, 1]), "decoupled_weight_decay": pick([True, False, 1.0, 0]),
                          "weight_decay": pick([0, 0.1])},
        "radam": lambda: {"decoupled_weight_decay": pick([True, 0]), "weight_decay": pick([0.0, 1]), "eps": 0},
        "adafactor": lambda: {"beta2_decay": pick([-0.8, np.float32(-0.5), -1]), "d": pick([1, 2.5]),
                              "eps1": pick([1e-30, np.float64(1e-3)]), "weight_decay": pick([0, 0.1])},
        "lion": lambda: {"beta1": rng.uniform(0, 0.99), "weight_decay": pick([0, 1e-3, np.float32(0.1)])},
        # the rules with evaluations of their own: a choice of line search is a traced index too
        "lbfgs": lambda: {"line_search": pick(["none", "strong_wolfe", 1.0, 0]), "max_iter": pick([1, 3.0]),
                          "history_size": pick([100, np.int64(5), 2.0]), "tolerance_grad": pick([1e-7, 0])},
        "newton": lambda: {"damping": pick([0, 1e-3, np.float32(0.5)]), "saddle_free": pick([True, False, 1.0]),
                           "line_search": pick(["none", "armijo", "strong_wolfe", 2.0]), "c1": pick([1e-4, 0.3])},
        "steepest": lambda: {"line_search": pick(["armijo", "strong_wolfe", 1]), "shrink": rng.uniform(0.1, 0.9)},
    }[name]
    lrs = [0.01, 1, np.float32(0.02), np.float64(0.003), 0.5, 2, np.int64(1), 1e-4]
    starts = [(1.0, -2.0), [3, 1], np.array([0.5, 0.25], dtype=np.float32), np.array([-1, 2]),
              (np.float64(1.5), np.float32(0.5)), jnp.asarray([2.0, 2.0])]
    calls = []
    for i in range(20):
        hp = {"lr": lrs[i % len(lrs)], **knobs()}
        calls.append((hp, starts[i % len(starts)]))
    return calls


@pytest.mark.parametrize("name", ["nesterov", *(n for n, o in OPTIMIZERS.items() if o.base is None)])
def test_hyperparameter_and_start_changes_compile_nothing(name):
    surface = fresh("himmelblau")
    optimizer = get_optimizer(name)
    calls = _random_calls(name, np.random.default_rng(len(name)))
    descend(surface, optimizer, {"lr": 0.01}, (0.0, 0.0), 100)  # warm-up: the one compile
    with compile_log() as log:
        for hp, start in calls:
            descend(surface, optimizer, hp, start, 100)
            descend(surface, optimizer, hp, start, 77)  # same bucket
    assert log == [], f"recompiled: {log}"


def test_batch_changes_compile_nothing():
    surface, adam = fresh("rosenbrock"), get_optimizer("adam")
    descend_batch(surface, adam, {"lr": [0.1, 0.2, 0.3]}, (0.0, 0.0), 50)
    with compile_log() as log:
        descend_batch(surface, adam, {"lr": [1, 2, 3]}, (0.5, 0.5), 60)
        descend_batch(surface, adam, {"lr": np.float32(0.1), "amsgrad": [True, False, 1]}, [[0, 0]] * 3, 10)
        descend_batch(surface, adam, {"beta1": (0.5, 0.6, 0.7)}, np.zeros((3, 2), np.float32), 64)
    assert log == [], f"recompiled: {log}"
    with compile_log() as log:
        descend_batch(surface, adam, {"lr": [0.1, 0.2, 0.3, 0.4]}, (0.0, 0.0), 50)
    assert compiles(log) == 1, "a new batch size is a new shape"
    chunk = final_chunk()
    if chunk is not None:  # past one block, batches are padded to whole blocks: the same block count is free
        descend_batch(surface, adam, {"lr": np.linspace(0.1, 0.2, chunk + 1)}, (0.0, 0.0), 50)
        with compile_log() as log:
            descend_batch(surface, adam, {"lr": np.linspace(0.1, 0.2, 2 * chunk)}, (0.0, 0.0), 50)
        assert log == [], f"recompiled: {log}"


def test_step_bucket():
    assert [step_bucket(s) for s in (0, 1, 64, 65, 128, 129, 500, 512, 513)] == [
        64, 64, 64, 128, 128, 256, 512, 512, 1024
    ]
    assert step_bucket(MAX_STEPS) >= MAX_STEPS
    for s in range(0, 3000, 37):
        b = step_bucket(s)
        assert b >= s and b & (b - 1) == 0 and (b == 64 or b // 2 < s)


# ---------------------------------------------------------------------------------------------
# descend_batch against single runs.

def test_batch_over_learning_rates_equals_single_runs():
    bowl, gd = get_surface("bowl"), get_optimizer("gd")
    lrs = [0.01, 0.1, 0.45, 0.9, 1.5]  # the last one diverges (factor -2 per step)
    steps, start = 600, (1.5, 1.0)
    batch = descend_batch(bowl, gd, {"lr": lrs}, start, steps)
    singles = [descend(bowl, gd, {"lr": lr}, start, steps) for lr in lrs]
    assert batch.final_points.shape == (5, 2) and batch.final_loss.shape == (5,)
    assert list(batch.diverged_at) == [-1 if t.diverged_at is None else t.diverged_at for t in singles]
    assert batch.diverged_at[-1] > 0 and (batch.diverged_at[:-1] == -1).all()
    for i, t in enumerate(singles):
        assert mixed_deviation(batch.final_points[i], t.points[-1]) <= 1e-12
        if t.diverged_at is None:
            np.testing.assert_allclose(batch.final_loss[i], t.loss[-1], rtol=1e-12, atol=1e-300)
        else:
            assert not np.isfinite(batch.final_loss[i])


def test_batch_over_a_grid_of_starts_equals_single_runs_and_keeps_time_major_paths():
    surface, opt = get_surface("himmelblau"), get_optimizer("momentum")
    xs = np.linspace(-4, 4, 4)
    starts = np.array([(x, y) for x in xs for y in xs])  # shape (16, 2)
    steps, hp = 150, {"lr": 0.002}
    batch = descend_batch(surface, opt, hp, starts, steps, keep_paths=True, tol=1e-2)
    assert batch.points.shape == (steps + 1, len(starts), 2)
    assert batch.loss.shape == (steps + 1, len(starts))
    for i, s in enumerate(starts):
        t = descend(surface, opt, hp, s, steps)
        assert mixed_deviation(batch.points[:, i], t.points) <= 1e-12
        assert mixed_deviation(batch.loss[:, i], t.loss) <= 1e-12
        assert mixed_deviation(batch.final_points[i], t.points[-1]) <= 1e-12
        assert batch.diverged_at[i] == -1 and t.diverged_at is None
        hit = t.steps_to_tolerance(1e-2)
        assert batch.converged_at[i] == (-1 if hit is None else hit)
    assert (batch.converged_at >= 0).any() and (batch.converged_at == -1).any()


def test_batch_broadcasts_hyperparameters_and_starts_together():
    surface, adam = get_surface("rosenbrock"), get_optimizer("adam")
    lrs, starts = [0.01, 0.02, 0.05], np.array([[-1.2, 1.0], [0.0, 0.0], [2.0, 2.0]])
    batch = descend_batch(surface, adam, {"lr": lrs, "beta2": 0.99}, starts, 80)
    for i in range(3):
        t = descend(surface, adam, {"lr": lrs[i], "beta2": 0.99}, starts[i], 80)
        assert mixed_deviation(batch.final_points[i], t.points[-1]) <= 1e-12
    with pytest.raises(ValueError, match="disagree in length"):
        descend_batch(surface, adam, {"lr": lrs}, np.zeros((4, 2)), 10)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("schedule, sp", [("constant", None), ("plateau", {"patience": [2.0, 5.0, 9.0]}),
                                          ("step", {"step_size": 7.0})])
def test_final_points_layout_equals_the_recorded_batch(name, schedule, sp):
    """Without paths, descend_batch runs blocks of structure-of-arrays runs to exactly ``steps``; with
    paths, the vmapped scan over the bucket. Same runs: same indices, the same points up to rounding
    (the compiler vectorises the two differently; 120 steps, before RMSprop's oscillation in the
    valley amplifies an ulp into the third digit, which it does by step ~180 at lr 1e-2)."""
    surface, opt = get_surface("rosenbrock"), get_optimizer(name)
    starts = np.array([[-1.2, 1.0], [0.5, 0.5], [2.0, -1.0]])
    lrs = np.array([1e-3, 1e-2, 0.5])  # the largest diverges for most optimizers here
    sp_b = None if sp is None else {k: np.broadcast_to(v, (3,)) for k, v in sp.items()}
    for hp in ({"lr": lrs}, {"lr": 1e-3}):
        for gradient in ("reverse", "forward"):
            kw = dict(tol=1e-3, gradient=gradient, schedule=schedule, schedule_parameters=sp_b)
            final = descend_batch(surface, opt, hp, starts, 120, **kw)
            recorded = descend_batch(surface, opt, hp, starts, 120, keep_paths=True, **kw)
            assert final.points is None and final.loss is None
            np.testing.assert_array_equal(final.diverged_at, recorded.diverged_at)
            np.testing.assert_array_equal(final.converged_at, recorded.converged_at)
            ok = recorded.diverged_at < 0
            assert mixed_deviation(final.final_points[ok], recorded.final_points[ok]) <= 1e-9
            assert np.array_equal(np.isfinite(final.final_loss), np.isfinite(recorded.final_loss))


def test_final_points_batches_are_padded_to_whole_blocks():
    """A batch that is not a whole number of blocks: every run is its own, the padding never shows."""
    surface, gd = get_surface("himmelblau"), get_optimizer("gd")
    n = (final_chunk() or 8) + 5
    starts = np.stack([np.linspace(-4.5, 4.5, n), np.linspace(4.0, -4.0, n)], axis=1)
    batch = descend_batch(surface, gd, {"lr": 0.01}, starts, 200, tol=1e-6)
    assert batch.final_points.shape == (n, 2) and batch.converged_at.shape == (n,)
    for i in (0, n // 2, n - 6, n - 1):
        t = descend(surface, gd, {"lr": 0.01}, starts[i], 200)
        assert mixed_deviation(batch.final_points[i], t.points[-1]) <= 1e-12
        hit = t.steps_to_tolerance(1e-6)
        assert batch.converged_at[i] == (-1 if hit is None else hit)


@pytest.mark.parametrize("eta", [0.05, 0.2, 0.45])
def test_converged_at_is_the_first_small_gradient(eta):
    """On the bowl ||grad f(x_k)|| = 2 |1 - 2 eta|^k ||x_0||: the first k below tol in closed form."""
    x0, tol, steps = np.array([1.5, 1.0]), 1e-6, 400
    batch = descend_batch(get_surface("bowl"), get_optimizer("gd"), {"lr": eta}, x0, steps, tol=tol)
    norms = 2.0 * abs(1.0 - 2.0 * eta) ** np.arange(steps + 1) * np.linalg.norm(x0)
    assert batch.converged_at[0] == int(np.argmax(norms < tol))
    short = int(np.argmax(norms < tol)) - 1  # stopping one step early never gets there
    early = descend_batch(get_surface("bowl"), get_optimizer("gd"), {"lr": eta}, x0, short, tol=tol)
    assert early.converged_at[0] == -1


@pytest.mark.parametrize("steps, expected", [(511, -1), (512, 512), (600, 512), (1000, 512)])
def test_diverged_at_counts_only_requested_steps(steps, expected):
    """GD with eta = 1.5 doubles |x| each step; from (1.5, 1) the loss overflows at index 512.

    (2^k * 1.5)^2 is finite for k = 511 (2^1022 * 2.25 < 2^1024) and infinite for k = 512.
    """
    bowl, gd = get_surface("bowl"), get_optimizer("gd")
    batch = descend_batch(bowl, gd, {"lr": 1.5}, (1.5, 1.0), steps, keep_paths=True)
    assert batch.diverged_at[0] == expected
    final = descend_batch(bowl, gd, {"lr": 1.5}, (1.5, 1.0), steps)  # the final-points layout, same rule
    assert final.diverged_at[0] == expected
    np.testing.assert_array_equal(final.final_points, batch.final_points)
    single = descend(bowl, gd, {"lr": 1.5}, (1.5, 1.0), steps)
    assert single.diverged_at == (None if expected < 0 else expected)
    if expected > 0:
        d = expected
        held = single.points[d]
        assert (single.points[d:] == held).all() and (batch.points[d:, 0] == held).all()
        assert np.isinf(single.loss[d:]).all() and np.isfinite(single.loss[:d]).all()
        np.testing.assert_array_equal(batch.final_points[0], held)
        np.testing.assert_array_equal(single.final, single.points[d - 1])
        assert batch.converged_at[0] == -1


def test_divergence_to_nan_holds_still():
    """Non-finite points: Rosenbrock with GD lr 0.01 overflows to inf/nan within a few steps."""
    t = descend(get_surface("rosenbrock"), get_optimizer("gd"), {"lr": 0.01}, (-1.2, 1.0), 100)
    d = t.diverged_at
    assert d is not None and 0 < d < 100
    bad = ~(np.isfinite(t.points).all(axis=1) & np.isfinite(t.loss))
    assert not bad[:d].any() and bad[d:].all()
    assert np.array_equal(t.points[d:], np.broadcast_to(t.points[d], t.points[d:].shape), equal_nan=True)
    assert np.isfinite(t.final).all()


def test_steps_zero_evaluates_the_start_only():
    surface, start = get_surface("himmelblau"), (1.0, -0.5)
    t = descend(surface, get_optimizer("adam"), {}, start, 0)
    f = lambda w: surface(w)  # noqa: E731
    assert t.points.shape == (1, 2) and t.loss.shape == (1,) and t.grad_norm.shape == (1,)
    np.testing.assert_array_equal(t.points[0], start)
    np.testing.assert_allclose(t.loss[0], float(f(jnp.asarray(start))), rtol=1e-15)
    g0 = jax.grad(f)(jnp.asarray(start))
    np.testing.assert_allclose(t.grad_norm[0], float(jnp.linalg.norm(g0)), rtol=1e-14)
    assert t.diverged_at is None and t.steps == 0
    batch = descend_batch(surface, get_optimizer("adam"), {}, [start, (3.0, 2.0)], 0, keep_paths=True)
    np.testing.assert_array_equal(batch.final_points, [start, (3.0, 2.0)])
    assert batch.points.shape == (1, 2, 2)
    assert list(batch.converged_at) == [-1, 0]  # (3, 2) is a minimum: converged before any step
    assert list(batch.diverged_at) == [-1, -1]


BAD_INPUTS = [
    ("sgd", {"lr": -0.1}, (1, 1), 10, r"lr \(learning rate\) must be >= 0"),
    ("sgd", {"lr": float("nan")}, (1, 1), 10, r"lr must be a finite number"),
    ("sgd", {"lr": float("inf")}, (1, 1), 10, r"lr must be a finite number"),
    ("adam", {"beta1": 1.0}, (1, 1), 10, r"beta1 \(first-moment decay\) must be < 1"),
    ("adam", {"beta2": -0.5}, (1, 1), 10, r"beta2 .* must be >= 0"),
    ("sgd", {"nesterov": True}, (1, 1), 10, r"Nesterov momentum needs momentum > 0"),
    ("sgd", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, (1, 1), 10, r"dampening 0"),
    ("adam", {"momentum": 0.9}, (1, 1), 10, r"adam has no hyperparameter 'momentum'; it takes: lr, beta1"),
    ("sgd", {"amsgrad": True}, (1, 1), 10, r"sgd has no hyperparameter 'amsgrad'"),
    ("rmsprop", {"centered": 0.5}, (1, 1), 10, r"centered is a switch"),
    ("sgd", {}, (1, 1), MAX_STEPS + 1, r"steps must be a whole number from 0 to 100000"),
    ("sgd", {}, (1, 1), -1, r"steps must be a whole number"),
    ("sgd", {}, (1, 1), 2.5, r"steps must be a whole number"),
    ("sgd", {}, (1, 1), True, r"steps must be a whole number"),
    ("sgd", {}, (float("nan"), 1), 10, r"start must be two finite numbers"),
    ("sgd", {}, (1, float("inf")), 10, r"start must be two finite numbers"),
    ("sgd", {}, (1, 2, 3), 10, r"start must be two finite numbers"),
    ("sgd", {}, (1,), 10, r"start must be two finite numbers"),
]


@pytest.mark.parametrize("name, hp, start, steps, message", BAD_INPUTS)
def test_bad_input_raises_a_clear_value_error(name, hp, start, steps, message):
    surface, opt = get_surface("bowl"), get_optimizer(name)
    with pytest.raises(ValueError, match=message):
        descend(surface, opt, hp, start, steps)
    with pytest.raises(ValueError, match=message):
        descend_batch(surface, opt, hp, start, steps)


@pytest.mark.parametrize("hp, message", [
    ({"lr": [0.1, -0.1]}, r"lr .* must be >= 0, got -0.1"),
    ({"beta1": [0.5, 1.0]}, r"beta1 .* must be < 1"),
    ({"amsgrad": [0.0, 0.5]}, r"amsgrad is a switch"),
])
def test_batch_validates_every_value(hp, message):
    with pytest.raises(ValueError, match=message):
        descend_batch(get_surface("bowl"), get_optimizer("adam"), hp, (1.0, 1.0), 10)


def test_batch_rejects_nesterov_rows_without_momentum():
    with pytest.raises(ValueError, match="Nesterov"):
        descend_batch(get_surface("bowl"), get_optimizer("sgd"),
                      {"momentum": [0.9, 0.0], "nesterov": [1.0, 1.0]}, (1.0, 1.0), 10)


def test_unknown_gradient_method():
    with pytest.raises(ValueError, match="unknown gradient method 'central'"):
        descend(fresh("bowl"), get_optimizer("sgd"), {}, (1.0, 1.0), 10, gradient="central")


# ---------------------------------------------------------------------------------------------
# Pytrees and gradient methods.

PYTREE_CASES = [
    ("sgd", {"lr": 0.05, "momentum": 0.8, "dampening": 0.1, "weight_decay": 0.01}, "SGD",
     {"lr": 0.05, "momentum": 0.8, "dampening": 0.1, "weight_decay": 0.01}),
    ("sgd", {"lr": 0.05, "momentum": 0.8, "nesterov": True}, "SGD",
     {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1, "weight_decay": 0.02},
     "Adagrad", {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1, "weight_decay": 0.02}),
    ("rmsprop", {"lr": 0.01, "centered": True, "momentum": 0.3, "weight_decay": 0.01}, "RMSprop",
     {"lr": 0.01, "centered": True, "momentum": 0.3, "weight_decay": 0.01}),
    ("adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.01}, "Adam",
     {"lr": 0.01, "amsgrad": True, "weight_decay": 0.01}),
    ("adamw", {"lr": 0.01, "weight_decay": 0.1}, "AdamW", {"lr": 0.01, "weight_decay": 0.1}),
]


@pytest.mark.parametrize("name, hp, torch_cls, torch_kwargs", PYTREE_CASES, ids=[c[0] for c in PYTREE_CASES])
def test_optimizers_work_on_pytrees(name, hp, torch_cls, torch_kwargs):
    opt = get_optimizer(name)
    fns, values = opt.fns, {k: np.float64(v) for k, v in opt.resolve(hp).items()}
    rng = np.random.default_rng(3)
    params = {"w": rng.normal(size=(3, 2)), "b": rng.normal(size=(4,)), "s": np.float64(0.7)}
    grads_seq = [{k: rng.normal(size=np.shape(v)) for k, v in params.items()} for _ in range(25)]
    update = jax.jit(fns.update)

    def run(p0, grads_of_step):
        p, state = p0, fns.init(p0, values)
        path = []
        for t, g in enumerate(grads_of_step, start=1):
            p, state = update(g, state, p, values, np.int64(t))
            path.append(jax.tree.map(np.asarray, p))
        return path

    together = run(jax.tree.map(jnp.asarray, params), grads_seq)
    assert jax.tree.structure(together[-1]) == jax.tree.structure(params)
    for key in params:
        alone = run(jnp.asarray(params[key]), [g[key] for g in grads_seq])
        for a, b in zip(alone, together):
            np.testing.assert_allclose(b[key], a, rtol=1e-15, atol=1e-15)
    # torch with the leaves as separate parameters of one optimizer: the same numbers
    tensors = [torch.tensor(np.asarray(params[k]), dtype=torch.float64, requires_grad=True) for k in params]
    topt = getattr(torch.optim, torch_cls)(tensors, **torch_kwargs)
    for g, ours_p in zip(grads_seq, together):
        for tensor, key in zip(tensors, params):
            tensor.grad = torch.tensor(np.asarray(g[key]), dtype=torch.float64)
        topt.step()
        for tensor, key in zip(tensors, params):
            assert mixed_deviation(ours_p[key], tensor.detach().numpy()) <= 1e-12


@pytest.mark.parametrize("surface, name, hp", [
    ("rosenbrock", "adam", {"lr": 0.02}),
    ("himmelblau", "nesterov", {"lr": 0.005}),
    ("radial", "gd", {"lr": 0.01}),
    ("beale", "rmsprop", {"lr": 0.01, "centered": True}),
    ("goldstein-price", "adagrad", {"lr": 0.05}),
])
def test_forward_mode_gradient_equals_reverse(surface, name, hp):
    s, opt = get_surface(surface), get_optimizer(name)
    start = s.start
    rev = descend(s, opt, hp, start, 200, gradient="reverse")
    fwd = descend(s, opt, hp, start, 200, gradient="forward")
    assert rev.diverged_at is None and fwd.diverged_at is None
    assert mixed_deviation(fwd.points, rev.points) <= 1e-12
    assert mixed_deviation(fwd.grad_norm, rev.grad_norm) <= 1e-12
    assert mixed_deviation(fwd.loss, rev.loss) <= 1e-12


def test_trajectory_record():
    t = descend(get_surface("bowl"), get_optimizer("momentum"), {"lr": 0.05}, (1.5, 1.0), 120)
    assert t.points.dtype == np.float64 and t.points.shape == (121, 2)
    assert t.loss.shape == t.grad_norm.shape == (121,)
    assert t.hyperparameters == OPTIMIZERS["momentum"].resolve({"lr": 0.05})
    np.testing.assert_allclose(t.loss, (t.points**2).sum(axis=1), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(t.grad_norm, 2 * np.hypot(*t.points.T), rtol=1e-14, atol=1e-300)
    hit = t.steps_to_tolerance(1e-3)
    assert hit is not None and t.grad_norm[hit] < 1e-3 <= t.grad_norm[:hit].min()
    assert math.isclose(float(np.linalg.norm(t.final)), float(np.linalg.norm(t.points[-1])))


def test_batch_rows_are_validated_as_rows():
    """Nesterov beside plain GD is a valid batch; an invalid row is refused even if its values appear elsewhere."""
    sgd, bowl = get_optimizer("sgd"), get_surface("bowl")
    ok = descend_batch(bowl, sgd, {"momentum": [0.0, 0.9], "nesterov": [0.0, 1.0]}, (1.0, 1.0), 10)
    assert ok.final_points.shape == (2, 2)
    with pytest.raises(ValueError, match="Nesterov"):
        descend_batch(bowl, sgd, {"momentum": [0.9, 0.0], "nesterov": [0.0, 1.0]}, (1.0, 1.0), 10)
