"""Learning from data: mini-batch runs against batch GD, against torch fed the same batches, and on pytrees.

* B >= N (or no batch size) is batch gradient descent: the path equals ``descend`` on the same surface.
* A seed reproduces a noisy path exactly; another seed gives another path.
* torch.optim, given the same initial weights and the same index order (``batch_order``), walks the
  same trajectory in float64 to 1e-10, for linear and logistic regression.
* Parameters of any pytree shape: a dict of a matrix and a vector trained by every optimizer family,
  against torch with two parameter tensors.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from optim import descend, get_optimizer
from optim.stochastic import Batching, batch_order, train, train_batch
from surfaces import DATA_SURFACES, get_surface
from tests.test_conformance import CONFIGS, _torch_optimizer  # the hand-written torch twins

CONFIG = {c.id: c for c in CONFIGS}


def _data(surface):
    return surface.features, surface.targets


@pytest.mark.parametrize("name", ["line", "diabetes-scaled", "blobs", "iris-scaled"])
@pytest.mark.parametrize("opt,hp", [("gd", {"lr": 0.05}), ("adam", {"lr": 0.05}), ("momentum", {"lr": 0.01})])
def test_full_batch_is_batch_gradient_descent(name, opt, hp):
    surface = get_surface(name)
    optimizer = get_optimizer(opt)
    reference = descend(surface, optimizer, hp, surface.start, 200)
    for batch_size in (None, surface.n, 10 * surface.n):
        run = train(surface.sample_loss, _data(surface), optimizer, hp, np.array(surface.start),
                    batch_size=batch_size, steps=200)
        assert np.max(np.abs(run.params - reference.points)) <= 1e-12
        assert np.max(np.abs(run.loss - reference.loss)) <= 1e-12
        assert run.batching.per_epoch == 1 and run.epochs == 200


def test_a_seed_reproduces_the_noisy_path_and_another_seed_changes_it():
    surface = get_surface("line-scaled")
    args = (surface.sample_loss, _data(surface), get_optimizer("gd"), {"lr": 0.02}, np.array(surface.start))
    a = train(*args, batch_size=8, epochs=5, seed=3)
    b = train(*args, batch_size=8, epochs=5, seed=3)
    c = train(*args, batch_size=8, epochs=5, seed=4)
    assert np.array_equal(a.params, b.params)
    assert np.max(np.abs(a.params - c.params)) > 1e-3
    # Noisy, but downhill overall: the full loss ends far below where it started.
    assert a.loss[-1] < 0.5 * a.loss[0]
    # Batched seeds are the same runs as single calls.
    many = train_batch(*args, seeds=[3, 4], batch_size=8, epochs=5)
    np.testing.assert_allclose(many.params[:, 0], a.params, rtol=1e-12)  # vmap may fuse differently
    np.testing.assert_allclose(many.params[:, 1], c.params, rtol=1e-12)


def test_an_epoch_without_replacement_visits_every_sample_once():
    batching = Batching.of(23, 5)
    assert (batching.size, batching.per_epoch) == (5, 5)
    batches = batch_order(7, batching, epochs=2)
    assert [len(b) for b in batches] == [5, 5, 5, 5, 3] * 2
    for epoch in (batches[:5], batches[5:]):
        assert sorted(np.concatenate(epoch).tolist()) == list(range(23))
    assert not np.array_equal(np.concatenate(batches[:5]), np.concatenate(batches[5:]))  # reshuffled
    np.testing.assert_array_equal(batching.samples_at(np.array([0, 4, 5, 6, 10])), [0, 20, 23, 28, 46])


def test_with_replacement_every_batch_is_full_and_repeats_happen():
    batching = Batching.of(20, 20, replacement=True)
    (batch,) = batch_order(1, batching, epochs=1)
    assert len(batch) == 20 and batch.min() >= 0 and batch.max() < 20
    assert len(set(batch.tolist())) < 20  # 20 draws from 20 with replacement: a repeat is all but certain
    assert batching.samples_at(np.array([3]))[0] == 60


def _torch_run(surface, config_id, batches, steps):
    """torch.optim on the same model, fed ``batches`` of indices in order."""
    config = CONFIG[config_id]
    w, opt = _torch_optimizer(config, surface.start)
    x = torch.tensor(surface.features, dtype=torch.float64)
    y = torch.tensor(surface.targets, dtype=torch.float64)
    path = [w.detach().numpy().copy()]
    for idx in batches[:steps]:
        i = torch.tensor(idx)
        z = w[0] + w[1] * x[i]
        if surface.model == "linear":
            loss = ((z - y[i]) ** 2).mean()
        else:
            loss = (torch.logaddexp(torch.zeros_like(z), z) - y[i] * z).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        path.append(w.detach().numpy().copy())
    return np.array(path)


@pytest.mark.parametrize("name", ["line-scaled", "iris-scaled", "blobs"])
@pytest.mark.parametrize("config_id", ["sgd-momentum", "adam-defaults", "nesterov-alias", "rmsprop-centered"])
@pytest.mark.parametrize("batch_size,replacement", [(16, False), (1, False), (12, True)])
def test_torch_fed_the_same_batches_walks_the_same_path(name, config_id, batch_size, replacement):
    surface = get_surface(name)
    config = CONFIG[config_id]
    batching = Batching.of(surface.n, batch_size, replacement)
    epochs = 3 if batch_size > 1 else 1
    run = train(surface.sample_loss, _data(surface), get_optimizer(config.optimizer), config.hp,
                np.array(surface.start), batch_size=batch_size, epochs=epochs, seed=11, replacement=replacement)
    ours = run.params
    theirs = _torch_run(surface, config_id, batch_order(11, batching, epochs), run.steps)
    assert ours.shape == theirs.shape
    dev = np.max(np.abs(ours - theirs) / np.maximum(1.0, np.abs(theirs)))
    assert dev <= 1e-10, f"max deviation {dev:.2e}"


# A least-squares model with a matrix and a vector of parameters: Y ≈ X W + b, 40 samples.
_RNG = np.random.default_rng(5)
_X = _RNG.normal(size=(40, 3))
_Y = _X @ np.array([[1.0, -2.0], [0.5, 0.0], [-1.0, 1.5]]) + np.array([0.3, -0.7]) + 0.1 * _RNG.normal(size=(40, 2))
_W0 = {"W": 0.1 * _RNG.normal(size=(3, 2)), "b": np.zeros(2)}


def _matrix_loss(params, x, y):
    residual = x @ params["W"] + params["b"] - y
    return np.float64(0.5) * (residual * residual).sum(axis=-1)


@pytest.mark.parametrize("config_id", [
    "gd", "sgd-all", "sgd-damped-decay", "nesterov-alias", "adagrad-all", "rmsprop-all", "adam-all", "adamw-all",
    "adam-amsgrad",
])
def test_a_pytree_of_any_shape_trains_as_torch_does(config_id):
    config = CONFIG[config_id]
    hp = {**config.hp, "lr": min(config.hp.get("lr", 1e-3), 0.05)}
    torch_kwargs = {**config.torch_kwargs, "lr": hp["lr"]}
    run = train(_matrix_loss, (_X, _Y), get_optimizer(config.optimizer), hp, _W0, batch_size=8, epochs=4, seed=2)
    W = torch.tensor(_W0["W"], requires_grad=True)
    b = torch.tensor(_W0["b"], requires_grad=True)
    opt = getattr(torch.optim, config.torch_cls)([W, b], **torch_kwargs)
    X, Y = torch.tensor(_X), torch.tensor(_Y)
    for k, idx in enumerate(batch_order(2, run.batching, 4), start=1):
        i = torch.tensor(idx)
        loss = (0.5 * ((X[i] @ W + b - Y[i]) ** 2).sum(dim=-1)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        ours = run.unravel(run.params[k])
        np.testing.assert_allclose(ours["W"], W.detach().numpy(), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(ours["b"], b.detach().numpy(), rtol=1e-10, atol=1e-10)
    assert run.loss[-1] < run.loss[0]


@pytest.mark.parametrize("kwargs,message", [
    ({"batch_size": 0, "steps": 5}, "batch size must be a whole number of at least 1"),
    ({"batch_size": -3, "steps": 5}, "batch size"),
    ({"batch_size": 2.5, "steps": 5}, "batch size"),
    ({"batch_size": 4, "steps": 5, "seed": 1.5}, "seed must be a whole number"),
    ({"batch_size": 4, "steps": 5, "seed": -1}, "seed"),
    ({"batch_size": 4, "steps": 5, "l2": -0.1}, "must be a finite number >= 0"),
    ({"batch_size": 1, "epochs": 1000}, "more than the 100,000 allowed"),
    ({"batch_size": 4, "steps": 5, "epochs": 2}, "not both"),
])
def test_bad_arguments_are_refused_in_one_sentence(kwargs, message):
    surface = get_surface("line")
    with pytest.raises(ValueError, match=message):
        train(surface.sample_loss, _data(surface), get_optimizer("gd"), {"lr": 0.01}, np.array(surface.start),
              **kwargs)


def test_divergence_is_found_and_the_run_holds_still():
    surface = get_surface("line")  # unscaled: lr 1 is far past 2/L
    run = train(surface.sample_loss, _data(surface), get_optimizer("gd"), {"lr": 1.0}, np.array(surface.start),
                batch_size=10, epochs=20, seed=0)
    assert run.diverged_at is not None and 0 < run.diverged_at <= run.steps
    assert np.all(run.params[run.diverged_at:] == run.params[run.diverged_at])


def test_every_data_surface_declares_its_minimum_and_data():
    for surface in DATA_SURFACES:
        run = train(surface.sample_loss, _data(surface), get_optimizer("gd"), {"lr": 0.0},
                    np.array(surface.minima[0].point), steps=1)
        assert run.grad_norm[0] < 1e-8, surface.name  # the declared minimum is stationary
        assert abs(run.loss[0] - surface.f_star) < 1e-12
        d = surface.describe()["data"]
        assert d["n"] == surface.n and d["model"] in ("linear", "logistic")


def _cli(*argv):
    import contextlib
    import io
    import json

    from optim.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["run", *argv])
    return code, (json.loads(out.getvalue()) if code == 0 else None), err.getvalue()


def test_cli_runs_mini_batches_on_a_data_surface_reproducibly():
    code, a, _ = _cli("--surface", "line-scaled", "--optimizer", "gd", "--lr", "0.05", "--batch-size", "16",
                      "--epochs", "3", "--seed", "9")
    assert code == 0
    assert (a["batch_size"], a["n_samples"], a["updates_per_epoch"], a["epochs"]) == (16, 200, 13, 3.0)
    assert a["steps"] == 39 and len(a["trajectory"]) == 40 and a["samples_processed"] == 600
    surface = get_surface("line-scaled")
    run = train(surface.sample_loss, _data(surface), get_optimizer("gd"), {"lr": 0.05}, np.array(surface.start),
                batch_size=16, epochs=3, seed=9)
    np.testing.assert_array_equal(np.array(a["trajectory"]), run.params)
    _, b, _ = _cli("--surface", "line-scaled", "--optimizer", "gd", "--lr", "0.05", "--batch-size", "16",
                   "--epochs", "3", "--seed", "9")
    assert b["trajectory"] == a["trajectory"]
    _, c, _ = _cli("--surface", "line-scaled", "--optimizer", "gd", "--lr", "0.05", "--batch-size", "16",
                   "--epochs", "3", "--seed", "10")
    assert c["trajectory"] != a["trajectory"]


def test_cli_l2_penalty_moves_the_end_point_towards_zero():
    plain = _cli("--surface", "line-scaled", "--optimizer", "gd", "--lr", "0.1", "--epochs", "300")[1]
    ridge = _cli("--surface", "line-scaled", "--optimizer", "gd", "--lr", "0.1", "--epochs", "300", "--l2", "0.5")[1]
    from surfaces.data import minimizer

    surface = get_surface("line-scaled")
    np.testing.assert_allclose(ridge["trajectory"][-1], minimizer("linear", surface.features, surface.targets, 0.5),
                               atol=1e-8)
    assert np.linalg.norm(ridge["trajectory"][-1]) < np.linalg.norm(plain["trajectory"][-1])
    assert ridge["l2"] == 0.5 and plain["l2"] == 0.0


def test_cli_batch_size_at_least_n_is_the_plain_run():
    plain = _cli("--surface", "iris", "--optimizer", "adam", "--lr", "0.1", "--steps", "50")[1]
    full = _cli("--surface", "iris", "--optimizer", "adam", "--lr", "0.1", "--steps", "50", "--batch-size", "500")[1]
    assert np.max(np.abs(np.array(plain["trajectory"]) - np.array(full["trajectory"]))) <= 1e-12


@pytest.mark.parametrize("argv,message", [
    (("--surface", "line", "--batch-size", "0"), "--batch-size must be a whole number of at least 1"),
    (("--surface", "line", "--batch-size", "-4"), "--batch-size must be a whole number"),
    (("--surface", "line", "--batch-size", "2", "--seed", "1.5"), "--seed must be a whole number"),
    (("--surface", "line", "--batch-size", "1", "--epochs", "1000"), "more than the 100,000 allowed"),
    (("--surface", "line", "--steps", "5", "--epochs", "2"), "either --steps or --epochs"),
    (("--surface", "bowl", "--batch-size", "4"), "has no data set"),
    (("--surface", "rosenbrock", "--epochs", "4"), "has no data set"),
    (("--surface", "line", "--l2", "-0.1"), "must be a finite number >= 0"),
    (("--surface", "line", "--l2", "abc"), "--l2 must be a number"),
    (("--surface", "bowl", "--l2", "0.1"), "has no data set"),
])
def test_cli_refuses_bad_data_arguments_in_one_line(argv, message):
    code, out, err = _cli(*argv, "--optimizer", "gd")
    assert code == 2 and out is None
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err


def test_surfaces_list_shows_the_data_surfaces_with_their_size():
    import contextlib
    import io
    import json

    from surfaces.__main__ import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["list"]) == 0
    listed = {s["name"]: s for s in json.loads(out.getvalue())}
    assert listed["diabetes"]["data"]["n"] == 442 and listed["iris-scaled"]["data"]["n"] == 100
    assert listed["line"]["data"]["model"] == "linear" and listed["blobs"]["data"]["model"] == "logistic"
    assert "scikit-learn" in listed["iris"]["data"]["data_source"]


def test_the_bundled_datasets_are_read_as_scikit_learn_loads_them():
    from sklearn.datasets import load_diabetes, load_iris

    from surfaces.datasets import diabetes_data, iris_data

    raw = load_diabetes(scaled=False)
    np.testing.assert_array_equal(diabetes_data().x, raw.data[:, 2])
    np.testing.assert_allclose(diabetes_data().y, (raw.target - raw.target.mean()) / raw.target.std())
    iris = load_iris()
    keep = iris.target > 0
    np.testing.assert_array_equal(iris_data().x, iris.data[keep, 2])
    np.testing.assert_array_equal(iris_data().y, iris.target[keep] - 1)
    assert iris_data().classes == tuple(iris.target_names[1:])


def _mean_abs_weight(params):  # a metric: any function of the parameters, evaluated at each epoch's end
    import jax.numpy as jnp

    return jnp.stack([jnp.mean(jnp.abs(params)), params[1]])


def test_per_epoch_records_are_the_per_update_run_at_epoch_ends():
    from optim.stochastic import train_epochs

    surface = get_surface("blobs-scaled")
    args = (surface.sample_loss, _data(surface), get_optimizer("adam"), {"lr": 0.05}, np.array(surface.start))
    per_update = train(*args, batch_size=32, epochs=6, seed=5)
    per_epoch = train_epochs(*args, batch_size=32, epochs=6, seeds=5, metrics=_mean_abs_weight)
    ends = np.arange(7) * per_update.batching.per_epoch
    np.testing.assert_array_equal(per_epoch.params, per_update.params[ends])
    np.testing.assert_allclose(per_epoch.loss, per_update.loss[ends], rtol=1e-13)
    np.testing.assert_allclose(per_epoch.metrics[:, 1], per_update.params[ends, 1], rtol=0)
    assert per_epoch.metrics.shape == (7, 2) and per_epoch.diverged_at is None
    many = train_epochs(*args, batch_size=32, epochs=6, seeds=np.array([5, 6]), metrics=_mean_abs_weight)
    np.testing.assert_allclose(many.params[:, 0], per_epoch.params, rtol=1e-12)  # vmap may fuse differently
    assert np.max(np.abs(many.params[:, 1] - per_epoch.params)) > 1e-6
