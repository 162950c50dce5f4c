"""Learning-rate sweeps: one compiled call, equal to single runs, the 2/L threshold, the regions, the (η, μ) map.

Closed forms used: GD on the bowl f = x² + y² scales the point by (1 − 2η) per step, so after S
steps the gap is (1 − 2η)^{2S} f(w₀) and the run ends above its start exactly when η > 1 = 2/L.
Heavy-ball momentum on a quadratic is stable iff η L < 2(1 + μ), Nesterov (torch's form) iff
η L < 2(1 + μ)/(1 + 2μ).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import experiments.sweep as sweep_module
from experiments.sweep import (
    DIVERGED,
    GOOD,
    REGIONS,
    TOO_BIG,
    TOO_SMALL,
    best_index,
    classify_regions,
    curvature,
    divergence_onset,
    example_indices,
    lr_sweep,
    map_agreement,
    momentum_map,
    momentum_threshold,
    optimizer_threshold,
    stability_threshold,
)
from optim import descend, get_optimizer
from surfaces import get_surface
from surfaces.formula import parse_formula
from tests.jaxlog import xla_compiles

LRS = np.geomspace(1e-3, 10.0, 200)  # neighbours differ by 4.7 %


def fresh(name: str):
    """A copy of a registry surface: surfaces hash by identity, so it has a compile cache of its own."""
    return dataclasses.replace(get_surface(name))


@pytest.fixture
def batch_calls(monkeypatch):
    """Records the batch size of every ``descend_batch`` call the sweep module makes."""
    sizes: list[int] = []
    real = sweep_module.descend_batch

    def spy(surface, optimizer, hp, *args, **kwargs):
        sizes.append(max(np.size(v) for v in hp.values()))
        return real(surface, optimizer, hp, *args, **kwargs)

    monkeypatch.setattr(sweep_module, "descend_batch", spy)
    return sizes


def test_a_200_value_sweep_is_one_batched_call_and_one_compile(batch_calls):
    gd = get_optimizer("gd")
    lr_sweep(fresh("bowl"), gd, {}, (1.5, 1.0), 500, LRS)  # warms the eager ops (f at the start)
    surface = fresh("bowl")
    with xla_compiles() as log:
        lr_sweep(surface, gd, {}, (1.5, 1.0), 500, LRS)
    assert len(log) == 1, log
    with xla_compiles() as log:  # other η values, other start, steps in the same bucket: nothing compiles
        result = lr_sweep(surface, gd, {}, (-0.5, 0.25), 300, LRS * 1.01)
    assert log == []
    assert batch_calls == [200, 200, 200]
    assert result.final_loss.shape == (200,) and result.final_points.shape == (200, 2)


@pytest.mark.parametrize("name, optimizer, hp", [
    ("bowl", "gd", {}), ("elongated", "momentum", {}), ("rosenbrock", "adam", {}),
    ("himmelblau", "sgd", {"momentum": 0.5, "weight_decay": 0.01}),
])
def test_the_sweep_equals_single_descend_runs(name, optimizer, hp):
    surface, opt = get_surface(name), get_optimizer(optimizer)
    lrs = np.geomspace(1e-4, 3.0, 200)
    result = lr_sweep(surface, opt, hp, surface.start, 200, lrs)
    for k in (0, 37, 99, 150, 181, 199):
        traj = descend(surface, opt, {**hp, "lr": float(lrs[k])}, surface.start, 200)
        if traj.diverged_at is None:
            assert result.diverged_at[k] == -1
            np.testing.assert_allclose(result.final_points[k], traj.points[-1], rtol=1e-10, atol=1e-13)
            np.testing.assert_allclose(result.final_loss[k], traj.loss[-1], rtol=1e-10, atol=1e-13)
        else:
            assert result.diverged_at[k] == traj.diverged_at


@pytest.mark.parametrize("name, two_over_l", [("bowl", 1.0), ("elongated", 0.5)])
def test_gd_divergence_starts_within_5_percent_of_2_over_L(name, two_over_l):  # noqa: N802
    surface = get_surface(name)
    for point in ((0.0, 0.0), (1.3, -0.7), surface.start):  # a quadratic: the same threshold anywhere
        assert stability_threshold(surface, point) == pytest.approx(two_over_l, rel=1e-12)
    result = lr_sweep(surface, get_optimizer("gd"), {}, surface.start, 500, LRS)
    labels = classify_regions(result)
    last_stable, first_diverged = divergence_onset(result, labels)
    assert abs(first_diverged - two_over_l) / two_over_l <= 0.05
    assert last_stable < two_over_l < first_diverged
    assert np.all(labels[LRS > two_over_l] == DIVERGED) and not np.any(labels[LRS < two_over_l] == DIVERGED)


def test_the_regions_are_ordered_along_eta_on_the_bowl():
    surface = get_surface("bowl")
    result = lr_sweep(surface, get_optimizer("gd"), {}, surface.start, 50, LRS)
    labels = classify_regions(result)
    assert set(labels) == {TOO_SMALL, GOOD, TOO_BIG, DIVERGED}
    assert np.all(np.diff(labels) >= 0), "too small < good < too big < diverged along η"
    assert labels[np.argmin(np.abs(LRS - 0.5))] == GOOD  # η = 1/L lands on the minimum in one step
    # the closed form, wherever the gap is above the floor
    expected = (1.0 - 2.0 * LRS) ** 100 * surface((1.5, 1.0))
    shown = (labels != DIVERGED) & (expected > 10 * result.floor)
    np.testing.assert_allclose(result.gap[shown], expected[shown], rtol=1e-9)
    picks = example_indices(result, labels)
    assert {r: labels[k] for r, k in picks.items()} == {TOO_SMALL: TOO_SMALL, GOOD: GOOD, TOO_BIG: TOO_BIG}
    assert picks[GOOD] == best_index(result)
    assert len(REGIONS) == 4


@pytest.mark.parametrize("optimizer, hp", [
    ("momentum", {}), ("nesterov", {}), ("sgd", {"momentum": 0.5, "dampening": 0.5}), ("sgd", {"weight_decay": 1.0}),
])
@pytest.mark.parametrize("name", ["bowl", "elongated"])
def test_momentum_family_thresholds_match_the_sweep(name, optimizer, hp):
    surface, opt = get_surface(name), get_optimizer(optimizer)
    bound = optimizer_threshold(opt, hp, curvature(surface).L)
    result = lr_sweep(surface, opt, hp, surface.start, 500, LRS)
    _, first = divergence_onset(result, classify_regions(result))
    assert abs(first - bound) / bound <= 0.05, (first, bound)


def test_adaptive_methods_have_no_gd_threshold():
    assert optimizer_threshold(get_optimizer("adam"), {}, 2.0) is None
    assert optimizer_threshold(get_optimizer("gd"), {"lr": 0.3}, 2.0) == 1.0
    assert momentum_threshold(2.0, 0.9) == pytest.approx(1.9)
    assert momentum_threshold(2.0, 0.9, nesterov=True) == pytest.approx(1.9 / 2.8)


def test_the_momentum_map_is_one_call_and_matches_2_1_plus_mu_over_L(batch_calls):  # noqa: N802
    surface = get_surface("bowl")
    lrs, mus = np.geomspace(1e-2, 10.0, 60), np.linspace(0.0, 0.95, 40)
    mmap = momentum_map(surface, {}, surface.start, 500, lrs, mus)
    assert batch_calls == [60 * 40]
    assert mmap.gap.shape == mmap.diverged.shape == (40, 60)
    bound = (1.0 + mus)[:, None]  # 2(1 + μ)/L with L = 2
    eta = lrs[None, :]
    assert not mmap.diverged[eta < 0.95 * bound].any(), "a run inside the theory's stable region diverged"
    assert mmap.diverged[eta > 1.05 * bound].all(), "a run outside the theory's stable region converged"
    assert map_agreement(mmap, 2.0) >= 0.97
    assert np.isnan(mmap.gap[mmap.diverged]).all() and np.isfinite(mmap.gap[~mmap.diverged]).all()


def test_curvature_knows_quadratics_and_takes_other_surfaces_at_the_minimum():
    for name, eig in (("bowl", (2.0, 2.0)), ("elongated", (0.2, 4.0)), ("saddle", (-2.0, 2.0))):
        c = curvature(get_surface(name))
        assert c.quadratic and c.eigenvalues == pytest.approx(eig, abs=1e-12)
    rosen = curvature(get_surface("rosenbrock"))
    assert not rosen.quadratic and rosen.point == (1.0, 1.0)
    assert rosen.L == pytest.approx(1001.6006392, rel=1e-8) and rosen.threshold == pytest.approx(2 / 1001.6006392)
    radial = curvature(get_surface("radial"))  # f ~ 13 r⁴ at the origin: no curvature, no finite 2/L
    assert radial.L == pytest.approx(0.0, abs=1e-12) and radial.threshold == float("inf")
    typed = parse_formula("(x - 1)^2 + 2*(y + 0.5)^2")
    assert curvature(typed).quadratic and curvature(typed).threshold == pytest.approx(0.5)
    wavy = parse_formula("x^2 + y^2 + sin(x*y)")
    assert curvature(wavy) is None  # not quadratic, no declared minimum, no point given
    assert curvature(wavy, near=(0.0, 0.0)).where.startswith("at (0, 0)")


def test_a_typed_formula_measures_gaps_from_the_best_run():
    surface = parse_formula("(x - 1)^2 + 2*(y + 0.5)^2 + 3")
    result = lr_sweep(surface, get_optimizer("gd"), {}, (0.0, 0.0), 200, LRS)
    assert not result.f_star_known and result.f_ref == pytest.approx(3.0, abs=1e-12)
    labels = classify_regions(result)
    assert np.all(np.diff(labels) >= 0)
    _, first = divergence_onset(result, labels)
    assert abs(first - 0.5) / 0.5 <= 0.05


def test_degenerate_sweeps():
    bowl = get_surface("bowl")
    blown = lr_sweep(bowl, get_optimizer("gd"), {}, (1.0, 1.0), 100, np.geomspace(2.0, 10.0, 5))
    assert (classify_regions(blown) == DIVERGED).all() and best_index(blown) is None
    assert example_indices(blown, classify_regions(blown)) == {}
    at_minimum = lr_sweep(bowl, get_optimizer("gd"), {}, (0.0, 0.0), 100, LRS)
    assert (classify_regions(at_minimum) == GOOD).all()
    with pytest.raises(ValueError):
        lr_sweep(bowl, get_optimizer("gd"), {}, (1.0, 1.0), 10, [0.1, 0.05])


def test_examples_show_their_category_on_the_pages_first_view():
    """The page's bowl, GD, 200 values of η from 1e-3 to 10: the old middle-of-the-run pick for "too big"
    (η = 0.901) still reached a gap of ~1e-10; the example must end visibly far from the minimum."""
    surface = get_surface("bowl")
    result = lr_sweep(surface, get_optimizer("gd"), {}, surface.start, 50, np.geomspace(1e-3, 10, 200))
    labels = classify_regions(result)
    picks = example_indices(result, labels)
    start_gap = surface(surface.start) - surface.f_star
    assert result.gap[picks[TOO_BIG]] > 1e-3 * start_gap, result.lrs[picks[TOO_BIG]]
    assert result.gap[picks[TOO_SMALL]] > 1e-3 * start_gap
    assert result.gap[picks[GOOD]] < 1e-6 * start_gap
