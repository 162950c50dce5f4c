"""End to end: the race page on the real server in headless Chromium; Play animates in the browser."""

import json

import pytest

from tests.browser import ARTIFACTS, open_deep_link, require_chromium, streamlit_server

pytestmark = pytest.mark.browser

require_chromium()

from playwright.sync_api import sync_playwright  # noqa: E402

# The race chart is the one with frames; its "positions" trace holds one marker per racer (decoded arrays).
POSITIONS = """() => {
  const gd = Array.from(document.querySelectorAll('.js-plotly-plot'))
    .find(g => g._transitionData && g._transitionData._frames && g._transitionData._frames.length);
  const t = gd && gd._fullData && gd._fullData.find(d => d.name === 'positions');
  if (!t || !t.x) return null;
  return JSON.stringify({x: Array.from(t.x), y: Array.from(t.y), frames: gd._transitionData._frames.length,
                         frame: gd._fullLayout._currentFrame || null});
}"""


def test_race_page_plays_its_animation_in_the_browser():
    with streamlit_server() as url, sync_playwright() as p:
        browser, page = open_deep_link(p, url, "/race", height=2000)
        page.wait_for_function(f"() => ({POSITIONS})() !== null", timeout=120_000)
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 2", timeout=60_000)
        assert page.locator('[role="dialog"]').count() == 0, "a dialog (page not found?) covers the page"
        text = page.inner_text('[data-testid="stMain"]')
        assert "Optimizer race" in text and "Rosenbrock" in text and "Fair race" in text
        finish = json.loads(page.evaluate(POSITIONS))
        assert len(finish["x"]) == 3 and finish["frames"] >= 50  # GD, momentum, Adam; frames in the figure

        page.get_by_text("▶ Play").first.click()
        page.wait_for_timeout(900)  # a few frames in, far from the finish
        running = json.loads(page.evaluate(POSITIONS))
        assert running["frame"] is not None, "Play did not start the animation"
        assert running["x"] != finish["x"] or running["y"] != finish["y"], "the markers did not move"
        page.wait_for_timeout(400)
        later = json.loads(page.evaluate(POSITIONS))
        assert later["frame"] != running["frame"], "the frame did not advance"
        page.get_by_text("❚❚ Pause").first.click()
        assert page.locator('[data-testid="stException"]').count() == 0

        # The fair race writes the tuned learning rates into the widgets, hence into the link.
        before_tuning = page.evaluate(POSITIONS)  # taken before the click: the redraw may come quickly
        page.get_by_role("button", name="Fair race").click()
        page.wait_for_function("() => location.search.includes('r3_lr=')", timeout=120_000)
        page.wait_for_selector("text=The link now reproduces this race", timeout=60_000)
        page.wait_for_function(f"(old) => ({POSITIONS})() !== null && ({POSITIONS})() !== old",
                               arg=before_tuning, timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        page.mouse.move(5, 5)  # no tooltip in the picture
        page.wait_for_timeout(1500)  # let the charts finish drawing before the picture
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "race.png"), full_page=True)
        browser.close()
