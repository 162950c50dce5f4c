"""Figures assembled as plain specifications and wrapped once, without Plotly's validation.

``go.Figure`` validates every property on every assignment (``add_trace``, ``update_layout``,
and the template is deep-copied on each), which made the playground's three figures cost ~80 ms
per rerun against ~3 ms for the same dictionaries wrapped by ``go.Figure(spec, _validate=False)``
(benchmarks/interaction.py). The builders here write traces and layouts as dictionaries in
Plotly's JSON schema; ``tests/test_viz.py`` puts every builder's output through the validating
constructor, so a misspelt property still fails, in the tests instead of on every slider move.
Titles are always ``dict(text=...)``: an unvalidated figure keeps shorthand strings as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import plotly.graph_objects as go
import plotly.io as pio


@lru_cache(maxsize=8)
def template(name: str) -> dict:
    """The named template as JSON, built once and shared by every figure: never change it."""
    return pio.templates[name].to_plotly_json()


def merge(base: dict, *updates: dict) -> dict:
    """``base`` updated in place by each of ``updates``, nested dictionaries merged key by key."""
    for update in updates:
        for key, value in update.items():
            if isinstance(value, dict) and isinstance(base.get(key), dict):
                merge(base[key], value)
            else:
                base[key] = value
    return base


def _set(d: dict, drop_empty: bool = False) -> dict:
    return {k: v for k, v in d.items() if v is not None and not (drop_empty and isinstance(v, list) and not v)}


def figure(data: list[dict], layout: dict, frames: list[dict] | None = None) -> go.Figure:
    """The finished specification as a ``go.Figure`` (for the chart component and the tests).

    Top-level ``None`` values (and the layout's empty lists) are dropped, as the validating
    constructor drops them."""
    fig = go.Figure({"data": [_set(t) for t in data], "layout": _set(layout, True)}, _validate=False)
    if frames:
        # go.Figure validates frames even with _validate=False (plotly 7.1: the frames validator takes
        # no such flag): ~0.3 ms per frame trace. Unvalidated Frame objects go in directly instead;
        # read them back as JSON (``frame.to_plotly_json()``): their attribute access needs validation.
        fig._frame_objs = tuple(go.Frame(f, _validate=False) for f in frames)
    return fig



@dataclass(frozen=True)
class FigureSpec:
    """A finished specification not yet wrapped: what the chart component sends (``ui/chart.py``).

    ``go.Figure``, even unvalidated, deep-copies every trace (the grids included) as it is built: on
    the playground that was an eighth of a live server's time per slider move (py-spy, ``make
    load``). Pages hand this to the chart; ``figure()`` builds the ``go.Figure`` where one is needed
    (the tests, the HTML export)."""

    data: list
    layout: dict
    frames: list | None = None

    def plain(self) -> dict:
        """``{"data", "layout"[, "frames"]}`` with the ``None`` values ``figure`` drops dropped."""
        out = {"data": [_set(t) for t in self.data], "layout": _set(self.layout, True)}
        if self.frames:
            out["frames"] = self.frames
        return out

    def figure(self) -> go.Figure:
        return figure(self.data, self.layout, self.frames)
