"""End to end: the Lessons page's links, hide= and presentation mode in the real server and headless Chromium."""

import pytest

from tests.browser import ARTIFACTS, require_chromium

pytestmark = pytest.mark.browser

require_chromium()


DRAWN = "(n) => document.querySelectorAll('.descent-chart[data-drawn]').length >= n"
NO_EXCEPTION = '[data-testid="stException"]'
# The first chart's title font and its widest trace line (Plotly's full layout: what was drawn).
CHART_STYLE = """() => {
  const gd = document.querySelector('.st-key-curves .descent-chart');
  const widths = gd._fullData.filter(t => t.line && t.mode && t.mode.includes('lines')).map(t => t.line.width);
  return {font: gd._fullLayout.font.size, line: Math.max(...widths)};
}"""
TEXT_SIZE = """() => parseFloat(getComputedStyle(
  document.querySelector('[data-testid="stMain"] [data-testid="stMarkdownContainer"] p')).fontSize)"""



def open_page(browser, url: str, path: str, width: int = 1500, height: int = 1000):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url + path, wait_until="domcontentloaded")
    return page


def test_a_lesson_card_opens_its_page_in_its_state(browser, server):
    first = open_page(browser, server, "")  # warm the routing (README, Known issues)
    first.wait_for_function(DRAWN, arg=4, timeout=120_000)
    first.close()
    page = open_page(browser, server, "/lessons")
    page.wait_for_selector('[class*="st-key-lesson_"]', timeout=60_000)
    assert page.locator(NO_EXCEPTION).count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "lessons.png"), full_page=True)
    page.set_viewport_size({"width": 1024, "height": 768})
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "lessons-1024x768.png"))

    card = page.locator('[class*="st-key-lesson_"]', has_text="Learning rate too big: divergence")
    card.get_by_role("link").click()
    page.wait_for_function("() => location.search.includes('lr=0.15')", timeout=30_000)
    page.wait_for_function(DRAWN, arg=3, timeout=120_000)
    page.wait_for_function("() => document.body.innerText.includes('Diverged at step')", timeout=60_000)
    assert page.locator(NO_EXCEPTION).count() == 0
    assert page.locator("h1").first.inner_text().startswith("Playground")
    assert "could not be used" not in page.inner_text('[data-testid="stMain"]')
    lr = page.locator(".st-key-lr")
    assert "0.15" in lr.inner_text(), lr.inner_text()
    page.screenshot(path=str(ARTIFACTS / "lesson-divergence.png"))

    page.locator('[data-testid="stSidebarNav"]').get_by_text("Lessons").click()  # back through the sidebar
    page.wait_for_selector('[class*="st-key-lesson_"]', timeout=60_000)
    page.locator('[class*="st-key-lesson_"]', has_text="The quartic's two minima").get_by_role("link").click()
    page.wait_for_function("() => location.pathname.endsWith('/one-dimension')", timeout=30_000)
    page.wait_for_function("() => document.body.innerText.includes('One dimension')", timeout=60_000)
    page.wait_for_function("() => location.search.includes('curve=quartic')", timeout=30_000)
    assert page.locator(NO_EXCEPTION).count() == 0
    assert page.locator(".st-key-w0 input").input_value() == "0.300"
    page.close()


def test_hide_and_presentation_mode(browser, server):
    normal = open_page(browser, server, "/?lr=0.01", width=1024, height=768)
    normal.wait_for_function(DRAWN, arg=4, timeout=120_000)
    normal.wait_for_timeout(500)
    plain_text, plain_chart = normal.evaluate(TEXT_SIZE), normal.evaluate(CHART_STYLE)
    assert normal.locator(".st-key-lr").is_visible()
    normal.close()

    page = open_page(browser, server, "/?lr=0.01&hide=lr,nosuch&present=1", width=1024, height=768)
    page.wait_for_function(DRAWN, arg=4, timeout=120_000)
    page.wait_for_timeout(1000)
    assert page.locator(NO_EXCEPTION).count() == 0
    assert page.locator(".st-key-lr").count() == 1  # drawn, but hidden
    assert not page.locator(".st-key-lr").is_visible()
    assert page.locator(".st-key-lr").evaluate("e => getComputedStyle(e).display") == "none"
    assert "“nosuch”" in page.inner_text('[data-testid="stMain"]')
    text, chart = page.evaluate(TEXT_SIZE), page.evaluate(CHART_STYLE)
    assert text >= 1.3 * plain_text, (text, plain_text)
    assert chart["font"] >= 1.4 * plain_chart["font"], (chart, plain_chart)
    assert chart["line"] >= 1.9 * plain_chart["line"], (chart, plain_chart)
    caption = page.locator('[data-testid="stMain"] [data-testid="stCaptionContainer"]').first
    rgb = [int(c) for c in caption.evaluate("e => getComputedStyle(e).color").strip("rgba()").split(",")[:3]]
    assert sum(rgb) <= 3 * 0x40, rgb  # captions dark enough to read on a projector, not Streamlit's grey
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.get_attribute("aria-expanded") == "false" or sidebar.bounding_box()["width"] < 5
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "present-1024x768.png"))
    page.close()

    hidden = open_page(browser, server, "/?hide=sidebar")
    hidden.wait_for_function(DRAWN, arg=3, timeout=120_000)
    assert not hidden.locator('[data-testid="stSidebar"]').is_visible()
    assert hidden.locator('[data-testid="stExpandSidebarButton"]').count() == 0 or not hidden.locator(
        '[data-testid="stExpandSidebarButton"]').is_visible()
    hidden.close()


def test_the_sidebar_toggle_turns_presentation_mode_on_and_into_the_link(browser, server):
    page = open_page(browser, server, "/?lr=0.01", width=1280, height=800)
    page.wait_for_function(DRAWN, arg=4, timeout=120_000)
    assert page.locator('[data-testid="stSidebar"]').bounding_box()["width"] > 200
    page.get_by_text("Presentation mode").click()
    page.wait_for_function("() => location.search.includes('present=1')", timeout=30_000)
    page.wait_for_function("() => getComputedStyle(document.documentElement).fontSize === '22px'", timeout=30_000)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stSidebar\"]').getBoundingClientRect().right <= 1",
        timeout=30_000)
    assert "lr=0.01" in page.evaluate("location.search")  # the page's own state stays in the link
    assert page.locator(NO_EXCEPTION).count() == 0
    page.close()
