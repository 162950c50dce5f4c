"""End to end: a shared link opened as the very first visit of a fresh server shows its page, with its state.

Streamlit applies its legacy ``pages/`` folder discovery to the first session of a process unless
``st.navigation`` has already run (app.py switches it off as the server starts). Each case here
starts its own server, so the link below is that server's first session.
"""

import pytest

from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, require_chromium, streamlit_server

pytestmark = pytest.mark.browser

require_chromium()

from playwright.sync_api import sync_playwright  # noqa: E402

MAIN_WIDTH = "document.querySelector('[data-testid=\"stMainBlockContainer\"]').getBoundingClientRect().width"


@pytest.mark.parametrize(("path", "title", "state"), [
    ("/learning-rate?surface=rosenbrock&sweep_steps=100", "Learning rate", ["Rosenbrock", "after 100 steps"]),
    ("/race?surface=himmelblau", "Optimizer race", ["Himmelblau"]),
])
def test_a_deep_link_as_the_first_visit_of_a_fresh_server(path, title, state):
    with streamlit_server() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1400})
        page.goto(url + path, wait_until="domcontentloaded")  # nothing has visited this server before
        page.wait_for_selector(".js-plotly-plot", timeout=120_000)
        page.wait_for_timeout(1000)  # a late "page not found" dialog would be up by now
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"first-visit{path.split('?')[0].replace('/', '-')}.png"))
        body = page.inner_text("body")
        assert "not found" not in body.lower() and page.locator('[role="dialog"]').count() == 0
        assert page.locator('[data-testid="stException"]').count() == 0
        main = page.inner_text('[data-testid="stMain"]')
        assert title in main
        for text in state:
            assert text in main, f"{text!r} (from the link) is not on the page"
        assert path.split("?")[1].split("&")[0] in page.url  # the link's state stays in the address bar
        assert page.evaluate(MAIN_WIDTH) > 900, "the page ran without the entry file's wide layout"
        nav = page.inner_text('[data-testid="stSidebarNav"]')
        assert "Playground" in nav and "Learning rate" in nav, f"not app.py's navigation: {nav!r}"
        # ui/head.py: the page's HTML fetched plotly.js and told Streamlit where its server is, so
        # Streamlit did not look for one under the page's own path first (a 404 and ~0.14 s lost)
        fetched = page.evaluate("performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)")
        assert not [f for f in fetched if f.startswith(path.split("?")[0] + "/_stcore/")], fetched
        assert "/_stcore/health" in fetched and "/app/static/plotly-descent.min.js" in fetched
        assert page.evaluate("window.location.pathname") == path.split("?")[0]  # still the page, not the root
        browser.close()
