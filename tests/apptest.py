"""Streamlit AppTest sessions through the entry file, as every page test opens them."""

from unittest import mock

import streamlit.testing.v1.app_test as _app_test
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from tests.conftest import ROOT


class _RoutedPagesManager(PagesManager):
    """Routes an AppTest run through app.py's st.navigation, as the server does.

    AppTest resets Streamlit's legacy ``pages/`` switch before each run, so with a ``pages/`` folder
    a session's first run takes the legacy folder discovery (and a later ``switch_page`` to a file
    whose name is its URL runs that script without app.py); the server switches the legacy
    discovery off as it starts (app.py), and so does this.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


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
    ``ui.chart.plotly_react``'s in page order (a page uses one or the other).

    Each in-place chart's traces are checked against the trace types the partial plotly.js bundle
    registers (``frontend/plotly/entry.js``): plotly.js skips a type it does not know without an error,
    and the chart would stay empty in the browser."""
    import json

    from ui.chart import trace_types

    out = {e.proto.id.rsplit("-", 1)[-1]: e.proto.spec for e in at.get("plotly_chart")}
    for e in at.get("bidi_component"):
        if e.proto.component_name == "descent.plotly_react":
            figure = chart_arguments(e)["figure"]
            types = {t.get("type", "scatter") for t in figure["data"]}
            assert types <= trace_types(), f"{e.key}: {sorted(types - trace_types())} not in the bundle"
            out[e.key] = json.dumps(figure)
    return out


def chart_arguments(element) -> dict:
    """What ``ui.chart.plotly_react`` sent its component: figure, config, clickable, src, scale."""
    import json

    return json.loads(element.proto.bytes)


def chart_specs(at: AppTest) -> list[str]:
    """``charts_by_key``'s figures in order."""
    return list(charts_by_key(at).values())


def first_visit(url_path: str, **query) -> AppTest:
    """A session opened by a link to ``/url_path?query`` (``""`` for the playground), after one run.

    The run goes through app.py and its st.navigation, as on the server: the page is the one the
    link names, its first run sees the link, and app.py's link notice (ui/links.py) is on it.
    """
    at = new_session(**query)
    if url_path:
        at._page_hash = calc_hash(url_path)  # what the browser sends for a deep link (AppTest has no API)
    with mock.patch.object(_app_test, "PagesManager", _RoutedPagesManager):
        at.run()
    return at


def open_page(page: str, **query) -> AppTest:
    """A fresh session that opens ``page`` (e.g. "pages/network.py") from a link to it, run once."""
    at = new_session(**query)
    at.switch_page(page)
    return at.run()


def figure_traces(at: AppTest, key: str) -> list[dict]:
    """The traces of the chart ``key`` as JSON objects."""
    import json

    fig = charts_by_key(at)[key]
    return (json.loads(fig) if isinstance(fig, str) else fig)["data"]
