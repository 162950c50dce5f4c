"""End to end: the Gradients page in the real server and headless Chromium."""

import pytest

from tests.browser import ARTIFACTS, open_deep_link, require_chromium, streamlit_server

pytestmark = pytest.mark.browser

require_chromium()

from playwright.sync_api import sync_playwright  # noqa: E402

# The dashed line at the central scheme's current step h, on the error-vs-h chart.
CURRENT_H = """() => {
  const gd = Array.from(document.querySelectorAll('.js-plotly-plot'))[0];
  const shapes = gd && gd._fullLayout && gd._fullLayout.shapes;
  return shapes && shapes.length ? JSON.stringify(shapes.map(s => s.x0)) : null;
}"""


def test_gradients_page_renders_and_follows_the_step_slider():
    with sync_playwright() as p, streamlit_server() as url:
        browser, page = open_deep_link(p, url, "/gradients", height=2600)
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 2", timeout=120_000)
        page.wait_for_function(f"() => ({CURRENT_H})() !== null", timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        main = page.inner_text('[data-testid="stMain"]')
        assert "central difference" in main and "Rosenbrock" in main, main[:600]
        before = page.evaluate(CURRENT_H)
        slider = page.locator('[data-testid="stSlider"]', has_text="step h, central").locator('input[type="range"]')
        slider.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"(b) => ({CURRENT_H})() !== b", arg=before, timeout=60_000)
        page.wait_for_function("() => location.search.includes('h_central=')", timeout=10_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.wait_for_timeout(800)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "gradients.png"), full_page=True)
        browser.close()
