"""The landscape drawn: basin maps, stationary points on the contour, and GD against momentum at a saddle.

The basin map is one heatmap. Each outcome owns a band of the colour axis: band 0 "diverged",
band 1 "not converged", band ``2 + k`` attractor ``k``; within its band a start is drawn at
``z = band + 0.98 · s`` with ``s = log(1 + steps) / log(1 + budget)``, and the colour scale runs
from the band's colour (fast) to a darker shade (slow). So one trace carries both the label and
the steps needed, and the colour bar doubles as the legend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from . import spec, style
from .contour import contour_spec
from .curves import loss_spec
from .scale import stationary
from .thin import thin_path

HEIGHT = 560
MAX_PATH_POINTS = 300
MAX_LABELLED = 16  # attractors named in the colour bar and by the markers; beyond, the table names them
DIVERGED_COLOURS = ("#E0301E", "#3A0000")  # fast divergence bright red, late divergence near black
NOT_CONVERGED_COLOUR = "#C8C8C8"
# Okabe-Ito without its vermillion (the diverged red) and black, then Tableau's colours for more basins.
ATTRACTOR_COLOURS = ("#56B4E9", "#E69F00", "#009E73", "#F0E442", "#0072B2", "#CC79A7",
                     "#9467BD", "#8C564B", "#17BECF", "#BCBD22", "#7FC97F", "#FDC086")
RUN_COLOURS = (style.PATH, "#0072B2", "#CC79A7")  # GD, momentum, any further run
LEVELS = 16  # shades per band of the basin map (darker: more steps)


def attractor_colour(k: int) -> str:
    return ATTRACTOR_COLOURS[k % len(ATTRACTOR_COLOURS)]


def outcome_colour(label: int) -> str:
    """The colour of a basin label: an attractor index, -1 diverged or -2 not converged."""
    return DIVERGED_COLOURS[0] if label == -1 else NOT_CONVERGED_COLOUR if label == -2 else attractor_colour(label)


def _mix(hex_colour: str, other: str, amount: float) -> str:
    rgb = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
    target = [int(other[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (t - c) * amount):02X}" for c, t in zip(rgb, target, strict=True))


def attractor_name(k: int, point, kind: str) -> str:
    """``#k+1 kind (x, y)``: the number the hover, the markers and the page's table share."""
    return f"#{k + 1} {kind} ({point[0]:.3g}, {point[1]:.3g})"


def _band_colourscale(n_attractors: int) -> list[list]:
    """Per band: light tint (fewest steps), the colour itself, dark shade (most steps)."""
    bands = [(DIVERGED_COLOURS[0], DIVERGED_COLOURS[0], DIVERGED_COLOURS[1])]
    bands += [(NOT_CONVERGED_COLOUR,) * 3]
    bands += [(_mix(c, "#FFFFFF", 0.45), c, _mix(c, "#000000", 0.55))
              for c in map(attractor_colour, range(n_attractors))]
    total = len(bands)
    scale = []
    for b, (fast, middle, slow) in enumerate(bands):
        scale += [[b / total, fast], [(b + 0.49) / total, middle], [(b + 0.98) / total, slow]]
    return scale + [[1.0, bands[-1][2]]]


def _shade(steps: np.ndarray, where: np.ndarray) -> np.ndarray:
    """``log(1 + steps)`` scaled to [0, 1] over the starts ``where`` (all of them if none)."""
    logs = np.log1p(np.maximum(steps, 0))
    sel = logs[where] if where.any() else logs
    lo, hi = float(sel.min()), float(sel.max())
    return np.clip((logs - lo) / (hi - lo), 0.0, 1.0) if hi > lo else np.full(steps.shape, 0.5)


def _paths_traces(paths: Sequence[np.ndarray]) -> list[go.Scatter]:
    """Sample paths as one dark under-stroke and one white line (NaN rows separate the paths)."""
    pieces = []
    for p in paths:
        p = np.asarray(p, dtype=float).reshape(-1, 2)
        p = p[: int(np.argmin(np.isfinite(p).all(axis=1))) or len(p)]  # up to the first non-finite point
        pieces += [thin_path(p, MAX_PATH_POINTS)[1], np.full((1, 2), np.nan)]
    xy = np.concatenate(pieces) if pieces else np.zeros((0, 2))
    starts = np.array([np.asarray(p, float).reshape(-1, 2)[0] for p in paths]).reshape(-1, 2)
    line = dict(x=xy[:, 0], y=xy[:, 1], mode="lines", hoverinfo="skip", connectgaps=False)
    return [
        go.Scatter(**line, line=dict(color="rgba(0,0,0,0.55)", width=4.5), showlegend=False, name="paths-under"),
        go.Scatter(**line, line=dict(color=style.WHITE, width=2), name="sample paths", showlegend=bool(len(paths))),
        go.Scatter(x=starts[:, 0], y=starts[:, 1], mode="markers", name="sample starts", showlegend=False,
                   marker=dict(size=8, color=style.WHITE, line=dict(color=style.OUTLINE, width=1.5)),
                   hovertemplate="sample start (%{x:.3g}, %{y:.3g})<extra></extra>"),
    ]


def basin_figure(xs, ys, labels, steps, attractors, budget: int, *, paths: Sequence[np.ndarray] = (),
                 title: str = "") -> go.Figure:
    """The basin map: which attractor each start reaches, darker where it took more steps.

    Takes ``xs`` (n,), ``ys`` (m,) the starts' coordinates; ``labels`` (m, n) int with
    ``labels[i, j]`` the outcome of start ``(xs[j], ys[i])``: an index into ``attractors``, -1
    diverged, -2 not converged; ``steps`` (m, n) the steps taken (to tolerance or divergence);
    ``attractors`` as ``(point, value, kind)``; ``budget`` the step budget; ``paths`` a few sample
    paths, each (k, 2). Returns a ``go.Figure``: the heatmap first, then markers and paths.
    """
    labels = np.asarray(labels, dtype=np.int64)
    steps = np.asarray(steps, dtype=float)
    points = stationary(attractors)
    total = len(points) + 2
    band = np.where(labels == -1, 0, np.where(labels == -2, 1, labels + 2))
    shade = np.where(labels == -1, _shade(steps, labels == -1), _shade(steps, labels >= 0))
    # z in 1/LEVELS of a band, as the smallest integer type: a 256 x 256 map is 64 kB of z instead of 256 kB
    z = np.floor((band + 0.98 * np.where(labels == -2, 0.5, shade)) * LEVELS)
    z = z.astype(np.uint8 if total * LEVELS <= 255 else np.uint16)
    text = np.asarray(["diverged", "not converged"] + [f"#{k + 1}" for k in range(len(points))], dtype=object)[band]
    counts = steps.astype(np.int16 if np.nanmax(steps, initial=0) < 2**15 else np.int32)
    fig = go.Figure(go.Heatmap(
        x=np.asarray(xs, dtype=float), y=np.asarray(ys, dtype=float), z=z, zmin=0, zmax=total * LEVELS, text=text,
        customdata=counts, colorscale=_band_colourscale(len(points)), name="basins",
        hovertemplate="start (%{x:.3g}, %{y:.3g})<br>→ %{text}, %{customdata} steps<extra></extra>",
        showscale=False))
    present = [int(v) for v in np.unique(labels)]
    if sum(v >= 0 for v in present) <= MAX_LABELLED:  # a legend of colour swatches; beyond, the table
        for label in [v for v in present if v >= 0] + [v for v in (-2, -1) if v in present]:
            name = f"#{label + 1}" if label >= 0 else ("diverged" if label == -1 else "not converged")
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name, hoverinfo="skip",
                                     marker=dict(symbol="square", size=15, color=outcome_colour(label))))
    if points:
        xy = np.array([p for p, _, _ in points])
        mode = "markers+text" if len(points) <= MAX_LABELLED else "markers"
        fig.add_trace(go.Scatter(
            x=xy[:, 0], y=xy[:, 1], name="attractors", mode=mode,
            text=[f"#{k + 1}" for k in range(len(points))], textposition="top center",
            textfont=dict(size=14, color=style.OUTLINE), customdata=[[v, kind] for _, v, kind in points],
            marker=dict(symbol=[style.KIND_SYMBOL.get(kind, "circle") for _, _, kind in points], size=13,
                        color=style.WHITE, line=dict(color=style.OUTLINE, width=1.5)),
            hovertemplate="%{text}: %{customdata[1]}<br>(%{x:.4g}, %{y:.4g})<br>"
                          "f = %{customdata[0]:.6g}<extra></extra>",
            showlegend=False, cliponaxis=False))
    for trace in _paths_traces(paths):
        fig.add_trace(trace)
    aspect = float(ys[-1] - ys[0]) / float(xs[-1] - xs[0])  # a wide window gets a lower figure
    style.base_layout(fig, height=int(140 + (HEIGHT - 140) * min(1.0, aspect)), title=title, top=36)
    style.legend_on_top(fig)
    frame = dict(constrain="domain", showgrid=False, zeroline=False, ticks="outside", mirror=True, showline=True,
                 linecolor="#444")
    x0, x1 = float(xs[0]) - (xs[1] - xs[0]) / 2, float(xs[-1]) + (xs[1] - xs[0]) / 2
    y0, y1 = float(ys[0]) - (ys[1] - ys[0]) / 2, float(ys[-1]) + (ys[1] - ys[0]) / 2
    fig.update_layout(xaxis=dict(frame, title="x₀", range=[x0, x1]),
                      yaxis=dict(frame, title="y₀", range=[y0, y1], scaleanchor="x", scaleratio=1),
                      hovermode="closest", dragmode=False)
    return fig


def stationary_figure(xs, ys, Z, points, *, log_scale: bool = False, title: str = "") -> go.Figure:
    """The contour with every found stationary point marked by kind and, when few, labelled with ``f``.

    ``points`` as ``(point, value, kind)``; kinds the contour does not know ("degenerate") are drawn
    as plain "stationary point" markers.
    """
    items = stationary(points)
    minima = [(p, v) for p, v, kind in items if kind == "global minimum"]
    others = [(p, v, kind) for p, v, kind in items if kind != "global minimum"]
    data, layout = contour_spec(xs, ys, Z, minima=minima, others=others, log_scale=log_scale, title=title)
    if len(items) <= MAX_LABELLED:  # the values beside the markers, readable on any colour of the map
        width, height = float(xs[-1] - xs[0]), float(ys[-1] - ys[0])
        below: list[tuple[float, float]] = []
        for (x, y), v, _ in sorted(items, key=lambda item: (item[0][1], item[0][0])):
            # a label below its marker unless one already sits below a marker close by: then above
            clash = any(abs(x - bx) < 0.14 * width and abs(y - by) < 0.08 * height for bx, by in below)
            if not clash:
                below.append((x, y))
            layout["annotations"].append(dict(
                x=x, y=y, text=f"{0.0 if abs(v) < 1e-12 else v:.4g}", showarrow=False, yshift=19 if clash else -19,
                font=dict(size=12, color=style.OUTLINE), bgcolor="rgba(255,255,255,0.8)", borderpad=1))
    return spec.figure(data, layout)


def _inside(points: np.ndarray, xs, ys) -> int:
    """Rows of ``points`` (k, 2) up to (and including) the first one outside the window or not finite."""
    p = np.asarray(points, dtype=float)
    with np.errstate(invalid="ignore"):
        out = ~(np.isfinite(p).all(axis=1) & (p[:, 0] >= xs[0]) & (p[:, 0] <= xs[-1])
                & (p[:, 1] >= ys[0]) & (p[:, 1] <= ys[-1]))
    return int(np.argmax(out)) + 1 if out.any() else len(p)


def saddle_figures(xs, ys, Z, runs: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]], saddle, *,
                 log_scale: bool = False) -> tuple[go.Figure, go.Figure]:
    """Runs from one start near a saddle: their paths on the contour and their loss and ``‖∇f‖`` curves.

    ``runs`` maps a name to ``(points (k+1, 2), loss (k+1,), grad_norm (k+1,))``; the first run is
    drawn as the contour's path. Each run is cut where it leaves the window. ``saddle`` is ``(x, y)``.
    """
    cut = {name: _inside(points, xs, ys) for name, (points, _, _) in runs.items()}
    runs = {name: [np.asarray(a, dtype=float)[: cut[name]] for a in run] for name, run in runs.items()}
    for column in (1, 2):  # a series that never goes negative gets one floor for all runs (a log axis)
        values = np.concatenate([run[column] for run in runs.values()])
        values = values[np.isfinite(values)]
        if values.size and values.min() >= 0:
            for run in runs.values():
                run[column] = np.where(np.isfinite(run[column]), np.maximum(run[column], 1e-15 * values.max()), np.nan)
    names = list(runs)
    first_points, first_loss, first_grad = runs[names[0]]
    top, top_layout = contour_spec(xs, ys, Z, path=first_points, others=[(saddle, float("nan"), "saddle")],
                                   log_scale=log_scale)
    named = {t["name"]: t for t in top}
    named["path"]["name"] = names[0]
    named["end"]["showlegend"] = False
    curves, curves_layout = loss_spec(first_loss, first_grad)
    named = {t["name"]: t for t in curves}
    for i, name in enumerate(names):
        colour = RUN_COLOURS[min(i, len(RUN_COLOURS) - 1)]
        points, loss, grad = runs[name]
        if i == 0:
            named["grad norm"].update(name=name, showlegend=True)
            named["loss"]["name"] = name
            for trace in (named["grad norm"], named["loss"]):
                trace["line"] = {**trace["line"], "color": colour}
            continue
        shown = thin_path(points, MAX_PATH_POINTS)[1]
        top.append(dict(type="scatter", x=shown[:, 0], y=shown[:, 1], name=name, mode="lines+markers",
                        line=dict(color=colour, width=3), marker=dict(color=colour, size=4),
                        hovertemplate=f"{name}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>"))
        steps = np.arange(len(loss))
        for row, values, label in ((1, loss, "f"), (2, grad, "‖∇f‖")):
            curves.append(dict(type="scatter", x=steps, y=values, name=name, mode="lines", showlegend=row == 2,
                               line=dict(color=colour, width=2.5), xaxis="x" if row == 1 else f"x{row}",
                               yaxis="y" if row == 1 else f"y{row}",
                               hovertemplate=f"{name}: step %{{x}}, {label} = %{{y:.3g}}<extra></extra>"))
    last = max(max(cut.values()) - 1, 1)
    spec.merge(curves_layout, dict(showlegend=True, legend=style.legend_top(),
                                   xaxis=dict(range=[0, last]), xaxis2=dict(range=[0, last])))
    top, curves = spec.figure(top, top_layout), spec.figure(curves, curves_layout)
    return top, curves
