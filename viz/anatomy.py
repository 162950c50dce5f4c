"""The anatomy of one update on the top view: arrows from w_k for each part of the step.

Takes the contour data, the path, the update index ``k`` and a mapping ``label -> displacement``
(all arrows share the plane's units, so their lengths compare directly); returns the contour
zoomed around w_k with one coloured arrow per part and a legend naming them.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from . import spec, style
from .contour import contour_spec

# Okabe-Ito colours that stay apart from the path's vermillion and the viridis background.
ARROW_COLOURS = ("#0072B2", "#CC79A7", "#E69F00", "#FFFFFF", "#56B4E9")


def anatomy_figure(xs, ys, Z, **kwargs) -> go.Figure:
    """Contour around ``path[k]`` with ``arrows`` drawn from it; the last arrow is the actual update."""
    return anatomy_chart(xs, ys, Z, **kwargs).figure()


EIGEN_COLOURS = ("#009E73", "#56B4E9")  # the two eigenvectors: bluish green and sky blue (Okabe-Ito)
TRIAL_COLOUR = "#F0E442"  # a line search's trial points: yellow, with a dark rim where accepted


def anatomy_chart(xs, ys, Z, *, path, k: int, arrows: dict[str, np.ndarray], log_scale: bool = False,
                  title: str = "", eigen=None, trials=None) -> spec.FigureSpec:
    """``anatomy_figure`` as a specification, for the chart component.

    ``eigen`` = ``(eigenvalues, eigenvectors)`` of the Hessian at w_k draws each eigenvector through w_k,
    its half-length proportional to |λ| (dashed where λ < 0); ``trials`` = ``(points, accepted)`` marks the
    points a line search evaluated, filled where accepted and hollow where rejected.
    """
    path = np.asarray(path, dtype=float)
    origin = path[k]
    data, layout = contour_spec(xs, ys, Z, path=path[: k + 2], start=path[0], log_scale=log_scale, title=title)
    longest = max((float(np.hypot(*v)) for v in arrows.values() if np.all(np.isfinite(v))), default=0.0)
    span = max(xs[-1] - xs[0], ys[-1] - ys[0])
    if trials is not None and len(trials[0]):
        reach = float(np.max(np.hypot(*(np.asarray(trials[0], float) - origin).T)))
        longest = max(longest, reach if np.isfinite(reach) else 0.0)
    half = float(np.clip(1.6 * longest, 0.02 * span, 0.5 * span))
    if eigen is not None:
        lam, vecs = (np.asarray(a, dtype=float) for a in eigen)
        top = max(float(np.abs(lam).max()), 1e-300)
        for i in range(len(lam)):
            # the larger curvature draws to 80% of the view's half-width; a far smaller one keeps a visible stub
            r = 0.8 * half * max(abs(lam[i]) / top, 0.15)
            a, b = origin - r * vecs[:, i], origin + r * vecs[:, i]
            data.append(dict(type="scatter", x=[a[0], b[0]], y=[a[1], b[1]], mode="lines",
                             line=dict(color=EIGEN_COLOURS[i % 2], width=3, dash="dash" if lam[i] < 0 else "solid"),
                             name=f"eigenvector, λ{'₁₂'[i] if i < 2 else i + 1} = {lam[i]:.3g}", showlegend=True,
                             hoverinfo="name"))
    if trials is not None and len(trials[0]):
        points, accepted = np.asarray(trials[0], dtype=float).reshape(-1, 2), np.asarray(trials[1], bool)
        for chosen, name, symbol in ((False, "trial point (rejected)", "circle-open"),
                                     (True, "trial point (accepted)", "circle")):
            pick = accepted == chosen
            if pick.any():
                data.append(dict(type="scatter", x=points[pick, 0].tolist(), y=points[pick, 1].tolist(),
                                 mode="markers", name=name, showlegend=True, hoverinfo="x+y+name",
                                 marker=dict(symbol=symbol, size=11, color=TRIAL_COLOUR,
                                             line=dict(color="#000000" if chosen else TRIAL_COLOUR,
                                                       width=1.5 if chosen else 2.5))))
    for i, (label, v) in enumerate(arrows.items()):
        if not np.all(np.isfinite(v)):
            continue
        colour = ARROW_COLOURS[i % len(ARROW_COLOURS)]
        tip = origin + np.asarray(v, dtype=float)
        layout["annotations"].append(dict(
            x=tip[0], y=tip[1], ax=origin[0], ay=origin[1], xref="x", yref="y", axref="x", ayref="y",
            showarrow=True, arrowhead=3, arrowsize=1.2, arrowwidth=3, arrowcolor=colour, text=""))
        # a legend entry per arrow (annotations have none)
        data.append(dict(type="scatter", x=[None], y=[None], mode="lines", line=dict(color=colour, width=4),
                         name=label, showlegend=True, hoverinfo="skip"))
    layout["xaxis"]["range"] = [origin[0] - half, origin[0] + half]
    layout["yaxis"]["range"] = [origin[1] - half, origin[1] + half]
    return spec.FigureSpec(data, layout)


def line_search_chart(alphas, phi, armijo, trial_alphas, trial_loss, accepted, *, title: str = "") -> spec.FigureSpec:
    """φ(α) = f(w + αd) against the step length α, the sufficient-decrease line f(w) + c₁α∇f·d (dashed),
    and the trials the search made, filled where accepted and hollow where rejected."""
    accepted = np.asarray(accepted, bool)
    data = [
        dict(type="scatter", x=list(map(float, alphas)), y=list(map(float, phi)), mode="lines", name="φ(α) = f(w + αd)",
             line=dict(color="#0072B2", width=3)),
        dict(type="scatter", x=list(map(float, alphas)), y=list(map(float, armijo)), mode="lines",
             name="f(w) + c₁α∇f·d (sufficient decrease)", line=dict(color="#D55E00", width=2, dash="dash")),
    ]
    for chosen, name, symbol in ((False, "trial (rejected)", "circle-open"), (True, "trial (accepted)", "circle")):
        pick = accepted == chosen
        if pick.any():
            data.append(dict(type="scatter", x=np.asarray(trial_alphas)[pick].tolist(),
                             y=np.asarray(trial_loss)[pick].tolist(), mode="markers", name=name,
                             marker=dict(symbol=symbol, size=11, color="#000000", line=dict(color="#000000", width=2))))
    finite = np.asarray(phi)[np.isfinite(phi)]
    frame = dict(showline=True, linecolor="#444", mirror=True, ticks="outside")
    layout = spec.merge(style.layout(height=320, title=title), dict(legend=style.legend_flowing(data)),
                        dict(xaxis=dict(frame, title=dict(text="step length α along d")),
                             yaxis=dict(frame, title=dict(text="f"), exponentformat="power"), hovermode="closest"))
    if finite.size:  # keep the view on φ: the sufficient-decrease line may run far below it
        lo, hi = float(finite.min()), float(finite.max())
        pad = 0.08 * (hi - lo if hi > lo else max(abs(hi), 1.0))
        layout["yaxis"]["range"] = [lo - pad, hi + pad]
    return spec.FigureSpec(data, layout)
