"""End to end: the regularization page in the real server and headless Chromium, as a lecturer opens it."""

import json

import pytest

from tests.browser import ARTIFACTS, open_deep_link, require_chromium, streamlit_server

pytestmark = pytest.mark.browser

require_chromium()

from playwright.sync_api import sync_playwright  # noqa: E402

# The regularized minimizer on the data-surface contour and the λ fit of the polynomial, as Plotly drew them.
DRAWN = """() => {
  const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
  const find = (prefix) => {
    for (const gd of plots) {
      const t = (gd._fullData || []).find(d => d.name && d.name.startsWith(prefix));
      if (t && t.x) return t;
    }
    return null;
  };
  const diamond = find('minimizer, λ =');
  const fit = find('fit, λ =');
  if (!diamond || !fit) return null;
  return JSON.stringify([diamond.name, Array.from(diamond.x), Array.from(diamond.y), fit.name,
                         Array.from(fit.y).slice(0, 50)]);
}"""
CHARTS = "document.querySelectorAll('.js-plotly-plot').length >= 4"


def test_regularization_page_renders_and_reacts_to_the_lambda_slider():
    with sync_playwright() as p, streamlit_server() as url:
        browser, page = open_deep_link(p, url, "/regularization", height=3600)
        page.wait_for_function(CHARTS, timeout=180_000)
        page.wait_for_function(f"() => ({DRAWN})() !== null", timeout=120_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[role="dialog"]').count() == 0, "a dialog (page not found?) covers the page"
        main = page.inner_text('[data-testid="stMain"]')
        assert "Regularization" in main and "0.980392" in main, main[:800]
        before = page.evaluate(DRAWN)
        name, xs, ys, fit_name, _ = json.loads(before)
        assert name == "minimizer, λ = 0.01" and fit_name == "fit, λ = 0.01"

        lam = page.locator('[data-testid="stSlider"]', has_text="regularization strength").locator(
            'input[type="range"]')
        lam.focus()
        page.keyboard.press("ArrowRight")  # 0.01 -> 0.02: the minimizer moves further towards 0
        # Every chart redraws on its own: wait until both the contour and the fit show the new λ.
        page.wait_for_function(f"() => {{ const a = ({DRAWN})(); return a !== null && a.includes('minimizer, λ = 0.02')"
                               " && a.includes('fit, λ = 0.02'); }", timeout=90_000)
        page.wait_for_function("() => location.search.includes('lam=0.02')", timeout=10_000)
        name2, xs2, ys2, fit_name2, _ = json.loads(page.evaluate(DRAWN))
        assert name2 == "minimizer, λ = 0.02" and fit_name2 == "fit, λ = 0.02"
        assert (xs2[0] ** 2 + ys2[0] ** 2) < (xs[0] ** 2 + ys[0] ** 2)  # a larger λ, a smaller minimizer
        page.wait_for_function(CHARTS, timeout=60_000)
        main = page.inner_text('[data-testid="stMain"]')
        assert "0.961538" in main, main[:800]  # w** = (0, 1/1.04, -1/1.04)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.wait_for_timeout(3000)  # let Plotly finish drawing (the 3-D chart renders in software) before the picture
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "regularization.png"), full_page=True)
        browser.close()
