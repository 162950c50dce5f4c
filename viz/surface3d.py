"""The loss surface in 3-D with the optimizer's path lying on it.

The mesh goes out as float32 (half the bytes of float64, far below what a screen resolves).
The view is a piece of state (azimuth and elevation in degrees, from the page's sliders or the
URL), because a drag-rotated view does not survive a change of the figure in Streamlit (see
DESIGN.md, "3-D camera"). ``uirevision`` is constant so an unchanged figure keeps the drag.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from . import spec, style
from .scale import Heights, as_path, bilinear, last_finite, scaled_grid, stationary
from .thin import thin_path

EYE_DISTANCE = 2.2
HEIGHT = 520
FIT_RATIO, FIT_PLUS = 1.0, 150  # as tall as the top view beside it (viz/contour.py)
MAX_PATH_POINTS = 600
LIFT = 0.015  # the path floats this fraction of the height range above the mesh


def camera_eye(azimuth_deg: float, elevation_deg: float, distance: float = EYE_DISTANCE) -> dict:
    """Plotly's ``scene.camera.eye`` for a view from ``azimuth`` (from +x towards +y) and ``elevation``.

    Elevation is clamped to [-89, 89] degrees: straight above, the 'up' vector is undefined.
    """
    az = math.radians(float(azimuth_deg))
    el = math.radians(min(max(float(elevation_deg), -89.0), 89.0))
    return dict(x=distance * math.cos(el) * math.cos(az), y=distance * math.cos(el) * math.sin(az),
                z=distance * math.sin(el))


def _path_traces(path, path_z, heights: Heights, lift: float, xs, ys, Z) -> list[dict]:
    pts = as_path(path)
    if len(pts) == 0:
        return []
    if path_z is None:
        fz = bilinear(xs, ys, Z, pts)
    else:
        fz = np.asarray(path_z, dtype=float).reshape(-1)[: len(pts)]
        fz = np.concatenate([fz, np.full(len(pts) - len(fz), np.nan)])
    h = heights(fz) + lift
    # Points off the window are dropped: a diverging path (coordinates ~1e150) blanked the whole
    # scene in Chromium, and the axes are fixed to the window anyway.
    with np.errstate(invalid="ignore"):
        outside = ~((pts[:, 0] >= xs[0]) & (pts[:, 0] <= xs[-1])
                    & (pts[:, 1] >= ys[0]) & (pts[:, 1] <= ys[-1]))
    pts = np.where(outside[:, None], np.nan, pts)
    h[outside] = np.nan
    idx, _ = thin_path(pts, MAX_PATH_POINTS)
    steps_f = np.stack([idx.astype(float), fz[idx]], axis=1)  # hover: step and the true loss
    traces = [dict(
        type="scatter3d", x=pts[idx, 0], y=pts[idx, 1], z=h[idx], name="path", mode="lines+markers",
        line=dict(color=style.PATH, width=6), marker=dict(color=style.PATH, size=2.5),
        customdata=steps_f,
        hovertemplate="step %{customdata[0]}<br>x = %{x:.4g}<br>y = %{y:.4g}"
                      "<br>f = %{customdata[1]:.5g}<extra></extra>",
    )]
    ends = [("start", 0, style.START, "circle")]
    last = last_finite(np.column_stack([pts, h]))
    if last is not None and last > 0:
        ends.append(("end", last, style.END, "square"))
    for name, k, colour, symbol in ends:
        if not np.isfinite(h[k]):
            continue
        traces.append(dict(
            type="scatter3d", x=pts[k:k + 1, 0], y=pts[k:k + 1, 1], z=h[k:k + 1] + lift, name=name, mode="markers",
            marker=dict(color=colour, size=7, symbol=symbol, line=dict(color=style.WHITE, width=2)),
            customdata=np.array([[k, fz[k]]], dtype=float),
            hovertemplate=f"{name} (step %{{customdata[0]}})<br>x = %{{x:.4g}}<br>y = %{{y:.4g}}"
                          "<br>f = %{customdata[1]:.5g}<extra></extra>",
        ))
    return traces


def _minima_trace(minima, heights: Heights, lift: float) -> dict | None:
    pts = stationary(minima)
    if not pts:
        return None
    xy = np.array([p for p, _, _ in pts], dtype=float)
    values = np.array([v for _, v, _ in pts], dtype=float)
    return dict(
        type="scatter3d", x=xy[:, 0], y=xy[:, 1], z=heights(values) + lift, name="global minimum", mode="markers",
        marker=style.marker_style("global minimum", three_d=True), customdata=values,
        hovertemplate="global minimum<br>x = %{x:.4g}<br>y = %{y:.4g}"
                      "<br>f = %{customdata:.6g}<extra></extra>",
    )


def surface_figure(xs, ys, Z, **kwargs) -> go.Figure:
    """``surface_chart`` as a figure; see there."""
    return surface_chart(xs, ys, Z, **kwargs).figure()


def surface_chart(xs, ys, Z, *, path=None, path_z=None, minima=(), log_scale: bool = False,
                  camera: tuple[float, float] = (-60.0, 30.0), title: str = "") -> spec.FigureSpec:
    """The surface ``f`` over a grid, with the path on it.

    Takes ``xs`` (n,), ``ys`` (m,), ``Z`` (m, n) with ``Z[i, j] = f(xs[j], ys[i])``; optionally
    ``path`` (k, 2) and ``path_z`` (k,), the true losses along it (interpolated from the grid when
    omitted); ``minima`` as ``(point, value)`` pairs or records; ``log_scale`` to draw
    ``log(1 + f - min f)`` as height and colour; ``camera`` = (azimuth, elevation) in degrees.
    Returns a 3-D ``go.Figure`` with traces named "surface", "path", "start", "end",
    "global minimum" (the last four only when there is something to draw). Non-finite values
    leave holes; values far above the bulk are clipped so the colours stay useful.
    """
    xs = np.asarray(xs, dtype=float).reshape(-1)
    ys = np.asarray(ys, dtype=float).reshape(-1)
    Z = np.asarray(Z, dtype=float).reshape(len(ys), len(xs))
    heights, drawn = scaled_grid(Z, log_scale)
    lift = LIFT * (heights.cap - heights.lo)
    ticks = heights.ticks()

    data = [dict(
        type="surface", x=xs, y=ys, z=drawn, name="surface", colorscale=style.COLORSCALE,
        # no colour bar: the z-axis carries the same scale, and a bar took a quarter of a narrow column
        cmin=heights.lo, cmax=heights.cap, showscale=False, opacity=1.0,
        contours=dict(z=dict(show=True, usecolormap=False, color="rgba(255,255,255,0.35)", width=1,
                             start=heights.lo, end=heights.cap, size=(heights.cap - heights.lo) / 15)),
        lighting=dict(ambient=0.75, diffuse=0.5, specular=0.05, roughness=0.9),
        hovertemplate="x = %{x:.3g}<br>y = %{y:.3g}<br>" + ("log(1 + f − min f)" if log_scale else "f")
                      + " = %{z:.4g}<extra></extra>",
    )]
    data += _path_traces(path, path_z, heights, lift, xs, ys, Z)
    minima_trace = _minima_trace(minima, heights, lift)
    if minima_trace is not None:
        data.append(minima_trace)

    axis = dict(showbackground=True, backgroundcolor="#F4F4F4", gridcolor="#C8C8C8", zerolinecolor="#999999",
                tickfont=dict(size=12))
    title_font = dict(font=dict(size=16))
    layout = spec.merge(style.layout(height=HEIGHT, title=title, top=30), dict(
        legend=style.legend_flowing(data),
        meta=style.fit_to_width(plus=FIT_PLUS, ratio=FIT_RATIO, high=HEIGHT + 100),
        uirevision="surface3d",
        scene=dict(
            xaxis=dict(axis, title=dict(title_font, text="x"), range=[float(xs[0]), float(xs[-1])]),
            yaxis=dict(axis, title=dict(title_font, text="y"), range=[float(ys[0]), float(ys[-1])]),
            zaxis=dict(axis, title=dict(title_font, text="f − min f (log)" if log_scale else "f(x, y)"),
                       range=[heights.lo, heights.cap + 3 * lift], **ticks),
            aspectmode="manual", aspectratio=dict(x=1, y=1, z=0.7),
            camera=dict(eye=camera_eye(*camera), up=dict(x=0, y=0, z=1), center=dict(x=0, y=0, z=-0.1)),
            uirevision="surface3d",
        ),
        margin=dict(l=0, r=0, b=0),  # the scene fills its box; the legend needs the top margin
    ))
    return spec.FigureSpec(data, layout)
