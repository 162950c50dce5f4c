"""The learning-rate sweep drawn: final gap against η with its regions, three example paths, the (η, μ) map.

Regions arrive as integer labels 0..3 (too small, good, too big, diverged; the page passes the
names, ``experiments.sweep.REGIONS``) and keep one colour each across the three figures, so a marker
on the sweep and the path it stands for match. Vertical lines are traces, not layout shapes or
annotations, whose positions on a log axis would be in log10 units.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import spec, style
from .scale import heights_for, stationary
from .thin import thin_path

HEIGHT = 470
EXAMPLE_HEIGHT = (200, 400)  # the panels keep the window's aspect ratio: a wide window gets a lower figure
EXAMPLE_PANEL_WIDTH = 340  # px, about a third of the main column of a wide layout
MAP_HEIGHT = 520
MAX_PATH_POINTS = 400
# Okabe-Ito sky blue, bluish green, orange, and the shared diverged red.
REGION_COLOURS = ("#56B4E9", "#009E73", "#E69F00", style.DIVERGED)
# Labels are text on the region's pale band: the same hues, dark enough to read on a projector.
REGION_TEXT = ("#0A4F7A", "#005C43", "#7A4A00", "#8B0000")
BAND_OPACITY = 0.16
MAP_DIVERGED = "#F3C6C6"  # the (η, μ) map's background: cells that diverged are left transparent over it
THEORY = "#111111"


def _edges(values: np.ndarray, log: bool) -> np.ndarray:
    """Cell edges around sorted centres (n,) -> (n + 1,): midpoints, geometric on a log axis."""
    v = np.log10(values) if log else np.asarray(values, dtype=float)
    mid = (v[1:] + v[:-1]) / 2
    e = np.concatenate([[v[0] - (mid[0] - v[0]) if len(v) > 1 else v[0] - 0.5], mid,
                        [v[-1] + (v[-1] - mid[-1]) if len(v) > 1 else v[-1] + 0.5]])
    return 10.0**e if log else e


def _runs(labels: np.ndarray, region: int) -> list[tuple[int, int]]:
    """``[(first, last + 1), ...]`` for each stretch of consecutive ``labels == region``."""
    hit = np.concatenate([[False], labels == region, [False]])
    change = np.flatnonzero(hit[1:] != hit[:-1])
    return list(zip(change[::2], change[1::2], strict=True))


def _vline(x: float, y0: float, y1: float, text: str, colour: str, dash: str, top: bool) -> list[go.Scatter]:
    """A vertical line with its label at the bottom right, or (``top``) at the top left of it."""
    return [
        go.Scatter(x=[x, x], y=[y0, y1], mode="lines", line=dict(color=colour, width=2.5, dash=dash), name=text,
                   showlegend=False, hovertemplate=f"{text}<extra></extra>"),
        go.Scatter(x=[x], y=[y1 if top else y0], mode="text", text=[f"<b>{text} </b>" if top else f"<b> {text}</b>"],
                   textposition="bottom left" if top else "top right",
                   textfont=dict(color=colour, size=14), showlegend=False, hoverinfo="skip", cliponaxis=False),
    ]


def sweep_figure(lrs, gap, raw_gap, labels, diverged_at, *, names: Sequence[str], start_gap: float,
                 examples: Sequence[tuple[int, int]] = (), thresholds: Sequence[tuple[float, str]] = (),
                 lr_scale: float = 1.0, gap_label: str = "f − f*", title: str = "") -> go.Figure:
    """Final gap against η on log-log axes, over shaded region bands.

    Takes ``lrs`` (N,) increasing; ``gap`` (N,) the floored final gap, NaN where diverged;
    ``raw_gap`` (N,) the unfloored one (for the hover); ``labels`` (N,) ints indexing ``names``;
    ``diverged_at`` (N,) the overflow step or -1; ``start_gap`` the start's gap (a dotted line);
    ``examples`` ``(label, index)`` pairs marked with big dots; ``thresholds`` ``(η, text)`` vertical
    lines; ``lr_scale`` 1/(1 − μ) to show the effective learning rate in the hover; ``gap_label``
    what the gap is (``f − f*``, or the sweep's best final loss in place of f*).
    """
    lrs, gap, raw_gap = (np.asarray(a, dtype=float).reshape(-1) for a in (lrs, gap, raw_gap))
    labels = np.asarray(labels, dtype=np.int64).reshape(-1)
    diverged_at = np.asarray(diverged_at, dtype=np.int64).reshape(-1)
    finite = gap[np.isfinite(gap) & (gap > 0)]
    ref = float(start_gap) if np.isfinite(start_gap) and start_gap > 0 else (finite.max() if finite.size else 1.0)
    lo = np.log10(min(finite.min(), ref) if finite.size else ref) - 0.5
    hi = np.log10(max(finite.max(), ref) if finite.size else ref) + 1.2
    y0, y1, y_div = 10.0**lo, 10.0**hi, 10.0 ** (hi - 0.45)

    fig = go.Figure()
    edges = _edges(lrs, log=True)
    edges[0], edges[-1] = lrs[0], lrs[-1]
    for region, name in enumerate(names):
        xs, ys = [], []
        for a, b in _runs(labels, region):
            xs += [edges[a], edges[b], edges[b], edges[a], edges[a], None]
            ys += [y0, y0, y1, y1, y0, None]
        fig.add_trace(go.Scatter(
            x=xs, y=ys, fill="toself", mode="none", name=name, fillcolor=REGION_COLOURS[region],
            opacity=BAND_OPACITY, hoveron="fills", hoverinfo="name", showlegend=bool(xs), legendgroup=name))

    fig.add_trace(go.Scatter(
        x=[lrs[0], lrs[-1]], y=[ref, ref], mode="lines", name="start", showlegend=False,
        line=dict(color=style.TOL, width=1.5, dash="dot"), hovertemplate=f"the start: {gap_label} = {ref:.3g}"
        "<extra></extra>"))
    fig.add_trace(go.Scatter(x=[lrs[0]], y=[ref], mode="text", text=["start"], textposition="top right",
                             textfont=dict(color=style.TOL, size=13), showlegend=False, hoverinfo="skip"))
    for i, (t, text) in enumerate(thresholds):
        if np.isfinite(t) and t > 0:  # labels alternate bottom / top: two bounds can lie close together
            for trace in _vline(float(t), y0, y1, text, THEORY, "dash", top=i % 2 == 1):
                fig.add_trace(trace)

    region_text = np.asarray(names, dtype=object)[labels]
    eff = lrs * lr_scale
    eff_line = "<br>η/(1−μ) = %{customdata[1]:.4g}" if lr_scale != 1.0 else ""
    fig.add_trace(go.Scatter(
        x=lrs, y=gap, mode="lines+markers", name="final gap", connectgaps=False, showlegend=False,
        line=dict(color=style.OUTLINE, width=2), customdata=np.stack([region_text, eff], axis=1),
        marker=dict(size=6, color=[REGION_COLOURS[k] for k in labels], line=dict(color=style.OUTLINE, width=0.5)),
        hovertemplate=f"η = %{{x:.4g}}{eff_line}<br>{gap_label} = %{{y:.3g}}<br>%{{customdata[0]}}<extra></extra>"))
    div = labels == len(names) - 1
    why = [f"overflowed at step {k}" if k >= 0 else f"ended above the start ({g:.3g})"
           for k, g in zip(diverged_at[div], raw_gap[div], strict=True)]
    fig.add_trace(go.Scatter(
        x=lrs[div], y=np.full(int(div.sum()), y_div), mode="markers", name="diverged runs", showlegend=False,
        marker=dict(symbol="x-thin", size=9, line=dict(color=style.DIVERGED, width=2)), text=why,
        hovertemplate="η = %{x:.4g}<br>diverged: %{text}<extra></extra>"))

    for region, k in examples:
        where = (np.log10(lrs[k]) - np.log10(lrs[0])) / max(np.log10(lrs[-1] / lrs[0]), 1e-12)
        side = "top right" if where < 0.12 else "top left" if where > 0.88 else "top center"
        side = "middle left" if region == 2 and where > 0.12 else side  # right of the best η the curve climbs
        fig.add_trace(go.Scatter(
            x=[lrs[k]], y=[gap[k]], mode="markers+text", name=f"example: {names[region]}", showlegend=False,
            text=[f"<b>{names[region]}</b>" + (" " if side == "middle left" else "")], textposition=side,
            cliponaxis=False,
            textfont=dict(color=REGION_TEXT[region], size=15),
            marker=dict(size=17, color=REGION_COLOURS[region], line=dict(color=style.OUTLINE, width=2)),
            hovertemplate=f"example {names[region]}: η = %{{x:.4g}}<br>{gap_label} = %{{y:.3g}}<extra></extra>"))

    style.base_layout(fig, height=HEIGHT, title=title, top=40)
    style.legend_on_top(fig)
    axis = dict(type="log", showline=True, linecolor="#444", mirror=True, ticks="outside", exponentformat="power",
                showgrid=True, gridcolor="rgba(0,0,0,0.08)")
    fig.update_layout(xaxis=dict(axis, title="learning rate η", range=[np.log10(lrs[0]), np.log10(lrs[-1])]),
                      yaxis=dict(axis, title=f"final {gap_label}", range=[lo, hi]), hovermode="closest", dragmode=False)
    return fig


def examples_figure(xs, ys, Z, runs: Sequence[tuple[int, float, np.ndarray]], *, names: Sequence[str],
                    minima=(), log_scale: bool = False) -> go.Figure:
    """One contour panel per example run, side by side like the course's Figure 3.3.

    Takes ``xs`` (n,), ``ys`` (m,), ``Z`` (m, n) with ``Z[i, j] = f(xs[j], ys[i])``; ``runs`` as
    ``(label, η, path (k, 2))``; ``minima`` as ``(point, value)`` pairs. Each path is drawn in its
    region's colour over a white under-stroke, its start a green dot, its end a black square.
    """
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    Z = np.asarray(Z, dtype=float).reshape(len(ys), len(xs))
    heights = heights_for(Z, log_scale)
    n = max(len(runs), 1)
    titles = [f"<b>{names[r]}</b>: η = {lr:.3g}" for r, lr, _ in runs] or [""]
    z = heights(Z).astype(np.float32)
    mins = np.array([p for p, _, _ in stationary(minima)], dtype=float).reshape(-1, 2)
    data, axes = [], {}
    for col, (region, _, path) in enumerate(runs or [(0, 0.0, np.zeros((0, 2)))], start=1):
        suffix = "" if col == 1 else str(col)
        on = dict(xaxis=f"x{suffix}", yaxis=f"y{suffix}")
        data.append(dict(type="contour", x=xs, y=ys, z=z, coloraxis="coloraxis", ncontours=24,
                         contours=dict(coloring="fill"), line=dict(width=0.5, color="rgba(255,255,255,0.4)"),
                         hoverinfo="skip", showlegend=False, **on))
        p = np.asarray(path, dtype=float).reshape(-1, 2)
        p = p[np.isfinite(p).all(axis=1)]
        idx, shown = thin_path(p, MAX_PATH_POINTS)
        colour = REGION_COLOURS[region]
        data.append(dict(type="scatter", x=shown[:, 0], y=shown[:, 1], mode="lines", customdata=idx,
                         line=dict(color=style.WHITE, width=6), marker=dict(size=5, color=colour), showlegend=False,
                         name="under-stroke", hoverinfo="skip", **on))
        data.append(dict(type="scatter", x=shown[:, 0], y=shown[:, 1], mode="lines+markers", customdata=idx,
                         line=dict(color=colour, width=3), marker=dict(size=5, color=colour), showlegend=False,
                         name=f"path {names[region]}",
                         hovertemplate="step %{customdata}<br>(%{x:.4g}, %{y:.4g})<extra></extra>", **on))
        ends = [(p[:1], dict(symbol="circle", size=12, color=style.START), "start"),
                (p[-1:], dict(symbol="square", size=10, color=style.END), "end"),
                (mins, style.marker_style("global minimum"), "global minimum")]
        for xy, marker, what in ends:
            if len(xy):
                marker = {"line": dict(color=style.WHITE if what == "end" else style.OUTLINE, width=1.5), **marker}
                data.append(dict(type="scatter", x=xy[:, 0], y=xy[:, 1], mode="markers", marker=marker,
                                 showlegend=False, name=what,
                                 hovertemplate=f"{what} (%{{x:.4g}}, %{{y:.4g}})<extra></extra>", **on))
        axes[f"xaxis{suffix}"] = dict(range=[xs[0], xs[-1]], constrain="domain", showgrid=False, zeroline=False,
                                      showline=True, mirror=True, linecolor="#444", ticks="outside")
        axes[f"yaxis{suffix}"] = dict(range=[ys[0], ys[-1]], scaleanchor=f"x{suffix}", scaleratio=1, showgrid=False,
                                      constrain="domain", zeroline=False, showline=True, mirror=True,
                                      linecolor="#444", ticks="outside", showticklabels=col == 1)
    aspect = (ys[-1] - ys[0]) / (xs[-1] - xs[0])
    grid = _panels(n)
    layout = spec.merge(
        style.layout(height=int(np.clip(80 + EXAMPLE_PANEL_WIDTH * aspect, *EXAMPLE_HEIGHT)), top=40),
        {k: dict(v) for k, v in grid.items() if k != "annotations"}, axes,
        dict(annotations=[{**a, "text": t} for a, t in zip(grid["annotations"], titles, strict=True)],
             coloraxis=dict(colorscale=style.COLORSCALE, cmin=heights.lo, cmax=heights.cap, showscale=False),
             showlegend=False, hovermode="closest", dragmode=False))
    return spec.figure(data, layout)


@lru_cache(maxsize=8)
def _panels(n: int) -> dict:
    """``n`` panels side by side with a title above each (``make_subplots``'s layout, built once)."""
    grid = make_subplots(rows=1, cols=n, subplot_titles=[f"panel {k}" for k in range(n)], horizontal_spacing=0.04)
    return {k: v for k, v in grid.layout.to_plotly_json().items() if k != "template"}


def momentum_map_figure(lrs, mus, gap, *, start_gap: float, floor_ratio: float = 1e-12,
                        curves: Sequence[tuple[np.ndarray, np.ndarray, str, str]] = (), title: str = "") -> go.Figure:
    """Distill's convergence map: log10 of the final gap over the start's, for every (η, μ) cell.

    Takes ``lrs`` (n_lr,) log-spaced, ``mus`` (n_mu,), ``gap`` (n_mu, n_lr) with NaN where the run
    diverged (drawn as the pink background); ``curves`` as ``(η (k,), μ (k,), name, dash)`` lines (solid
    black, others vermillion),
    e.g. the theory ``η = 2(1 + μ)/L`` and the effective-learning-rate line ``η/(1 − μ) = 2/L``.
    The hover shows η, μ and the course's effective learning rate η/(1 − μ).
    """
    lrs, mus = np.asarray(lrs, dtype=float), np.asarray(mus, dtype=float)
    gap = np.asarray(gap, dtype=float).reshape(len(mus), len(lrs))
    ref = float(start_gap) if np.isfinite(start_gap) and start_gap > 0 else 1.0
    low = float(np.log10(floor_ratio))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.clip(np.log10(gap / ref), low, 0.0).astype(np.float32)
    grid_lr, grid_mu = np.meshgrid(lrs, mus)
    custom = np.stack([grid_lr, grid_mu, grid_lr / (1.0 - grid_mu)], axis=-1).astype(np.float32)
    ticks = np.arange(0, low - 1e-9, -3.0)
    fig = go.Figure(go.Heatmap(
        x=_edges(lrs, log=True), y=_edges(mus, log=False), z=z, zmin=low, zmax=0.0, colorscale=style.COLORSCALE,
        customdata=custom, name="final gap", hoverongaps=False,
        colorbar=dict(title=dict(text="final gap<br>÷ start's", side="top"), thickness=14, len=0.85,
                      tickvals=ticks, ticktext=[f"1e{int(t)}" if t else "1" for t in ticks]),
        hovertemplate="η = %{customdata[0]:.3g}, μ = %{customdata[1]:.3f}<br>η/(1−μ) = %{customdata[2]:.3g}"
                      "<br>gap ÷ start's = 10^%{z:.1f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="diverged", hoverinfo="skip",
                             marker=dict(symbol="square", size=15, color=MAP_DIVERGED)))
    for eta, mu, name, dash in curves:
        eta, mu = np.asarray(eta, dtype=float), np.asarray(mu, dtype=float)
        keep = (eta >= lrs[0]) & (eta <= lrs[-1])
        colour = THEORY if dash == "solid" else style.PATH
        fig.add_trace(go.Scatter(x=eta[keep], y=mu[keep], mode="lines", name=name,
                                 line=dict(color=colour, width=3, dash=dash),
                                 hovertemplate=f"{name}<br>η = %{{x:.3g}}, μ = %{{y:.3f}}<extra></extra>"))
    style.base_layout(fig, height=MAP_HEIGHT, title=title, top=40)
    style.legend_on_top(fig)
    frame = dict(showline=True, linecolor="#444", mirror=True, ticks="outside", showgrid=False, zeroline=False)
    fig.update_layout(
        xaxis=dict(frame, type="log", title="learning rate η", exponentformat="power",
                   range=[float(np.log10(_edges(lrs, True)[0])), float(np.log10(_edges(lrs, True)[-1]))]),
        yaxis=dict(frame, title="momentum μ", range=[float(_edges(mus, False)[0]), float(_edges(mus, False)[-1])]),
        plot_bgcolor=MAP_DIVERGED, hovermode="closest", dragmode=False)
    return fig
