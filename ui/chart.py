"""``plotly_react``: a chart that stays mounted and redraws in place (``ui/chart.js``).

Why: ``st.plotly_chart`` makes the figure part of the element's identity, so each slider move
remounts every chart that changed and plotly.js draws it from nothing; on a laptop without a GPU
(and in headless Chromium) that was ~1 s from slider to redrawn top view (benchmarks/browser.py).
This component keeps its element (its ``key`` is its identity) and hands each new figure to
``Plotly.react``, which redraws only what changed and keeps a dragged 3-D view.

plotly.js is this project's partial bundle of it (``frontend/plotly``: the core with scatter, plus
contour, heatmap, surface and scatter3d, the trace types the figures use), 1.75 MB against the full
plotly.min.js's 4.8 MB. It is committed as ``static/plotly-descent.min.js`` (``make plotly-js`` rebuilds
it) and served by Streamlit's static file serving (``server.enableStaticServing``). On a first visit
the full build took about a second to download and evaluate before the first chart could draw
(``make bench``, section load); the page's HTML now starts loading it as the page opens
(``ui/head.py``), and the first chart waits for it only if it has not arrived yet. Where the file is
missing, the charts fall back to ``st.plotly_chart`` and say nothing: same figures, slower redraws.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from _plotly_utils.utils import to_typed_array_spec

from ui import display
from viz.spec import FigureSpec

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"  # what server.enableStaticServing serves at app/static/
PLOTLY_JS = "plotly-descent.min.js"
ENTRY = ROOT / "frontend" / "plotly" / "entry.js"  # what the bundle registers
_log = logging.getLogger(__name__)


@cache
def plotly_js_url() -> str | None:
    """The page-relative URL of the plotly.js bundle, versioned by its content; None where it is missing."""
    path = STATIC / PLOTLY_JS
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except OSError as exc:
        _log.warning("plotly.js bundle unreadable at %s (%s); charts fall back to st.plotly_chart", path, exc)
        return None
    return f"app/static/{PLOTLY_JS}?v={digest}"


@cache
def trace_types() -> frozenset[str]:
    """The trace types the bundle can draw: scatter (in plotly.js's core) and those ``entry.js`` registers."""
    registered = re.findall(r'require\("plotly\.js/lib/(\w+)"\)', ENTRY.read_text(encoding="utf-8"))
    return frozenset({"scatter", *registered} - {"core"})


@cache
def _component():
    return st.components.v2.component(
        "descent.plotly_react", js=(Path(__file__).with_name("chart.js")).read_text(encoding="utf-8"),
        isolate_styles=False,  # plotly.js styles the page's <head>; a shadow root would hide them
    )


_SHORT_TYPES = {"int8": "i1", "uint8": "u1", "int16": "i2", "uint16": "u2", "int32": "i4", "uint32": "u4",
                "float32": "f4", "float64": "f8"}  # plotly.js's typed arrays (plotly's plotlyjsShortTypes)
_AS_LISTS = {"geojson", "layer", "layers", "range"}  # keys plotly.io.to_json leaves as JSON lists


def _typed(array: np.ndarray):
    """A NumPy array as plotly.js's typed array, as ``plotly.io.to_json`` writes it, without its copy."""
    code = _SHORT_TYPES.get(array.dtype.name)
    if code is None or array.size == 0:  # int64 (narrowed by plotly where it fits), strings, empty
        typed = to_typed_array_spec(array)
        return _plain(typed.tolist()) if isinstance(typed, np.ndarray) else typed
    out = {"dtype": code, "bdata": base64.b64encode(np.ascontiguousarray(array)).decode("ascii")}
    if array.ndim > 1:
        out["shape"] = str(array.shape)[1:-1]
    return out


def _plain(value, key: str = ""):
    """``value`` as ``json.dumps`` takes it: NumPy arrays as plotly.js typed arrays (base64, as
    ``plotly.io.to_json`` writes them), NumPy scalars as numbers, NaN and infinities as null."""
    if isinstance(value, dict):
        return {k: _plain(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist()) if key in _AS_LISTS else _typed(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def figure_payload(fig: go.Figure | FigureSpec) -> dict:
    """The figure as plain JSON values, read from the specification or the figure as built
    (``viz/spec.py``: unvalidated).

    ``plotly.io.to_json`` deep-copies the whole figure before it converts the arrays and then encodes
    the result; this walk makes the new containers only. ``tests/test_viz.py`` checks that both give
    the same figure.
    """
    if isinstance(fig, FigureSpec):
        return _plain(fig.plain())
    out = {"data": _plain(fig._data), "layout": _plain(fig._layout)}
    if fig._frame_objs:
        out["frames"] = [_plain(f._props) for f in fig._frame_objs]
    return out


def payload_bytes(data: dict) -> bytes:
    """The component's arguments as one UTF-8 JSON document (``ui/chart.js`` decodes it).

    Sent as bytes rather than as a dictionary: Streamlit would encode a dictionary's JSON once to send
    it and once more, key-sorted, to compute the element's identity, and a figure kept as a JSON
    string inside it would be escaped character by character: on a slider move that was a fifth of
    the chart's cost on the live server (py-spy, ``make load``)."""
    return json.dumps(data, separators=(",", ":"), allow_nan=False).encode()


def plotly_react(fig: go.Figure | FigureSpec, *, key: str, config: dict | None = None,
                 on_click: Callable[[], None] | None = None, main: bool = False, legend: bool = True) -> None:
    """Draw ``fig``; later figures under the same ``key`` redraw in place.

    ``on_click`` makes the plotting area clickable: it runs (as a widget callback, before the
    rerun) after a click, and ``clicked(key)`` then returns the point in data coordinates.
    In presentation mode, a ``main`` chart (one of the page's first row) takes the height left on the
    screen below its top, and ``legend=False`` folds a legend that the markers on the chart, or a chart
    beside it, make clear.
    """
    src = plotly_js_url()
    if src is None:
        st.plotly_chart(fig.figure() if isinstance(fig, FigureSpec) else fig, key=key, config=config)
        return
    callbacks = {"on_click_change": on_click} if on_click is not None else {}
    present = display.presenting()
    _component()(key=key, data=payload_bytes({
        "figure": figure_payload(fig), "config": config or {}, "clickable": on_click is not None, "src": src,
        "scale": display.CHART_SCALE if present else None,
        "screen": {"main": main, "legend": legend} if present else None}), **callbacks)


def clicked(key: str) -> tuple[float, float] | None:
    """The point of the last click on the chart ``key`` (inside its callback), or None."""
    state = st.session_state.get(key)
    point = getattr(state, "click", None) if state is not None else None
    if point is None and isinstance(state, dict):
        point = state.get("click")
    try:
        x, y = float(point["x"]), float(point["y"])
    except (TypeError, KeyError, ValueError):
        return None
    return (x, y) if math.isfinite(x) and math.isfinite(y) else None
