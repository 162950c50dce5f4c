"""End to end: the one-dimension page in the real server and headless Chromium, as a lecturer steps through it."""


import pytest

from tests.browser import ARTIFACTS, open_deep_link, require_chromium, streamlit_server

pytestmark = pytest.mark.browser

require_chromium()

from playwright.sync_api import sync_playwright  # noqa: E402

PATH_ON_CURVE = """() => {
  const gd = document.querySelectorAll('.js-plotly-plot')[0];
  const t = gd && gd._fullData && gd._fullData.find(d => d.name === 'path');  // decoded arrays
  return t && t.x ? JSON.stringify(Array.from(t.x)) : null;
}"""


def test_next_step_draws_one_more_step(tmp_path):
    with sync_playwright() as p, streamlit_server() as url:
        browser, page = open_deep_link(p, url, "/one-dimension", height=1300)
        page.wait_for_function(f"() => ({PATH_ON_CURVE})() !== null", timeout=90_000)
        before = page.evaluate(PATH_ON_CURVE)
        assert before == "[0]", before  # the walk starts at w0 = 0 with only the start drawn
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[role="dialog"]').count() == 0, "a dialog (page not found?) covers the page"

        for expected in ("[0,1]", "[0,1,0.6666666666666667]"):  # the course's first step, then eta = 1/6 again
            page.get_by_role("button", name="Next step").click()
            page.wait_for_function(f"(e) => ({PATH_ON_CURVE})() === e", arg=expected, timeout=30_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert "Step 2 of 10" in page.inner_text('[data-testid="stMain"]')
        page.mouse.move(5, 5)  # no tooltip over the picture
        page.wait_for_timeout(500)  # let Plotly finish its transition before the picture
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "oned.png"), full_page=True)
        browser.close()
