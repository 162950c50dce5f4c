"""End to end: the learning-rate page in the real server and headless Chromium, as a lecturer opens it."""

import json

import pytest

from tests.browser import ARTIFACTS, open_deep_link, require_chromium, streamlit_server

pytestmark = pytest.mark.browser

require_chromium()

from playwright.sync_api import sync_playwright  # noqa: E402

# The sweep chart's curve, decoded by Plotly (gd._fullData holds plain arrays, not base64).
SWEEP_CURVE = """() => {
  const gd = document.querySelectorAll('.js-plotly-plot')[0];
  const t = gd && gd._fullData && gd._fullData.find(d => d.name === 'final gap');
  if (!t || !t.x) return null;
  const ys = Array.from(t.y);
  return JSON.stringify([ys.length, ys.filter(Number.isFinite).length, ys.slice(0, 5)]);
}"""
CHARTS = "document.querySelectorAll('.js-plotly-plot').length >= 3"


def test_learning_rate_page_renders_and_reacts_to_the_steps_slider():
    with sync_playwright() as p, streamlit_server() as url:
        browser, page = open_deep_link(p, url, "/learning-rate", height=2600)
        page.wait_for_function(CHARTS, timeout=120_000)
        page.wait_for_function(f"() => ({SWEEP_CURVE})() !== null", timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[role="dialog"]').count() == 0, "a dialog (page not found?) covers the page"
        main = page.inner_text('[data-testid="stMain"]')
        assert "Round bowl" in main and "2/L = 1" in main, main[:600]
        before = page.evaluate(SWEEP_CURVE)
        n, finite, _ = json.loads(before)
        assert n == 200 and 100 < finite < 200  # every η drawn; the diverged ones (η > 1) are gaps

        steps = page.locator('[data-testid="stSlider"]', has_text="steps per run").locator('input[type="range"]')
        steps.focus()
        page.keyboard.press("ArrowLeft")  # 50 -> 20 steps: the final gaps of the slow runs grow
        page.wait_for_function(f"(b) => ({SWEEP_CURVE})() !== b", arg=before, timeout=60_000)
        assert page.evaluate(SWEEP_CURVE) != before
        page.wait_for_function("() => location.search.includes('sweep_steps=20')", timeout=10_000)
        page.wait_for_function(CHARTS, timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.wait_for_timeout(800)  # let Plotly finish drawing before the picture
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "learning-rate.png"), full_page=True)
        browser.close()
