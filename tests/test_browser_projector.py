"""The playground on a projector (1024x768) and a phone (390x844), in headless Chromium.

What a class saw before: at 1024x768 the first screen held no chart, the top view was a 95 px
square under its own legend, numbers and buttons were cut to "0.00…" and "Trajectory …", and on a
phone the update rule ran off the screen. These checks measure the laid-out page, not the figure JSON.
"""

import pytest

from tests.browser import ARTIFACTS, require_chromium

pytestmark = pytest.mark.browser

require_chromium()


DRAWN = "document.querySelectorAll('.descent-chart[data-drawn]').length >= 4"
PLOT_AREAS = """() => Object.fromEntries([...document.querySelectorAll('.descent-chart')].map(gd => {
  const key = [...gd.closest('[class*="st-key-"]').classList].find(c => c.startsWith('st-key-')).slice(7);
  const box = gd.getBoundingClientRect(), L = gd._fullLayout;
  const area = L.scene ? L.scene.domain && {x: box.left + L._size.l, y: box.top + L._size.t, w: L._size.w, h: L._size.h}
                       : {x: box.left + L.xaxis._offset, y: box.top + L.yaxis._offset, w: L.xaxis._length,
                          h: L.yaxis._length};
  return [key, {top: box.top, bottom: box.bottom, left: box.left, right: box.right, width: box.width, area}];
}))"""
CUT_TEXT = """() => {  // elements whose text is wider than their box (ellipsis or clipped), in the main area
  const main = document.querySelector('[data-testid="stMain"]');
  const texts = 'button p, [data-testid="stMarkdownContainer"] p, [data-testid="stMetricValue"] div';
  return [...main.querySelectorAll(texts)]
    .filter(e => e.offsetParent && e.scrollWidth > e.clientWidth + 1).map(e => e.innerText.slice(0, 40));
}"""
FORMULAS_FIT = """() => [...document.querySelectorAll('[data-testid="stMain"] .katex-display')].map(d => {
  const box = d.getBoundingClientRect();
  return {right: box.right, scrolls: getComputedStyle(d).overflowX === 'auto', wide: d.scrollWidth > d.clientWidth + 4};
})"""



def test_projector_first_screen_shows_both_charts_usable(browser, server):
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.goto(server, wait_until="domcontentloaded")
    page.wait_for_function(DRAWN, timeout=120_000)
    page.wait_for_timeout(1500)  # the fitted heights settle after the first resize
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "projector-1024x768.png"))
    charts = page.evaluate(PLOT_AREAS)
    for key in ("contour", "surface3d"):
        c = charts[key]
        assert c["top"] >= 0 and c["bottom"] <= 768, f"{key} is not on the first screen: {c}"
        assert c["right"] <= 1024, f"{key} runs off the right edge: {c}"
    top = charts["contour"]["area"]
    assert top["w"] >= 200 and top["h"] >= 200, f"the top view is too small to click a start: {top}"
    assert top["w"] >= 0.7 * charts["contour"]["width"], "legend or colour bar eat the top view's width"
    assert top["y"] + top["h"] <= 768, "the top view's plotting area is cut by the screen's bottom edge"
    assert page.evaluate(CUT_TEXT) == [], "text cut short in the main area"
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_projector_lower_sections_fit_the_width(browser, server):
    page = browser.new_page(viewport={"width": 1024, "height": 2600})  # the whole page laid out at 1024 wide
    page.goto(server, wait_until="domcontentloaded")
    page.wait_for_function(DRAWN, timeout=120_000)
    page.wait_for_selector('[data-testid="stDownloadButton"]', timeout=60_000)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / "projector-1024-whole-page.png"))
    assert page.evaluate(CUT_TEXT) == [], "text cut short (summary numbers, download buttons)"
    for f in page.evaluate(FORMULAS_FIT):
        assert f["right"] <= 1024 and (not f["wide"] or f["scrolls"]), f
    # the step table shows every column, ‖∇f‖ included: its grid does not scroll sideways
    grids = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stDataFrame"] .dvn-scroller')]
                             .map(s => s.scrollWidth - s.clientWidth)""")
    assert grids and all(extra <= 1 for extra in grids), grids
    page.close()


def test_phone_update_rules_fit_or_scroll_inside_their_box(browser, server):
    """SGD's four-line rule fits a phone's width whole; a wider one (Adam's step anatomy) scrolls in its box."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(server + "/?opt=sgd", wait_until="domcontentloaded")
    page.wait_for_function(DRAWN, timeout=120_000)
    page.wait_for_selector('[data-testid="stMain"] .katex-display', timeout=60_000)
    rule = page.evaluate(FORMULAS_FIT)[0]
    assert rule["right"] <= 390 and not rule["wide"], f"SGD's rule is cut on a phone: {rule}"
    page.locator('[data-testid="stMain"] .katex-display').first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "phone-390-sgd-rule.png"))
    page.goto(server + "/?opt=adam", wait_until="domcontentloaded")
    page.wait_for_function(DRAWN, timeout=120_000)
    page.wait_for_selector('[data-testid="stMain"] .katex-display', timeout=60_000)
    formulas = page.evaluate(FORMULAS_FIT)
    assert formulas and all(f["right"] <= 390 and (not f["wide"] or f["scrolls"]) for f in formulas), formulas
    page.close()
