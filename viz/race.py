"""The race, drawn: an animated top view with play/pause and a step slider, and the loss curves overlaid.

The animation runs in the browser: Plotly frames move each racer's marker and grow its path,
with no round trip to the server. A slider jump shows one frame on its own, so every frame
carries each path from the start up to its step (a frame cannot append to the last one); that
costs ``R * F^2 / 2`` points, so the number of frames ``F`` shrinks with the number of racers
``R`` to keep the paths under ``PATH_BUDGET`` bytes (float32, base64, about 16 bytes a point once
Plotly has escaped every "/" as ``\\u002f``): up to 120 frames for 2 racers, up to 72 for 6.

The surface is a grey contour *image* under the axes, not a contour trace: a transition without
redraw (the only smooth kind) replots the animated subplot with the transitioned traces only and
drops the layers of every other trace type (plotly.js ``cartesian.plot``; a contour trace vanishes
on the first frame, also from an overlaid subplot). Scatter traces survive, so the minima and the
start are ordinary markers. Axis ranges are the surface's window and never move.
"""

from __future__ import annotations

import base64
import math
import struct
import zlib

import numpy as np
import plotly.graph_objects as go

from . import spec, style
from .scale import heights_for, stationary
from .thin import thin_path, thin_series

# Okabe-Ito colours that read on grey (not yellow), plus black: one per racer.
RACER_COLOURS = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#111111")
GREYS = ((0.0, 138), (0.35, 207), (1.0, 251))  # grey level by height: low f darker, so the valleys show
LEVELS = 24
HEIGHT = 660
MAX_FRAMES = 120
PATH_BUDGET = 250_000  # bytes of path data in all frames together (JSON as sent)
ANIMATION_MS = 6000  # one race, start to finish, whatever the number of frames
POSITIONS = "positions"  # the markers trace: one marker per racer, moved by every frame
FIRST_RACER_TRACE = 2  # traces: global minima, start, then R paths, then the positions


def frame_steps(steps: int, n_racers: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """The steps the frames show, 0 and ``steps`` included: at most ``max_frames``, fewer for many racers.

    Returns an increasing int array; the stride is odd (``thin_path``) so a period-2 zig-zag still
    alternates sides from frame to frame.
    """
    per_point = 16  # bytes: x and y as float32, base64, with Plotly's escaped "/" (measured: 14-17)
    budget = int(math.sqrt(2 * PATH_BUDGET / (per_point * max(n_racers, 1))))
    n = max(2, min(int(max_frames), budget))
    return thin_path(np.arange(steps + 1, dtype=float), n)[0]


def contour_png(Z, heights, levels: int = LEVELS) -> bytes:
    """Filled grey contour bands with darker lines between them, as an 8-bit greyscale PNG.

    ``Z`` (m, n) with ``Z[i, j] = f(xs[j], ys[i])`` (``ys`` increasing); the grid is doubled by linear
    interpolation, so the image is (2m - 1) x (2n - 1) pixels, its top row at the largest y.
    """
    h = np.nan_to_num(heights(Z), nan=heights.cap)
    for axis in (0, 1):  # doubling: the midpoints between grid nodes
        mid = 0.5 * (np.take(h, range(1, h.shape[axis]), axis) + np.take(h, range(h.shape[axis] - 1), axis))
        both = np.stack([np.take(h, range(h.shape[axis] - 1), axis), mid], axis=axis + 1)
        shape = list(h.shape)
        shape[axis] = 2 * (h.shape[axis] - 1)
        h = np.concatenate([both.reshape(shape), np.take(h, [-1], axis)], axis=axis)
    t = (h - heights.lo) / max(heights.cap - heights.lo, 1e-300)
    band = np.clip(np.floor(t * levels), 0, levels - 1)
    grey = np.interp((band + 0.5) / levels, [g[0] for g in GREYS], [g[1] for g in GREYS])
    edge = np.zeros(band.shape, dtype=bool)
    edge[:, 1:] |= band[:, 1:] != band[:, :-1]
    edge[1:, :] |= band[1:, :] != band[:-1, :]
    pixels = np.where(edge, grey * 0.8, grey).astype(np.uint8)[::-1]  # PNG rows run top down

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + row.tobytes() for row in pixels)
    header = struct.pack(">IIBBBBB", pixels.shape[1], pixels.shape[0], 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def _drawable(points: np.ndarray, domain) -> np.ndarray:
    """Points clipped to ten windows around the plot (so float32 cannot overflow); NaN stays NaN."""
    (x0, x1), (y0, y1) = domain
    lo = np.array([x0 - 10 * (x1 - x0), y0 - 10 * (y1 - y0)])
    hi = np.array([x1 + 10 * (x1 - x0), y1 + 10 * (y1 - y0)])
    return np.clip(points, lo, hi).astype(np.float32)


def race_figure(xs, ys, Z, points, labels, *, diverged_at=None, minima=(), start=None, log_scale: bool = False,
                domain=None, colours=RACER_COLOURS, max_frames: int = MAX_FRAMES, title: str = "") -> go.Figure:
    """The animated top view of a race.

    Takes the grid ``xs`` (n,), ``ys`` (m,), ``Z`` (m, n); ``points`` (steps + 1, R, 2) time-major,
    as ``experiments.race.RaceResult.points``; ``labels`` R legend texts; ``diverged_at`` (R,) with -1
    for "never"; ``minima`` as ``(point, value)`` pairs; ``start`` (x, y); ``domain`` the fixed axis
    window (default: the grid's). Returns a figure showing the finish, with one frame per shown step
    (named by the step), a Play/Pause menu and a step slider; its traces are the global minima, the
    start, one path per racer (named by label) and the ``POSITIONS`` markers.
    """
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    Z = np.asarray(Z, dtype=float).reshape(len(ys), len(xs))
    points = np.asarray(points, dtype=float)
    steps, n = points.shape[0] - 1, points.shape[1]
    domain = domain or ((xs[0], xs[-1]), (ys[0], ys[-1]))
    div = np.full(n, -1) if diverged_at is None else np.asarray(diverged_at).reshape(n)
    last = np.where(div >= 0, np.maximum(div - 1, 0), steps)  # the last finite index of each racer
    shown = frame_steps(steps, n, max_frames)
    pts = [_drawable(points[:, r], domain) for r in range(n)]

    star = np.array([p for p, _, _ in stationary(minima)], dtype=float).reshape(-1, 2)
    s = np.asarray(start if start is not None else points[0, 0], dtype=float).reshape(1, 2)
    traces = [
        dict(type="scatter", x=star[:, 0], y=star[:, 1], name="global minimum", mode="markers",
             marker=style.marker_style("global minimum"), showlegend=bool(len(star)),
             hovertemplate="global minimum<br>(%{x:.4g}, %{y:.4g})<extra></extra>"),
        dict(type="scatter", x=s[:, 0], y=s[:, 1], name="start", mode="markers",
             marker=dict(symbol="circle", size=13, color=style.WHITE, line=dict(color=style.OUTLINE, width=2.5)),
             hovertemplate="start<br>(%{x:.4g}, %{y:.4g})<extra></extra>"),
    ]

    def racer_data(k: int) -> list[dict]:
        """Frame ``k``: each racer's path so far, then every racer's position in one markers trace."""
        upto = [np.unique(np.minimum(shown[: k + 1], last[r])) for r in range(n)]
        paths = [dict(type="scatter", x=pts[r][u, 0], y=pts[r][u, 1]) for r, u in enumerate(upto)]
        marks = np.stack([pts[r][u[-1]] for r, u in enumerate(upto)])
        return [*paths, dict(type="scatter", x=marks[:, 0], y=marks[:, 1])]

    final = racer_data(len(shown) - 1)
    for r in range(n):
        name = labels[r] + (f" ✕ diverged at step {int(div[r])}" if div[r] >= 0 else "")
        traces.append(dict(final[r], name=name, legendgroup=f"r{r}", mode="lines", hoverinfo="skip",
                           line=dict(color=colours[r % len(colours)], width=2.5)))
    traces.append(dict(
        final[n], name=POSITIONS, mode="markers", showlegend=False, cliponaxis=False, text=list(labels),
        marker=dict(color=[colours[r % len(colours)] for r in range(n)], size=14, symbol="circle",
                    line=dict(color=style.WHITE, width=2)),
        hovertemplate="%{text}<br>(%{x:.4g}, %{y:.4g})<extra></extra>"))
    racer_idx = list(range(FIRST_RACER_TRACE, FIRST_RACER_TRACE + n + 1))
    frames = [dict(name=str(int(step)), data=racer_data(k), traces=racer_idx) for k, step in enumerate(shown)]
    png = base64.b64encode(contour_png(Z, heights_for(Z, log_scale))).decode()
    frame = dict(constrain="domain", showgrid=False, zeroline=False, ticks="outside", mirror=True,
                 showline=True, linecolor="#444")
    layout = spec.merge(style.layout(height=HEIGHT, title=title, top=40), _animation_controls(shown), dict(
        legend=style.legend_top(),
        images=[dict(source=f"data:image/png;base64,{png}", xref="x", yref="y", x=xs[0], y=ys[-1],
                     sizex=xs[-1] - xs[0], sizey=ys[-1] - ys[0], sizing="stretch", layer="below")],
        xaxis=dict(frame, title=dict(text="x", standoff=4), range=list(domain[0]), autorange=False),
        yaxis=dict(frame, title=dict(text="y"), range=list(domain[1]), autorange=False, scaleanchor="x",
                   scaleratio=1),
        dragmode=False, hovermode="closest", margin=dict(b=110 + SLIDER_BELOW_PX),
        meta=dict(frame_steps=[int(v) for v in shown], first_racer_trace=FIRST_RACER_TRACE, racers=n),
    ))
    return spec.figure(traces, layout, frames)


SLIDER_BELOW_PX = 44  # the slider's own row under the Play and Pause buttons


def _animation_controls(shown: np.ndarray) -> dict:
    """Play/Pause buttons and a step slider under the plot; the slider starts at the finish."""
    ms = int(np.clip(ANIMATION_MS / max(len(shown) - 1, 1), 40, 150))
    play = dict(frame=dict(duration=ms, redraw=False), transition=dict(duration=0), fromcurrent=True,
                mode="immediate")
    still = dict(frame=dict(duration=0, redraw=False), transition=dict(duration=0), mode="immediate")
    return dict(
        updatemenus=[dict(
            type="buttons", direction="left", x=0, xanchor="left", y=-0.1, yanchor="top",
            showactive=False, pad=dict(t=0, r=10), bgcolor="#f0f0f0", font=dict(size=14),
            buttons=[dict(label="▶ Play", method="animate", args=[None, play]),
                     dict(label="❚❚ Pause", method="animate", args=[[None], still])],
        )],
        # The slider has a row of its own under the buttons (beside them, Pause covered its start on a
        # narrow chart). Its per-frame tick labels crowd at any readable size: they are hidden, and the
        # current step is read out large instead.
        sliders=[dict(
            active=len(shown) - 1, x=0, len=1, xanchor="left", y=-0.08, yanchor="top",
            pad=dict(t=SLIDER_BELOW_PX, b=0),
            currentvalue=dict(prefix="step ", visible=True, xanchor="right", font=dict(size=18, color=style.OUTLINE)),
            transition=dict(duration=0), ticklen=3, minorticklen=0, font=dict(size=14, color="rgba(0,0,0,0)"),
            steps=[dict(label=str(int(s)), method="animate", args=[[str(int(s))], still]) for s in shown],
        )],
    )


def loss_overlay(loss, labels, *, f_star: float | None = None, tol: float | None = None, diverged_at=None,
                 colours=RACER_COLOURS, max_points: int = 600, title: str = "") -> go.Figure:
    """Every racer's loss against the step, overlaid: ``f - f*`` on a log axis when ``f*`` is known.

    Takes ``loss`` (steps + 1, R), ``labels`` R texts, ``tol`` drawn as a dashed line (a legend
    entry), ``diverged_at`` (R,) marks each divergence with a cross at the last finite value.
    Values at or below 0 on the log axis are drawn at the smallest positive value of all curves.
    Returns a figure with one trace per racer, named by its label.
    """
    loss = np.asarray(loss, dtype=float)
    steps, n = loss.shape[0] - 1, loss.shape[1]
    gap = loss - f_star if f_star is not None else loss
    finite = np.isfinite(gap)
    log = f_star is not None or bool(finite.any() and (gap[finite] > 0).all())
    positive = finite & (gap > 0)
    floor = float(gap[positive].min()) if positive.any() else 1e-16
    div = np.full(n, -1) if diverged_at is None else np.asarray(diverged_at).reshape(n)
    fig = go.Figure()
    for r in range(n):
        colour = colours[r % len(colours)]
        values = np.where(finite[:, r], gap[:, r], np.nan)
        if log:
            values = np.where(values > 0, values, np.where(finite[:, r], floor, np.nan))
        idx, shown = thin_series(values, max_points)
        fig.add_trace(go.Scatter(
            x=idx.astype(np.int32), y=shown, name=labels[r], mode="lines", legendgroup=f"r{r}",
            line=dict(color=colour, width=2.5),
            hovertemplate=f"{labels[r]}<br>step %{{x}}<br>value = %{{y:.4g}}<extra></extra>"))
        if div[r] > 0 and np.isfinite(values[div[r] - 1]):
            fig.add_trace(go.Scatter(
                x=[int(div[r]) - 1], y=[values[div[r] - 1]], mode="markers", legendgroup=f"r{r}", showlegend=False,
                name=f"{labels[r]} diverged", marker=dict(symbol="x", size=12, color=colour),
                hovertemplate=f"{labels[r]}<br>diverged at step {int(div[r])}<extra></extra>"))
    if tol is not None and log and tol > 0:
        fig.add_trace(go.Scatter(x=[0, max(steps, 1)], y=[tol, tol], mode="lines", name=f"tolerance {tol:g}",
                                 line=dict(color=style.TOL, dash="dash", width=1.5), hoverinfo="skip"))
    style.base_layout(fig, height=HEIGHT, title=title, top=40)
    style.legend_on_top(fig)
    fig.update_layout(
        xaxis=dict(title="step", showgrid=True, zeroline=False),
        yaxis=dict(title="f − f*" if f_star is not None else "f(x, y)", type="log" if log else "linear",
                   exponentformat="power", showgrid=True),
        hovermode="closest", margin=dict(b=110),
    )
    return fig
