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


def chart_specs(at: AppTest) -> list[str]:
    """Every chart's figure JSON: ``st.plotly_chart``'s in page order, then ``ui.chart.plotly_react``'s in page
    order (a page uses one or the other)."""
    import json

    specs = []
    for element in at.get("plotly_chart") + at.get("bidi_component"):
        if element.type == "plotly_chart":
            specs.append(element.proto.spec)
        elif element.proto.component_name == "descent.plotly_react":
            figure = json.loads(element.proto.json)["figure"]
            if figure is not None:  # None: the element that only preloads plotly.js
                specs.append(figure)
    return specs
