"""Streamlit AppTest sessions through the entry file, as every page test opens them."""

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

TIMEOUT = 120  # a first compile takes longer than AppTest's 3 s default


def new_session(**query) -> AppTest:
    """A fresh, not yet run session of app.py with a link's query parameters set."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    return at


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def charts_by_key(at: AppTest) -> dict[str, str]:
    """Every chart's figure JSON by its key: ``st.plotly_chart``'s in page order, then
    ``ui.chart.plotly_react``'s in page order (a page uses one or the other)."""
    import json

    out = {e.proto.id.rsplit("-", 1)[-1]: e.proto.spec for e in at.get("plotly_chart")}
    for e in at.get("bidi_component"):
        if e.proto.component_name == "descent.plotly_react":
            figure = json.loads(e.proto.json)["figure"]
            if figure is not None:  # None: the element that only preloads plotly.js
                out[e.key] = figure
    return out


def chart_specs(at: AppTest) -> list[str]:
    """``charts_by_key``'s figures in order."""
    return list(charts_by_key(at).values())
