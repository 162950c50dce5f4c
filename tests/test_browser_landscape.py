"""End to end: the basins page on the real server in headless Chromium."""


import pytest

from tests.browser import ARTIFACTS, open_deep_link, require_chromium, streamlit_server

pytestmark = pytest.mark.browser

require_chromium()

from playwright.sync_api import sync_playwright  # noqa: E402

from viz.landscape import LEVELS  # noqa: E402  (the basin map's z: band * LEVELS + shade)

# The basin map's heatmap, decoded by Plotly: its size and the number of distinct colour bands.
HEATMAP = """() => {
  const LEVELS = __LEVELS__;
  const gd = document.querySelectorAll('.js-plotly-plot')[0];
  const t = gd && gd._fullData && gd._fullData.find(d => d.type === 'heatmap');
  if (!t || !t.z) return null;
  const bands = new Set();
  for (const row of t.z) for (const v of row) bands.add(Math.floor(v / LEVELS));
  return [t.z.length, Array.from(bands).sort((a, b) => a - b)];
}""".replace("__LEVELS__", str(LEVELS))


def test_landscape_page_renders_basins_points_and_saddle_demo():
    with streamlit_server() as url, sync_playwright() as p:
        browser, page = open_deep_link(p, url, "/landscape", height=2400)
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 4", timeout=120_000)
        page.wait_for_function(f"() => ({HEATMAP})() !== null", timeout=60_000)
        rows, bands = page.evaluate(HEATMAP)
        assert rows == 128  # the default grid of starts
        assert bands == [2, 3, 4, 5], bands  # a first visit: Himmelblau's four basins, nothing else
        text = page.inner_text('[data-testid="stMain"]')
        assert page.locator('[role="dialog"]').count() == 0, "a dialog (page not found?) covers the page"
        assert "Basins & stationary points" in text and "100.0%" in text  # share reaching a global minimum
        assert "local maximum" in text and "saddle" in text
        assert page.locator('[data-testid="stException"]').count() == 0
        page.wait_for_timeout(1500)  # let the four charts finish drawing before the picture
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "landscape.png"), full_page=True)

        grid = page.locator('[data-testid="stSlider"]').filter(has_text="grid of starts").locator("input[type='range']")
        grid.focus()
        page.keyboard.press("ArrowLeft")  # 128 -> 64 starts per side
        page.wait_for_function(f"() => {{ const h = ({HEATMAP})(); return h !== null && h[0] === 64; }}",
                               timeout=60_000)
        assert "res=64" in page.url  # the new value is in the link
        assert page.locator('[data-testid="stException"]').count() == 0
        browser.close()
