"""End to end: the network page in the real server and headless Chromium."""

import pytest

from tests.browser import ARTIFACTS, open_deep_link, require_chromium, streamlit_server

pytestmark = pytest.mark.browser

require_chromium()

from playwright.sync_api import sync_playwright  # noqa: E402

# The first learning curve (training loss of the first optimizer), as Plotly drew it.
LOSS_CURVE = """() => {
  const gd = document.querySelectorAll('.js-plotly-plot')[0];
  const t = gd && gd._fullData && gd._fullData[0];
  return t && t.y ? JSON.stringify([t.name, Array.from(t.y)]) : null;
}"""
CHARTS = "document.querySelectorAll('.js-plotly-plot').length >= 4"


def test_network_page_trains_draws_and_follows_the_epochs():
    with sync_playwright() as p, streamlit_server() as url:
        browser, page = open_deep_link(p, url, "/network?opts=adam&opts=momentum&epochs=4&b=64&dirs=pca",
                                       height=2600)
        page.wait_for_function(CHARTS, timeout=240_000)
        page.wait_for_function(f"() => ({LOSS_CURVE})() !== null", timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        main = page.inner_text('[data-testid="stMain"]')
        assert "handwritten digits" in main and "explain" in main, main[:800]
        before = page.evaluate(LOSS_CURVE)
        assert "adam" in before and len(__import__("json").loads(before)[1]) == 5  # the start and 4 epochs

        epochs = page.locator('[data-testid="stSlider"]', has_text="epochs").locator('input[type="range"]')
        epochs.focus()
        page.keyboard.press("ArrowRight")  # 4 -> 5
        page.wait_for_function(f"(b) => ({LOSS_CURVE})() !== b", arg=before, timeout=120_000)
        assert len(__import__("json").loads(page.evaluate(LOSS_CURVE))[1]) == 6
        page.wait_for_function("() => location.search.includes('epochs=5')", timeout=10_000)
        page.wait_for_function(CHARTS, timeout=120_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.wait_for_timeout(3000)  # the 3-D surface renders in software here
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "network.png"), full_page=True)
        browser.close()
