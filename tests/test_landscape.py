"""Basin maps and stationary points against cases whose answer is known.

Himmelblau: four global minima, one maximum at about (-0.2708, -0.9230), four saddles (Wikipedia,
"Test functions for optimization"). Six-hump camel is point-symmetric, f(x, y) = f(-x, -y), so a
start and its mirror must end in mirrored minima. ``x² - y²`` has one saddle at the origin.
"""

import numpy as np
import pytest

from experiments.landscape import (
    DIVERGED,
    NOT_CONVERGED,
    basin_map,
    hessian_eigen,
    stable_manifold_start,
    start_grid,
    stationary_points,
)
from optim import descend, get_optimizer
from surfaces import SURFACES
from surfaces.formula import parse_formula

GD = get_optimizer("gd")
HIMMELBLAU = SURFACES["himmelblau"]


@pytest.fixture(scope="module")
def himmelblau_map():
    return basin_map(HIMMELBLAU, GD, {"lr": 0.01}, 64, 500, 1e-6)


def test_himmelblau_has_all_four_basins(himmelblau_map):
    m = himmelblau_map
    assert m.labels.shape == m.steps.shape == (64, 64)
    assert [a.point for a in m.attractors] == [p.point for p in HIMMELBLAU.minima]  # declared minima, in order
    assert set(np.unique(m.labels)) == {0, 1, 2, 3}  # every start settles, in one of the four minima
    assert all(0.2 < s < 0.3 for s in m.share)  # about a quarter each
    assert m.share_global == 1.0
    assert ((m.steps > 0) & (m.steps <= 500)).all()


def test_each_basin_contains_its_own_minimum(himmelblau_map):
    m = himmelblau_map
    for k, minimum in enumerate(HIMMELBLAU.minima):
        i = int(np.argmin(np.abs(m.ys - minimum.point[1])))
        j = int(np.argmin(np.abs(m.xs - minimum.point[0])))
        assert m.labels[i, j] == k, (minimum.point, m.labels[i, j])


def test_start_grid_is_mirror_exact():
    xs, ys = start_grid(((-2.0, 2.0), (-1.2, 1.2)), 64)
    assert np.array_equal(xs, -xs[::-1]) and np.array_equal(ys, -ys[::-1])
    assert xs[0] == pytest.approx(-2.0 + 2.0 / 64) and len(ys) == 64


@pytest.mark.parametrize("name", ["six-hump-camel", "bowl"])
def test_point_symmetric_surfaces_give_mirrored_labels(name):
    """Start (x, y) and start (-x, -y) end in minima that are mirror images of each other."""
    surface = SURFACES[name]
    m = basin_map(surface, GD, {"lr": 0.01}, 64, 1000, 1e-6)
    assert (m.labels >= 0).all(), "every start should settle"
    where = np.array([a.point for a in m.attractors])
    mirror = [int(np.argmin(np.linalg.norm(where + p, axis=1))) for p in where]  # index of the attractor at -p
    assert all(np.allclose(where[mirror[k]], -where[k], atol=1e-9) for k in range(len(where)))
    mirrored = np.asarray(mirror)[m.labels]  # what each start's mirror must be labelled
    assert np.array_equal(m.labels[::-1, ::-1], mirrored)
    assert np.array_equal(m.steps[::-1, ::-1], m.steps)
    if name == "six-hump-camel":
        assert len(m.attractors) == 6 and m.counts[0] == m.counts[1] > 0  # the two global minima
        assert m.share_global == pytest.approx(m.share[0] + m.share[1])


def test_huge_learning_rate_diverges_and_a_small_budget_does_not_converge():
    diverging = basin_map(HIMMELBLAU, GD, {"lr": 0.1}, 32, 200, 1e-6)
    assert diverging.share_of(DIVERGED) > 0.9
    assert (diverging.steps[diverging.labels == DIVERGED] > 0).all()
    assert diverging.share_global == 0.0
    short = basin_map(HIMMELBLAU, GD, {"lr": 0.01}, 32, 3, 1e-6)
    assert short.share_of(NOT_CONVERGED) > 0.9
    assert (short.steps[short.labels == NOT_CONVERGED] == 3).all()


def test_undeclared_minima_become_attractors_and_a_ring_is_one():
    double_well = parse_formula("(x^2 - 1)^2 + y^2")  # minima at (±1, 0), declared nowhere
    m = basin_map(double_well, GD, {"lr": 0.01}, 48, 2000, 1e-6)
    assert sorted(round(a.point[0], 6) for a in m.attractors) == [-1.0, 1.0]
    assert {a.kind for a in m.attractors} == {"local minimum"}  # no declared global minimum: none claimed
    assert m.share_global is None and m.share.sum() == pytest.approx(1.0)
    ring = basin_map(parse_formula("(x^2 + y^2 - 1)^2"), GD, {"lr": 0.01}, 48, 2000, 1e-6)
    assert len(ring.attractors) == 1 and ring.attractors[0].kind == "degenerate"


def _assert_matches(found, declared, tol=1e-7):
    for d in declared:
        near = min(found, key=lambda p: np.hypot(p.point[0] - d.point[0], p.point[1] - d.point[1]))
        assert np.hypot(near.point[0] - d.point[0], near.point[1] - d.point[1]) < tol, (d, near)
        assert near.kind == d.kind, (d, near)
        assert near.value == pytest.approx(d.value, rel=1e-9, abs=1e-9)


def test_himmelblau_stationary_points():
    found = stationary_points(HIMMELBLAU)
    kinds = [p.kind for p in found]
    assert kinds.count("global minimum") == 4 and kinds.count("saddle") == 4 and kinds.count("local maximum") == 1
    assert len(found) == 9
    (maximum,) = [p for p in found if p.kind == "local maximum"]
    assert maximum.point == pytest.approx((-0.2708, -0.9230), abs=1e-4)
    assert maximum.eigenvalues[1] < 0
    _assert_matches(found, [*HIMMELBLAU.minima, *HIMMELBLAU.others])
    assert all(p.grad_norm < 1e-8 for p in found)


def test_saddle_and_bowl_stationary_points():
    (saddle,) = stationary_points(SURFACES["saddle"])
    assert saddle.kind == "saddle" and saddle.point == pytest.approx((0.0, 0.0), abs=1e-12)
    assert saddle.eigenvalues == pytest.approx((-2.0, 2.0))
    (bottom,) = stationary_points(SURFACES["bowl"])
    assert bottom.kind == "global minimum" and bottom.point == pytest.approx((0.0, 0.0), abs=1e-12)


@pytest.mark.parametrize("name", [n for n in SURFACES if n != "radial"])  # radial's others are rings
def test_every_declared_point_is_confirmed(name):
    """Seeded also at the declared points, Newton must keep each one with the declared kind."""
    surface = SURFACES[name]
    declared = [*surface.minima, *surface.others]
    found = stationary_points(surface, 16, extra_seeds=[p.point for p in declared])
    _assert_matches(found, declared)


def test_degenerate_points_ring_and_flat_bottom():
    found = stationary_points(parse_formula("(x^2 + y^2 - 1)^2"))
    assert sorted(p.kind for p in found) == ["degenerate", "local maximum"]  # the ring is listed once
    radial = stationary_points(SURFACES["radial"])
    assert [p.kind for p in radial].count("global minimum") == 1  # f ~ 13 r^4 at 0: Hessian 0, still a minimum
    assert [p.kind for p in radial].count("degenerate") == 2  # the ring of maxima and the ring of minima


def test_hessian_eigen_on_the_saddle():
    eig, vectors = hessian_eigen(SURFACES["saddle"], (0.0, 0.0))
    assert eig[0] == pytest.approx((-2.0, 2.0))
    assert np.abs(vectors[0][:, 0]) == pytest.approx((0.0, 1.0))  # the unstable direction is y


def test_gd_creeps_at_the_saddle_and_momentum_escapes():
    surface, saddle = SURFACES["saddle"], (0.0, 0.0)
    start = stable_manifold_start(surface, saddle, GD, {"lr": 0.01}, 1000)
    assert start[0] == pytest.approx(0.8) and 0 < abs(start[1]) < 1e-8  # on the x-axis, nudged off it
    near = {}
    for name in ("gd", "momentum"):
        run = descend(surface, get_optimizer(name), {"lr": 0.01}, start, 1000)
        near[name] = int((np.linalg.norm(run.points, axis=1) < 0.08).sum())
    assert near["gd"] > 500 and near["momentum"] < near["gd"] / 2, near


def test_surfaces_without_minima_or_with_odd_points():
    plane = parse_formula("x + 2*y")
    assert stationary_points(plane) == []
    m = basin_map(plane, GD, {"lr": 0.1}, 16, 100, 1e-6)
    assert m.attractors == () and m.share_of(NOT_CONVERGED) == 1.0 and m.share_global is None
    (inflection,) = stationary_points(parse_formula("x^3 + y^2"))  # Hessian diag(0, 2), f rises one way only
    assert inflection.kind == "degenerate"
    (monkey,) = stationary_points(parse_formula("x^3 - 3*x*y^2"))  # Hessian 0, three valleys around it
    assert monkey.kind == "saddle"


def test_basin_figure_bands_and_legend():
    """One heatmap: band 0 diverged, 1 not converged, 2 + k attractor k; the legend lists what occurs."""
    from viz.landscape import LEVELS, basin_figure

    labels = np.array([[0, 1], [-1, -2]])
    steps = np.array([[10, 400], [3, 500]])
    attractors = [((0.0, 0.0), 0.0, "global minimum"), ((1.0, 1.0), 2.0, "local minimum")]
    fig = basin_figure(np.array([0.0, 1.0]), np.array([0.0, 1.0]), labels, steps, attractors, 500,
                       paths=[np.array([[0.0, 0.0], [0.5, 0.5]])])
    heatmap = fig.data[0]
    z = np.asarray(heatmap.z) / LEVELS
    assert np.array_equal(np.floor(z), [[2, 3], [0, 1]]) and heatmap.zmax == 4 * LEVELS
    assert np.asarray(heatmap.z).dtype == np.uint8 and np.asarray(heatmap.customdata).dtype == np.int16
    stops = [s[0] for s in heatmap.colorscale]
    assert stops[0] == 0 and stops[-1] == 1 and stops == sorted(stops)
    legend = [t.name for t in fig.data if t.showlegend is not False and t.type == "scatter"]
    assert legend == ["#1", "#2", "not converged", "diverged", "sample paths"]
    assert list(np.asarray(heatmap.text).ravel()) == ["#1", "#2", "diverged", "not converged"]
