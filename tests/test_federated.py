"""Federated learning (the course's Section 3.2.3) against centralized GD on the same data surface.

* The server's average of full local gradients weighted by n_k/N is the full gradient: FedSGD walks
  ``optim.descend``'s GD path to 1e-12, for linear and logistic surfaces, every split, equal and very
  unequal client sizes (where the plain, unweighted mean of the client gradients is visibly wrong).
* FedAvg with one local step is the same walk; with E > 1 local steps on clients whose data differ it
  settles away from the true minimizer, exactly where the fixed-point equation of the linear model says.
* Splits deal every sample to exactly one client; bad arguments are refused with one sentence.
"""

from __future__ import annotations

import numpy as np
import pytest

from experiments import federated as F
from optim import descend, get_optimizer
from surfaces import get_surface

CASES = [  # surface, learning rate that converges there: linear and logistic, generated and real, raw and scaled
    ("line", 0.02), ("diabetes-scaled", 0.2), ("blobs", 0.05), ("iris-scaled", 1.0),
]


def _gd(surface, eta, steps):
    return descend(surface, get_optimizer("gd"), {"lr": eta}, surface.start, steps)


def _kinds(surface):
    return ("even", "regions", "labels") if surface.model == "logistic" else ("even", "regions")


@pytest.mark.parametrize("name,eta", CASES)
def test_fedsgd_with_weighted_gradients_is_centralized_gd(name, eta):
    surface = get_surface(name)
    reference = _gd(surface, eta, 300)
    for kind in _kinds(surface):
        for k in (1, 3, 7):
            split = F.split_data(surface, k, kind, seed=2)
            run = F.fedsgd(surface, split, surface.start, eta, 300)
            assert np.max(np.abs(run.points - reference.points)) <= 1e-12, (kind, k)
            assert np.max(np.abs(run.loss - reference.loss)) <= 1e-12, (kind, k)
            assert run.rounds == 300 and run.work[-1] == 300 * surface.n


@pytest.mark.parametrize("name,eta", CASES)
def test_fedavg_with_one_local_step_is_centralized_gd(name, eta):
    surface = get_surface(name)
    reference = _gd(surface, eta, 200)
    for kind in _kinds(surface):
        split = F.split_data(surface, 5, kind, seed=1)
        run = F.fedavg(surface, split, surface.start, eta, 1, 200)
        assert np.max(np.abs(run.points - reference.points)) <= 1e-12, kind
        assert np.max(np.abs(run.loss - reference.loss)) <= 1e-12, kind


@pytest.mark.parametrize("name,eta", [("line-scaled", 0.2), ("blobs-scaled", 0.5)])
def test_weighting_by_data_size_matters_with_very_unequal_clients(name, eta):
    surface = get_surface(name)
    order = np.argsort(surface.features)  # a small client on the left, a big one on the right
    split = F.split_from_parts(surface.features, surface.targets, [order[:10], order[10:60], order[60:]])
    assert list(split.counts) == [10, 50, surface.n - 60]
    reference = _gd(surface, eta, 100)
    for run in (F.fedsgd(surface, split, surface.start, eta, 100),
                F.fedavg(surface, split, surface.start, eta, 1, 100)):
        assert np.max(np.abs(run.points - reference.points)) <= 1e-12
    # the plain mean of the client gradients (weights 1/K) would be another direction at the start
    w = np.asarray(surface.start)
    grads = []
    for k in range(split.k):
        x, y = split.x[k, : split.counts[k]], split.y[k, : split.counts[k]]
        z = w[0] + w[1] * x
        r = 2 * (z - y) if surface.model == "linear" else 1 / (1 + np.exp(-z)) - y
        grads.append([r.mean(), (r * x).mean()])
    grads = np.array(grads)
    assert np.max(np.abs(grads.mean(axis=0) - split.weights @ grads)) > 1e-2


def test_fedavg_with_local_steps_on_regions_drifts_to_its_fixed_point():
    """Linear model: E local GD steps map w to w_k* + M_k (w − w_k*), M_k = (I − η H_k)^E, so FedAvg's
    fixed point solves (I − Σ p_k M_k) w = Σ p_k (I − M_k) w_k*: not w* unless E = 1 or the H_k agree."""
    surface = get_surface("line-scaled")
    eta, local_steps, rounds = 0.1, 20, 400
    c = F.compare(surface, 4, "regions", local_steps, eta, rounds)
    assert c.gd_distance < 1e-9  # centralized GD with the same computation reaches w*
    assert c.drift > 1e-2  # FedAvg does not
    assert c.fedavg.loss[-1] - c.loss_star > 1e-4
    assert c.fedsgd_gap <= 1e-12
    split = c.split
    lhs, rhs = np.eye(2), np.zeros(2)
    for k in range(split.k):
        x, y = split.x[k, : split.counts[k]], split.y[k, : split.counts[k]]
        A = np.stack([np.ones_like(x), x], axis=1)
        H = 2 * A.T @ A / len(x)
        M = np.linalg.matrix_power(np.eye(2) - eta * H, local_steps)
        w_k = np.linalg.solve(A.T @ A, A.T @ y)
        np.testing.assert_allclose(w_k, c.client_minima[k], atol=1e-10)
        lhs -= split.weights[k] * M
        rhs += split.weights[k] * (np.eye(2) - M) @ w_k
    fixed = np.linalg.solve(lhs, rhs)
    assert np.max(np.abs(c.fedavg.points[-1] - fixed)) < 1e-9
    assert np.linalg.norm(fixed - np.asarray(c.w_star)) > 1e-2
    # and the work: E·N per FedAvg round, N per FedSGD round, the same total
    assert c.fedavg.work[-1] == c.fedsgd.work[-1] == c.gd.work[-1] == rounds * local_steps * surface.n
    assert c.fedavg.rounds == rounds and c.fedsgd.rounds == rounds * local_steps


def test_label_mixes_drift_more_with_more_local_steps():
    surface = get_surface("blobs-scaled")
    drifts = [F.compare(surface, 3, "labels", e, 0.3, 3000 // e).drift for e in (1, 5, 30)]
    assert drifts[0] < 1e-6 < drifts[1] < drifts[2]


@pytest.mark.parametrize("kind", ["even", "regions", "labels"])
@pytest.mark.parametrize("k", [1, 2, 7, 100])
def test_every_sample_goes_to_exactly_one_client(kind, k):
    surface = get_surface("iris-scaled")  # N = 100
    split = F.split_data(surface, k, kind, seed=3)
    assert split.k == k and split.n == surface.n and split.counts.max() - split.counts.min() <= 1
    owner = split.client_of()
    assert sorted(owner.tolist()) == sorted(np.repeat(np.arange(k), split.counts).tolist())
    for j in range(k):
        rows = split.index[j, : split.counts[j]]
        np.testing.assert_array_equal(split.x[j, : split.counts[j]], surface.features[rows])
        np.testing.assert_array_equal(split.y[j, : split.counts[j]], surface.targets[rows])
        assert (split.mask[j, split.counts[j]:] == 0).all() and (split.index[j, split.counts[j]:] == -1).all()


def test_splits_are_what_they_say():
    surface = get_surface("blobs-scaled")
    regions = F.split_data(surface, 4, "regions")
    for j in range(3):
        assert regions.x[j, : regions.counts[j]].max() <= regions.x[j + 1, : regions.counts[j + 1]].min()
    labels = F.split_data(surface, 4, "labels")
    share = [labels.y[j, : labels.counts[j]].mean() for j in range(4)]
    assert share == sorted(share) and share[0] < 0.1 and share[-1] > 0.9
    two = F.split_data(surface, 2, "labels")
    assert 0.05 < two.y[0, : two.counts[0]].mean() < 0.35  # a mix, not one class
    even = F.split_data(surface, 4, "even", seed=0)
    assert all(0.3 < even.y[j, : even.counts[j]].mean() < 0.7 for j in range(4))
    assert np.array_equal(even.index, F.split_data(surface, 4, "even", seed=0).index)
    assert not np.array_equal(even.index, F.split_data(surface, 4, "even", seed=1).index)


def test_client_minimizers_exist_only_where_the_loss_has_one():
    surface = get_surface("blobs-scaled")
    c = F.split_data(surface, 4, "labels")
    minima = F.client_minimizers(surface, c)
    assert minima[0] is None and minima[-1] is None  # one class only: the loss has no minimizer
    assert minima[1] is not None and minima[2] is not None
    one_each = F.split_data(surface, surface.n, "even")
    assert F.client_minimizers(surface, one_each) == [None] * surface.n


def test_a_learning_rate_too_big_for_a_client_diverges_without_an_exception():
    """Scaled line: the full loss has curvature 2 (GD is stable below η = 1), but the outer regions' own
    losses are steeper, so their local walks blow up at η = 0.9 and FedAvg with them."""
    surface = get_surface("line-scaled")
    c = F.compare(surface, 8, "regions", 20, 0.9, 50)
    assert c.fedavg.diverged_at is not None and c.gd.diverged_at is None and c.fedsgd.diverged_at is None
    assert c.rows()[2]["diverged at"] == c.fedavg.diverged_at


@pytest.mark.parametrize("args,message", [
    (dict(k=0), "the number of clients must be at least 1, not 0"),
    (dict(k=-3), "at least 1"),
    (dict(k=201), "201 clients cannot share 200 samples"),
    (dict(k=2.5), "the number of clients must be a whole number"),
    (dict(k="four"), "the number of clients must be a whole number"),
    (dict(local_steps=0), "the number of local steps must be at least 1, not 0"),
    (dict(local_steps=101), "at most 100 local steps"),
    (dict(eta=0.0), "the learning rate must be a positive number"),
    (dict(eta=float("nan")), "the learning rate must be a positive number"),
    (dict(rounds=0), "the number of rounds must be at least 1"),
    (dict(rounds=2000, local_steps=100), "beyond the cap of 100,000"),
    (dict(kind="labels"), "a split by label mix needs a classification surface"),
    (dict(kind="halves"), "unknown split 'halves'"),
    (dict(seed=-1), "the seed must be 0 or more"),
    (dict(seed=1.5), "the seed must be a whole number"),
    (dict(start=(np.inf, 0.0)), "the start must be two finite numbers"),
])
def test_bad_arguments_are_refused_in_one_sentence(args, message):
    surface = get_surface("line")
    call = dict(k=4, kind="even", local_steps=5, eta=0.01, rounds=10)
    call.update(args)
    with pytest.raises(ValueError) as info:
        F.compare(surface, **call)
    text = str(info.value)
    assert message in text and "\n" not in text and text.count(". ") == 0


def test_an_analytic_surface_is_refused():
    with pytest.raises(ValueError, match="needs a data surface"):
        F.compare(get_surface("bowl"), 2, "even", 1, 0.1, 10)


def test_the_zoom_window_holds_w_star_and_fedavgs_end():
    surface = get_surface("blobs-scaled")
    c = F.compare(surface, 3, "labels", 20, 0.3, 50)
    (x0, x1), (y0, y1) = F.zoom_window(c, surface.domain)
    for w in (c.w_star, c.fedavg.points[-1]):
        assert x0 < w[0] < x1 and y0 < w[1] < y1
    assert x1 - x0 < 0.2 * (surface.domain[0][1] - surface.domain[0][0])  # a zoom, not the whole window
    xs, ys, Z = F.grid_on(surface, ((x0, x1), (y0, y1)), 20)
    assert Z.shape == (20, 20) and np.isfinite(Z).all() and Z.min() >= c.loss_star - 1e-12
    line = get_surface("line-scaled")
    diverged = F.compare(line, 8, "regions", 20, 0.9, 50)
    assert diverged.fedavg.diverged_at is not None
    (x0, x1), _ = F.zoom_window(diverged, line.domain)  # around w*, a fifth of the window wide
    assert x0 < diverged.w_star[0] < x1 and x1 - x0 <= 0.2 * (line.domain[0][1] - line.domain[0][0]) + 1e-12
