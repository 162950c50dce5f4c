"""ui.chart: the partial plotly.js bundle served from static/, the fallback without it, and the click point."""

from __future__ import annotations

import hashlib
import json
import re

import plotly
import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import chart_arguments, new_session, no_exception
from ui import chart


@pytest.fixture
def fresh_url():
    chart.plotly_js_url.cache_clear()
    yield
    chart.plotly_js_url.cache_clear()


def test_the_bundle_is_the_plotly_js_that_plotly_py_writes_for():
    """The committed partial bundle is built from the plotly.js release the plotly package ships (the
    figures' JSON is written for it), registers the entry's trace types, and is versioned by content."""
    bundle = (chart.STATIC / chart.PLOTLY_JS).read_bytes()
    shipped = (chart.Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()[:200]
    version = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", shipped).group(1)
    assert bundle.startswith(f"/*! plotly.js v{version} ".encode())
    lock = json.loads((chart.ROOT / "frontend" / "plotly" / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/plotly.js"]["version"] == version
    assert chart.trace_types() == {"scatter", "contour", "heatmap", "surface", "scatter3d"}
    assert len(bundle) < 2_500_000  # the point of a partial bundle (the full one is 4.8 MB)
    url = chart.plotly_js_url()
    assert url == f"app/static/plotly-descent.min.js?v={hashlib.sha256(bundle).hexdigest()[:12]}"


def test_a_missing_bundle_falls_back_to_plotly_chart(tmp_path, monkeypatch, fresh_url):
    monkeypatch.setattr(chart, "STATIC", tmp_path / "nowhere")
    assert chart.plotly_js_url() is None

    def page():
        import plotly.graph_objects as go

        from ui import chart

        chart.plotly_react(go.Figure(go.Scatter(x=[1, 2], y=[3, 4])), key="c")

    at = AppTest.from_function(page)
    at.run()
    no_exception(at)
    assert len(at.get("plotly_chart")) == 1 and not at.get("bidi_component")


@pytest.mark.parametrize("state, expected", [
    ({"click": {"x": 0.25, "y": -1.5}}, (0.25, -1.5)),
    ({"click": {"x": "0.5", "y": 2}}, (0.5, 2.0)),
    ({"click": {"x": float("nan"), "y": 1}}, None),
    ({"click": {"x": 1}}, None),
    ({"click": None}, None),
    ({}, None),
])
def test_clicked_reads_the_trigger_value(state, expected, monkeypatch):
    monkeypatch.setattr(chart.st, "session_state", {"contour": state})
    assert chart.clicked("contour") == expected
    monkeypatch.setattr(chart.st, "session_state", {})
    assert chart.clicked("contour") is None


def test_playground_charts_are_components_and_only_the_top_view_is_clickable():
    at = new_session().run()
    no_exception(at)
    charts = {e.key: chart_arguments(e) for e in at.get("bidi_component")
              if e.proto.component_name == "descent.plotly_react"}
    assert set(charts) == {"contour", "surface3d", "curves", "anatomy"}
    assert [k for k, d in charts.items() if d.get("clickable")] == ["contour"]
    assert all(d["src"] == chart.plotly_js_url() for d in charts.values())
    assert not at.get("plotly_chart")
