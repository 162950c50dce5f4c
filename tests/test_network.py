"""The digits network: the data as scikit-learn loads it, one epoch equal to torch.optim's, the accuracy bar,
batched runs equal to single ones, and the landscape slice equal to the loss evaluated point by point."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from experiments.network import (
    init_params,
    landscape,
    pca_directions,
    predictions,
    random_directions,
    sample_loss,
    train_network,
)
from optim.stochastic import Batching, batch_order
from surfaces.datasets import digits_data


def test_digits_are_read_as_scikit_learn_loads_them_and_split_once():
    from sklearn.datasets import load_digits

    raw = load_digits()
    d = digits_data()
    assert (d.n_train, d.n_test) == (1437, 360) and d.x_train.shape[1] == 64
    x = np.concatenate([d.x_train, d.x_test])
    y = np.concatenate([d.y_train, d.y_test])
    # The split is a permutation of scikit-learn's rows: match each of ours to its row.
    order = np.lexsort(np.column_stack([raw.data / 16.0, raw.target]).T)
    ours = np.lexsort(np.column_stack([x, y]).T)
    np.testing.assert_array_equal(x[ours], raw.data[order] / 16.0)
    np.testing.assert_array_equal(y[ours], raw.target[order])
    assert x.min() == 0.0 and x.max() == 1.0
    assert set(np.unique(d.y_test)) == set(range(10))  # every class is held out
    again = digits_data.__wrapped__()
    np.testing.assert_array_equal(again.y_test, d.y_test)


def test_the_start_is_torch_linear_default_range():
    p = init_params(3)
    assert p["W1"].shape == (64, 128) and p["b2"].shape == (10,)
    assert np.abs(p["W1"]).max() <= 1 / 8 and np.abs(p["W2"]).max() <= 1 / np.sqrt(128)
    assert np.abs(p["W1"]).max() > 0.12  # uniform over the whole range, not a narrower one
    assert not np.array_equal(init_params(4)["W1"], p["W1"])


def _torch_epoch(optimizer_cls, kwargs, seed, batch_size):
    d = digits_data()
    start = init_params(seed)
    net = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)).double()
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor(start["W1"].T))
        net[0].bias.copy_(torch.tensor(start["b1"]))
        net[2].weight.copy_(torch.tensor(start["W2"].T))
        net[2].bias.copy_(torch.tensor(start["b2"]))
    opt = optimizer_cls(net.parameters(), **kwargs)
    criterion = torch.nn.CrossEntropyLoss()
    x, y = torch.tensor(d.x_train), torch.tensor(d.y_train)
    for idx in batch_order(seed, Batching.of(d.n_train, batch_size), 1):
        i = torch.tensor(idx)
        opt.zero_grad()
        criterion(net(x[i]), y[i]).backward()
        opt.step()
    return {"W1": net[0].weight.detach().numpy().T, "b1": net[0].bias.detach().numpy(),
            "W2": net[2].weight.detach().numpy().T, "b2": net[2].bias.detach().numpy()}


@pytest.mark.parametrize("optimizer,hp,torch_cls,torch_kwargs", [
    ("adam", {"lr": 0.001}, torch.optim.Adam, {"lr": 0.001}),
    ("momentum", {"lr": 0.01}, torch.optim.SGD, {"lr": 0.01, "momentum": 0.9}),
    # The rules added with the rest of torch.optim: state kept per tensor (ASGD's eta and mu, NAdam's
    # mu product, RAdam's step) must be kept per tensor on the network too.
    ("asgd", {"lr": 0.1, "t0": 20.0}, torch.optim.ASGD, {"lr": 0.1, "t0": 20.0}),
    ("adadelta", {"lr": 1.0, "weight_decay": 1e-3}, torch.optim.Adadelta, {"lr": 1.0, "weight_decay": 1e-3}),
    ("rprop", {"lr": 0.005}, torch.optim.Rprop, {"lr": 0.005}),
    ("adamax", {"lr": 0.002}, torch.optim.Adamax, {"lr": 0.002}),
    ("nadam", {"lr": 0.002}, torch.optim.NAdam, {"lr": 0.002}),
    ("nadam", {"lr": 0.002, "weight_decay": 0.01, "decoupled_weight_decay": 1.0}, torch.optim.NAdam,
     {"lr": 0.002, "weight_decay": 0.01, "decoupled_weight_decay": True}),
    ("radam", {"lr": 0.002}, torch.optim.RAdam, {"lr": 0.002}),
    # Adafactor factors the weight matrices' second moment (rows and columns), the biases' it keeps whole;
    # our W is torch's weight transposed, which swaps rows and columns of the same rank-one estimate.
    ("adafactor", {"lr": 0.01}, torch.optim.Adafactor, {"lr": 0.01}),
    ("adafactor", {"lr": 0.05, "weight_decay": 0.01, "d": 2.0}, torch.optim.Adafactor,
     {"lr": 0.05, "weight_decay": 0.01, "d": 2.0}),
    ("radam", {"lr": 0.002, "weight_decay": 0.01, "decoupled_weight_decay": 1.0}, torch.optim.RAdam,
     {"lr": 0.002, "weight_decay": 0.01, "decoupled_weight_decay": True}),
])
def test_one_epoch_equals_torch_optim_on_the_same_network_and_batches(optimizer, hp, torch_cls, torch_kwargs):
    run = train_network(optimizer, hp, epochs=1, batch_size=32, seed=7)
    ours = run.unravel(run.params[1])
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # torch keeps scalar state (steps, NAdam's mu product) in this dtype
    try:
        theirs = _torch_epoch(torch_cls, torch_kwargs, seed=7, batch_size=32)
    finally:
        torch.set_default_dtype(previous)
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(np.asarray(ours[name]), theirs[name], rtol=0, atol=1e-8, err_msg=name)
    moved = max(np.abs(np.asarray(ours[k]) - init_params(7)[k]).max() for k in ours)
    assert moved > 1e-3  # the epoch did something the comparison could miss
    # The recorded loss is the model's: torch's mean cross-entropy at the same weights.
    d = digits_data()
    assert abs(run.train_loss[1] - float(np.mean(sample_loss(ours, d.x_train, d.y_train)))) < 1e-12


@pytest.mark.parametrize("optimizer,hp", [("adam", {"lr": 0.002}), ("nesterov", {"lr": 0.02})])
def test_the_network_loop_is_train_epochs_with_a_lighter_record(optimizer, hp):
    from experiments.network import test_metrics
    from optim import get_optimizer
    from optim.stochastic import train_epochs

    d = digits_data()
    ours = train_network(optimizer, hp, epochs=3, batch_size=100, seed=4)
    theirs = train_epochs(sample_loss, (d.x_train, d.y_train), get_optimizer(optimizer), hp, init_params(4),
                          epochs=3, batch_size=100, seeds=4, metrics=test_metrics)
    np.testing.assert_allclose(ours.params, theirs.params, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ours.train_loss, theirs.loss, rtol=1e-12)
    np.testing.assert_allclose(ours.batch_loss, theirs.batch_loss, rtol=1e-12)
    np.testing.assert_allclose(np.stack([ours.test_loss, ours.test_accuracy, ours.train_accuracy], axis=1),
                               theirs.metrics, rtol=1e-12)


def test_adam_reaches_95_percent_test_accuracy_in_20_epochs():
    run = train_network("adam", {"lr": 0.001}, epochs=20, batch_size=32, seed=0)
    assert run.test_accuracy[-1] >= 0.95, run.test_accuracy
    assert run.test_accuracy[0] < 0.3  # the start guesses
    assert run.train_loss[-1] < 0.2 * run.train_loss[0]
    assert run.diverged_at is None and run.params.shape == (21, 9610) and run.batch_loss.shape == (20,)
    images, labels, predicted, confidence = predictions(run, 6)
    assert images.shape == (6, 8, 8) and np.mean(predicted == labels) >= 0.5
    assert np.all((confidence > 0.1) & (confidence <= 1.0))


def test_float32_training_stays_float32_and_follows_the_float64_run():
    """PyTorch's default precision: the same start and batches, every update in float32 (a float64 scalar
    anywhere in the update would promote the whole step back to float64 and make it no faster)."""
    exact = train_network("adam", {"lr": 0.001}, epochs=3, batch_size=32, seed=2)
    fast = train_network("adam", {"lr": 0.001}, epochs=3, batch_size=32, seed=2, dtype="float32")
    np.testing.assert_array_equal(fast.params[0], exact.params[0].astype(np.float32))  # stored as float32 values
    assert np.all(fast.params[1:] == fast.params[1:].astype(np.float32))
    assert not np.array_equal(fast.params[-1], exact.params[-1])  # it did train in float32
    np.testing.assert_allclose(fast.params[-1], exact.params[-1], atol=1e-4)
    np.testing.assert_allclose(fast.test_accuracy, exact.test_accuracy, atol=0.01)
    np.testing.assert_allclose(fast.train_loss, exact.train_loss, rtol=1e-4)


def test_seeds_and_learning_rates_are_one_vmapped_call_equal_to_single_runs():
    many = train_network("momentum", {"lr": 0.01}, epochs=2, batch_size=64, seed=np.array([1, 2]))
    assert many.params.shape == (3, 2, 9610) and many.test_accuracy.shape == (3, 2)
    for k, seed in enumerate((1, 2)):
        one = train_network("momentum", {"lr": 0.01}, epochs=2, batch_size=64, seed=seed)
        np.testing.assert_allclose(many.params[:, k], one.params, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(many.test_loss[:, k], one.test_loss, rtol=1e-9)
    lrs = train_network("gd", {"lr": np.array([0.01, 0.1])}, epochs=2, batch_size=64, seed=1)
    np.testing.assert_array_equal(lrs.params[0, 0], lrs.params[0, 1])  # one seed: one start for both
    assert lrs.train_loss[-1, 1] < lrs.train_loss[-1, 0]  # the larger step goes further in 2 epochs


@pytest.mark.parametrize("kwargs,message", [
    ({"batch_size": 0}, "batch size"),
    ({"epochs": -1}, "epochs must be a whole number"),
    ({"seed": -2}, "seed"),
    ({"hp": {"lr": -1.0}}, "lr"),
    ({"dtype": "float16"}, "unknown precision 'float16'; choose float64 or float32"),
])
def test_bad_arguments_are_refused_in_one_sentence(kwargs, message):
    args = {"optimizer": "adam", "hp": {"lr": 0.001}, "epochs": 1, "batch_size": 32, "seed": 0, **kwargs}
    with pytest.raises(ValueError, match=message):
        train_network(**args)


@pytest.fixture(scope="module")
def trained():
    return train_network("adam", {"lr": 0.001}, epochs=6, batch_size=32, seed=0)


def test_the_slice_is_the_training_loss_point_by_point(trained):
    d = digits_data()
    center = trained.params[-1]
    d1, d2 = random_directions(center, 0)
    exact = landscape(trained, "random", n=9, dtype="float64")
    fast = landscape(trained, "random", n=9)
    assert exact.loss.shape == (9, 9) and exact.alphas[0] == -1.0 and exact.alphas[-1] == 1.0
    for i, j in [(0, 0), (4, 4), (2, 7), (8, 1)]:
        w = center + exact.alphas[j] * d1 + exact.betas[i] * d2
        ref = float(np.mean(sample_loss(trained.unravel(w), d.x_train, d.y_train)))
        assert abs(exact.loss[i, j] - ref) <= 1e-12 * max(1.0, ref)
    assert abs(exact.loss[4, 4] - trained.train_loss[-1]) < 1e-12  # the centre is the trained network
    np.testing.assert_allclose(fast.loss, exact.loss, rtol=1e-5)
    np.testing.assert_allclose(exact.path[-1], 0.0, atol=1e-12)
    assert exact.loss[4, 4] < min(exact.loss[0, 0], exact.loss[8, 8], exact.loss[0, 8], exact.loss[8, 0])


def test_filter_normalised_directions_match_each_filters_norm(trained):
    center = trained.params[-1]
    d1, d2 = random_directions(center, 3)
    w, a, b = (trained.unravel(v) for v in (center, d1, d2))
    for name in ("W1", "W2"):
        np.testing.assert_allclose(np.linalg.norm(np.asarray(a[name]), axis=0),
                                   np.linalg.norm(np.asarray(w[name]), axis=0), rtol=1e-12)
    assert not np.any(np.asarray(a["b1"])) and not np.any(np.asarray(b["b2"]))
    assert abs(np.dot(d1, d2)) < 0.1 * np.linalg.norm(d1) * np.linalg.norm(d2)  # nearly orthogonal
    assert not np.array_equal(random_directions(center, 4)[0], d1)


def test_pca_directions_span_the_path(trained):
    d1, d2, share = pca_directions(trained.params)
    assert abs(np.linalg.norm(d1) - 1) < 1e-12 and abs(np.dot(d1, d2)) < 1e-10
    assert 0 < share[1] <= share[0] and share.sum() <= 1 + 1e-12 and share[0] > 0.5
    pca = landscape(trained, "pca", n=11)
    assert pca.explained is not None and np.allclose(pca.explained, share)
    # The path lies in the grid and the first two components carry most of it.
    assert np.all(np.abs(pca.path[:, 0]) <= pca.alphas[-1]) and np.all(np.abs(pca.path[:, 1]) <= pca.betas[-1])
    rand = landscape(trained, "random", n=5)
    assert np.abs(pca.path).max() > 10 * np.abs(rand.path).max()  # random planes miss the path (Li et al.)


def _cli(*argv):
    import contextlib
    import io
    import json

    from experiments.cli import COMMANDS
    from optim.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["train", *argv], commands=COMMANDS)  # what python -m optim runs
    return code, (json.loads(out.getvalue()) if code == 0 else None), err.getvalue()


def test_cli_trains_and_prints_strict_json_per_epoch():
    import json

    code, out, _ = _cli("--dataset", "digits", "--optimizer", "momentum", "--lr", "0.01", "--momentum", "0.8",
                        "--epochs", "2", "--batch-size", "64", "--seed", "3")
    assert code == 0
    assert out["hyperparameters"]["momentum"] == 0.8 and out["hyperparameters"]["nesterov"] is False
    assert (out["epochs"], out["batch_size"], out["updates_per_epoch"], out["seed"]) == (2, 64, 23, 3)
    assert out["backend"] in ("cpu", "gpu", "tpu") and out["seconds"] > 0
    for key in ("train_loss", "test_loss", "test_accuracy", "train_accuracy"):
        assert len(out[key]) == 3
    run = train_network("momentum", {"lr": 0.01, "momentum": 0.8}, epochs=2, batch_size=64, seed=3)
    np.testing.assert_allclose(out["test_accuracy"], run.test_accuracy, rtol=0, atol=0)
    np.testing.assert_allclose(out["train_loss"], run.train_loss, rtol=1e-12)
    assert out["dtype"] == "float64"
    json.dumps(out, allow_nan=False)
    code, fast, _ = _cli("--optimizer", "momentum", "--lr", "0.01", "--momentum", "0.8", "--epochs", "2",
                         "--batch-size", "64", "--seed", "3", "--dtype", "float32")
    assert code == 0 and fast["dtype"] == "float32"
    np.testing.assert_allclose(fast["train_loss"], out["train_loss"], rtol=1e-4)
    assert fast["train_loss"] != out["train_loss"]


@pytest.mark.parametrize("argv,message", [
    (("--dataset", "mnist"), "unknown dataset 'mnist'"),
    (("--optimizer", "bfgs"), "unknown optimizer"),
    (("--optimizer", "lbfgs"), "L-BFGS does not train the network here"),  # the 2-D surfaces only
    (("--optimizer", "newton"), "Newton's method does not train the network here"),
    (("--lr", "-1"), "must be >= 0"),
    (("--lr", "nan"), "--lr must be a finite number"),
    (("--epochs", "1.5"), "--epochs must be a whole number from 0 to 500"),
    (("--epochs", "9999"), "--epochs must be a whole number"),
    (("--batch-size", "0"), "--batch-size must be a whole number of at least 1"),
    (("--seed", "-3"), "--seed must be a whole number"),
    (("--betas", "0.9"), "--betas takes two numbers"),
    (("--dtype", "half"), "--dtype must be float64 or float32, got 'half'"),
    (("--surface", "bowl"), "unrecognized arguments"),
])
def test_cli_refuses_bad_input_in_one_line(argv, message):
    base = {"--optimizer": "adam", "--epochs": "1"}
    args = [a for k, v in base.items() if k not in argv for a in (k, v)] + list(argv)
    code, out, err = _cli(*args)
    assert code == 2 and out is None
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err


def test_the_figures_are_valid_plotly(trained):
    import plotly.graph_objects as go

    from viz.network import curves_figure, landscape_contour, landscape_surface, on_surface

    runs = [dict(label="adam", train=trained.train_loss, test=trained.test_loss)]
    ls = landscape(trained, "pca", n=7)
    for fig in (curves_figure(runs, metric="loss"), curves_figure(runs, metric="accuracy"),
                landscape_contour(ls.alphas, ls.betas, ls.loss, ls.path, kind="pca", explained=ls.explained),
                landscape_surface(ls.alphas, ls.betas, ls.loss, ls.path, kind="random")):
        go.Figure(fig.to_dict())  # the validating constructor: a misspelt property fails here
    # The path drawn on the 3-D surface sits on it: at grid nodes, exactly the slice's values.
    nodes = np.array([[ls.alphas[2], ls.betas[5]], [ls.alphas[0], ls.betas[0]]])
    np.testing.assert_allclose(on_surface(ls.alphas, ls.betas, ls.loss, nodes), [ls.loss[5, 2], ls.loss[0, 0]])
    with pytest.raises(ValueError):
        curves_figure(runs, metric="speed")


def test_both_curves_of_every_run_have_a_legend_entry():
    """The dashed test curves had no legend entry (only a caption above the chart said what they were)."""
    from viz.network import curves_figure

    runs = [dict(label=f"{name} η=0.1", train=[2.3, 1.0, 0.5], test=[2.3, 1.1, 0.7]) for name in ("gd", "adam")]
    for metric in ("loss", "accuracy"):
        traces = curves_figure(runs, metric=metric).to_dict()["data"]
        assert [(t["name"], t.get("showlegend", True), t["line"]["dash"]) for t in traces] == [
            ("gd η=0.1 (train)", True, "solid"), ("gd η=0.1 (test)", True, "dash"),
            ("adam η=0.1 (train)", True, "solid"), ("adam η=0.1 (test)", True, "dash")]
        assert len({t["legendgroup"] for t in traces}) == 4  # entries flow like words (style.legend_flowing)
