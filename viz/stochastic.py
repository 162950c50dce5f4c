"""Figures of the Stochastic page: paths of several batch sizes over seeds, loss bands, the gradient poll.

Plain data in, figure out. Each contender has one colour across the three figures (Okabe-Ito).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from . import spec, style
from .contour import contour_spec
from .thin import thin_path

COLOURS = ("#111111", "#D55E00", "#0072B2", "#009E73", "#CC79A7")  # batch GD black, then vermillion, blue, ...
MAX_POINTS = 400  # per drawn path or curve


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def paths_figure(xs, ys, Z, contenders: list[dict], *, minimum, start, height: int = 520) -> go.Figure:
    """Contours of the full loss with each contender's paths.

    ``contenders``: dicts with ``label``, ``paths`` (steps + 1, seeds, 2); the first seed's path is drawn
    bold, the others thin and faint (the spread over seeds). ``minimum`` ((x, y), value); ``start`` (x, y).
    """
    data, layout = contour_spec(xs, ys, Z, minima=[minimum], start=start)
    data = [t for t in data if t.get("name") in ("f", "global minimum", "start")]
    for c, colour in zip(contenders, COLOURS, strict=False):
        paths = np.asarray(c["paths"], dtype=float)
        seeds = paths.shape[1]
        xs_all, ys_all = [], []
        for s in range(1, seeds):
            _, shown = thin_path(paths[:, s], MAX_POINTS)
            xs_all += [*shown[:, 0], None]
            ys_all += [*shown[:, 1], None]
        if seeds > 1:
            data.append(dict(type="scatter", x=xs_all, y=ys_all, mode="lines", name=f"{c['label']}: other seeds",
                             line=dict(color=_rgba(colour, 0.35), width=1), hoverinfo="skip", showlegend=False,
                             legendgroup=c["label"]))
        idx, shown = thin_path(paths[:, 0], MAX_POINTS)
        data.append(dict(type="scatter", x=shown[:, 0], y=shown[:, 1], customdata=idx, mode="lines",
                         name=c["label"], line=dict(color=colour, width=2.5), legendgroup=c["label"],
                         hovertemplate=f"{c['label']}<br>update %{{customdata}}<br>w₀ = %{{x:.4g}}, "
                                       "w₁ = %{y:.4g}<extra></extra>"))
    layout = spec.merge(layout, dict(height=height, xaxis=dict(title=dict(text="w₀ (intercept)")),
                                     yaxis=dict(title=dict(text="w₁ (slope)")),
                                     legend=dict(orientation="h", yanchor="top", y=-0.2, x=0, xanchor="left")))
    return spec.figure(data, layout)


def loss_band_figure(curves: list[dict], *, axis: str, f_star: float | None, height: int = 440) -> go.Figure:
    """The full loss gap L(w) − L* against ``axis`` (updates, epochs or samples processed), log scale.

    ``curves``: dicts with ``label``, ``x`` (k,), ``median``, ``low``, ``high`` (k,) over seeds; the band is
    the spread from the lowest to the highest seed.
    """
    data = []
    floor = np.inf
    for c in curves:
        for key in ("median", "low", "high"):
            v = np.asarray(c[key], dtype=float) - (f_star or 0.0)
            pos = v[np.isfinite(v) & (v > 0)]
            if pos.size:
                floor = min(floor, float(pos.min()))
    floor = floor if np.isfinite(floor) else 1e-16
    for c, colour in zip(curves, COLOURS, strict=False):
        x = np.asarray(c["x"], dtype=float)
        idx = np.unique(np.linspace(0, len(x) - 1, min(len(x), MAX_POINTS)).astype(int))
        gap = {k: np.maximum(np.asarray(c[k], dtype=float)[idx] - (f_star or 0.0), floor)
               for k in ("median", "low", "high")}
        data.append(dict(type="scatter", x=np.concatenate([x[idx], x[idx][::-1]]),
                         y=np.concatenate([gap["high"], gap["low"][::-1]]), fill="toself",
                         fillcolor=_rgba(colour, 0.18), line=dict(width=0), hoverinfo="skip", showlegend=False,
                         legendgroup=c["label"], name=f"{c['label']} spread"))
        data.append(dict(type="scatter", x=x[idx], y=gap["median"], mode="lines", name=c["label"],
                         line=dict(color=colour, width=2.5), legendgroup=c["label"],
                         hovertemplate=f"{c['label']}<br>{axis} %{{x:.4g}}<br>L − L* = %{{y:.3g}} (median)"
                                       "<extra></extra>"))
    what = "L(w) − L*" if f_star is not None else "L(w)"
    layout = spec.merge(style.layout(height=height, top=20), dict(
        xaxis=dict(title=dict(text=axis), type="log" if axis == "samples processed" else "linear"),
        yaxis=dict(title=dict(text=f"{what} (full data, log)"), type="log", exponentformat="power"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, xanchor="left"),
        hovermode="closest",
    ))
    if axis == "samples processed":
        layout["xaxis"]["title"]["text"] = "samples processed (per-sample gradients, log)"
    return spec.figure(data, layout)


def poll_figure(full, sampled, others, *, label: str, height: int = 440) -> go.Figure:
    """Gradient space: the full gradient, the batch's estimate and other random batches' estimates.

    All arrows start at the origin; ``others`` (polls, 2) are drawn as a cloud of arrow tips.
    """
    full, sampled, others = (np.asarray(a, dtype=float) for a in (full, sampled, others))
    data = [
        dict(type="scatter", x=others[:, 0], y=others[:, 1], mode="markers", name=f"other batches (B = {label})",
             marker=dict(color=_rgba(COLOURS[2], 0.35), size=6),
             hovertemplate="another batch's gradient<br>(%{x:.3g}, %{y:.3g})<extra></extra>"),
        dict(type="scatter", x=[0, sampled[0]], y=[0, sampled[1]], mode="lines+markers", name="this update's batch",
             line=dict(color=COLOURS[1], width=3), marker=dict(size=[0, 11], symbol="circle", color=COLOURS[1]),
             hovertemplate="the batch's gradient<br>(%{x:.3g}, %{y:.3g})<extra></extra>"),
        dict(type="scatter", x=[0, full[0]], y=[0, full[1]], mode="lines+markers", name="full gradient ∇L",
             line=dict(color=COLOURS[0], width=3), marker=dict(size=[0, 13], symbol="star", color=COLOURS[0]),
             hovertemplate="full gradient<br>(%{x:.3g}, %{y:.3g})<extra></extra>"),
    ]
    pts = np.vstack([others, full[None], sampled[None], np.zeros((1, 2))])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = 0.08 * np.maximum(hi - lo, 1e-12)
    layout = spec.merge(style.layout(height=height, top=20), dict(
        xaxis=dict(title=dict(text="∂L/∂w₀"), range=[lo[0] - pad[0], hi[0] + pad[0]], zeroline=True),
        yaxis=dict(title=dict(text="∂L/∂w₁"), range=[lo[1] - pad[1], hi[1] + pad[1]], zeroline=True),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, xanchor="left"),
        hovermode="closest",
    ))
    return spec.figure(data, layout)


def fit_figure(x, y, curves: list[dict], *, feature: str, target: str, classes=None, height: int = 400) -> go.Figure:
    """The data and the model each contender ended with: ``curves`` dicts with ``label``, ``x``, ``y``."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    data = []
    if classes is None:
        data.append(dict(type="scatter", x=x, y=y, mode="markers", name="data",
                         marker=dict(color="rgba(80,80,80,0.55)", size=6), hovertemplate="(%{x:.3g}, %{y:.3g})"
                         "<extra>data</extra>"))
    else:
        for k, (name, colour) in enumerate(zip(classes, ("#0072B2", "#E69F00"), strict=True)):
            keep = y == k
            data.append(dict(type="scatter", x=x[keep], y=y[keep], mode="markers", name=name,
                             marker=dict(color=colour, size=7, opacity=0.6, symbol="line-ns-open" if k else "circle"),
                             hovertemplate=f"{name}<br>x = %{{x:.3g}}<extra></extra>"))
    for c, colour in zip(curves, COLOURS, strict=False):
        data.append(dict(type="scatter", x=c["x"], y=c["y"], mode="lines", name=c["label"],
                         line=dict(color=colour, width=2.5), hoverinfo="skip"))
    layout = spec.merge(style.layout(height=height, top=20), dict(
        xaxis=dict(title=dict(text=feature)),
        yaxis=dict(title=dict(text="P(class 1)" if classes is not None else target)),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, xanchor="left"),
    ))
    return spec.figure(data, layout)
