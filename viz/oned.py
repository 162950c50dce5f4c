"""Gradient descent on a curve ``f(w)``: the path, the tangent and the update, with the basin strip below.

``descent_figure`` draws what the course's Section 3.1.1 says in words: at ``w_k`` the tangent's
slope ``f'(w_k)`` has a sign, and the update moves ``w`` the other way (a horizontal arrow: the
step is taken in ``w``; the dotted drop reads the new loss off the curve). Its thin second row
colours every start ``w_0`` by the minimum GD reaches from it (the 1-D basin map).
``iterates_figure`` shows ``w_k`` against ``k``, where zig-zag and divergence are plain to see.
Plain NumPy and strings in, ``go.Figure`` out; no Streamlit, no JAX.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import style

HEIGHT = 600
ITERATES_HEIGHT = 270
NUMBERED = 12  # points beyond this many get no number (the current one always does)
TANGENT = "#0072B2"
TEXT_ROUNDING = "#777777"
# Basin colours: one per minimum (Okabe-Ito), then diverged and not converged; with a readable text colour.
MINIMUM_COLOURS = (("#0072B2", "white"), ("#E69F00", "black"), ("#009E73", "white"), ("#CC79A7", "black"))
LABEL_COLOURS = {-1: (style.DIVERGED, "white"), -2: ("#C8C8C8", "black")}


def short(v: float) -> str:
    """At most four decimals, trailing zeros dropped, a real minus sign: 0.75, −1.0322, −11.25."""
    text = f"{v:.4f}".rstrip("0").rstrip(".") if 1e-3 <= abs(v) < 1e5 or v == 0 else f"{v:.3g}"
    return text.replace("-", "−") if text not in ("-0", "−0") else "0"


def _x_range(window, path) -> tuple[float, float]:
    """The window, widened to show the path, but by at most a quarter of its width on each side
    (a diverging path leaves the plot: zooming out to follow it would flatten the curve)."""
    lo, hi = window
    span = hi - lo
    pts = np.asarray(path, dtype=float)
    pts = pts[np.isfinite(pts)]
    if pts.size:
        lo, hi = max(min(lo, pts.min()), lo - span / 4), min(max(hi, pts.max()), hi + span / 4)
    pad = 0.03 * (hi - lo)
    return lo - pad, hi + pad


def _y_range(ws, fs, xr, extra) -> tuple[float, float]:
    inside = (ws >= xr[0]) & (ws <= xr[1])
    values = np.concatenate([fs[inside], np.asarray(extra, dtype=float)])
    values = values[np.isfinite(values)]
    lo, hi = float(values.min()), float(values.max())
    pad = 0.08 * max(hi - lo, 1e-9)
    return lo - pad, hi + 2.5 * pad  # room for the line saying f'(w_k) at the top


def _stationary_traces(fig, stationary, text_points, yr, centre: float) -> None:
    """Markers on the curve; their exact values written near the top, joined to them by a dotted line
    (kept out of the bottom of the valley, where the path gathers)."""
    label_y = yr[1] - 0.3 * (yr[1] - yr[0])
    for kind in ("global minimum", "local minimum", "local maximum", "inflection"):
        group = [(w, f) for w, f, k in stationary if k == kind]
        if not group:
            continue
        w, f = np.array(group).T
        fig.add_trace(go.Scatter(
            x=w, y=f, name=kind.replace("minimum", "min").replace("maximum", "max"), mode="markers",
            marker=style.marker_style(kind), cliponaxis=False,
            hovertemplate=f"{kind}<br>w = %{{x:.6f}}<br>f = %{{y:.6f}}<extra></extra>",
        ), row=1, col=1)
        name = "min" if kind.endswith("minimum") else ("max" if kind == "local maximum" else "inflection")
        for a, b in zip(w, f, strict=True):
            top = max(label_y, b)
            fig.add_shape(type="line", x0=a, x1=a, y0=b, y1=top, xref="x", yref="y", layer="below",
                          line=dict(color="#999999", width=1, dash="dot"), name="stationary guide")
            fig.add_annotation(x=a, y=top, xref="x", yref="y", yanchor="bottom", showarrow=False,
                               text=f"{name}<br>w = {short(a)}<br>f = {short(b)}", font=dict(size=13),
                               bgcolor="rgba(255,255,255,0.85)", name="stationary label")
    if text_points:
        w, f = np.array(text_points, dtype=float).T
        fig.add_trace(go.Scatter(
            x=w, y=f, name="text's rounding", mode="markers+text", cliponaxis=False,
            marker=dict(symbol="x-thin", size=12, color=TEXT_ROUNDING, line=dict(width=2.5, color=TEXT_ROUNDING)),
            text=[f"text: ({short(a)}, {short(b)})" for a, b in zip(w, f, strict=True)],
            textposition=["middle left" if a < centre else "middle right" for a in w],
            textfont=dict(size=12, color=TEXT_ROUNDING),
            hovertemplate="as the text rounds it: (%{x}, %{y})<extra></extra>",
        ), row=1, col=1)


def _numbers(path, k: int, xr) -> list[str]:
    """Step numbers for the first ``NUMBERED`` points and the current one, skipping a point that
    lies too close to the last numbered one (a converging path piles its points up)."""
    labels, last = [], None
    for j, w in enumerate(path):
        gap = 0.04 * (xr[1] - xr[0])  # the current step's number has the right of way
        show = j == k or (j < NUMBERED and (last is None or abs(w - last) > gap) and abs(w - path[k]) > gap)
        labels.append(str(j) if show else "")
        last = w if show else last
    return labels


def _update_arrow(fig, w, f, slope, w_next, f_next, xr, k: int) -> None:
    """Tangent at w_k, the sign of f'(w_k), and the step: a horizontal arrow to w_{k+1}, then a drop."""
    half = 0.18 * (xr[1] - xr[0])
    tw = np.array([w - half, w + half])
    fig.add_trace(go.Scatter(
        x=tw, y=f + slope * (tw - w), name="tangent", mode="lines", line=dict(color=TANGENT, width=2.5, dash="dash"),
        hovertemplate=f"tangent at w<sub>{k}</sub>: slope f′ = {slope:.6g}<extra></extra>",
    ), row=1, col=1)
    sign = "= 0: GD stays" if slope == 0 else ("< 0: downhill is to the right" if slope < 0
                                                 else "> 0: downhill is to the left")
    fig.add_annotation(x=0.01, y=0.99, xref="x domain", yref="y domain", xanchor="left", yanchor="top",
                       text=f"at w<sub>{k}</sub> = {short(w)}:  f′(w<sub>{k}</sub>) = {short(slope)}<br>{sign}",
                       showarrow=False, bgcolor="rgba(255,255,255,0.9)", font=dict(size=15, color=TANGENT),
                       name="sign")
    if w_next is None or not np.isfinite(w_next) or w_next == w:
        return
    tip = float(np.clip(w_next, *xr))
    fig.add_annotation(x=tip, y=f, ax=w, ay=f, xref="x", yref="y", axref="x", ayref="y", showarrow=True,
                       arrowhead=3, arrowsize=1.4, arrowwidth=2.5, arrowcolor=style.PATH, text="", name="update")
    label = f"Δw = {'+' if w_next > w else ''}{short(w_next - w)}" + ("" if tip == w_next else " (off the plot)")
    fig.add_annotation(x=(w + tip) / 2, y=f, xref="x", yref="y", text=label, showarrow=False, yshift=-16,
                       font=dict(size=14, color=style.PATH), bgcolor="rgba(255,255,255,0.85)", name="update label")
    if tip == w_next and np.isfinite(f_next):
        fig.add_trace(go.Scatter(
            x=[w_next, w_next], y=[f, f_next], name="new loss", mode="lines+markers", showlegend=False,
            line=dict(color=style.PATH, width=1.5, dash="dot"),
            marker=dict(size=[0, 11], symbol="circle-open", color=style.PATH, line=dict(width=2.5)),
            hovertemplate=f"w<sub>{k + 1}</sub> = %{{x:.6g}}<br>f = %{{y:.6g}}<extra></extra>",
        ), row=1, col=1)


def _basin_row(fig, starts, labels, names: dict[int, str], start) -> None:
    starts, labels = np.asarray(starts, dtype=float), np.asarray(labels, dtype=int)
    present = sorted(set(labels.tolist()), key=lambda v: (v < 0, abs(v)))
    colours = [MINIMUM_COLOURS[v % len(MINIMUM_COLOURS)] if v >= 0 else LABEL_COLOURS[v] for v in present]
    code = {v: i for i, v in enumerate(present)}
    n = len(present)
    scale = []
    for i, (colour, _) in enumerate(colours):
        scale += [[i / n, colour], [(i + 1) / n, colour]]
    fig.add_trace(go.Heatmap(
        x=starts, y=[0.5], z=[[code[v] for v in labels]], zmin=-0.5, zmax=n - 0.5, colorscale=scale,
        showscale=False, name="basin", text=[[names.get(v, str(v)) for v in labels]],
        hovertemplate="start w<sub>0</sub> = %{x:.3f}<br>%{text}<extra></extra>",
    ), row=2, col=1)
    # A name in the middle of every run of one colour that is wide enough to hold it.
    edges = np.flatnonzero(np.diff(labels)) + 1
    for lo, hi in zip(np.r_[0, edges], np.r_[edges, len(labels)], strict=True):
        if (hi - lo) / len(labels) >= 0.1:
            v = int(labels[lo])
            fig.add_annotation(x=float(starts[(lo + hi - 1) // 2]), y=0.5, xref="x2", yref="y2", showarrow=False,
                               text=names.get(v, str(v)), font=dict(size=13, color=colours[code[v]][1]),
                               name="basin label")
    if start is not None:
        fig.add_trace(go.Scatter(
            x=[start, start], y=[0, 1], mode="lines", line=dict(color="black", width=3), name="start w₀",
            showlegend=False, hovertemplate="your start w<sub>0</sub> = %{x:.4g}<extra></extra>",
        ), row=2, col=1)


def descent_figure(ws, fs, *, window, path, path_f, slope, current: int, stationary=(), text_points=(),
                   basin=None, start: float | None = None, diverged_at: int | None = None) -> go.Figure:
    """The curve with the path up to step ``current``, its tangent and update, and the basin strip.

    Takes ``ws``, ``fs`` (n,): samples of the curve, wider than ``window`` (w_min, w_max) so a path
    leaving the window is still drawn on the curve; ``path``, ``path_f``, ``slope`` (m,): w_k,
    f(w_k) and f'(w_k) for k = 0 .. m-1, finite (the caller leaves out what diverged);
    ``current``: the step whose tangent and update are drawn (the arrow goes to ``path[current + 1]``
    when there is one); ``stationary``: (w, f, kind) triples; ``text_points``: (w, f) pairs the
    course text quotes, drawn as grey crosses; ``basin``: (starts (N,), labels (N,), {label: name}),
    drawn as a second row; ``start`` marked on the strip; ``diverged_at`` announced in red.
    Returns a ``go.Figure``; the path trace is named "path".
    """
    ws, fs = np.asarray(ws, dtype=float), np.asarray(fs, dtype=float)
    path, path_f, slope = (np.asarray(a, dtype=float).reshape(-1) for a in (path, path_f, slope))
    k = int(min(max(current, 0), len(path) - 1))
    nxt = k + 1 if k + 1 < len(path) else None
    xr = _x_range(window, path[: (nxt or k) + 1])
    rows = 2 if basin is not None else 1
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        row_heights=[0.87, 0.13] if rows == 2 else [1.0])
    fig.add_trace(go.Scatter(x=ws, y=fs, name="f(w)", mode="lines", line=dict(color="#222222", width=3),
                             showlegend=False,
                             hovertemplate="w = %{x:.4f}<br>f = %{y:.4f}<extra></extra>"), row=1, col=1)
    drawn = path[: (nxt or k) + 1]
    yr = _y_range(ws, fs, xr, path_f[: (nxt or k) + 1][(drawn >= xr[0]) & (drawn <= xr[1])])
    _stationary_traces(fig, stationary, text_points, yr, sum(window) / 2)
    steps = np.arange(k + 1)
    fig.add_trace(go.Scatter(
        x=path[: k + 1], y=path_f[: k + 1], name="path", mode="lines+markers+text", customdata=steps,
        line=dict(color=style.PATH, width=1.5), cliponaxis=False,
        marker=dict(color=style.PATH, size=11, line=dict(color="white", width=1.5)),
        # the current point's number sits on the side its tangent leaves free: top right when the
        # tangent falls to the right (f' < 0; it rises through the top left), top left otherwise
        text=_numbers(path[: k + 1], k, xr),
        textposition=["top right" if j == k and slope[k] < 0 else "top left" for j in range(k + 1)],
        textfont=dict(color=style.PATH, size=14),
        hovertemplate="w<sub>%{customdata}</sub> = %{x:.6g}<br>f = %{y:.6g}<extra></extra>",
    ), row=1, col=1)
    _update_arrow(fig, path[k], path_f[k], slope[k], None if nxt is None else path[nxt],
                  None if nxt is None else path_f[nxt], xr, k)
    if basin is not None:
        _basin_row(fig, *basin, start)
    for w, _, kind in stationary:
        if kind == "local maximum":  # the basin boundary: a dotted line through both rows
            fig.add_vline(x=w, line=dict(color="#555555", width=1.2, dash="dot"), row="all", col=1)

    style.base_layout(fig, height=HEIGHT, top=30)
    style.legend_on_top(fig)
    fig.update_xaxes(range=list(xr), showline=True, linecolor="#444", mirror=True, ticks="outside", zeroline=False)
    fig.update_xaxes(title="w", row=rows, col=1)
    fig.update_yaxes(title="f(w)", range=list(yr), row=1, col=1,
                     showline=True, linecolor="#444", mirror=True, ticks="outside", zeroline=False)
    if rows == 2:
        fig.update_yaxes(range=[0, 1], showticklabels=False, title=dict(text="basin", font=dict(size=13)),
                         fixedrange=True, row=2, col=1)
    fig.update_layout(hovermode="closest", dragmode=False)
    if diverged_at is not None:  # right, under the line on f' and above the labels of the stationary points
        style.diverged_note(fig, diverged_at, xref="x domain", yref="y domain", x=0.99, y=0.91, xanchor="right")
    return fig


def iterates_figure(points, *, current: int, levels=(), diverged_at: int | None = None,
                    next_point: float | None = None) -> go.Figure:
    """``w_k`` against ``k`` for the shown steps; ``levels`` are (w, name) lines (the minima, the maximum).

    Takes ``points`` (m,) finite iterates, ``current`` the highlighted step, ``next_point`` the
    iterate the update arrow on the curve points to (drawn dashed and open, inside the axis range).
    Returns a ``go.Figure`` with a trace named "w_k" (and "next" when ``next_point`` is given).
    """
    points = np.asarray(points, dtype=float).reshape(-1)
    k = int(min(max(current, 0), len(points) - 1))
    fig = go.Figure()
    nxt = [] if next_point is None or not np.isfinite(next_point) else [float(next_point)]
    ys = np.concatenate([points[: k + 1], nxt, [w for w, _ in levels]])
    named = len(levels) < 2 or np.ptp([w for w, _ in levels]) > 0.15 * np.ptp(ys)  # else the names pile up
    for i, (w, name) in enumerate(levels):  # alternate sides so neighbouring names do not collide
        fig.add_hline(y=w, line=dict(color="#777777", width=1.2, dash="dot"), annotation_text=name if named else "",
                      annotation_position=("top right", "top left")[i % 2],
                      annotation_font=dict(size=12, color="#555555"))
    fig.add_trace(go.Scatter(x=np.arange(k + 1), y=points[: k + 1], name="w_k", mode="lines+markers",
                             line=dict(color=style.PATH, width=2), marker=dict(size=7, color=style.PATH),
                             hovertemplate="w<sub>%{x}</sub> = %{y:.6g}<extra></extra>"))
    if nxt:
        fig.add_trace(go.Scatter(x=[k, k + 1], y=[points[k], nxt[0]], name="next", mode="lines+markers",
                                 line=dict(color=style.PATH, width=2, dash="dash"),
                                 marker=dict(size=[0, 9], color=style.WHITE, line=dict(color=style.PATH, width=2)),
                                 hovertemplate=f"next: w<sub>{k + 1}</sub> = %{{y:.6g}}<extra></extra>"))
    style.base_layout(fig, height=ITERATES_HEIGHT)
    fig.update_layout(showlegend=False, hovermode="closest", dragmode=False)
    fig.update_xaxes(title="step k", range=[-0.3, max(k + len(nxt), 1) + 0.3],
                     dtick=max(1, int(np.ceil((k + 1) / 10))),
                     showline=True, linecolor="#444", mirror=True)
    fig.update_yaxes(title="w<sub>k</sub>", showline=True, linecolor="#444", mirror=True, zeroline=False)
    if diverged_at is not None:
        style.diverged_note(fig, diverged_at, xref="x domain", yref="y domain", x=0.01, y=0.98)
    return fig
