"""A student's first visit: ``goto`` to the first drawn chart in a fresh browser context, side by side
with a one-chart Streamlit + Plotly hello page (``benchmarks/hello_app.py``).

A fresh context has an empty cache, as a first visit does; the servers are warm (each page opened
once before sampling: JAX compiled, Streamlit's caches filled), as a class's hundredth student finds
them. Samples are interleaved (page 1, page 2, ..., hello, page 1, ...) so that load from other
processes on the machine falls on every page alike. Times are on the page's own clock
(``performance.now()``, from the start of navigation): the first chart is the first ``.js-plotly-plot``
with drawn data (Descent's in-place chart and ``st.plotly_chart`` alike). Where the time goes, per
sample: DOMContentLoaded, plotly.js fetched (Descent serves its own copy from ``app/static``;
Streamlit's bundled Plotly is a chunk of its own JavaScript), the first figure's WebSocket message
(Python's clock, from ``goto``).
"""

from __future__ import annotations

import statistics
import time

from benchmarks.browser import chart_key

PAGES = {"playground": "/", "basins": "/landscape", "race": "/race", "learning rate": "/learning-rate",
         "one dimension": "/one-dimension"}
HELLO = "hello (one st.plotly_chart)"
WATCH = r"""
window.__firstChart = null;
(function tick() {
  const drawn = [...document.querySelectorAll('.js-plotly-plot')]
    .some(gd => gd._fullData && gd._fullData.length && gd.querySelector('.main-svg'));
  if (drawn) window.__firstChart = performance.now(); else requestAnimationFrame(tick);
})();
"""
TIMINGS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const js = performance.getEntriesByType('resource').filter(e => /plotly/i.test(e.name));
  return {first_chart_ms: window.__firstChart, dcl_ms: nav ? nav.domContentLoadedEventEnd : null,
          plotly_js_end_ms: js.length ? Math.max(...js.map(e => e.responseEnd)) : null,
          plotly_js_bytes: js.reduce((a, e) => a + (e.encodedBodySize || 0), 0),
          js_bytes: performance.getEntriesByType('resource').filter(e => /\\.js(\\?|$)/.test(e.name))
            .reduce((a, e) => a + (e.encodedBodySize || 0), 0)};
}"""


def _sample(browser, url: str) -> dict:
    context = browser.new_context(viewport={"width": 1400, "height": 900})  # empty cache, no cookies
    page = context.new_page()
    arrived: list[float] = []

    def on_frame(payload):
        data = payload if isinstance(payload, bytes) else (payload or "").encode()
        if not arrived and len(data) > 2000 and (chart_key(data) or b"plotly" in data[:4000].lower()):
            arrived.append(time.perf_counter())

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    page.add_init_script(WATCH)
    t0 = time.perf_counter()
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function("() => window.__firstChart !== null", timeout=120_000)
    out = page.evaluate(TIMINGS)
    out["figure_arrived_ms"] = 1e3 * (arrived[0] - t0) if arrived else None
    out["no_exception"] = page.locator('[data-testid="stException"]').count() == 0
    context.close()
    return out


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def run(quick: bool = False) -> list[dict]:
    from tests.browser import CHROMIUM, CHROMIUM_ARGS, chromium_available, streamlit_server

    if not chromium_available():
        return [{"section": "load", "case": "first visit", "impl": "-", "error": "chromium not installed"}]
    from playwright.sync_api import sync_playwright

    n = 3 if quick else 5
    samples: dict[str, list[dict]] = {name: [] for name in [*PAGES, HELLO]}
    with sync_playwright() as p, streamlit_server() as app, \
            streamlit_server(script="benchmarks/hello_app.py") as hello:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            urls = {name: app + path for name, path in PAGES.items()} | {HELLO: hello}
            for url in urls.values():  # warm: the root first (a new server's first session, README)
                _sample(browser, url)
            for _ in range(n):
                for name, url in urls.items():
                    samples[name].append(_sample(browser, url))
        finally:
            browser.close()
    hello_p50 = _median(s["first_chart_ms"] for s in samples[HELLO])
    rows = []
    for name, got in samples.items():
        first = [s["first_chart_ms"] for s in got]
        p50 = _median(first)
        rows.append({
            "section": "load", "case": f"first visit, fresh context: {name}", "chart": "load-" + name,
            "impl": "goto -> first chart drawn (warm server, empty browser cache)",
            "p50_ms": p50, "min_ms": min(first), "max_ms": max(first), "samples": len(first),
            "vs_hello": p50 / hello_p50 if hello_p50 else None,
            "dcl_p50_ms": _median(s["dcl_ms"] for s in got),
            "plotly_js_end_p50_ms": _median(s["plotly_js_end_ms"] for s in got),
            "figure_arrived_p50_ms": _median(s["figure_arrived_ms"] for s in got),
            "js_bytes": _median(s["js_bytes"] for s in got),
            "no_exception": all(s["no_exception"] for s in got),
        })
    return rows
