"""The top view: filled contours, the path, the stationary points, and an invisible click grid.

Streamlit's ``on_select`` returns nothing for clicks on contour or heatmap traces, but it does
for scatter markers; so a lattice of invisible markers (``hoverinfo="none"``: "skip" would also
disable the click) lies over the window as the last, topmost trace, and a click selects its
nearest node (DESIGN.md, "Click to set a start"). The trace list is the same for every figure
(empty traces where there is nothing to draw), so the grid's index ``CLICK_GRID_INDEX`` is
a constant and ``click_point`` needs only the selection.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from . import spec, style
from .scale import as_path, heights_for, last_finite, stationary
from .thin import thin_path

CLICK_GRID_NAME = "click-grid"
HEIGHT = 520
MAX_PATH_POINTS = 600
# Every contour figure has exactly these traces, in this order (the end marker over a minimum's star).
TRACE_NAMES = ("f", "global minimum", *style.OTHER_KINDS, style.OTHER_NAME, "path", "start", "end",
               CLICK_GRID_NAME)
_LEGEND_RANK = {name: rank for rank, name in enumerate(("path", "start", "end", "global minimum",
                                                        *style.OTHER_KINDS, style.OTHER_NAME))}
CLICK_GRID_INDEX = len(TRACE_NAMES) - 1

_KEEP = dict(unselected=dict(marker=dict(opacity=1)))  # a click must not fade the path and markers


def _markers(name: str, xy, marker: dict, hover, customdata=None, *, hidden_in_legend=False) -> dict:
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    return dict(
        type="scatter", x=xy[:, 0], y=xy[:, 1], name=name, mode="markers", marker=marker, customdata=customdata,
        hovertemplate=hover, showlegend=bool(len(xy)) and not hidden_in_legend, cliponaxis=False, **_KEEP,
    )


def _point_group(name: str, items, marker: dict) -> dict:
    xy = np.array([p for p, _, _ in items], dtype=float).reshape(-1, 2)
    values = np.array([v for _, v, _ in items], dtype=float)
    kinds = [k for _, _, k in items] if name == style.OTHER_NAME else None
    label = "%{text}" if kinds else name
    return dict(
        type="scatter", x=xy[:, 0], y=xy[:, 1], name=name, mode="markers", marker=marker, customdata=values,
        text=kinds, hovertemplate=f"{label}<br>f = %{{customdata:.6g}}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
        showlegend=bool(len(xy)), cliponaxis=False, **_KEEP,
    )


def click_grid_trace(xs, ys, n: int) -> dict:
    """An ``n`` x ``n`` lattice of invisible, clickable markers over the window (float32)."""
    gx, gy = np.meshgrid(np.linspace(xs[0], xs[-1], n), np.linspace(ys[0], ys[-1], n))
    return dict(
        type="scatter", x=gx.ravel().astype(np.float32), y=gy.ravel().astype(np.float32), name=CLICK_GRID_NAME,
        legendgroup=CLICK_GRID_NAME, mode="markers", hoverinfo="none", showlegend=False,
        marker=dict(size=6, opacity=0, color="black"), selected=dict(marker=dict(opacity=0)),
        unselected=dict(marker=dict(opacity=0)),
    )


def contour_spec(xs, ys, Z, *, path=None, minima=(), others=(), start=None, log_scale: bool = False,
                 click_grid: int = 60, diverged_at: int | None = None, title: str = "") -> tuple[list, dict]:
    """``contour_figure``'s traces and layout as plain dictionaries, for builders that add to them."""
    xs = np.asarray(xs, dtype=float).reshape(-1)
    ys = np.asarray(ys, dtype=float).reshape(-1)
    Z = np.asarray(Z, dtype=float).reshape(len(ys), len(xs))
    heights = heights_for(Z, log_scale)
    what = "log(1 + f − min f)" if log_scale else "f"

    data = [dict(
        type="contour", x=xs, y=ys, z=heights(Z).astype(np.float32), name="f", colorscale=style.COLORSCALE,
        zmin=heights.lo, zmax=heights.cap, ncontours=28, showlegend=False,
        contours=dict(coloring="fill", showlines=True), line=dict(width=0.6, color="rgba(255,255,255,0.45)"),
        colorbar=dict(title=dict(text=heights.short_label, side="top"), thickness=14, len=0.9,
                      **heights.ticks()),
        hovertemplate=f"x = %{{x:.3g}}<br>y = %{{y:.3g}}<br>{what} = %{{z:.4g}}<extra></extra>",
    )]

    data.append(_point_group("global minimum", stationary(minima), style.marker_style("global minimum")))
    rest = stationary(others, default_kind=style.OTHER_NAME)
    for kind in (*style.OTHER_KINDS, style.OTHER_NAME):
        group = [p for p in rest if (p[2] if p[2] in style.OTHER_KINDS else style.OTHER_NAME) == kind]
        data.append(_point_group(kind, group, style.marker_style(kind)))

    pts = as_path(path)
    idx, shown = thin_path(pts, MAX_PATH_POINTS)
    data.append(dict(
        type="scatter", x=shown[:, 0], y=shown[:, 1], name="path", mode="lines+markers", customdata=idx,
        line=dict(color=style.PATH, width=3), marker=dict(color=style.PATH, size=5),
        hovertemplate="step %{customdata}<br>x = %{x:.4g}<br>y = %{y:.4g}<extra></extra>",
        showlegend=bool(len(pts)), connectgaps=False, **_KEEP,
    ))
    if start is None and len(pts) and np.isfinite(pts[0]).all():
        start = pts[0]
    data.append(_markers(
        "start", [] if start is None else [start],
        dict(symbol="circle", size=13, color=style.START, line=dict(color=style.OUTLINE, width=2)),
        "start<br>(%{x:.4g}, %{y:.4g})<extra></extra>"))
    last = last_finite(pts)
    end = [pts[last]] if last is not None and last > 0 else []
    data.append(_markers(
        "end", end, dict(symbol="square", size=11, color=style.END, line=dict(color=style.WHITE, width=2)),
        f"end (step {last})<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>"))
    data.append(click_grid_trace(xs, ys, int(click_grid)))
    for trace in data[1:-1]:
        trace["legendrank"] = 1000 + _LEGEND_RANK[trace["name"]]

    frame = dict(constrain="domain", showgrid=False, zeroline=False, ticks="outside", mirror=True,
                 showline=True, linecolor="#444")
    layout = spec.merge(style.layout(height=HEIGHT, title=title, top=36), dict(
        legend=style.legend_top(),
        meta=dict(click_grid_index=CLICK_GRID_INDEX, click_grid_name=CLICK_GRID_NAME),
        xaxis=dict(frame, title=dict(text="x"), range=[xs[0], xs[-1]]),
        yaxis=dict(frame, title=dict(text="y"), range=[ys[0], ys[-1]], scaleanchor="x", scaleratio=1),
        clickmode="event+select", dragmode=False, hovermode="closest",
        annotations=[],
    ))
    if diverged_at is not None:
        layout["annotations"].append(
            style.diverged_annotation(diverged_at, xref="x domain", yref="y domain", x=0.02, y=0.98))
    return data, layout


def contour_figure(xs, ys, Z, **kwargs) -> go.Figure:
    """Filled contours of ``f`` seen from above, with the path and a click grid to pick a start.

    Takes ``xs`` (n,), ``ys`` (m,), ``Z`` (m, n) with ``Z[i, j] = f(xs[j], ys[i])``; ``path``
    (k, 2); ``minima`` as ``(point, value)`` pairs; ``others`` as ``(point, value, kind)`` with
    kind "local minimum", "saddle" or "local maximum"; ``start`` (x, y), else the path's first
    point; ``log_scale`` for contour levels evenly spaced in ``log(1 + f - min f)``;
    ``click_grid`` nodes per side; ``diverged_at`` a step to announce in red.
    Returns a ``go.Figure`` whose traces are ``TRACE_NAMES`` in order, the click grid last
    (its index is also in ``fig.layout.meta["click_grid_index"]``).
    """
    return spec.figure(*contour_spec(xs, ys, Z, **kwargs))


def _get(obj, key):
    if obj is None:
        return None
    if isinstance(obj, dict) or hasattr(obj, "keys"):
        try:
            return obj[key]
        except (KeyError, TypeError):
            pass
    try:
        return getattr(obj, key)
    except (AttributeError, KeyError):
        return None


def click_point(selection, grid_index: int = CLICK_GRID_INDEX) -> tuple[float, float] | None:
    """The clicked node ``(x, y)`` when the click hit the click grid, else None.

    Takes what ``st.plotly_chart(on_select=...)`` stores (the whole event state or its
    ``selection``; key or attribute access; ``points`` a list of dicts with "x", "y" and
    "curve_number" or "curveNumber", possibly "legendgroup"). A point counts when its
    legendgroup is ``CLICK_GRID_NAME`` or, without one, its curve number is ``grid_index``.
    Coordinates come back rounded to 7 significant digits (the grid is sent as float32).
    """
    inner = _get(selection, "selection")
    if inner is not None:
        selection = inner
    points = _get(selection, "points")
    if not points:
        return None
    for point in reversed(list(points)):  # the latest click is last
        group = _get(point, "legendgroup")
        curve = _get(point, "curve_number")
        if curve is None:
            curve = _get(point, "curveNumber")
        hit = group == CLICK_GRID_NAME if group else (curve is not None and int(curve) == grid_index)
        x, y = _get(point, "x"), _get(point, "y")
        if hit and x is not None and y is not None:
            x, y = float(x), float(y)
            if np.isfinite(x) and np.isfinite(y):
                return float(f"{x:.7g}"), float(f"{y:.7g}")
    return None
