"""End to end: the federated page on the real server in headless Chromium; local steps move FedAvg's path."""

import json

import pytest

from tests.browser import ARTIFACTS, open_deep_link, require_chromium, streamlit_server

pytestmark = pytest.mark.browser

require_chromium()

from playwright.sync_api import sync_playwright  # noqa: E402

# The paths chart's FedAvg trace as Plotly holds it (decoded arrays): its name and its points.
FEDAVG = """() => {
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    const t = gd._fullData && gd._fullData.find(d => d.name && d.name.startsWith('FedAvg') && d.xaxis === 'x'
                                                 && d.type === 'scatter' && d.mode === 'lines+markers');
    if (t && t.x) return JSON.stringify({name: t.name, x: Array.from(t.x), y: Array.from(t.y)});
  }
  return null;
}"""


def test_federated_page_redraws_fedavg_when_local_steps_change():
    with streamlit_server() as url, sync_playwright() as p:
        browser, page = open_deep_link(p, url, "/federated", height=2200)
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 3", timeout=120_000)
        page.wait_for_function(f"() => ({FEDAVG})() !== null", timeout=60_000)
        assert page.locator('[role="dialog"]').count() == 0, "a dialog (page not found?) covers the page"
        text = page.inner_text('[data-testid="stMain"]')
        assert "Federated learning" in text and "What to look for" in text and "FedAvg rounds" in text
        before = json.loads(page.evaluate(FEDAVG))
        assert before["name"] == "FedAvg (E = 20)" and len(before["x"]) == 51  # the start and 50 rounds
        assert page.locator('[data-testid="stException"]').count() == 0

        box = page.locator('[data-testid="stNumberInput"]').filter(has_text="local steps").locator("input")
        box.fill("2")
        box.press("Enter")
        page.wait_for_function(f"() => {{ const f = ({FEDAVG})(); return f !== null && f.includes('E = 2)'); }}",
                               timeout=60_000)
        after = json.loads(page.evaluate(FEDAVG))
        assert after["x"][0] == before["x"][0] and after["y"][0] == before["y"][0]  # the same start
        assert max(abs(a - b) for a, b in zip(after["x"] + after["y"], before["x"] + before["y"])) > 1e-3
        assert "fed_e=2" in page.url  # the new value is in the link
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.locator('[data-testid="stAlert"]').filter(has_text="must").count() == 0

        box.fill("0")  # a refusal, not an exception box
        box.press("Enter")
        page.wait_for_selector("text=The number of local steps must be at least 1, not 0.", timeout=60_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        box.fill("20")
        box.press("Enter")
        page.wait_for_function(f"() => {{ const f = ({FEDAVG})(); return f !== null && f.includes('E = 20)'); }}",
                               timeout=60_000)
        page.mouse.move(5, 5)  # no tooltip in the picture
        page.wait_for_timeout(1500)  # let the charts finish drawing before the picture
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "federated.png"), full_page=True)
        browser.close()
