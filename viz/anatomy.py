"""The anatomy of one update on the top view: arrows from w_k for each part of the step.

Takes the contour data, the path, the update index ``k`` and a mapping ``label -> displacement``
(all arrows share the plane's units, so their lengths compare directly); returns the contour
zoomed around w_k with one coloured arrow per part and a legend naming them.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from . import spec
from .contour import contour_spec

# Okabe-Ito colours that stay apart from the path's vermillion and the viridis background.
ARROW_COLOURS = ("#0072B2", "#CC79A7", "#E69F00", "#FFFFFF", "#56B4E9")


def anatomy_figure(xs, ys, Z, **kwargs) -> go.Figure:
    """Contour around ``path[k]`` with ``arrows`` drawn from it; the last arrow is the actual update."""
    return anatomy_chart(xs, ys, Z, **kwargs).figure()


def anatomy_chart(xs, ys, Z, *, path, k: int, arrows: dict[str, np.ndarray], log_scale: bool = False,
                  title: str = "") -> spec.FigureSpec:
    """``anatomy_figure`` as a specification, for the chart component."""
    path = np.asarray(path, dtype=float)
    origin = path[k]
    data, layout = contour_spec(xs, ys, Z, path=path[: k + 2], start=path[0], log_scale=log_scale, title=title)
    longest = max((float(np.hypot(*v)) for v in arrows.values() if np.all(np.isfinite(v))), default=0.0)
    span = max(xs[-1] - xs[0], ys[-1] - ys[0])
    half = float(np.clip(1.6 * longest, 0.02 * span, 0.5 * span))
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
