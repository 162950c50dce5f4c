"""ui.chart: plotly.js served from static/, the fallback where it cannot be, and the click point."""

from __future__ import annotations

import json

import plotly
import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import new_session, no_exception
from ui import chart


@pytest.fixture
def fresh_url():
    chart.plotly_js_url.cache_clear()
    yield
    chart.plotly_js_url.cache_clear()


def test_plotly_js_is_copied_once_and_versioned(tmp_path, monkeypatch, fresh_url):
    monkeypatch.setattr(chart, "STATIC", tmp_path / "static")
    url = chart.plotly_js_url()
    assert url == f"app/static/plotly.min.js?v={plotly.__version__}"
    copied = tmp_path / "static" / "plotly.min.js"
    source = chart.Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert copied.read_bytes() == source.read_bytes()
    assert not list((tmp_path / "static").glob("*.part")), "the copy is renamed into place"


def test_no_writable_static_folder_falls_back_to_plotly_chart(tmp_path, monkeypatch, fresh_url):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(chart, "STATIC", blocker / "static")  # mkdir under a file fails
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
    charts = {e.key: json.loads(e.proto.json) for e in at.get("bidi_component")
              if e.proto.component_name == "descent.plotly_react"}
    assert set(charts) == {"contour", "surface3d", "curves", "anatomy"}
    preload = [e.proto.body for e in at.get("html") if "__descentPlotly" in e.proto.body]
    assert len(preload) == 1 and "app/static/plotly.min.js" in preload[0]  # the download starts first thing
    assert [k for k, d in charts.items() if d.get("clickable")] == ["contour"]
    assert all(d["src"].startswith("app/static/plotly.min.js") for d in charts.values())
    assert not at.get("plotly_chart")
