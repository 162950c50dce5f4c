"""Presentation mode's first screen on a projector (1024x768) and a wide one (1280x720), every page.

What a lecturer saw before (issue 22): on the playground the title, the formula line and three rows
of legend took the top ~470 px, and the top view's plotting area ran down to y = 791 at 1024x768,
the 3-D view's to y = 978; on the federated page the first chart began at y = 1170. The page's main
charts (its first row) must now be wholly on the first screen, axes and colour bar included (the
chart's whole box), as large as the room below them allows, with a plotting area no sliver.
"""

import json
from pathlib import Path

import pytest

from tests.browser import ARTIFACTS, require_chromium

pytestmark = pytest.mark.browser

require_chromium()

PAGES = {  # URL path (ui/pages.py): the keys of the page's main charts, its first row
    "": ("contour", "surface3d"),
    "lessons": (),  # cards and links, no chart
    "landscape": ("basins",),
    "one-dimension": ("w_chart",),
    "learning-rate": ("sweep_chart",),
    "race": ("race", "race_loss"),
    "stochastic": ("paths", "bands"),
    "regularization": ("reg_contour",),
    "federated": ("fed_paths", "fed_split_fig"),
    "gradients": ("steps",),
    "network": ("net_loss", "net_acc"),
}
SIZES = ((1024, 768), (1280, 720))
MIN_AREA = 180  # px, each side of a plotting area (a 2-D chart's axes, a 3-D scene's box)
ROOM_LEFT = 30  # px at most between a main chart's bottom and the screen's: it takes the room there is

DRAWN = """(keys) => keys.every(k => document.querySelector(`.st-key-${k} .descent-chart[data-drawn]`))"""
PRESENTING = "() => getComputedStyle(document.documentElement).fontSize === '22px'"
# Each chart's box and plotting area in viewport pixels, from plotly's own layout.
MEASURE = """(keys) => keys.map(key => {
  const gd = document.querySelector(`.st-key-${key} .descent-chart`), box = gd.getBoundingClientRect();
  const L = gd._fullLayout;
  const area = L.scene ? {x: box.left + L._size.l, y: box.top + L._size.t, w: L._size.w, h: L._size.h}
                       : {x: box.left + L.xaxis._offset, y: box.top + L.yaxis._offset, w: L.xaxis._length,
                          h: L.yaxis._length};
  const round = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v)]));
  return {key, top: Math.round(box.top), bottom: Math.round(box.bottom), right: Math.round(box.right),
          area: round(area)};
})"""
HELP_ICONS = """() => [...document.querySelectorAll('[data-testid="stMain"] button[aria-label="Help"]')]
  .filter(e => e.offsetParent).length"""
# Buttons of the main area that are not shown, other than those in a closed fold (a button with help sits
# inside the same tooltip element as a help icon: hiding the icons hid the one-dimension page's Next step).
HIDDEN_BUTTONS = """() => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stButton"]')]
  .filter(b => !b.closest('details:not([open])') && !b.querySelector('button').offsetParent)
  .map(b => b.innerText)"""


IDLE = """() => getComputedStyle(document.documentElement).fontSize === '22px'
  && !document.querySelector('[data-testid="stStatusWidget"]')"""


def settled(page, keys, tries=40):
    """The measurements once two in a row agree, with no script running and the page's style in place.

    A chart refits after the page above it settles, and the page's style (ui/display.py's st.html) can
    reach the page after its first charts are drawn: up to ~2.5 s later here, before this branch too."""
    last = None
    for _ in range(tries):
        now = page.evaluate(MEASURE, list(keys)) if page.evaluate(IDLE) else None
        if now is not None and now == last:
            return now
        last = now
        page.wait_for_timeout(400)
    raise AssertionError(f"the page did not settle: {last}")


@pytest.mark.parametrize("width, height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("path", list(PAGES), ids=[p or "playground" for p in PAGES])
def test_the_main_charts_fill_the_first_screen(browser, server, path, width, height):
    keys = PAGES[path]
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{server}/{path}?present=1", wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=120_000)
    page.wait_for_function(PRESENTING, timeout=60_000)
    page.wait_for_function(DRAWN, arg=list(keys), timeout=300_000)
    charts = settled(page, keys)
    ARTIFACTS.mkdir(exist_ok=True)
    name = ARTIFACTS / f"present-{path or 'playground'}-{width}x{height}"
    page.screenshot(path=f"{name}.png")
    Path(f"{name}.json").write_text(json.dumps(charts, indent=1))  # what was measured, beside the picture
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.evaluate(HELP_ICONS) == 0, "help icons shown in presentation mode"
    assert page.evaluate(HIDDEN_BUTTONS) == [], "a button of the page hidden in presentation mode"
    if not keys:
        assert page.locator(".descent-chart").count() == 0, "a chart on the Lessons page: add it to PAGES"
    for c in charts:
        a = c["area"]
        assert 0 <= c["top"] and c["bottom"] <= height, f"{c['key']} runs off the first screen: {c}"
        assert c["right"] <= width, f"{c['key']} runs off the right edge: {c}"
        assert c["bottom"] >= height - ROOM_LEFT, f"{c['key']} leaves the room below it empty: {c}"
        assert c["top"] <= a["y"] and a["y"] + a["h"] <= c["bottom"], f"{c['key']}'s plotting area leaves its box: {c}"
        assert min(a["w"], a["h"]) >= MIN_AREA, f"{c['key']}'s plotting area is a sliver: {c}"
    page.close()
