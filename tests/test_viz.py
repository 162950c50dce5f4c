"""viz: pure Plotly figure builders (no Streamlit, no JAX; plain NumPy data in, go.Figure out)."""

from __future__ import annotations

import json
import math

import numpy as np
import plotly.graph_objects as go
import pytest

import viz
from viz.contour import TRACE_NAMES
from viz.scale import heights_for

HIMMELBLAU_MINIMA = [((3.0, 2.0), 0.0), ((-2.805118, 3.131312), 0.0), ((-3.779310, -3.283186), 0.0),
                     ((3.584428, -1.848126), 0.0)]
HIMMELBLAU_OTHERS = [((-0.270845, -0.923039), 181.617, "local maximum"),
                     ((0.086677, 2.884254), 67.5484, "saddle"), ((-3.073026, -0.081353), 104.022, "saddle")]


def himmelblau(x, y):
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def grid(f, window, n):
    xs, ys = np.linspace(*window[0], n), np.linspace(*window[1], n)
    X, Y = np.meshgrid(xs, ys)
    return xs, ys, f(X, Y)


def gd_himmelblau(steps=500, lr=0.01, start=(0.0, 0.0)):
    """Plain gradient descent on Himmelblau: (points (steps+1, 2), loss, grad norm)."""
    p = np.array(start, float)
    pts, grads = [p], []
    for _ in range(steps + 1):
        x, y = p
        a, b = x**2 + y - 11, x + y**2 - 7
        g = np.array([4 * x * a + 2 * b, 2 * a + 4 * y * b])
        grads.append(np.linalg.norm(g))
        p = p - lr * g
        pts.append(p)
    pts = np.array(pts[: steps + 1])
    return pts, himmelblau(pts[:, 0], pts[:, 1]), np.array(grads)


def strict_json(fig: go.Figure) -> dict:
    """The figure's JSON, refusing NaN/Infinity tokens (a browser's JSON.parse would too)."""
    def refuse(token):
        raise ValueError(f"non-standard JSON token {token}")

    return json.loads(fig.to_json(), parse_constant=refuse)


def names(fig):
    return [t.name for t in fig.data]


def n_points(trace) -> int:
    return 0 if trace.x is None else len(trace.x)


# ---------------------------------------------------------------- thinning


def test_thin_path_keeps_ends_and_bounds():
    pts = np.random.default_rng(0).normal(size=(5001, 2))
    idx, kept = viz.thin_path(pts, max_points=600)
    assert len(idx) <= 600 and idx[0] == 0 and idx[-1] == 5000
    assert np.all(np.diff(idx) > 0) and np.array_equal(kept, pts[idx])
    idx_short, kept_short = viz.thin_path(pts[:10], max_points=600)
    assert np.array_equal(idx_short, np.arange(10))
    assert len(viz.thin_path(np.zeros((0, 2)))[0]) == 0


def test_thin_path_keeps_a_zigzag():
    """An overshooting GD flips sides every step; the odd stride keeps both sides."""
    k = np.arange(3001)
    pts = np.stack([k * 1e-3, (-1.0) ** k], axis=1)
    _, kept = viz.thin_path(pts, max_points=600)
    assert (kept[:, 1] > 0).sum() > 100 and (kept[:, 1] < 0).sum() > 100


def test_thin_series_keeps_spikes_and_ends():
    values = np.ones(100_000)
    values[54_321] = 1e6
    values[77_777] = np.nan
    idx, kept = viz.thin_series(values, max_points=2000)
    assert len(idx) <= 2000 and idx[0] == 0 and idx[-1] == 99_999
    assert 54_321 in idx and kept.max() == 1e6


# ---------------------------------------------------------------- 3-D surface


def test_surface_figure_traces_and_float32_mesh():
    xs, ys, Z = grid(himmelblau, ((-5, 5), (-5, 5)), 90)
    pts, loss, _ = gd_himmelblau(5000)
    fig = viz.surface_figure(xs, ys, Z, path=pts, path_z=loss, minima=HIMMELBLAU_MINIMA, camera=(-60, 30))
    assert isinstance(fig, go.Figure)
    assert names(fig) == ["surface", "path", "start", "end", "global minimum"]
    assert n_points(fig.data[1]) <= 600
    surface = strict_json(fig)["data"][0]
    assert surface["z"]["dtype"] == "f4"
    assert fig.layout.uirevision == "surface3d" and fig.layout.height == 520


@pytest.mark.parametrize("azimuth, elevation, expected", [
    (0, 0, (2.2, 0.0, 0.0)),
    (90, 0, (0.0, 2.2, 0.0)),
    (180, 45, (-2.2 / math.sqrt(2), 0.0, 2.2 / math.sqrt(2))),
    (-60, 30, (2.2 * math.cos(math.pi / 6) * 0.5, -2.2 * math.cos(math.pi / 6) * math.sin(math.pi / 3), 1.1)),
])
def test_camera_from_azimuth_elevation(azimuth, elevation, expected):
    xs, ys, Z = grid(himmelblau, ((-5, 5), (-5, 5)), 20)
    eye = viz.surface_figure(xs, ys, Z, camera=(azimuth, elevation)).layout.scene.camera.eye
    assert (eye.x, eye.y, eye.z) == pytest.approx(expected, abs=1e-9)
    assert math.hypot(eye.x, eye.y, eye.z) == pytest.approx(2.2)


def test_camera_straight_above_is_clamped():
    eye = viz.camera_eye(30, 90)
    assert eye["z"] < 2.2 and math.hypot(eye["x"], eye["y"]) > 0


def test_log_scale_heights_are_finite_and_nonnegative():
    xs, ys, Z = grid(rosenbrock, ((-2, 2), (-1, 3)), 90)
    path = np.array([[-1.5, 2.0], [-1.0, 1.0], [0.5, 0.25], [1.0, 1.0]])
    path_z = rosenbrock(path[:, 0], path[:, 1])
    fig = viz.surface_figure(xs, ys, Z, path=path, path_z=path_z, minima=[((1, 1), 0.0)], log_scale=True)
    z = np.asarray(fig.data[0].z, dtype=float)
    assert np.isfinite(z).all() and z.min() >= 0 and z.max() < 10  # log1p(2509) ~ 7.8
    assert np.isfinite(np.asarray(fig.data[1].z, float)).all()
    assert "log" in fig.layout.scene.zaxis.title.text
    heights = heights_for(Z, log_scale=True)
    ticks = heights.ticks()
    assert ticks["ticktext"][0] == "0" and len(ticks["tickvals"]) >= 4


def test_surface_survives_non_finite_values():
    xs, ys, Z = grid(himmelblau, ((-5, 5), (-5, 5)), 40)
    Z[3, 4], Z[5, 6], Z[7, 8], Z[9, 9] = np.nan, np.inf, -np.inf, 1e300
    path = np.array([[0.0, 0.0], [1.0, 1.0], [np.nan, 2.0], [np.inf, 1.0], [1e200, -1e200], [2.0, 2.0]])
    path_z = np.array([170.0, 106.0, np.nan, np.inf, 1e300, 26.0])
    for log_scale in (False, True):
        fig = viz.surface_figure(xs, ys, Z, path=path, path_z=path_z, log_scale=log_scale)
        strict_json(fig)
        z = np.asarray(fig.data[0].z, dtype=float)
        assert np.nanmax(z) < 1e6  # the 1e300 spike is clipped, the colours stay useful
    fig = viz.surface_figure(xs, ys, np.full_like(Z, np.nan))
    strict_json(fig)


# ---------------------------------------------------------------- contour


def test_contour_traces():
    xs, ys, Z = grid(himmelblau, ((-5, 5), (-5, 5)), 160)
    pts, _, _ = gd_himmelblau(5000)
    fig = viz.contour_figure(xs, ys, Z, path=pts, minima=HIMMELBLAU_MINIMA, others=HIMMELBLAU_OTHERS,
                             start=(0.0, 0.0))
    assert names(fig) == list(TRACE_NAMES)
    assert n_points(fig.data[names(fig).index("path")]) <= 600
    assert fig.layout.dragmode is False and fig.layout.hovermode == "closest"
    assert tuple(fig.layout.xaxis.range) == (-5, 5) and fig.layout.yaxis.scaleanchor == "x"
    by_name = {t.name: t for t in fig.data}
    assert len(by_name["global minimum"].x) == 4 and len(by_name["saddle"].x) == 2
    kinds = ("global minimum", "local minimum", "saddle", "local maximum")
    assert len({by_name[k].marker.symbol for k in kinds}) == 4
    assert "global minimum" in by_name["global minimum"].hovertemplate
    assert "step" in by_name["path"].hovertemplate


def test_contour_empty_path_has_no_end():
    xs, ys, Z = grid(himmelblau, ((-5, 5), (-4, 4)), 50)
    fig = viz.contour_figure(xs, ys, Z, path=np.zeros((0, 2)), start=(1.0, 1.0),
                             others=[((0, 0), 1.0, "monkey saddle")])
    by_name = {t.name: t for t in fig.data}
    assert names(fig) == list(TRACE_NAMES)
    assert n_points(by_name["end"]) == 0 and n_points(by_name["start"]) == 1
    assert list(by_name["stationary point"].text) == ["monkey saddle"]
    strict_json(fig)


def test_contour_log_scale_and_non_finite():
    xs, ys, Z = grid(rosenbrock, ((-2, 2), (-1, 3)), 80)
    Z[0, 0], Z[1, 1] = np.nan, np.inf
    path = np.array([[-1.5, 2.0], [np.nan, np.nan], [1e300, -1e300], [0.9, 0.8]])
    fig = viz.contour_figure(xs, ys, Z, path=path, minima=[((1, 1), 0.0)], log_scale=True, diverged_at=2)
    z = np.asarray(fig.data[0].z, dtype=float)
    assert np.nanmin(z) >= 0 and np.nanmax(z) < 10
    assert "log" in fig.data[0].colorbar.title.text
    strict_json(fig)


def test_diverged_annotation():
    xs, ys, Z = grid(himmelblau, ((-5, 5), (-5, 5)), 30)
    fig = viz.contour_figure(xs, ys, Z, path=np.array([[0.0, 0.0], [4.0, 4.0]]), diverged_at=7)
    assert any("diverged at step 7" in a.text for a in fig.layout.annotations)
    assert not viz.contour_figure(xs, ys, Z).layout.annotations


# ---------------------------------------------------------------- loss curves


def test_loss_figure_log_gap_floor_and_tolerance():
    pts, loss, gn = gd_himmelblau(500)
    loss = loss.copy()
    loss[-5:] = [0.0, -1e-18, 0.0, 1e-30, 0.0]
    fig = viz.loss_figure(loss, gn, f_star=0.0, tol=1e-6)
    assert {"loss", "grad norm", "tolerance", "loss at floor"} <= set(names(fig))
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis.title.text == "f − f*"
    assert fig.layout.yaxis2.type == "log" and fig.layout.yaxis2.title.text == "‖∇f‖"
    assert fig.layout.xaxis2.title.text == "step"
    drawn = np.asarray(fig.data[0].y, float)
    assert (drawn[np.isfinite(drawn)] > 0).all()
    floor = fig.data[names(fig).index("loss at floor")]
    assert "floor" in floor.hovertemplate and len(floor.x) == 4
    strict_json(fig)


def test_loss_figure_without_f_star():
    negative = np.linspace(3.0, -2.0, 50)
    fig = viz.loss_figure(negative, np.linspace(1, 0.1, 50))
    assert fig.layout.yaxis.type == "linear" and fig.layout.yaxis.title.text == "f(x, y)"
    positive = np.linspace(3.0, 0.5, 50)
    assert viz.loss_figure(positive, np.ones(50)).layout.yaxis.type == "log"


def test_loss_figure_divergence_and_non_finite():
    loss = np.array([1.0, 10.0, 1e10, 1e200, np.inf, np.nan, np.nan])
    grad = np.array([1.0, 30.0, 1e12, np.inf, np.nan, np.nan, np.nan])
    fig = viz.loss_figure(loss, grad, f_star=0.0, diverged_at=4, tol=1e-6, title="diverging")
    assert any("diverged at step 4" in a.text for a in fig.layout.annotations)
    lines = [s for s in fig.layout.shapes if s.x0 == 4 and s.x1 == 4]
    assert len(lines) == 2 and all(s.line.color == "#CC0000" for s in lines)
    strict_json(fig)
    assert len(viz.loss_figure(loss[:1], grad[:1]).data) >= 2  # a single evaluated step is fine
    assert len(viz.loss_figure(np.ones(100_000), np.ones(100_000)).data[0].x) <= 2000


# ---------------------------------------------------------------- payload


def test_payload_of_the_three_figures_is_small():
    """120x120 surface, 160x160 contour, a 500-step path: < 500 kB in all."""
    pts, loss, gn = gd_himmelblau(500)
    xs, ys, Z = grid(himmelblau, ((-5, 5), (-5, 5)), 120)
    surface = viz.surface_figure(xs, ys, Z, path=pts, path_z=loss, minima=HIMMELBLAU_MINIMA)
    xs, ys, Z = grid(himmelblau, ((-5, 5), (-5, 5)), 160)
    contour = viz.contour_figure(xs, ys, Z, path=pts, minima=HIMMELBLAU_MINIMA, others=HIMMELBLAU_OTHERS)
    curves = viz.loss_figure(loss, gn, f_star=0.0, tol=1e-6)
    sizes = {name: len(fig.to_json()) for name, fig in
             (("surface 120x120", surface), ("contour 160x160", contour), ("curves", curves))}
    print("payload bytes:", sizes, "total", sum(sizes.values()))
    assert sum(sizes.values()) < 500_000
    assert sizes["surface 120x120"] < 150_000


def test_paths_gif_animates_every_path_without_a_browser():
    import io

    from PIL import Image

    from viz import paths_gif

    xs = ys = np.linspace(-2.0, 2.0, 40)
    X, Y = np.meshgrid(xs, ys)
    Z = X**2 + 3 * Y**2
    t = np.linspace(0.0, 1.0, 101)[:, None]
    paths = np.stack([np.hstack([1.5 * (1 - t), 1.0 * (1 - t)]), np.hstack([-1.5 * (1 - t), 0.5 * (1 - t)])], axis=1)
    paths[80:, 1] = np.nan  # the second path diverges: the GIF still draws its finite part
    data = paths_gif(xs, ys, Z, paths, ["a", "b"], max_frames=20)
    assert data[:6] == b"GIF89a"
    gif = Image.open(io.BytesIO(data))
    assert 2 <= gif.n_frames <= 21
    first = np.asarray(gif.convert("RGB"), dtype=int)
    gif.seek(gif.n_frames - 1)
    assert np.abs(np.asarray(gif.convert("RGB"), dtype=int) - first).sum() > 0  # the frames differ


def _spec_built_figures():
    xs, ys, Z = grid(himmelblau, ((-5, 5), (-5, 5)), 41)
    pts, loss, gn = gd_himmelblau(300)
    diverging = np.vstack([pts[:20], np.full((3, 2), np.inf)])
    yield "contour", viz.contour_figure(xs, ys, Z, path=pts, minima=HIMMELBLAU_MINIMA, others=HIMMELBLAU_OTHERS,
                                        log_scale=True, diverged_at=7, title="t")
    yield "contour, diverging path", viz.contour_figure(xs, ys, Z, path=diverging, diverged_at=20)
    yield "surface3d", viz.surface_figure(xs, ys, Z, path=pts, path_z=loss, minima=HIMMELBLAU_MINIMA,
                                          log_scale=True, title="t")
    yield "curves", viz.loss_figure(loss, gn, f_star=0.0, tol=1e-6, diverged_at=250)
    yield "curves with step sizes", viz.loss_figure(loss, gn, lr=np.full(len(loss) - 1, 0.01), title="t")
    from viz.landscape import saddle_figures, stationary_figure

    yield "stationary points", stationary_figure(xs, ys, Z, [*((p, v, "global minimum") for p, v in HIMMELBLAU_MINIMA),
                                                            *HIMMELBLAU_OTHERS])
    runs = {"GD": (pts, loss, gn), "momentum": (pts[::-1], loss[::-1], gn[::-1])}
    paths, curves = saddle_figures(xs, ys, Z, runs, (0.086677, 2.884254))
    yield "saddle paths", paths
    yield "saddle curves", curves
    from viz.race import race_figure
    from viz.sweep import examples_figure

    racing = np.stack([pts[:100], pts[:100][::-1]], axis=1)  # (101 steps, 2 racers, 2)
    yield "race", race_figure(xs, ys, Z, racing, ["a", "b"], diverged_at=np.array([-1, 50]),
                              minima=HIMMELBLAU_MINIMA, start=(0.0, 0.0))

    yield "learning-rate examples", examples_figure(xs, ys, Z, [(0, 0.001, pts[:40]), (1, 0.01, pts), (2, 0.05, pts)],
                                                    names=("too small", "good", "too big", "diverged"),
                                                    minima=HIMMELBLAU_MINIMA, log_scale=True)
    yield "anatomy", viz.anatomy_figure(xs, ys, Z, path=pts, k=3, arrows={"-η∇f": np.array([0.1, 0.2]),
                                                                          "Δw": np.array([0.1, 0.1])})
    eigen = (np.array([-2.0, 30.0]), np.array([[0.6, -0.8], [0.8, 0.6]]))
    trials = (pts[4:7], np.array([False, False, True]))
    yield "anatomy with curvature and trials", viz.anatomy_figure(
        xs, ys, Z, path=pts, k=3, arrows={"Δw": np.array([0.1, 0.1])}, eigen=eigen, trials=trials)
    alphas = np.linspace(0, 1, 21)
    yield "line search", viz.line_search_chart(alphas, (alphas - 0.4) ** 2, 0.16 - 0.01 * alphas,
                                               np.array([1.0, 0.5]), np.array([0.36, 0.01]),
                                               np.array([False, True])).figure()


def test_the_anatomy_draws_eigenvectors_by_curvature_and_trials_hollow_where_rejected():
    xs, ys, Z = grid(himmelblau, ((-5, 5), (-5, 5)), 41)
    pts, _, _ = gd_himmelblau(300)
    eigen = (np.array([-2.0, 30.0]), np.array([[0.6, -0.8], [0.8, 0.6]]))
    fig = viz.anatomy_chart(xs, ys, Z, path=pts, k=3, arrows={"Δw": np.array([0.1, 0.1])}, eigen=eigen,
                            trials=(pts[4:7], np.array([False, False, True])))
    traces = {t.get("name"): t for t in fig.data}
    lines = [traces["eigenvector, λ₁ = -2"], traces["eigenvector, λ₂ = 30"]]
    lengths = [np.hypot(np.diff(t["x"])[0], np.diff(t["y"])[0]) for t in lines]
    assert lengths[1] > lengths[0] > 0 and lengths[0] / lengths[1] == pytest.approx(0.15)  # the stub's floor
    assert lines[0]["line"]["dash"] == "dash" and lines[1]["line"]["dash"] == "solid"  # λ < 0 is dashed
    for t in lines:  # through w_k
        assert np.mean(t["x"]) == pytest.approx(pts[3, 0]) and np.mean(t["y"]) == pytest.approx(pts[3, 1])
    assert traces["trial point (rejected)"]["marker"]["symbol"] == "circle-open"
    assert len(traces["trial point (rejected)"]["x"]) == 2 and len(traces["trial point (accepted)"]["x"]) == 1


@pytest.mark.parametrize("label, fig", list(_spec_built_figures()), ids=lambda v: v if isinstance(v, str) else "")
def test_figures_built_as_specifications_pass_plotly_validation(label, fig):
    """The playground's builders skip Plotly's validation for speed (viz/spec.py); the validating
    constructor must accept every one of them unchanged: same traces, same layout keys."""
    raw = fig.to_dict()
    checked = go.Figure(raw).to_dict()  # raises on any unknown property or invalid value
    assert [t["type"] for t in checked["data"]] == [t["type"] for t in raw["data"]]
    assert [t.get("name") for t in checked["data"]] == [t.get("name") for t in raw["data"]]
    for a, b in zip(raw["data"], checked["data"], strict=True):
        assert set(a) == set(b), label
    assert set(raw["layout"]) == set(checked["layout"])
    assert raw["layout"]["template"] == checked["layout"]["template"]
    strict_json(fig)


def test_an_invalid_property_in_a_specification_is_caught_by_validation():
    """The check above can fail: a misspelt property is refused by the validating constructor."""
    fig = viz.spec.figure([dict(type="scatter", x=[1], y=[2], colour="red")], {})
    with pytest.raises(ValueError, match="colour"):
        go.Figure(fig.to_dict())


@pytest.mark.parametrize("label, fig", list(_spec_built_figures()), ids=lambda v: v if isinstance(v, str) else "")
def test_the_chart_payload_is_the_figure_plotly_writes(label, fig):
    """ui.chart sends figures through its own walk (no deep copy) instead of plotly.io.to_json: the same
    figure must come out, typed arrays and frames included, with NaN and infinities as null."""
    import plotly.io as pio

    from ui.chart import figure_payload, payload_bytes

    ours = json.loads(payload_bytes({"figure": figure_payload(fig)}))["figure"]
    assert ours == json.loads(pio.to_json(fig, validate=False)), label


def test_the_chart_payload_of_a_specification_is_that_of_its_figure():
    """The playground sends ``*_chart`` specifications (no go.Figure built): the same JSON as the figure's."""
    import plotly.io as pio

    from ui.chart import figure_payload

    xs, ys, Z = grid(himmelblau, ((-5, 5), (-5, 5)), 41)
    pts, loss, gn = gd_himmelblau(300)
    for chart in (viz.contour_chart(xs, ys, Z, path=pts, minima=HIMMELBLAU_MINIMA, others=HIMMELBLAU_OTHERS,
                                    log_scale=True, diverged_at=7, rings=[(1.0, "local minimum")]),
                  viz.surface_chart(xs, ys, Z, path=pts, path_z=loss, minima=HIMMELBLAU_MINIMA, log_scale=True),
                  viz.loss_chart(loss, gn, f_star=0.0, tol=1e-6, lr=np.full(len(loss) - 1, 0.01)),
                  viz.anatomy_chart(xs, ys, Z, path=pts, k=3, arrows={"Δw": np.array([0.1, 0.1])})):
        assert isinstance(chart, viz.FigureSpec)
        expected = json.loads(pio.to_json(chart.figure(), validate=False))
        assert json.loads(json.dumps(figure_payload(chart))) == expected
