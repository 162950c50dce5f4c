"""Loss and gradient norm against the step: how fast, and whether, the optimizer converges.

Both panels share the step axis. The gap ``f - f*`` and ``‖∇f‖`` are drawn on log axes, where
linear convergence is a straight line. Values that a log axis cannot show (zero or below, which
happens when a run lands exactly on the minimum or rounding dips below f*) are drawn at a floor,
the smallest positive value of the series, flagged by a few hollow markers whose hover says so.
Long runs are thinned to each bucket's min and max (``thin_series``) so oscillations survive.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import plotly.graph_objects as go

from . import spec, style
from .thin import thin_path, thin_series

HEIGHT = 460
MAX_POINTS = 2000
FLOOR_MARKERS = 30
_FLOOR_DEFAULT = 1e-16  # when a series has no positive value at all


def _floored(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(drawn values, mask of points drawn at the floor, floor) for a log axis."""
    finite = np.isfinite(values)
    positive = finite & (values > 0)
    floor = float(values[positive].min()) if positive.any() else _FLOOR_DEFAULT
    drawn = np.where(positive, values, np.where(finite, floor, np.nan))
    return drawn, finite & ~positive, floor


@lru_cache(maxsize=4)
def _panels(rows: int) -> dict:
    """The axes of ``rows`` panels stacked over one shared step axis (``make_subplots``'s layout)."""
    from plotly.subplots import make_subplots

    grid = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.07,
                         row_heights=[0.4, 0.35, 0.25] if rows == 3 else None)
    return {k: v for k, v in grid.layout.to_plotly_json().items() if k != "template"}


def _axes(row: int) -> dict:
    suffix = "" if row == 1 else str(row)
    return dict(xaxis=f"x{suffix}", yaxis=f"y{suffix}")


def _series(data: list, values, *, row, name, label, colour, log) -> None:
    """One panel's curve (thinned), plus hollow markers for points drawn at the floor."""
    values = np.asarray(values, dtype=float).reshape(-1)
    if log:
        drawn, at_floor, _ = _floored(values)
    else:
        drawn, at_floor = np.where(np.isfinite(values), values, np.nan), np.zeros(len(values), bool)
    idx, shown = thin_series(drawn, MAX_POINTS)
    data.append(dict(
        type="scatter", x=idx, y=shown, customdata=values[idx], name=name, mode="lines",
        line=dict(color=colour, width=2.5), showlegend=False, **_axes(row),
        hovertemplate=f"step %{{x}}<br>{label} = %{{customdata:.4g}}<extra></extra>",
    ))
    k = np.flatnonzero(at_floor)
    if k.size:
        k = thin_path(k, FLOOR_MARKERS)[1].astype(np.int64)  # a few markers flag the floor; hover tells
        data.append(dict(
            type="scatter", x=k, y=drawn[k], customdata=values[k], name=f"{name} at floor", mode="markers",
            marker=dict(symbol="triangle-down-open", size=8, color=colour, line=dict(width=1.5)),
            hovertemplate=f"step %{{x}}<br>{label} = %{{customdata:.3g}} ≤ 0,"
                          "<br>drawn at the floor<extra></extra>",
            showlegend=False, **_axes(row),
        ))


def loss_figure(loss, grad_norm, **kwargs) -> go.Figure:
    """``loss_spec`` as a figure; see there."""
    return spec.figure(*loss_spec(loss, grad_norm, **kwargs))


def loss_chart(loss, grad_norm, **kwargs) -> spec.FigureSpec:
    """``loss_spec`` as a specification, for the chart component."""
    return spec.FigureSpec(*loss_spec(loss, grad_norm, **kwargs))


def loss_spec(loss, grad_norm, *, f_star: float | None = None, diverged_at: int | None = None,
              tol: float | None = None, lr=None, title: str = "") -> tuple[list, dict]:
    """Two stacked panels over the step: the loss (top) and the gradient norm (bottom).

    Takes ``loss`` (k,) and ``grad_norm`` (k,), one value per step from 0 (the start) to k - 1;
    ``f_star`` the known minimum value (the top panel then shows ``f - f*`` on a log axis);
    ``diverged_at`` a step to mark with a red vertical line; ``tol`` a gradient-norm tolerance
    drawn as a dashed line; ``lr`` (k - 1,) the step size each update used, drawn in a third
    panel when given (a learning-rate schedule). Non-finite values are left out (gaps). Returns
    the traces and layout (``loss_figure``: the figure) with traces named "loss" and "grad norm"
    (plus "... at floor" markers, "tolerance" and "step size" when needed).
    """
    loss = np.asarray(loss, dtype=float).reshape(-1)
    grad = np.asarray(grad_norm, dtype=float).reshape(-1)
    n = max(len(loss), len(grad), 1)

    rows = 2 if lr is None else 3
    data: list[dict] = []
    if f_star is not None:
        top_label, top_values, top_log = "f − f*", loss - float(f_star), True
    else:
        finite = loss[np.isfinite(loss)]
        top_label, top_values, top_log = "f(x, y)", loss, bool(finite.size) and bool((finite > 0).all())
    _series(data, top_values, row=1, name="loss", label=top_label, colour=style.PATH, log=top_log)
    _series(data, grad, row=2, name="grad norm", label="‖∇f‖", colour=style.GRAD, log=True)
    if lr is not None:  # update t used lr[t - 1]: draw it at the step it produced
        data.append(dict(
            type="scatter", x=np.arange(1, len(lr) + 1), y=np.asarray(lr, dtype=float), name="step size",
            mode="lines", showlegend=False, line=dict(color=style.TOL, width=2.5, shape="hv"),
            hovertemplate="update %{x}<br>η = %{y:.4g}<extra></extra>", **_axes(3),
        ))
    annotations, shapes = [], []
    if tol is not None and np.isfinite(tol) and tol > 0:
        data.append(dict(
            type="scatter", x=[0, n - 1], y=[float(tol), float(tol)], name="tolerance", mode="lines",
            line=dict(color=style.TOL, width=2, dash="dash"), showlegend=False,
            hovertemplate=f"tolerance ‖∇f‖ = {float(tol):g}<extra></extra>", **_axes(2),
        ))
        annotations.append(dict(text=f"tol = {float(tol):g}", x=1, xref="x2 domain", y=float(np.log10(tol)),
                                yref="y2", xanchor="right", yanchor="bottom", showarrow=False,
                                font=dict(color=style.TOL, size=13)))

    last = max(n - 1, 1, diverged_at or 0)
    frame = dict(showline=True, linecolor="#444", mirror=True, ticks="outside")
    titles = [(top_label, top_log), ("‖∇f‖", True), ("step size η", True)]
    axes = {}
    for row in range(1, rows + 1):
        suffix = "" if row == 1 else str(row)
        axes[f"xaxis{suffix}"] = dict(frame, range=[0, last])
        text, log = titles[row - 1]
        axes[f"yaxis{suffix}"] = dict(frame, exponentformat="power", title=dict(text=text),
                                      type="log" if log else "linear")
    axes[f"xaxis{'' if rows == 1 else rows}"]["title"] = dict(text="step")
    if diverged_at is not None:
        for axis in ("", "2", "3")[:rows]:
            shapes.append(dict(type="line", x0=diverged_at, x1=diverged_at, xref=f"x{axis}", y0=0, y1=1,
                               yref=f"y{axis} domain", line=dict(color=style.DIVERGED, width=2, dash="dot")))
        side = "right" if diverged_at > last / 2 else "left"
        annotations.append(style.diverged_annotation(diverged_at, xref="x", x=diverged_at, xanchor=side, y=1.0,
                                                     yref="paper"))
    layout = spec.merge(style.layout(height=HEIGHT if rows == 2 else HEIGHT + 160, title=title),
                        {k: dict(v) for k, v in _panels(rows).items()}, axes,
                        dict(showlegend=False, hovermode="closest", annotations=annotations, shapes=shapes))
    return data, layout
