"""Gradient descent in one dimension: the course's numbers, the stationary points, basins, divergence,
conformance with a hand-written loop, compile behaviour and the figure builders.

Sources of the numbers: course Section 3.1.1 (f(w) = 4w^2 - 6w - 9, the walk from w = 0) and
Example 3.1.3 (f(w) = w^4/3 - w^3/2 - w^2 + w); the exact stationary points are the roots of
6 f'(w) = 8w^3 - 9w^2 - 12w + 6, checked here against numpy independently of the module.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import jax
import numpy as np
import pytest

from experiments.oned import CURVES, DIVERGED, ESCAPE, NOT_CONVERGED, basin_strip, descend_1d, get_curve
from optim import get_optimizer
from tests.jaxlog import xla_compiles
from viz.oned import descent_figure, iterates_figure, short

GD = get_optimizer("gd")
QUADRATIC, QUARTIC, FLAT = (CURVES[n] for n in ("quadratic", "quartic", "flat"))




def fresh(name: str):
    """A copy of a curve with a compile cache of its own (curves hash by identity)."""
    return dataclasses.replace(get_curve(name))


# --- Section 3.1.1: the parabola ------------------------------------------------------------------


def test_derivative_at_zero_is_minus_six():
    assert float(jax.grad(QUADRATIC)(0.0)) == -6.0
    assert descend_1d(QUADRATIC, GD, {"lr": 1 / 6}, 0.0, 0).derivative[0] == -6.0


def test_first_step_from_zero_with_eta_one_sixth_lands_on_one():
    run = descend_1d(QUADRATIC, GD, {"lr": 1 / 6}, 0.0, 2)
    assert run.points[1] == 1.0  # 0 - (1/6)(-6), exactly as the text walks through
    assert run.derivative[1] == 2.0  # f'(1) = 2 > 0: now on the right of the minimum
    assert run.points[2] == pytest.approx(2 / 3, abs=1e-15)  # 1 - 2/6, not the text's 1/2
    assert run.updates[:2] == pytest.approx([1.0, -1 / 3], abs=1e-15)


def test_the_texts_second_step_to_one_half_is_eta_one_quarter():
    assert descend_1d(QUADRATIC, GD, {"lr": 1 / 4}, 1.0, 1).points[1] == 0.5  # 1 - (1/4)(2)
    # kept fixed, eta = 1/4 = 2/f'' bounces for ever: 1 - eta f'' = -1
    bounce = descend_1d(QUADRATIC, GD, {"lr": 1 / 4}, 0.0, 6).points
    assert bounce.tolist() == [0.0, 1.5, 0.0, 1.5, 0.0, 1.5, 0.0]


def test_quadratic_minimum_is_three_quarters():
    (minimum,) = QUADRATIC.stationary
    assert minimum.w == 0.75 and minimum.value == -11.25 and minimum.curvature == 8.0
    assert minimum.kind == "global minimum"
    assert QUADRATIC.value(0.75) == -11.25
    # eta = 1/f'' = 1/8 lands on it in one step from anywhere (exactly from a binary fraction)
    assert descend_1d(QUADRATIC, GD, {"lr": 1 / 8}, -0.5, 1).points[1] == 0.75
    assert descend_1d(QUADRATIC, GD, {"lr": 1 / 8}, -0.4, 1).points[1] == pytest.approx(0.75, abs=1e-15)


@pytest.mark.parametrize("eta", [0.01, 0.1, 1 / 6, 0.2, 0.3])
def test_gd_on_the_parabola_has_the_closed_form(eta):
    """w_k - w* = (1 - 8 eta)^k (w_0 - w*)."""
    run = descend_1d(QUADRATIC, GD, {"lr": eta}, 0.0, 20)
    expected = 0.75 + (1 - 8 * eta) ** np.arange(21) * (0.0 - 0.75)
    np.testing.assert_allclose(run.points, expected, rtol=1e-12, atol=1e-12)


# --- Example 3.1.3: the quartic -------------------------------------------------------------------


def test_quartic_stationary_points_are_the_exact_ones_not_the_texts_rounding():
    roots = np.sort(np.roots([8, -9, -12, 6]).real)  # 6 f'(w), independent of the module
    got = QUARTIC.stationary
    assert [p.kind for p in got] == ["global minimum", "local maximum", "local minimum"]
    np.testing.assert_allclose([p.w for p in got], roots, atol=1e-12)
    assert [round(p.w, 4) for p in got] == [-1.0322, 0.4177, 1.7395]
    assert [round(p.value, 4) for p in got] == [-1.1694, 0.2169, -0.8662]
    # the text's rounded points: (-1, -1) is near the global minimum, (2, -1) is not on the curve
    assert QUARTIC.value(-1.0) == pytest.approx(-7 / 6) and QUARTIC.value(2.0) == pytest.approx(-2 / 3)
    assert QUARTIC.text_points == ((-1.0, -1.0), (2.0, -1.0))


@pytest.mark.parametrize("name", list(CURVES))
def test_every_declared_stationary_point_is_one(name):
    """Metadata checked for every curve: f'(w*) = 0 by JAX, kinds agree with f'', starts inside."""
    curve = CURVES[name]
    slope, curvature = jax.grad(curve), jax.grad(jax.grad(curve))
    for p in curve.stationary:
        assert abs(float(slope(p.w))) < 1e-12
        assert p.value == pytest.approx(float(curve(p.w)), abs=1e-12)
        assert p.curvature == pytest.approx(float(curvature(p.w)), abs=1e-9)
        if p.curvature > 0:
            assert p.kind.endswith("minimum")
        elif p.curvature < 0:
            assert p.kind == "local maximum"
    assert sum(p.kind == "global minimum" for p in curve.stationary) == 1
    lo, hi = curve.window
    assert lo < curve.start < hi and all(lo < p.w < hi for p in curve.stationary)
    ws, fs = curve.samples(lo, hi, 50)
    np.testing.assert_allclose(fs, np.asarray(curve(ws)), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("start, expected", [(-1.9, 0), (-0.5, 0), (0.4, 0), (0.45, 1), (1.0, 1), (2.7, 1)])
def test_the_start_decides_which_minimum_gd_finds(start, expected):
    run = descend_1d(QUARTIC, GD, {"lr": 0.05}, start, 500)
    assert run.diverged_at is None
    assert run.points[-1] == pytest.approx(QUARTIC.minima[expected].w, abs=1e-9)


def test_basin_strip_boundary_is_the_local_maximum():
    starts = np.linspace(*QUARTIC.window, 2001)
    labels = basin_strip(QUARTIC, GD, {"lr": 0.05}, starts, 1000)
    assert set(labels.tolist()) == {0, 1}
    switch = np.flatnonzero(np.diff(labels))
    assert switch.size == 1  # one boundary, from the left minimum's basin to the right one's
    w_max = QUARTIC.stationary[1].w
    assert starts[switch[0]] < w_max < starts[switch[0] + 1]
    assert labels[0] == 0 and labels[-1] == 1


def test_basin_strip_knows_divergence_and_slowness():
    starts = np.linspace(*QUARTIC.window, 41)
    assert (basin_strip(QUARTIC, GD, {"lr": 1.0}, starts, 100) == DIVERGED).all()
    assert (basin_strip(QUARTIC, GD, {"lr": 1e-3}, starts[:5], 10) == NOT_CONVERGED).all()
    # one run in the batch equals the single run
    single = descend_1d(QUARTIC, GD, {"lr": 0.3}, starts[7], 64)
    assert basin_strip(QUARTIC, GD, {"lr": 0.3}, starts[7:8], 64)[0] == 0 and single.diverged_at is None


# --- learning-rate regimes and divergence ----------------------------------------------------------


@pytest.mark.parametrize("name", ["quadratic", "quartic"])
def test_the_learning_rate_examples_do_what_their_labels_say(name):
    curve = CURVES[name]
    regimes = {label: (float(Fraction(lr)), steps) for label, lr, steps in curve.regimes}
    assert list(regimes) == ["too small", "just right", "oscillating", "diverging"]
    target = min(curve.minima, key=lambda m: abs(m.w - curve.start))
    runs = {label: descend_1d(curve, GD, {"lr": eta}, curve.start, steps) for label, (eta, steps) in regimes.items()}
    small = runs["too small"]
    assert small.diverged_at is None and abs(small.points[-1] - target.w) > 1e-2
    assert np.all(np.diff(np.abs(small.points - target.w)) < 0)  # creeps in from one side
    right = runs["just right"]
    assert abs(right.points[-1] - target.w) < 1e-6 and abs(1 - regimes["just right"][0] * target.curvature) < 0.1
    swing = runs["oscillating"].points - target.w
    # after the first step (which may not reach the minimum yet) the sign flips every step, then it settles
    assert np.all(swing[2:7] * swing[1:6] < 0) and abs(swing[-1]) < 1e-3
    assert runs["diverging"].diverged_at is not None


def test_divergence_is_detected_and_the_run_holds_still():
    run = descend_1d(QUADRATIC, GD, {"lr": 0.3}, 0.0, 40)
    expected = 0.75 - 0.75 * (-1.4) ** np.arange(41)
    first_out = int(np.argmax(np.abs(expected) > ESCAPE))
    assert run.diverged_at == first_out == 29
    assert run.last_inside == 28
    assert np.all(run.points[first_out:] == run.points[first_out])
    overflow = descend_1d(QUARTIC, GD, {"lr": 1e6}, 2.0, 10)
    assert overflow.diverged_at is not None and overflow.diverged_at <= 2
    assert descend_1d(QUARTIC, GD, {"lr": 0.2}, -0.5, 100).diverged_at is None


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="steps"):
        descend_1d(QUADRATIC, GD, {"lr": 0.1}, 0.0, -1)
    with pytest.raises(ValueError, match="finite"):
        descend_1d(QUADRATIC, GD, {"lr": 0.1}, float("nan"), 5)
    with pytest.raises(ValueError, match="lr"):
        descend_1d(QUADRATIC, GD, {"lr": -0.1}, 0.0, 5)
    with pytest.raises(KeyError, match="unknown curve"):
        get_curve("cubic")


# --- conformance with a hand-written loop ----------------------------------------------------------


def numpy_sgd(curve, w0, steps, lr, momentum=0.0, dampening=0.0, nesterov=False):
    """torch.optim.SGD on one parameter, written out: the buffer starts as the first gradient."""
    slope = np.polyder(np.poly1d(curve.coefficients))
    w, buf, out = w0, 0.0, [w0]
    for t in range(1, steps + 1):
        g = slope(w)
        if momentum:
            buf = g if t == 1 else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        w = w - lr * g
        out.append(w)
    return np.array(out)


@pytest.mark.parametrize("name", list(CURVES))
@pytest.mark.parametrize("optimizer, hp", [
    ("gd", {"lr": 0.05}),
    ("momentum", {"lr": 0.02}),
    ("sgd", {"lr": 0.03, "momentum": 0.5, "dampening": 0.25}),
    ("nesterov", {"lr": 0.02}),
])
def test_descend_1d_equals_a_numpy_loop(name, optimizer, hp):
    curve = CURVES[name]
    opt = get_optimizer(optimizer)
    values = opt.resolve(hp)
    for start in (curve.window[0] * 0.9, curve.start, curve.window[1] * 0.8):
        got = descend_1d(curve, opt, hp, start, 60).points
        want = numpy_sgd(curve, start, 60, values["lr"], values["momentum"], values["dampening"],
                         bool(values["nesterov"]))
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


# --- compile behaviour ------------------------------------------------------------------------------


def test_a_new_learning_rate_start_or_step_count_compiles_nothing():
    curve = fresh("quartic")
    descend_1d(curve, GD, {"lr": 0.1}, -0.5, 10)
    with xla_compiles() as seen:
        descend_1d(curve, GD, {"lr": 0.3}, 1.5, 20)
        descend_1d(curve, GD, {"lr": 1 / 6, "momentum": 0.5}, 0.0, 64)
    assert not seen, seen
    with xla_compiles() as seen:
        descend_1d(curve, GD, {"lr": 0.1}, -0.5, 65)  # a new step bucket: the positive control
    assert seen


# --- figures ----------------------------------------------------------------------------------------


def _figure(run, k, **kw):
    ws, fs = QUADRATIC.samples(-2, 3.5, 300)
    shown = slice(0, k + 2)
    return descent_figure(ws, fs, window=QUADRATIC.window, path=run.points[shown], path_f=run.f[shown],
                          slope=run.derivative[shown], current=k,
                          stationary=[(p.w, p.value, p.kind) for p in QUADRATIC.stationary], **kw)


def test_descent_figure_draws_the_path_tangent_and_update():
    run = descend_1d(QUADRATIC, GD, {"lr": 1 / 6}, 0.0, 10)
    fig = _figure(run, 1, basin=(np.linspace(-0.5, 2, 11), np.zeros(11, int), {0: "→ w* = 0.75"}), start=0.0)
    by_name = {t.name: t for t in fig.data}
    assert list(by_name["path"].x) == [0.0, 1.0]  # the points up to k = 1
    tangent = by_name["tangent"]
    assert (tangent.y[1] - tangent.y[0]) / (tangent.x[1] - tangent.x[0]) == pytest.approx(2.0)  # f'(1)
    notes = {a.name: a for a in fig.layout.annotations}
    sign = notes["sign"].text.replace("&gt;", ">").replace("<br>", " ")  # the note wraps before the sign
    assert "f′(w<sub>1</sub>) = 2 > 0: downhill is to the left" in sign
    assert notes["update"].x == pytest.approx(2 / 3) and notes["update"].ax == 1.0  # the arrow w_1 -> w_2
    assert "Δw = −0.3333" in notes["update label"].text
    assert any(t.type == "heatmap" for t in fig.data)
    assert "w = 0.75" in notes["stationary label"].text


def test_descent_figure_announces_divergence_and_stays_in_its_window():
    run = descend_1d(QUADRATIC, GD, {"lr": 0.5}, 0.0, 20)
    k = run.last_inside
    fig = _figure(run, k - 1, diverged_at=run.diverged_at)
    lo, hi = fig.layout.xaxis.range
    span = 2.5  # the window is [-0.5, 2]: widened by at most a quarter of it on each side, plus 3 % padding
    assert lo >= -0.5 - span / 4 - 0.03 * 1.5 * span and hi <= 2.0 + span / 4 + 0.03 * 1.5 * span
    assert any(a.name == "diverged" and str(run.diverged_at) in a.text for a in fig.layout.annotations)
    assert "off the plot" in next(a.text for a in fig.layout.annotations if a.name == "update label")


def test_iterates_figure_and_number_format():
    fig = iterates_figure([0, 1, 2 / 3], current=2, levels=[(0.75, "min 0.75")])
    assert list(fig.data[0].y) == pytest.approx([0, 1, 2 / 3])
    assert [short(v) for v in (0.75, -1.03218, -11.25, 0.0, 2e-8, 123456.0)] == [
        "0.75", "−1.0322", "−11.25", "0", "2e−08", "1.23e+05"]
