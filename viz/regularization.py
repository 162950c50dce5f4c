"""Figures of the regularization page: plain arrays in, ``go.Figure`` out (built as plain specs, viz/spec.py).

* ``regularized_contour_figure``: ℓ + λ‖w‖² on a data surface from above, the plain and the regularized
  minimizer, the path of the minimizer as λ grows from 0, and the origin it heads for.
* ``example_figure``: Example 3.3.1 in parameter space (3-D): the line of minimizers, GD paths from
  several starts, where the plain runs ended and the text's w**.
* ``poly_fit_figure`` and ``poly_loss_figure``: the polynomial fitted with and without λ, and the train
  and test loss against λ.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from . import spec, style
from .scale import heights_for
from .thin import thin_path

HEIGHT = 520
PLAIN = "#0072B2"  # Okabe-Ito blue: without λ
REGULARIZED = style.PATH  # vermillion: with λ
TRUTH = "#555555"
# One colour per start (Okabe-Ito without the two above).
RUN_COLOURS = ("#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#111111", "#F0E442", "#999999", "#882255")
MAX_POINTS_3D = 300


def _frame(**extra) -> dict:
    return dict(showgrid=False, zeroline=False, ticks="outside", mirror=True, showline=True, linecolor="#444", **extra)


def _point(name: str, w, marker: dict, hover: str) -> dict:
    return dict(type="scatter", x=[float(w[0])], y=[float(w[1])], name=name, mode="markers", marker=marker,
                hovertemplate=hover, cliponaxis=False)


def regularized_contour_figure(xs, ys, Z, *, lam: float, w_plain, w_lam, path, lams,
                               log_scale: bool = True) -> go.Figure:
    """Top view of ``Z`` = ℓ + λ‖w‖² on the grid ``xs`` (n,) × ``ys`` (m,) (``Z`` of shape (m, n)).

    ``w_plain`` (2,) = argmin ℓ, ``w_lam`` (2,) = argmin ℓ + λ‖w‖², ``path`` (k, 2) the minimizer for
    each of ``lams`` (k,), 0 first. Traces in order: the regularized loss, the minimizer path, the
    origin, the plain minimizer, the regularized minimizer.
    """
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    Z = np.asarray(Z, dtype=float).reshape(len(ys), len(xs))
    heights = heights_for(Z, log_scale)
    path, lams = np.asarray(path, dtype=float).reshape(-1, 2), np.asarray(lams, dtype=float)
    data = [dict(
        type="contour", x=xs, y=ys, z=heights(Z).astype(np.float32), name="ℓ + λ‖w‖²", colorscale=style.COLORSCALE,
        zmin=heights.lo, zmax=heights.cap, ncontours=28, showlegend=False,
        contours=dict(coloring="fill", showlines=True), line=dict(width=0.6, color="rgba(255,255,255,0.45)"),
        colorbar=dict(title=dict(text=heights.short_label.replace("f", "L"), side="top"), thickness=14, len=0.9,
                      **heights.ticks()),
        hovertemplate="w₀ = %{x:.4g}<br>w₁ = %{y:.4g}<extra></extra>",
    ), dict(
        type="scatter", x=path[:, 0], y=path[:, 1], name="minimizer as λ grows", mode="lines+markers",
        line=dict(color=style.WHITE, width=3), marker=dict(color=style.WHITE, size=4), customdata=lams,
        hovertemplate="λ = %{customdata:.3g}<br>w = (%{x:.4g}, %{y:.4g})<extra></extra>",
    ), _point("w = 0", (0.0, 0.0), dict(symbol="cross", size=12, color=style.WHITE, line=dict(color="#111", width=1.5)),
              "w = 0: where a huge λ pulls<extra></extra>"),
        _point("minimizer of ℓ (λ = 0)", w_plain, dict(symbol="star", size=18, color=PLAIN,
                                                    line=dict(color=style.WHITE, width=1.5)),
               "argmin ℓ<br>(%{x:.5g}, %{y:.5g})<extra></extra>"),
        _point(f"minimizer, λ = {lam:g}", w_lam, dict(symbol="diamond", size=15, color=REGULARIZED,
                                                     line=dict(color=style.WHITE, width=1.5)),
               f"argmin ℓ + {lam:g}‖w‖²<br>(%{{x:.5g}}, %{{y:.5g}})<extra></extra>")]
    span_x, span_y = xs[-1] - xs[0], ys[-1] - ys[0]
    square = 1 / 4 <= span_y / span_x <= 4  # equal axis units only where the window is not a sliver
    layout = spec.merge(style.layout(height=HEIGHT, top=36), dict(
        legend=style.legend_top(), dragmode=False, hovermode="closest",
        xaxis=dict(_frame(constrain="domain"), title=dict(text="w₀ (intercept)"), range=[xs[0], xs[-1]]),
        yaxis=dict(_frame(constrain="domain"), title=dict(text="w₁ (slope)"), range=[ys[0], ys[-1]],
                   **(dict(scaleanchor="x", scaleratio=1) if square else {})),
    ))
    return spec.figure(data, layout)


def _line_3d(points, name: str, colour: str, width: float, dash: str = "solid", hover: str | None = None,
             showlegend: bool = True, group: str | None = None) -> dict:
    pts = np.asarray(points, dtype=float).reshape(-1, 3)
    return dict(type="scatter3d", x=pts[:, 0], y=pts[:, 1], z=pts[:, 2], name=name, mode="lines",
                line=dict(color=colour, width=width, dash=dash), hovertemplate=hover, showlegend=showlegend,
                legendgroup=group)


def _markers_3d(points, name: str, marker: dict, hover: str, showlegend: bool = True, text=None,
                group: str | None = None) -> dict:
    pts = np.asarray(points, dtype=float).reshape(-1, 3)
    return dict(type="scatter3d", x=pts[:, 0], y=pts[:, 1], z=pts[:, 2], name=name, mode="markers", marker=marker,
                hovertemplate=hover, showlegend=showlegend, text=text, legendgroup=group)


def example_figure(*, line_point, line_direction, starts, paths, plain_ends, w_star_star, lam: float,
                   t_range=(-3.0, 3.0), camera: dict | None = None) -> go.Figure:
    """Example 3.3.1 in (w₀, w₁, w₂): the line ``line_point + t·line_direction``, GD ``paths`` of shape
    (steps + 1, R, 3) from ``starts`` (R, 3) with λ, the λ = 0 runs' ends ``plain_ends`` (R, 3) (None to
    leave them out) and ``w_star_star`` (3,) (None at λ = 0, where the minimizer is not unique)."""
    t = np.linspace(*t_range, 2)
    line = np.asarray(line_point, float)[None] + t[:, None] * np.asarray(line_direction, float)[None]
    data = [_line_3d(line, "minimizers of ℓ: (0, 1, −1) + t(1, −1, −1)", TRUTH, 5, "dash",
                     "the line of minimizers (ℓ = 0)<extra></extra>")]
    paths = np.asarray(paths, dtype=float)
    starts = np.asarray(starts, dtype=float)
    bound = 3.0 * max(float(np.max(np.abs(starts))), 1.0)  # a diverging path leaves the box: not drawn out there
    with np.errstate(invalid="ignore"):
        paths = np.where((np.abs(paths) <= bound).all(axis=-1, keepdims=True), paths, np.nan)
        if plain_ends is not None:
            plain_ends = np.asarray(plain_ends, dtype=float)
            end_labels = np.arange(1, len(plain_ends) + 1)[(np.abs(plain_ends) <= bound).all(axis=-1)]
            plain_ends = plain_ends[end_labels - 1]
    for i in range(paths.shape[1]):
        idx, _ = thin_path(paths[:, i, :2], MAX_POINTS_3D)
        colour = RUN_COLOURS[i % len(RUN_COLOURS)]
        data.append(dict(_line_3d(paths[idx, i], "GD paths (a colour per start)", colour, 4,
                                  hover=f"start {i + 1}<br>w = (%{{x:.4f}}, %{{y:.4f}}, %{{z:.4f}})<extra></extra>",
                                  showlegend=i == 0, group="paths"),
                         mode="lines+markers", marker=dict(size=1.5, color=colour)))
    data.append(_markers_3d(starts, "starts", dict(size=5, color=[RUN_COLOURS[i % len(RUN_COLOURS)]
                                                                  for i in range(len(starts))], symbol="circle",
                                                   line=dict(color="#111", width=1)),
                            "start %{text}<br>(%{x:.3g}, %{y:.3g}, %{z:.3g})<extra></extra>",
                            text=[str(i + 1) for i in range(len(starts))]))
    if plain_ends is not None:
        data.append(_markers_3d(plain_ends, "ends without λ (on the line)",
                                dict(size=5, color=PLAIN, symbol="square", line=dict(color="#111", width=1)),
                                "λ = 0, start %{text}: (%{x:.4f}, %{y:.4f}, %{z:.4f})<extra></extra>",
                                text=[str(i) for i in end_labels]))
    if w_star_star is not None:
        w = np.asarray(w_star_star, dtype=float)
        data.append(_markers_3d(w, f"w** = (0, 1/(1+2λ), −1/(1+2λ)), λ = {lam:g}",
                                dict(size=8, color=REGULARIZED, symbol="diamond", line=dict(color="#111", width=1)),
                                f"w** = ({w[0]:.6f}, {w[1]:.6f}, {w[2]:.6f})<extra></extra>"))
    axis = dict(backgroundcolor="#f7f7f7", showbackground=True, gridcolor="#cccccc", zerolinecolor="#888888")
    layout = spec.merge(style.layout(height=HEIGHT + 80, top=10), dict(
        legend=dict(style.legend_top(), y=1.0, font=dict(size=13)),
        uirevision="example", hovermode="closest",
        scene=dict(xaxis=dict(axis, title=dict(text="w₀")), yaxis=dict(axis, title=dict(text="w₁")),
                   zaxis=dict(axis, title=dict(text="w₂")), aspectmode="cube",
                   camera=dict(eye=camera or dict(x=-1.5, y=-1.8, z=0.8))),
    ))
    return spec.figure(data, layout)


def poly_fit_figure(*, x_train, y_train, x_test, y_test, grid, truth, fit_plain, fit_lam, lam: float,
                    truth_label: str = "sin(πx)", y_range=(-2.0, 2.0)) -> go.Figure:
    """The training points, the held-out test points, the true function and the two fitted curves on
    ``grid``; the y axis is fixed to ``y_range`` (an overfitted curve swings far outside it)."""
    data = [
        dict(type="scatter", x=np.asarray(x_test), y=np.asarray(y_test), name="test points", mode="markers",
             marker=dict(size=5, color="rgba(85,85,85,0.35)"),
             hovertemplate="test<br>x = %{x:.3f}<br>y = %{y:.3f}<extra></extra>"),
        dict(type="scatter", x=np.asarray(grid), y=np.asarray(truth), name=f"truth {truth_label}", mode="lines",
             line=dict(color=TRUTH, width=2, dash="dot"), hoverinfo="skip"),
        dict(type="scatter", x=np.asarray(grid), y=np.asarray(fit_plain), name="fit, no regularizer", mode="lines",
             line=dict(color=PLAIN, width=3), hovertemplate="λ = 0<br>x = %{x:.3f}<br>p(x) = %{y:.4g}<extra></extra>"),
        dict(type="scatter", x=np.asarray(grid), y=np.asarray(fit_lam), name=f"fit, λ = {lam:g}", mode="lines",
             line=dict(color=REGULARIZED, width=3),
             hovertemplate=f"λ = {lam:g}<br>x = %{{x:.3f}}<br>p(x) = %{{y:.4g}}<extra></extra>"),
        dict(type="scatter", x=np.asarray(x_train), y=np.asarray(y_train), name="training points", mode="markers",
             marker=dict(size=11, color=style.WHITE, line=dict(color="#111", width=2)),
             hovertemplate="train<br>x = %{x:.3f}<br>y = %{y:.3f}<extra></extra>"),
    ]
    layout = spec.merge(style.layout(height=440, top=36), dict(
        legend=style.legend_top(), hovermode="closest",
        xaxis=dict(_frame(), title=dict(text="x"), range=[-1.05, 1.05]),
        yaxis=dict(_frame(), title=dict(text="y"), range=list(y_range)),
    ))
    return spec.figure(data, layout)


def _decades(values) -> dict:
    """Ticks at the powers of ten that ``values`` span, written 0.001, 0.01, … (not Plotly's 1m, 10m)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if not v.size:
        return {}
    ticks = [10.0**k for k in range(int(np.floor(np.log10(v.min()))), int(np.ceil(np.log10(v.max()))) + 1)]
    return dict(tickvals=ticks, ticktext=[f"{t:g}" for t in ticks])


def poly_loss_figure(*, lams, train_loss, test_loss, plain_train: float, plain_test: float, lam: float,
                     noise_floor: float | None = None) -> go.Figure:
    """Train and test MSE against λ > 0 (log axis; NaN = a diverged run, left as a gap), the λ = 0 values
    as horizontal dashed lines, the chosen λ as a vertical line and the noise variance as a dotted one."""
    lams = np.asarray(lams, dtype=float)
    data = [
        dict(type="scatter", x=lams, y=np.asarray(train_loss, float), name="train MSE", mode="lines+markers",
             line=dict(color=PLAIN, width=3), marker=dict(size=7), connectgaps=False,
             hovertemplate="λ = %{x:.3g}<br>train MSE = %{y:.4g}<extra></extra>"),
        dict(type="scatter", x=lams, y=np.asarray(test_loss, float), name="test MSE", mode="lines+markers",
             line=dict(color=REGULARIZED, width=3), marker=dict(size=7), connectgaps=False,
             hovertemplate="λ = %{x:.3g}<br>test MSE = %{y:.4g}<extra></extra>"),
    ]
    x_ends = [float(lams.min()), float(lams.max())]
    for value, name, colour in ((plain_train, "train MSE, λ = 0", PLAIN), (plain_test, "test MSE, λ = 0", REGULARIZED)):
        if np.isfinite(value):
            data.append(dict(type="scatter", x=x_ends, y=[value, value], name=name, mode="lines",
                             line=dict(color=colour, width=1.5, dash="dash"),
                             hovertemplate=f"{name} = {value:.4g}<extra></extra>"))
    shapes, annotations = [], []
    if lam > 0:
        shapes.append(dict(type="line", xref="x", yref="paper", x0=lam, x1=lam, y0=0, y1=1,
                           line=dict(color="#111", width=1.5, dash="dot")))
        annotations.append(dict(text=f"λ = {lam:g}", xref="x", yref="paper", x=np.log10(lam), y=1, yanchor="bottom",
                                showarrow=False, font=dict(size=13)))
    if noise_floor is not None:
        shapes.append(dict(type="line", xref="paper", yref="y", x0=0, x1=1, y0=noise_floor, y1=noise_floor,
                           line=dict(color=TRUTH, width=1, dash="dot")))
    layout = spec.merge(style.layout(height=440, top=36), dict(
        legend=style.legend_top(), hovermode="closest", shapes=shapes, annotations=annotations,
        xaxis=dict(_frame(), type="log", title=dict(text="λ"), **_decades(lams)),
        yaxis=dict(_frame(), type="log", title=dict(text="mean squared error"), dtick=1, exponentformat="none"),
    ))
    return spec.figure(data, layout)
