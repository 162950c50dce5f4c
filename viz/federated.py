"""Figures of the federated page: plain arrays in, a figure out (no JAX, no Streamlit).

* ``paths_figure``: centralized GD, FedSGD and FedAvg on the loss contour, each client's own
  minimizer marked in its client's colour (why uneven data drifts: the local walks head there).
* ``loss_figure``: L − L* against rounds of communication and against client computation.
* ``split_figure``: the samples, coloured by the client that holds them.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from . import spec, style
from .contour import contour_spec
from .thin import thin_path, thin_series

CLIENT_COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00", "#F0E442", "#666666")
RUN_STYLE = {  # colour, width, dash, marker size: GD under FedSGD (they coincide), FedAvg apart
    "centralized GD": ("#111111", 6, "solid", 0),
    "FedSGD": ("#D55E00", 2.5, "dot", 0),
    "FedAvg": ("#FFFFFF", 2.5, "solid", 7),
}
PATH_HEIGHT = 560
LOSS_HEIGHT = 380
SPLIT_HEIGHT = 320
MAX_LEGEND_CLIENTS = 8  # more clients: one trace with a colour scale instead of a legend entry each


def client_colour(k: int) -> str:
    return CLIENT_COLOURS[k % len(CLIENT_COLOURS)]


def _run_style(name: str):
    return RUN_STYLE["FedAvg" if name.startswith("FedAvg") else name]


def _finite_prefix(points) -> np.ndarray:
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    bad = ~np.isfinite(pts).all(axis=1) | (np.abs(pts) > 1e12).any(axis=1)
    return pts[: int(np.argmax(bad))] if bad.any() else pts


def paths_figure(xs, ys, Z, runs, *, w_star, loss_star, client_minima=(), start=None, log_scale=False,
                 title: str = "") -> go.Figure:
    """The loss contour over the window ``xs`` × ``ys`` with each run's path.

    ``runs``: ``(name, points (k, 2))`` pairs, names "centralized GD", "FedSGD", "FedAvg …";
    ``client_minima``: one ``(w0, w1)`` or None per client. Paths stop at their last finite point.
    """
    data, layout = contour_spec(xs, ys, Z, minima=[(tuple(w_star), loss_star)], start=start, log_scale=log_scale,
                                title=title)
    data = [t for t in data if t["name"] not in ("path", "end")]  # this figure draws its own paths
    for rank, (name, points) in enumerate(runs):
        colour, width, dash, size = _run_style(name)
        pts = _finite_prefix(points)
        idx, shown = thin_path(pts, 600)
        what = "step" if name == "centralized GD" else "round"
        data.append(dict(
            type="scatter", x=shown[:, 0], y=shown[:, 1], name=name, mode="lines+markers" if size else "lines",
            line=dict(color=colour, width=width, dash=dash),
            marker=dict(size=size, color=colour, line=dict(color="#111111", width=1.2)),
            customdata=idx, legendrank=10 + rank,
            hovertemplate=f"{name}<br>{what} %{{customdata}}<br>w₀ = %{{x:.5g}}<br>w₁ = %{{y:.5g}}<extra></extra>"))
        if len(pts):
            data.append(dict(
                type="scatter", x=[pts[-1, 0]], y=[pts[-1, 1]], mode="markers", showlegend=False,
                name=f"{name} end", marker=dict(symbol="square", size=11, color=colour,
                                                line=dict(color="#111111", width=1.5)),
                hovertemplate=f"{name} ends at<br>w₀ = %{{x:.6g}}<br>w₁ = %{{y:.6g}}<extra></extra>"))
    shown_minima = [(k, m) for k, m in enumerate(client_minima) if m is not None]
    if shown_minima:
        data.append(dict(
            type="scatter", x=[m[0] for _, m in shown_minima], y=[m[1] for _, m in shown_minima],
            mode="markers", name="client minimizers", legendrank=30, cliponaxis=False,
            marker=dict(symbol="diamond", size=13, color=[client_colour(k) for k, _ in shown_minima],
                        line=dict(color="#111111", width=1.5)),
            customdata=[k + 1 for k, _ in shown_minima],
            hovertemplate="client %{customdata}'s own minimizer<br>w₀ = %{x:.4g}<br>w₁ = %{y:.4g}<extra></extra>"))
    minimum = next(t for t in data if t["name"] == "global minimum")
    data.remove(minimum)
    data.append(minimum)  # drawn last: w* stays visible on top of the paths' end markers
    layout["xaxis"]["title"] = dict(text="w₀ (intercept)")
    layout["yaxis"]["title"] = dict(text="w₁ (slope)")
    layout["height"] = PATH_HEIGHT
    return spec.figure(data, layout)


def _gap(loss, loss_star: float) -> np.ndarray:
    gap = np.asarray(loss, dtype=float) - loss_star
    return np.where(np.isfinite(gap), gap, np.nan)


def loss_figure(runs, *, loss_star: float, title: str = "") -> go.Figure:
    """L − L* on a log axis against rounds of communication (left) and client gradient evaluations (right).

    ``runs``: ``(name, loss (k,), work (k,))`` triples; centralized GD has no rounds (the left panel
    leaves it out). Values at or below 0 are drawn at the smallest positive value of all curves.
    """
    gaps = [_gap(loss, loss_star) for _, loss, _ in runs]
    positive = np.concatenate([g[g > 0] for g in gaps]) if gaps else np.array([])
    floor = float(positive.min()) if positive.size else 1e-16
    data = []
    for (name, _, work), gap in zip(runs, gaps, strict=True):
        colour, width, dash, _ = _run_style(name)
        colour = "#0072B2" if colour == "#FFFFFF" else colour
        values = np.where(gap > 0, gap, np.where(np.isfinite(gap), floor, np.nan))
        idx, shown = thin_series(values, 800)
        work = np.asarray(work)
        common = dict(type="scatter", mode="lines", name=name, legendgroup=name,
                      line=dict(color=colour, width=min(width, 4), dash=dash))
        if name != "centralized GD":
            data.append(dict(common, x=idx.astype(np.int64), y=shown, xaxis="x", yaxis="y",
                             hovertemplate=f"{name}<br>round %{{x}}<br>L − L* = %{{y:.4g}}<extra></extra>"))
        data.append(dict(common, x=work[idx], y=shown, xaxis="x2", yaxis="y2", showlegend=name == "centralized GD",
                         hovertemplate=f"{name}<br>%{{x:,}} gradient evaluations<br>L − L* = %{{y:.4g}}"
                                       "<extra></extra>"))
    axis = dict(showgrid=True, zeroline=False, ticks="outside", showline=True, linecolor="#444", mirror=True)
    layout = spec.merge(style.layout(height=LOSS_HEIGHT, title=title, top=40), dict(
        legend=style.legend_top(),
        xaxis=dict(axis, domain=[0, 0.46], title=dict(text="rounds of communication"), type="log"),
        yaxis=dict(axis, title=dict(text="L − L*"), type="log", exponentformat="power"),
        xaxis2=dict(axis, domain=[0.54, 1], title=dict(text="per-sample gradient evaluations"),
                    anchor="y2"),
        yaxis2=dict(axis, type="log", exponentformat="power", anchor="x2", matches="y"),
        hovermode="closest",
    ))
    return spec.figure(data, layout)


def split_figure(x, y, client_of, counts, *, feature: str, target: str, classification: bool,
                 title: str = "") -> go.Figure:
    """The samples in the dataset's units, each coloured by its client (``client_of`` (N,), ``counts`` (K,)).

    0/1 labels get a small fixed vertical jitter so that overlapping samples stay visible.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    client_of = np.asarray(client_of)
    k = len(counts)
    if classification:
        y = y + np.sin(np.arange(len(y)) * 12.9898) * 0.15  # deterministic jitter of ±0.15
    data = []
    if k <= MAX_LEGEND_CLIENTS:
        for j in range(k):
            rows = client_of == j
            data.append(dict(
                type="scatter", x=x[rows], y=y[rows], mode="markers", name=f"client {j + 1} (n = {counts[j]})",
                marker=dict(size=7, color=client_colour(j), line=dict(color="#111111", width=0.6)),
                hovertemplate=f"client {j + 1}<br>x = %{{x:.4g}}<br>y = %{{y:.3g}}<extra></extra>"))
    else:  # one trace, the same colours as the client minimizers on the contour (repeating every 8 clients)
        data.append(dict(
            type="scatter", x=x, y=y, mode="markers", name=f"{k} clients (colours repeat every "
                                                          f"{len(CLIENT_COLOURS)})", customdata=client_of + 1,
            marker=dict(size=7, color=[client_colour(int(j)) for j in client_of],
                        line=dict(color="#111111", width=0.5)),
            hovertemplate="client %{customdata}<br>x = %{x:.4g}<br>y = %{y:.3g}<extra></extra>"))
    axis = dict(showgrid=True, zeroline=False, ticks="outside", showline=True, linecolor="#444", mirror=True)
    yaxis = dict(axis, title=dict(text=target))
    if classification:
        yaxis.update(tickvals=[0, 1], range=[-0.35, 1.35])
    layout = spec.merge(style.layout(height=SPLIT_HEIGHT, title=title, top=40), dict(
        legend=style.legend_top(), xaxis=dict(axis, title=dict(text=feature)), yaxis=yaxis, hovermode="closest"))
    return spec.figure(data, layout)
