"""The look shared by every figure: light, high contrast, readable from the back of a lecture hall.

Colours are the Okabe-Ito palette (safe for the common colour-vision deficiencies) plus black
and white; the colour map is Viridis (perceptually uniform, readable in grey). Stationary points
are white with a dark outline so they stand out on any colour of the map.
"""

from __future__ import annotations

import plotly.graph_objects as go

from . import spec

TEMPLATE = "plotly_white"
FONT = dict(family="Arial, Helvetica, sans-serif", size=15, color="#111111")
COLORSCALE = "Viridis"

PATH = "#D55E00"  # Okabe-Ito vermillion: the trajectory
START = "#009E73"  # Okabe-Ito bluish green
END = "#111111"
OUTLINE = "#111111"
WHITE = "#FFFFFF"
DIVERGED = "#CC0000"
GRAD = "#0072B2"  # Okabe-Ito blue: the gradient norm curve
TOL = "#555555"

# Marker symbol per kind of stationary point (2-D names; 3-D scatter knows fewer, see SYMBOL_3D).
KIND_SYMBOL = {
    "global minimum": "star",
    "local minimum": "diamond",
    "saddle": "x",
    "local maximum": "triangle-up",
}
KIND_SIZE = {"global minimum": 18, "local minimum": 12, "saddle": 12, "local maximum": 13}
OTHER_KINDS = ("local minimum", "saddle", "local maximum")
OTHER_NAME = "stationary point"  # a kind the table above does not know
SYMBOL_3D = {"star": "diamond", "diamond": "diamond-open", "x": "x", "triangle-up": "circle-open"}


def layout(*, height: int, title: str = "", top: int | None = None) -> dict:
    """Template, font, fixed height, small margins (``top`` px above the plot, plus room for a title)."""
    out = dict(
        template=spec.template(TEMPLATE),
        font=dict(FONT),
        height=height,
        margin=dict(l=10, r=10, t=(top if top is not None else 16) + (30 if title else 0), b=10),
        hoverlabel=dict(font=dict(size=14)),
        showlegend=True,
    )
    if title:
        out["title"] = dict(text=title, x=0.02, xanchor="left", y=1, yref="container", yanchor="top",
                            pad=dict(t=8), font=dict(size=18))
    return out


def legend_top() -> dict:
    """A one-line legend above the plotting area, so it never covers the data."""
    # traceorder "normal": with any legendgroup in the figure the default, "grouped", stacks
    # a horizontal legend into one entry per line
    return dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom", traceorder="normal",
                bgcolor="rgba(255,255,255,0)", font=dict(size=14), itemsizing="constant")


def legend_flowing(data: list[dict]) -> dict:
    """``legend_top`` whose entries wrap like words when a narrow chart has no room for one line.

    plotly.js gives every entry of a wrapped horizontal legend the widest entry's width (one entry
    per line in a narrow column) except in a grouped legend, where each group keeps its own width:
    so every trace becomes a group of its own (modifies ``data``).
    """
    for trace in data:
        trace.setdefault("legendgroup", trace.get("name", ""))
    return dict(legend_top(), traceorder="grouped", tracegroupgap=2, font=dict(size=13))


def colorbar_below(title: str, **ticks) -> dict:
    """A thin horizontal colour bar under the plot: beside it, it took a third of a narrow column's width."""
    return dict(orientation="h", title=dict(text=title.replace("<br>", " "), side="bottom", font=dict(size=13)),
                thickness=10, len=0.9, x=0.5, xanchor="center", y=0.01, yref="container", yanchor="bottom",
                tickfont=dict(size=12), **ticks)


def fit_to_width(*, plus: int, ratio: float = 1.0, low: int = 300, high: int = 640) -> dict:
    """``layout.meta`` telling the in-place chart (ui/chart.js) to set the height from the drawn width:
    ``ratio * width + plus`` px, kept within [low, high]. A square map in a narrow column then is
    not a small square in a tall empty box, and a wide one does not overflow a projector's screen."""
    return dict(fit=dict(ratio=ratio, plus=plus, low=low, high=high))


def diverged_annotation(step: int, **position) -> dict:
    """A red 'diverged at step k' box; ``position`` overrides the default top-left placement."""
    where = dict(xref="paper", yref="paper", x=0.01, y=0.99, xanchor="left", yanchor="top")
    where.update(position)
    return dict(text=f"<b>diverged at step {int(step)}</b>", showarrow=False, font=dict(color=DIVERGED, size=16),
                bgcolor="rgba(255,255,255,0.9)", bordercolor=DIVERGED, borderwidth=1.5, borderpad=4,
                name="diverged", **where)


def base_layout(fig: go.Figure, *, height: int, title: str = "", top: int | None = None) -> go.Figure:
    """``layout`` applied to a graph-object figure (the template by name: validating its JSON costs ~50 ms)."""
    fig.update_layout(**{**layout(height=height, title=title, top=top), "template": TEMPLATE})
    return fig


def legend_on_top(fig: go.Figure) -> None:
    """``legend_top`` applied to a graph-object figure."""
    fig.update_layout(legend=legend_top())


def diverged_note(fig: go.Figure, step: int, **position) -> None:
    """``diverged_annotation`` added to a graph-object figure."""
    fig.add_annotation(**diverged_annotation(step, **position))


def marker_style(kind: str, *, three_d: bool = False) -> dict:
    """White marker, dark outline, the kind's symbol."""
    symbol = KIND_SYMBOL.get(kind, "circle")
    size = KIND_SIZE.get(kind, 11)
    if three_d:
        return dict(symbol=SYMBOL_3D.get(symbol, "circle"), size=size * 0.25, color=WHITE,
                    line=dict(color=OUTLINE, width=1))
    return dict(symbol=symbol, size=size, color=WHITE, line=dict(color=OUTLINE, width=1.5))
