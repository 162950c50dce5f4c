"""``plotly_react``: a chart that stays mounted and redraws in place (``ui/chart.js``).

Why: ``st.plotly_chart`` makes the figure part of the element's identity, so each slider move
remounts every chart that changed and plotly.js draws it from nothing; on a laptop without a GPU
(and in headless Chromium) that was ~1 s from slider to redrawn top view (benchmarks/browser.py).
This component keeps its element (its ``key`` is its identity) and hands each new figure to
``Plotly.react``, which redraws only what changed and keeps a dragged 3-D view.

plotly.js comes from the plotly Python package (the same version that writes the figures) and is
served by Streamlit's static file serving (``server.enableStaticServing``): it is copied into
``static/`` on first use. Where that copy cannot be made (a read-only deployment), the charts fall
back to ``st.plotly_chart`` and say nothing: same figures, slower redraws.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
from collections.abc import Callable
from functools import cache
from pathlib import Path

import plotly
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from ui import display

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"  # what server.enableStaticServing serves at app/static/
PLOTLY_JS = "plotly.min.js"
_log = logging.getLogger(__name__)


@cache
def plotly_js_url() -> str | None:
    """The page-relative URL of plotly.js, copying it into ``static/`` when missing or stale; None if impossible."""
    source = Path(plotly.__file__).parent / "package_data" / PLOTLY_JS
    target = STATIC / PLOTLY_JS
    try:
        if not target.exists() or target.stat().st_size != source.stat().st_size:
            STATIC.mkdir(exist_ok=True)
            partial = target.with_suffix(f".{os.getpid()}.part")
            shutil.copyfile(source, partial)
            os.replace(partial, target)  # atomic: a browser never fetches half a file
    except OSError as exc:
        _log.warning("plotly.js could not be copied to %s (%s); charts fall back to st.plotly_chart", target, exc)
        return None
    return f"app/static/{PLOTLY_JS}?v={plotly.__version__}"


@cache
def _component():
    return st.components.v2.component(
        "descent.plotly_react", js=(Path(__file__).with_name("chart.js")).read_text(encoding="utf-8"),
        isolate_styles=False,  # plotly.js styles the page's <head>; a shadow root would hide them
    )


def plotly_react(fig: go.Figure, *, key: str, config: dict | None = None,
                 on_click: Callable[[], None] | None = None) -> None:
    """Draw ``fig``; later figures under the same ``key`` redraw in place.

    ``on_click`` makes the plotting area clickable: it runs (as a widget callback, before the
    rerun) after a click, and ``clicked(key)`` then returns the point in data coordinates.
    """
    src = plotly_js_url()
    if src is None:
        st.plotly_chart(fig, key=key, config=config)
        return
    callbacks = {"on_click_change": on_click} if on_click is not None else {}
    _component()(key=key, data={"figure": pio.to_json(fig, validate=False), "config": config or {},
                                "clickable": on_click is not None, "src": src,
                                "scale": display.CHART_SCALE if display.presenting() else None}, **callbacks)


_PRELOAD = """<script>
(() => {{  // the same promise ui/chart.js's loadPlotly waits on
  if (window.Plotly || window.__descentPlotly) return;
  window.__descentPlotly = new Promise((resolve, reject) => {{
    const script = document.createElement("script");
    script.src = new URL({src!r}, window.location.href).href;
    script.onload = () => resolve(window.Plotly);
    script.onerror = () => {{ window.__descentPlotly = undefined; reject(new Error("could not load plotly.js")); }};
    document.head.appendChild(script);
  }});
}})();
</script>"""


def preload() -> None:
    """Start loading plotly.js in the browser now: the page's first chart then does not wait for 4.8 MB
    of script after the server's first run.

    A script in ``st.html`` (our own constant text, no user input) rather than an empty chart
    component: the component's code is fetched and run only after Streamlit's component chunk, which
    started the download of plotly.js ~3 s after navigation on a first visit (benchmarks/load.py).
    """
    src = plotly_js_url()
    if src is not None:
        st.html(_PRELOAD.format(src=src), unsafe_allow_javascript=True, width="content")


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
