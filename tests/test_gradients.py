"""Finite differences against AD: the truncation orders, the best steps, the cost counts, the runner, the page."""

import numpy as np
import pytest

from experiments import gradients as grads
from optim import descend, descend_batch, get_optimizer
from optim.gradients import GRADIENT_METHODS, value_and_grad
from surfaces import get_surface
from tests.apptest import charts_by_key, new_session, no_exception

ROSENBROCK = get_surface("rosenbrock")
POINT = (-1.2, 1.0)


@pytest.mark.parametrize("name,point", [("rosenbrock", POINT), ("himmelblau", (1.0, -2.0)), ("radial", (0.5, 1.0))])
def test_central_differences_are_second_order_and_forward_first_order(name, point):
    surface = get_surface(name)
    hs = np.geomspace(1e-4, 1e-2, 9)  # truncation dominates here in float64
    sweep = grads.error_vs_step(surface, point, hs)
    central, forward = sweep.errors["fd-central", "float64"], sweep.errors["fd-forward", "float64"]
    # Error / h^2 stays within a factor across two decades of h for central differences: O(h^2) ...
    ratio = central / hs**2
    assert ratio.max() / ratio.min() < 1.5
    # ... and error / h for forward differences: O(h).
    ratio = forward / hs
    assert ratio.max() / ratio.min() < 1.5
    assert grads.slope(hs, central, 1e-4, 1e-2) == pytest.approx(2.0, abs=0.1)
    assert grads.slope(hs, forward, 1e-4, 1e-2) == pytest.approx(1.0, abs=0.1)


def test_round_off_sets_a_best_step_near_the_textbook_one():
    sweep = grads.error_vs_step(ROSENBROCK, POINT, np.geomspace(1e-15, 1e-1, 90))
    for (scheme, dtype), best in sweep.best.items():
        assert sweep.theory[scheme, dtype] / 30 < best < sweep.theory[scheme, dtype] * 30, (scheme, dtype, best)
    # Too small an h is worse than the best one by orders of magnitude (round-off).
    assert sweep.errors["fd-forward", "float64"][0] > 1e3 * np.min(sweep.errors["fd-forward", "float64"])
    # float32 cannot get near float64's accuracy.
    assert np.min(sweep.errors["fd-central", "float32"]) > 1e3 * np.min(sweep.errors["fd-central", "float64"])


def test_every_method_agrees_with_reverse_mode_at_a_point():
    results = {r.method: r for r in grads.compare_at(ROSENBROCK, POINT, {"fd-forward": 1.5e-8, "fd-central": 6e-6})}
    np.testing.assert_allclose(results["reverse"].gradient, [-215.6, -88.0], rtol=1e-14)
    assert results["forward"].error < 1e-14
    assert results["fd-forward"].error < 1e-6 and results["fd-central"].error < 1e-9
    assert results["fd-central"].error < results["fd-forward"].error


def test_finite_differences_work_on_any_pytree_and_many_parameters():
    import jax.numpy as jnp

    w = {"a": jnp.arange(3.0), "b": jnp.ones((2, 2))}
    loss = lambda p: jnp.sum(p["a"] ** 3) + jnp.sum(jnp.sin(p["b"]))  # noqa: E731
    exact = value_and_grad(loss, "reverse")(w)[1]
    for method, tol in (("forward", 1e-14), ("fd-central", 1e-9), ("fd-forward", 1e-6)):
        g = value_and_grad(loss, method, 0, 1e-6 if method == "fd-central" else 1e-8)(w)[1]
        np.testing.assert_allclose(g["a"], exact["a"], atol=tol * 10)
        np.testing.assert_allclose(g["b"], exact["b"], atol=tol * 10)
    v = jnp.linspace(-1, 1, 600)  # beyond one chunk of coordinates
    exact = value_and_grad(grads.rosenbrock_n, "reverse")(v)[1]
    for method, tol in (("forward", 1e-12), ("fd-central", 1e-6)):
        g = value_and_grad(grads.rosenbrock_n, method, 0, 1e-5)(v)[1]
        assert np.max(np.abs(g - exact)) / np.max(np.abs(exact)) < tol


def test_descent_with_differences_follows_the_ad_path_closely():
    adam = get_optimizer("adam")
    ad = descend(ROSENBROCK, adam, {"lr": 0.01}, POINT, 400)
    central = descend(ROSENBROCK, adam, {"lr": 0.01}, POINT, 400, gradient="fd-central")
    forward = descend(ROSENBROCK, adam, {"lr": 0.01}, POINT, 400, gradient="fd-forward")
    coarse = descend(ROSENBROCK, adam, {"lr": 0.01}, POINT, 400, gradient="fd-central", fd_step=0.05)
    dev = lambda t: np.max(np.abs(t.points - ad.points))  # noqa: E731
    assert 0 < dev(central) < dev(forward) < 1e-4 < dev(coarse)
    # The batched runners take the same step h.
    batch = descend_batch(ROSENBROCK, adam, {"lr": np.array([0.01, 0.02])}, POINT, 400, gradient="fd-central",
                          keep_paths=True)
    np.testing.assert_allclose(batch.points[:, 0], central.points, atol=1e-12)
    final = descend_batch(ROSENBROCK, adam, {"lr": 0.01}, np.array([POINT, (0.0, 0.0)]), 400, gradient="fd-central")
    np.testing.assert_allclose(final.final_points[0], central.final, atol=1e-9)


def test_a_step_change_compiles_nothing():
    from tests.jaxlog import xla_compiles

    gd = get_optimizer("gd")
    descend(ROSENBROCK, gd, {"lr": 1e-3}, POINT, 50, gradient="fd-central", fd_step=1e-5)
    with xla_compiles() as seen:
        descend(ROSENBROCK, gd, {"lr": 1e-3}, POINT, 50, gradient="fd-central", fd_step=1e-3)
    assert not seen, seen
    with xla_compiles() as seen:
        descend(ROSENBROCK, gd, {"lr": 1e-3}, POINT, 50, gradient="fd-forward", fd_step=1e-3)  # positive control
    assert seen


def test_cost_counts_evaluations_and_skips_what_is_too_slow():
    rows = grads.cost_vs_n("rosenbrock", (2, 50), budget=10.0, repeat=1)
    assert {(r.n, r.method) for r in rows} == {(n, m) for n in (2, 50) for m in GRADIENT_METHODS}
    count = {(r.n, r.method): r.evaluations for r in rows}
    assert count[50, "fd-forward"] == 51 and count[50, "fd-central"] == 101 and count[50, "reverse"] == 2
    assert all(r.seconds is not None and r.seconds > 0 for r in rows)
    skipped = grads.cost_vs_n("network", (15, 99), budget=0.0, repeat=1)  # every method over budget at n = 15
    assert all(r.seconds is None and "skipped" in r.note for r in skipped if r.n == 99)
    assert grads.network_loss(grads.network_width(99))[1] == 99


def test_gradients_page_opens_and_follows_the_step():
    at = new_session()
    at.switch_page("pages/gradients.py")
    at.run()
    no_exception(at)
    assert not at.error
    table = at.dataframe[0].value
    assert list(table["method"]) == ["reverse-mode AD (backpropagation)", "forward-mode AD", "forward difference",
                                     "central difference"]
    before = charts_by_key(at)["steps"]
    at.select_slider(key="h_central").set_value(1e-2).run()
    no_exception(at)
    assert at.dataframe[0].value["relative error"][3] > 1e-6  # a coarse step: a visible truncation error
    assert charts_by_key(at)["steps"] != before


def test_gradients_page_refuses_a_bad_link_quietly():
    at = new_session(surface="nope", h_forward="abc")
    at.switch_page("pages/gradients.py")
    at.run()
    no_exception(at)


def test_gradient_figures_pass_plotly_validation():
    import plotly.graph_objects as go

    from optim.gradients import LABELS
    from viz.gradients import cost_figure, deviation_figure, step_error_figure

    hs = np.geomspace(1e-10, 1e-1, 20)
    errors = {("fd-forward", "float64"): hs, ("fd-central", "float32"): hs**2 + 1e-7}
    best = {k: 1e-4 for k in errors}
    rows = [dict(method=m, n=n, seconds=None if (m == "fd-central" and n > 10) else 1e-3 * n, evaluations=2 * n)
            for m in GRADIENT_METHODS for n in (2, 10, 100)]
    for fig in (step_error_figure(hs, errors, best, LABELS, current={"fd-forward": 1e-8}),
                cost_figure(rows, LABELS), cost_figure(rows, LABELS, what="evaluations"),
                deviation_figure({"fd-forward": np.linspace(0, 1e-6, 50)}, LABELS)):
        raw = fig.to_dict()
        checked = go.Figure(raw).to_dict()
        for a, b in zip(raw["data"], checked["data"], strict=True):
            assert set(a) == set(b)


def test_playground_descends_with_finite_differences_from_a_link():
    ad = new_session(surface="rosenbrock", opt="adam", lr="0.01", steps="300").run()
    fd = new_session(surface="rosenbrock", opt="adam", lr="0.01", steps="300", grad="fd-central", fd_h="0.01").run()
    no_exception(fd)
    assert not fd.warning, [w.value for w in fd.warning]
    assert charts_by_key(fd)["contour"] != charts_by_key(ad)["contour"]
    bad = new_session(surface="rosenbrock", grad="fd-sideways", fd_h="7").run()
    no_exception(bad)
    text = " ".join(w.value for w in bad.warning)
    assert "grad=fd-sideways is not a gradient method" in text and "applies to finite-difference gradients only" in text
