"""ℓ2 regularization (Section 3.3): Example 3.3.1's numbers, the minimizer path, Eq. 3.5 against torch's
weight decay, and the generalization demo's shipped defaults.

* λ = 0.01 from several starts ends within 1e-6 of the text's w** = (0, 1/1.02, −1/1.02); without λ
  every run ends on the line (0, 1, −1) + t(1, −1, −1), at the start's projection, so t depends on the start.
* The minimizer path at λ = 0 is the unregularized minimizer on every data surface.
* Eq. 3.5 written out, the runner's penalty λ‖w‖², the runner's SGD with weight_decay = 2λ and
  torch.optim.SGD(weight_decay=2λ) walk the same path step for step.
* The polynomial demo's defaults: λ raises the training error and lowers the test error.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest
import torch

from experiments import regularization as reg
from optim import get_optimizer
from optim.stochastic import train
from surfaces import DATA_SURFACES
from tests.jaxlog import xla_compiles

GD = get_optimizer("gd")
DATA = (reg.EXAMPLE_X, reg.EXAMPLE_Y)
# The page's starts plus random ones far from the line (a fixed seed).
STARTS = np.vstack([reg.EXAMPLE_STARTS, np.random.default_rng(7).uniform(-4, 4, (6, 3))])


def test_the_sample_loss_averaged_over_the_two_samples_is_eq_3_3_and_its_gradient_is_the_closed_form():
    w = np.random.default_rng(0).normal(size=(20, 3))
    ours = np.array([np.mean(np.asarray(reg.example_sample_loss(v, *DATA))) for v in w])
    np.testing.assert_allclose(ours, reg.example_loss(w), rtol=1e-14)
    grads = np.array([jax.grad(lambda v: reg.example_sample_loss(v, *DATA).mean())(v) for v in w])
    np.testing.assert_allclose(grads, np.array([reg.example_gradient(v) for v in w]), rtol=1e-13, atol=1e-14)
    # The line is where Eq. 3.3 is zero; w** solves the text's linear system (the gradient of Eq. 3.4 is 0).
    for t in (-2.0, 0.0, 1.5):
        assert reg.example_loss(reg.LINE_POINT + t * reg.LINE_DIRECTION) == 0.0
    for lam in (0.01, 0.1, 1.0):
        w = reg.example_minimizer(lam)
        system = np.array([[2 + 2 * lam, 1, 1], [1, 1 + 2 * lam, 0], [1, 0, 1 + 2 * lam]])
        np.testing.assert_allclose(system @ w, [0.0, 1.0, -1.0], atol=1e-15)
        np.testing.assert_allclose(reg.example_gradient(w) + 2 * lam * w, 0.0, atol=1e-15)


@pytest.mark.parametrize("opt,hp,steps", [("gd", {"lr": 0.5}, 5000), ("momentum", {"lr": 0.1}, 5000),
                                          ("nesterov", {"lr": 0.1}, 5000)])
def test_with_lambda_every_start_reaches_the_texts_minimizer(opt, hp, steps):
    ex = reg.example_runs(get_optimizer(opt), hp, 0.01, steps, STARTS)
    np.testing.assert_allclose(ex.w_star_star, [0.0, 1 / 1.02, -1 / 1.02], rtol=1e-15)
    assert (ex.regularized_diverged < 0).all()
    assert np.max(np.abs(ex.regularized_ends - ex.w_star_star)) < 1e-6


def test_without_lambda_gd_ends_on_the_line_at_a_point_that_depends_on_the_start():
    ex = reg.example_runs(GD, {"lr": 0.5}, 0.01, 5000, STARTS)
    assert np.max(reg.distance_to_line(ex.plain_ends)) < 1e-6
    t = reg.line_parameter(ex.plain_ends)
    # GD never moves along the line's direction: it ends at the start's projection onto the line.
    np.testing.assert_allclose(t, reg.line_parameter(STARTS), atol=1e-9)
    assert np.ptp(t) > 2.0  # the end depends on the start
    assert reg.example_loss(ex.plain_ends).max() < 1e-12  # and every end is a minimizer (ℓ = 0)


def test_one_batched_call_and_a_new_lambda_compiles_nothing():
    reg.example_runs(GD, {"lr": 0.5}, 0.01, 3000)
    with xla_compiles() as seen:
        ex = reg.example_runs(GD, {"lr": 0.3}, 0.05, 3000)
    assert seen == [], seen
    assert ex.regularized.shape == (3001, len(reg.EXAMPLE_STARTS), 3)


@pytest.mark.parametrize("surface", DATA_SURFACES, ids=lambda s: s.name)
def test_the_minimizer_path_starts_at_the_unregularized_minimizer_and_shrinks_to_zero(surface):
    lams = reg.path_lambdas(0.01)
    assert lams[0] == 0.0 and 0.01 in lams and np.all(np.diff(lams) > 0)
    path = reg.minimizer_path(surface, lams)
    np.testing.assert_allclose(path[0], surface.minima[0].point, rtol=1e-12, atol=1e-12)
    norms = np.linalg.norm(path, axis=1)
    assert np.all(np.diff(norms) <= 1e-12 * norms[0])  # a larger λ never gives a larger minimizer
    assert norms[-1] < 1e-2 * norms[0]
    pic = reg.surface_picture(surface, 0.1, n=40)
    # w_λ minimizes the regularized loss and pays for it in training loss (the text: ℓ(w*) ≤ ℓ(w**)).
    assert pic.loss_lam >= pic.loss_plain and pic.norm_lam <= pic.norm_plain
    reg_at = lambda w: reg.mean_loss(surface.model, surface.features, surface.targets, *w) + 0.1 * w @ w  # noqa: E731
    assert reg_at(pic.w_lam) <= reg_at(pic.w_plain)
    assert pic.regularized.min() >= reg_at(pic.w_lam) - 1e-12  # no grid point below the minimum
    assert pic.xs[0] <= 0 <= pic.xs[-1] and pic.ys[0] <= 0 <= pic.ys[-1]  # the window holds the origin


def test_the_numpy_grid_loss_is_the_surfaces_own_loss():
    for surface in DATA_SURFACES:
        w = np.random.default_rng(1).normal(size=(5, 2))
        ours = reg.mean_loss(surface.model, surface.features, surface.targets, w[:, 0], w[:, 1])
        theirs = np.array([float(surface.fn(a, b)) for a, b in w])
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def _torch_path(start, steps: int, **kwargs) -> np.ndarray:
    w = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], **kwargs)
    X, Y = torch.tensor(reg.EXAMPLE_X), torch.tensor(reg.EXAMPLE_Y)
    out = [w.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        ((Y - X @ w) ** 2).mean().backward()
        opt.step()
        out.append(w.detach().numpy().copy())
    return np.array(out)


@pytest.mark.parametrize("eta,lam", [(0.5, 0.01), (0.1, 0.1), (0.3, 0.5)])
def test_eq_3_5_is_the_penalty_and_torchs_weight_decay_2_lambda_step_for_step(eta, lam):
    start, steps = np.array([2.0, -1.0, 0.5]), 200
    literal = reg.eq35_path(reg.example_gradient, start, eta, lam, steps)
    penalty = train(reg.example_sample_loss, DATA, GD, {"lr": eta}, start, steps=steps, l2=lam).params
    decay = train(reg.example_sample_loss, DATA, get_optimizer("sgd"), {"lr": eta, "weight_decay": 2 * lam}, start,
                  steps=steps).params
    theirs = _torch_path(start, steps, lr=eta, weight_decay=2 * lam)
    for path in (penalty, decay, theirs):
        assert np.max(np.abs(path - literal)) < 1e-12
    # weight_decay = λ (torch's parameter read as the text's λ) is a different, weaker rule.
    half = _torch_path(start, steps, lr=eta, weight_decay=lam)
    assert np.max(np.abs(half - literal)) > 1e-3


def test_with_momentum_weight_decay_2_lambda_is_still_the_penalty():
    start, hp = np.array([1.0, 1.0, 1.0]), {"lr": 0.05, "momentum": 0.9}
    penalty = train(reg.example_sample_loss, DATA, get_optimizer("sgd"), hp, start, steps=100, l2=0.2).params
    theirs = _torch_path(start, 100, weight_decay=0.4, **hp)
    assert np.max(np.abs(penalty - theirs)) < 1e-12


def test_adam_couples_its_weight_decay_and_adamw_does_not():
    start = np.array([1.0, -2.0, 0.5])
    adam_pen = train(reg.example_sample_loss, DATA, get_optimizer("adam"), {"lr": 0.01}, start, steps=100, l2=0.1)
    adam_wd = train(reg.example_sample_loss, DATA, get_optimizer("adam"), {"lr": 0.01, "weight_decay": 0.2}, start,
                    steps=100)
    adamw = train(reg.example_sample_loss, DATA, get_optimizer("adamw"), {"lr": 0.01, "weight_decay": 0.2}, start,
                  steps=100)
    assert np.max(np.abs(adam_pen.params - adam_wd.params)) < 1e-12
    assert np.max(np.abs(adamw.params - adam_pen.params)) > 1e-3
    assert "decoupled" in reg.torch_weight_decay(get_optimizer("adamw"), 0.1)
    assert "weight_decay = 2λ = 0.2" in reg.torch_weight_decay(get_optimizer("adam"), 0.1)


def test_the_shipped_polynomial_demo_trades_training_error_for_test_error():
    data = reg.poly_data()
    fit = reg.fit_polynomial(data, reg.POLY_DEGREE, GD, {"lr": reg.POLY_ETA}, reg.DEFAULT_LAMBDA, reg.POLY_STEPS)
    assert not fit.diverged[:2].any()
    assert fit.train_loss[1] > fit.train_loss[0]  # the regularizer costs training error ...
    assert fit.test_loss[1] < 0.2 * fit.test_loss[0]  # ... and buys a much lower test error (Table 3.1)
    # Both runs reached the bottom of their valleys: GD's end points are the closed-form minimizers.
    np.testing.assert_allclose(fit.regularized, reg.ridge_solution(data, reg.POLY_DEGREE, reg.DEFAULT_LAMBDA),
                               atol=1e-9)
    np.testing.assert_allclose(fit.plain, reg.ridge_solution(data, reg.POLY_DEGREE, 0.0), atol=1e-4)
    table = fit.table()
    assert table["No regularizer"]["Train MSE"] < table["With ℓ2 (λ = 0.01)"]["Train MSE"]
    # The same batched call swept λ: the test error is U-shaped, lowest at a moderate λ.
    test = np.where(fit.diverged, np.inf, fit.test_loss)[2:]
    best = int(np.argmin(test))
    assert 0 < best < len(test) - 1 and test[best] < test[0] and test[best] < fit.test_loss[0]


def test_the_legendre_features_are_the_legendre_polynomials():
    x = np.linspace(-1, 1, 7)
    ours = reg.legendre_features(x, 6)
    theirs = np.stack([np.polynomial.legendre.legval(x, np.eye(6)[k]) for k in range(6)], axis=-1)
    np.testing.assert_allclose(ours, theirs, atol=1e-14)
    np.testing.assert_allclose(np.asarray(reg.legendre_features(jax.numpy.asarray(x), 6)), theirs, atol=1e-14)


@pytest.mark.parametrize("call,message", [
    (lambda: reg.check_lambda(-0.5), "λ must be a finite number ≥ 0"),
    (lambda: reg.check_lambda("abc"), "λ must be a number"),
    (lambda: reg.check_lambda(float("inf")), "finite"),
    (lambda: reg.example_runs(GD, {"lr": 0.5}, -1.0, 10), "λ must be"),
    (lambda: reg.example_runs(GD, {"lr": 0.5}, 0.1, 10**6), "steps must be"),
    (lambda: reg.example_runs(get_optimizer("sgd"), {"lr": 0.5, "nesterov": 1.0}, 0.1, 10), "Nesterov"),
    (lambda: reg.surface_picture(DATA_SURFACES[0], -0.01), "λ must be"),
    (lambda: reg.poly_data(seed=1.5), "seed"),
    (lambda: reg.poly_data(points=1), "at least 2"),
    (lambda: reg.fit_polynomial(reg.poly_data(), 0, GD, {"lr": 0.1}, 0.1, 10), "degree"),
    (lambda: reg.fit_polynomial(reg.poly_data(), 3, GD, {"lr": 0.1}, -0.1, 10), "λ must be"),
])
def test_bad_input_is_one_sentence(call, message):
    with pytest.raises(ValueError, match=message) as info:
        call()
    assert "\n" not in str(info.value)


def test_the_pages_figures_pass_plotly_validation():
    """The builders skip Plotly's validation for speed (viz/spec.py): the validating constructor must accept them."""
    import plotly.graph_objects as go

    from viz.regularization import example_figure, poly_fit_figure, poly_loss_figure, regularized_contour_figure

    pic = reg.surface_picture(DATA_SURFACES[1], 0.01, n=30)
    ex = reg.example_runs(GD, {"lr": 0.5}, 0.01, 100)
    fit = reg.fit_polynomial(reg.poly_data(), 9, GD, {"lr": 0.5}, 0.01, 100)
    grid = np.linspace(-1, 1, 50)
    figures = [
        regularized_contour_figure(pic.xs, pic.ys, pic.regularized, lam=0.01, w_plain=pic.w_plain, w_lam=pic.w_lam,
                                   path=pic.path, lams=pic.lams),
        example_figure(line_point=reg.LINE_POINT, line_direction=reg.LINE_DIRECTION, starts=ex.starts,
                       paths=ex.regularized, plain_ends=ex.plain_ends, w_star_star=ex.w_star_star, lam=0.01),
        poly_fit_figure(x_train=fit.data.x, y_train=fit.data.y, x_test=fit.data.x_test, y_test=fit.data.y_test,
                        grid=grid, truth=reg.true_function(grid), fit_plain=reg.poly_predict(fit.plain, grid),
                        fit_lam=reg.poly_predict(fit.regularized, grid), lam=0.01),
        poly_loss_figure(lams=fit.lams[2:], train_loss=fit.train_loss[2:], test_loss=fit.test_loss[2:],
                         plain_train=fit.train_loss[0], plain_test=fit.test_loss[0], lam=0.01, noise_floor=0.0625),
    ]
    for fig in figures:
        raw = fig.to_dict()
        checked = go.Figure(raw).to_dict()  # raises on any unknown property or invalid value
        assert [t.get("name") for t in checked["data"]] == [t.get("name") for t in raw["data"]]
        assert set(raw["layout"]) == set(checked["layout"])
    names = [t["name"] for t in figures[0].to_dict()["data"]]
    assert names == ["ℓ + λ‖w‖²", "minimizer as λ grows", "w = 0", "minimizer of ℓ (λ = 0)", "minimizer, λ = 0.01"]


@pytest.mark.parametrize("surface", DATA_SURFACES, ids=lambda s: s.name)
def test_every_point_of_the_minimizer_path_zeroes_the_regularized_gradient(surface):
    """Checked apart from the Newton solver: the ridge normal equations for the linear model, and
    jax.grad of the surface's own loss plus λ‖w‖² for both models."""
    lams = np.array([0.0, 1e-3, 0.01, 0.1, 1.0, 10.0])
    path = reg.minimizer_path(surface, lams)
    x, y = surface.features, surface.targets
    grad = jax.grad(lambda w, lam: surface.fn(w[0], w[1]) + lam * (w @ w))
    for lam, w in zip(lams, path, strict=True):
        g = np.asarray(grad(w, lam))
        assert np.max(np.abs(g)) < 1e-8 * max(1.0, float(np.abs(y).max())), (lam, g)
        if surface.model == "linear":
            A = np.stack([np.ones_like(x), x], axis=1)
            ridge = np.linalg.solve(A.T @ A / len(x) + lam * np.eye(2), A.T @ y / len(x))
            np.testing.assert_allclose(w, ridge, rtol=1e-10, atol=1e-12)


def test_runs_from_several_starts_are_the_runners_single_runs():
    starts = STARTS[:4]
    paths, diverged = reg.train_from_starts(reg.example_sample_loss, DATA, get_optimizer("adam"), {"lr": 0.05},
                                            starts, steps=300, l2=[0.0, 0.1, 0.0, 0.1])
    assert paths.shape == (301, 4, 3) and (diverged < 0).all()
    for i, (start, lam) in enumerate(zip(starts, [0.0, 0.1, 0.0, 0.1], strict=True)):
        single = train(reg.example_sample_loss, DATA, get_optimizer("adam"), {"lr": 0.05}, start, steps=300, l2=lam)
        np.testing.assert_allclose(paths[:, i], single.params, rtol=0, atol=1e-14)
