"""End to end: the real server in headless Chromium, as a student opens it."""


import pytest

from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, require_chromium, streamlit_server

pytestmark = pytest.mark.browser

require_chromium()

from playwright.sync_api import sync_playwright  # noqa: E402

CHART = ".js-plotly-plot"
PATH_OF_FIRST_CHART = """() => {
  const gd = document.querySelectorAll('.js-plotly-plot')[0];
  const t = gd && gd._fullData && gd._fullData.find(d => d.name === 'path');  // decoded arrays
  if (!t || !t.x) return null;
  const xs = Array.from(t.x); const ys = Array.from(t.y);
  return JSON.stringify([xs.length, xs[xs.length - 1], ys[ys.length - 1]]);
}"""


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server():
    with streamlit_server() as url:
        yield url


def open_page(browser, url):
    page = browser.new_page(viewport={"width": 1500, "height": 1900})
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector(CHART, timeout=60_000)
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 3", timeout=60_000)
    return page


def test_playground_renders_and_reacts_to_a_slider(browser, server):
    page = open_page(browser, server)
    page.wait_for_function(f"() => ({PATH_OF_FIRST_CHART})() !== null", timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "JAX" in page.inner_text("section[data-testid='stSidebar']")
    before = page.evaluate(PATH_OF_FIRST_CHART)
    assert before is not None, "the contour chart has no path trace"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "playground.png"), full_page=True)

    # Mark every chart's element: a chart redrawn in place (ui/chart.js, Plotly.react) keeps it.
    assert page.evaluate("document.querySelectorAll('.descent-chart').forEach(d => d.__mark = 1) || "
                         "document.querySelectorAll('.descent-chart').length") == 4

    slider = page.locator('[data-testid="stSlider"] input[type="range"]').first  # the learning rate
    slider.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        f"(before) => ({PATH_OF_FIRST_CHART})() !== before", arg=before, timeout=30_000
    )
    after = page.evaluate(PATH_OF_FIRST_CHART)
    assert after != before
    kept = page.evaluate("Array.from(document.querySelectorAll('.descent-chart')).map(d => d.__mark === 1)")
    assert kept == [True] * 4, f"a chart was re-created instead of redrawn: {kept}"
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "lr=" in page.url  # the new value is in the link
    page.screenshot(path=str(ARTIFACTS / "playground-after-slider.png"), full_page=True)
    page.close()


def test_bad_link_shows_a_warning_not_a_traceback(browser, server):
    page = open_page(browser, server + "/?lr=banana&surface=nowhere")
    page.wait_for_selector('[data-testid="stAlert"]', timeout=30_000)
    text = page.inner_text('[data-testid="stMain"]') if page.locator('[data-testid="stMain"]').count() \
        else page.inner_text("body")
    assert "Unknown surface" in text and "not a finite number" in text
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "playground-bad-link.png"), full_page=True)
    page.close()


TO_PAGE = """([x, y]) => {
  const gd = document.querySelectorAll('.js-plotly-plot')[0];
  const box = gd.getBoundingClientRect(); const L = gd._fullLayout;
  return [box.left + L.xaxis._offset + L.xaxis.l2p(x), box.top + L.yaxis._offset + L.yaxis.l2p(y)];
}"""


def test_click_on_the_top_view_sets_the_start(browser, server):
    page = open_page(browser, server)
    page.wait_for_function(f"() => ({PATH_OF_FIRST_CHART})() !== null", timeout=60_000)
    before = page.evaluate(PATH_OF_FIRST_CHART)
    px, py = page.evaluate(TO_PAGE, [-1.2, -0.8])
    page.mouse.move(px, py)
    page.wait_for_timeout(400)  # let Plotly see the hover before the click, as a person's mouse would
    page.mouse.click(px, py)
    page.wait_for_function(f"(before) => ({PATH_OF_FIRST_CHART})() !== before", arg=before, timeout=30_000)
    page.wait_for_function("() => location.search.includes('x0=')", timeout=10_000)
    from urllib.parse import parse_qs, urlparse

    query = parse_qs(urlparse(page.url).query)
    x0, y0 = float(query["x0"][0]), float(query["y0"][0])
    # ui/chart.js maps the mouse to data coordinates; the start keeps 3 decimals, a pixel is ~0.01 here
    assert abs(x0 + 1.2) <= 0.02 and abs(y0 + 0.8) <= 0.02, (x0, y0)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "playground-after-click.png"), full_page=True)
    page.close()


def test_a_link_made_on_the_first_option_keeps_it(browser, server):
    """Bound widgets leave their default out of the URL: choosing option 0 must still be written."""
    page = open_page(browser, server)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Surface").click()
    page.get_by_role("option", name="bowl", exact=True).click()
    page.wait_for_function("() => location.search.includes('surface=bowl')", timeout=30_000)
    reopened = open_page(browser, page.url)
    reopened.wait_for_function("() => document.body.innerText.includes('Round bowl')", timeout=30_000)
    assert reopened.locator('[data-testid="stException"]').count() == 0
    page.close()
    reopened.close()


def test_charts_follow_the_window_width(browser, server):
    """A projector or a narrower window: the charts take the new column width without a rerun."""
    page = open_page(browser, server)
    page.wait_for_function("document.querySelectorAll('.descent-chart[data-drawn]').length >= 4", timeout=60_000)
    widths = "() => [...document.querySelectorAll('.descent-chart')].map(d => d._fullLayout.width)"
    before = page.evaluate(widths)
    page.set_viewport_size({"width": 1100, "height": 1900})
    page.wait_for_function(f"(before) => ({widths})().every((w, i) => w < before[i])", arg=before, timeout=10_000)
    after = page.evaluate(widths)
    assert all(a < b for a, b in zip(after, before, strict=True)), (before, after)
    page.close()
