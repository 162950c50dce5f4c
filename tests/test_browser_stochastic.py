"""End to end: the Learning-from-data page in the real server and headless Chromium."""

import pytest

from tests.browser import ARTIFACTS, open_deep_link, require_chromium, streamlit_server

pytestmark = pytest.mark.browser

require_chromium()

from playwright.sync_api import sync_playwright  # noqa: E402

# The mini-batch contender's bold path on the contour chart, as Plotly drew it.
MINI_PATH = """() => {
  const gd = document.querySelectorAll('.js-plotly-plot')[0];
  const t = gd && gd._fullData && gd._fullData.find(d => d.name && d.name.startsWith('mini-batch'));
  return t && t.x ? JSON.stringify([t.name, Array.from(t.x).slice(0, 40)]) : null;
}"""
CHARTS = "document.querySelectorAll('.js-plotly-plot').length >= 4"


def test_stochastic_page_renders_and_follows_the_batch_size():
    with sync_playwright() as p, streamlit_server() as url:
        browser, page = open_deep_link(p, url, "/stochastic", height=2400)
        page.wait_for_function(CHARTS, timeout=120_000)
        page.wait_for_function(f"() => ({MINI_PATH})() !== null", timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        main = page.inner_text('[data-testid="stMain"]')
        assert "SGD (B = 1)" in main and "batch GD (B = N = 200)" in main, main[:600]
        before = page.evaluate(MINI_PATH)
        assert "B = 16" in before

        size = page.locator('[data-testid="stSlider"]', has_text="mini-batch size").locator('input[type="range"]')
        size.focus()
        page.keyboard.press("ArrowLeft")  # 16 -> 8
        page.wait_for_function(f"(b) => ({MINI_PATH})() !== b", arg=before, timeout=60_000)
        assert "B = 8" in page.evaluate(MINI_PATH)
        page.wait_for_function("() => location.search.includes('b=8')", timeout=10_000)
        page.wait_for_function(CHARTS, timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.wait_for_timeout(800)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "stochastic.png"), full_page=True)
        browser.close()


# The playground's top-view path (trace "path"), decoded by Plotly.
PLAYGROUND_PATH = """() => {
  const gd = document.querySelectorAll('.js-plotly-plot')[0];
  const t = gd && gd._fullData && gd._fullData.find(d => d.name === 'path');
  return t && t.x ? JSON.stringify(Array.from(t.x).slice(0, 60)) : null;
}"""


def test_playground_on_a_data_surface_with_mini_batches():
    with sync_playwright() as p, streamlit_server() as url:
        browser, page = open_deep_link(p, url, "/?surface=iris-scaled&batch=8&seed=1&lr=0.5&steps=300", height=2600)
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 3", timeout=120_000)
        page.wait_for_function(f"() => ({PLAYGROUND_PATH})() !== null", timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        main = page.inner_text('[data-testid="stMain"]')
        assert "Iris" in main and "mini-batches of 8 samples (seed 1" in main, main[:800]
        before = page.evaluate(PLAYGROUND_PATH)
        seed = page.locator('[data-testid="stNumberInput"]', has_text="seed").locator("input")
        seed.fill("2")
        seed.press("Enter")
        page.wait_for_function(f"(b) => ({PLAYGROUND_PATH})() !== b", arg=before, timeout=60_000)
        page.wait_for_function("() => location.search.includes('seed=2')", timeout=10_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.wait_for_timeout(800)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "playground-data.png"), full_page=True)
        browser.close()
