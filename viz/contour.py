"""The top view: filled contours, the path and the stationary points.

Every contour figure has the same trace list (empty traces where there is nothing to draw), so
pages and tests can find a trace by its place in ``TRACE_NAMES``. Clicking to set a start is the
chart component's job (``ui/chart.js`` maps the mouse to data coordinates).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from . import spec, style
from .scale import as_path, last_finite, scaled_grid, stationary
from .thin import thin_path

HEIGHT = 520
COLORBAR_ROOM = 100  # px under the x-axis title for the horizontal colour bar
AXIS_ROOM = 60  # px for an axis's tick labels and title: the axes do not measure them (automargin off)
FIT_PLUS = 150  # height = drawn width + this: the square map plus legend, axes and colour bar
MAX_PATH_POINTS = 600
# Every contour figure has exactly these traces, in this order (the end marker over a minimum's star).
TRACE_NAMES = ("f", "global minimum", *style.OTHER_KINDS, style.OTHER_NAME, "path", "start", "end")
_LEGEND_RANK = {name: rank for rank, name in enumerate(("path", "start", "end", "global minimum",
                                                        *style.OTHER_KINDS, style.OTHER_NAME))}

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


def ring_shapes(rings) -> list[dict]:
    """Dashed circles about the origin for stationary points that are whole rings: ``(radius, kind)`` pairs."""
    return [dict(type="circle", xref="x", yref="y", x0=-r, y0=-r, x1=r, y1=r, layer="above", name=kind,
                 line=dict(color=style.WHITE, width=2, dash="dash" if kind == "local minimum" else "dot"))
            for r, kind in rings]


def contour_spec(xs, ys, Z, *, path=None, minima=(), others=(), start=None, log_scale: bool = False,
                 diverged_at: int | None = None, title: str = "", rings=()) -> tuple[list, dict]:
    """``contour_figure``'s traces and layout as plain dictionaries, for builders that add to them."""
    xs = np.asarray(xs, dtype=float).reshape(-1)
    ys = np.asarray(ys, dtype=float).reshape(-1)
    Z = np.asarray(Z, dtype=float).reshape(len(ys), len(xs))
    heights, drawn = scaled_grid(Z, log_scale)
    what = "log(1 + f − min f)" if log_scale else "f"

    data = [dict(
        type="contour", x=xs, y=ys, z=drawn, name="f", colorscale=style.COLORSCALE,
        zmin=heights.lo, zmax=heights.cap, ncontours=28, showlegend=False,
        contours=dict(coloring="fill", showlines=True), line=dict(width=0.6, color="rgba(255,255,255,0.45)"),
        colorbar=style.colorbar_below(heights.short_label, **heights.ticks()),
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
    for trace in data[1:]:
        trace["legendrank"] = 1000 + _LEGEND_RANK[trace["name"]]

    # automargin off: with the square, domain-constrained axes plotly.js re-laid the map out several times
    # over while measuring its labels, 0.8 s of a first visit's main thread against 0.1 s now (make bench,
    # section load). The margins leave the room the labels take; ``meta.axis_room`` lets ui/chart.js add
    # to it when presentation mode enlarges the fonts.
    frame = dict(automargin=False, constrain="domain", showgrid=False, zeroline=False, ticks="outside", mirror=True,
                 showline=True, linecolor="#444")
    layout = spec.merge(style.layout(height=HEIGHT, title=title, top=36), dict(
        legend=style.legend_flowing(data),
        margin=dict(b=COLORBAR_ROOM + AXIS_ROOM, l=AXIS_ROOM),
        meta=dict(style.fit_to_width(plus=FIT_PLUS + (30 if title else 0), high=HEIGHT + 100), axis_room=AXIS_ROOM),
        xaxis=dict(frame, title=dict(text="x"), range=[xs[0], xs[-1]]),
        yaxis=dict(frame, title=dict(text="y"), range=[ys[0], ys[-1]], scaleanchor="x", scaleratio=1),
        dragmode=False, hovermode="closest",
        annotations=[], shapes=ring_shapes(rings),
    ))
    if diverged_at is not None:
        layout["annotations"].append(
            style.diverged_annotation(diverged_at, xref="x domain", yref="y domain", x=0.02, y=0.98))
    return data, layout


def contour_figure(xs, ys, Z, **kwargs) -> go.Figure:
    """Filled contours of ``f`` seen from above, with the path and the stationary points.

    Takes ``xs`` (n,), ``ys`` (m,), ``Z`` (m, n) with ``Z[i, j] = f(xs[j], ys[i])``; ``path``
    (k, 2); ``minima`` as ``(point, value)`` pairs; ``others`` as ``(point, value, kind)`` with
    kind "local minimum", "saddle" or "local maximum"; ``start`` (x, y), else the path's first
    point; ``rings`` as ``(radius, kind)`` for stationary circles about the origin (drawn dashed for
    minima, dotted otherwise); ``log_scale`` for contour levels evenly spaced in ``log(1 + f - min f)``;
    ``diverged_at`` a step to announce in red. Returns a ``go.Figure`` whose traces are
    ``TRACE_NAMES`` in order.
    """
    return contour_chart(xs, ys, Z, **kwargs).figure()


def contour_chart(xs, ys, Z, **kwargs) -> spec.FigureSpec:
    """``contour_figure`` as a specification, for the chart component."""
    return spec.FigureSpec(*contour_spec(xs, ys, Z, **kwargs))
