"""Figures of the Gradients page: error against the difference step, cost against the number of parameters.

Plain data in, figure out. One colour per method across the figures.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from . import spec, style

COLOURS = {"reverse": "#111111", "forward": "#009E73", "fd-forward": "#D55E00", "fd-central": "#0072B2"}
DASH = {"float64": "solid", "float32": "dot"}


def step_error_figure(hs, errors: dict, best: dict, labels: dict, *, current: dict | None = None,
                      height: int = 460) -> go.Figure:
    """Relative error against h (log-log) for each (scheme, dtype) in ``errors`` (arrays over ``hs``).

    ``best`` marks the measured best h per curve; ``current`` the step each scheme uses now (a dashed
    vertical line); slope guides of 1 and 2 sit under the truncation branches.
    """
    hs = np.asarray(hs, dtype=float)
    data = []
    floor = 1e-17
    for (scheme, dtype), err in errors.items():
        err = np.maximum(np.asarray(err, dtype=float), floor)
        name = f"{labels[scheme]}, {dtype}"
        data.append(dict(type="scatter", x=hs, y=err, mode="lines", name=name,
                         line=dict(color=COLOURS[scheme], width=2.5, dash=DASH[dtype]),
                         hovertemplate=f"{name}<br>h = %{{x:.2e}}<br>relative error %{{y:.2e}}<extra></extra>"))
        h_best = best[scheme, dtype]
        k = int(np.argmin(np.abs(np.log(hs / h_best))))
        data.append(dict(type="scatter", x=[h_best], y=[err[k]], mode="markers", showlegend=False,
                         name=f"best h, {name}", marker=dict(symbol="star", size=13, color=COLOURS[scheme],
                                                               line=dict(color="#FFFFFF", width=1)),
                         hovertemplate=f"best h for {name}: %{{x:.1e}}<br>error %{{y:.1e}}<extra></extra>"))
    # slope guides through the float64 curves' large-h ends: truncation error ∝ h (forward), h² (central)
    for scheme, power in (("fd-forward", 1), ("fd-central", 2)):
        err = errors.get((scheme, "float64"))
        if err is None:
            continue
        x = np.array([hs[-1] / 1e3, hs[-1]])
        y = np.asarray(err, dtype=float)[-1] * 3 * (x / hs[-1]) ** power
        data.append(dict(type="scatter", x=x, y=y, mode="lines", name=f"slope {power}", showlegend=True,
                         line=dict(color="#888888", width=1.5, dash="dash"), hoverinfo="skip"))
    shapes = []
    for scheme, h in (current or {}).items():
        shapes.append(dict(type="line", xref="x", yref="paper", x0=h, x1=h, y0=0, y1=1,
                           line=dict(color=COLOURS[scheme], width=1.5, dash="dash")))
    layout = spec.merge(style.layout(height=height, top=20), dict(
        xaxis=dict(title=dict(text="step h"), type="log", exponentformat="power"),
        yaxis=dict(title=dict(text="relative error of the gradient"), type="log", exponentformat="power"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, xanchor="left"),
        hovermode="closest", shapes=shapes,
    ))
    return spec.figure(data, layout)


def cost_figure(rows: list[dict], labels: dict, *, what: str = "seconds", height: int = 420) -> go.Figure:
    """Per method, ``what`` ("seconds" or "evaluations") against n on log-log axes; ``rows`` dicts with
    ``method``, ``n``, ``seconds`` (None when skipped), ``evaluations``."""
    data = []
    for method, colour in COLOURS.items():
        mine = [r for r in rows if r["method"] == method and r[what] is not None]
        if not mine:
            continue
        n = np.array([r["n"] for r in mine], dtype=float)
        v = np.array([r[what] for r in mine], dtype=float)
        unit = "s" if what == "seconds" else "evaluations"
        data.append(dict(type="scatter", x=n, y=v, mode="lines+markers", name=labels[method],
                         line=dict(color=colour, width=2.5), marker=dict(size=8),
                         hovertemplate=f"{labels[method]}<br>n = %{{x:,}}<br>%{{y:.3g}} {unit}<extra></extra>"))
    title = "time per gradient (s, best of 3)" if what == "seconds" else "evaluations of f (AD: passes)"
    layout = spec.merge(style.layout(height=height, top=20), dict(
        xaxis=dict(title=dict(text="number of parameters n"), type="log", exponentformat="power"),
        yaxis=dict(title=dict(text=title), type="log", exponentformat="power"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, xanchor="left"),
        hovermode="closest",
    ))
    return spec.figure(data, layout)


def deviation_figure(deviations: dict, labels: dict, *, height: int = 380) -> go.Figure:
    """Distance of each finite-difference path from the AD path, per step (log scale)."""
    data = []
    for method, dev in deviations.items():
        dev = np.maximum(np.asarray(dev, dtype=float), 1e-17)
        data.append(dict(type="scatter", x=np.arange(len(dev)), y=dev, mode="lines", name=labels[method],
                         line=dict(color=COLOURS[method], width=2.5),
                         hovertemplate=f"{labels[method]}<br>step %{{x}}<br>‖w − w_AD‖ = %{{y:.2e}}<extra></extra>"))
    layout = spec.merge(style.layout(height=height, top=20), dict(
        xaxis=dict(title=dict(text="step")),
        yaxis=dict(title=dict(text="distance from the AD path"), type="log", exponentformat="power"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, xanchor="left"),
    ))
    return spec.figure(data, layout)
