"""The real thing: ``streamlit run app.py`` and Debian's headless Chromium, as a student opens it.

Server and browser come from ``tests/browser.py`` (``streamlit_server``, the Chromium flags). A
script injected before the page's own watches every Plotly chart once per animation frame and
notes the moment its drawn data changes (the path of the top view, the loss curve, the 3-D path),
and a capturing ``keydown`` listener notes the key press; latency = change - key press, both on
the page's clock. Plotly.react draws 2-D charts synchronously, so the frame after the data changes
is the frame that shows it. Each move waits for all three charts before the next, so 3-D drawing
never overlaps the next 2-D measurement. Bytes are the WebSocket frames received per move.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from contextlib import contextmanager

from benchmarks.common import summary_ms

WATCH = r"""
window.__bench = {keys: [], changes: [], long: [], mounts: []};
document.addEventListener('keydown', () => window.__bench.keys.push(performance.now()), true);
try {  // main-thread tasks over 50 ms: the browser's own share of a move
  new PerformanceObserver(l => l.getEntries().forEach(e => window.__bench.long.push([e.startTime, e.duration])))
    .observe({entryTypes: ['longtask']});
} catch (e) {}
(() => {
  const last = {};
  const name = (gd) => {  // the chart's key (Streamlit puts class st-key-KEY on a keyed element)
    const el = gd.closest('[class*="st-key-"]');
    const c = el && Array.from(el.classList).find(c => c.startsWith('st-key-'));
    return c ? c.slice(7) : (gd._fullLayout.scene ? '3d' : 'chart');
  };
  const sig = (gd) => (gd._fullData || []).map(t => {
    const n = t.x ? t.x.length : 0;
    return t.name + ':' + n + ':' + (n ? t.x[n - 1] + ',' + (t.y ? t.y[n - 1] : '') : '');
  }).join('|');
  const tick = () => {
    document.querySelectorAll('.js-plotly-plot').forEach(gd => {
      if (!gd._fullData || !gd._fullLayout) return;
      const k = name(gd), s = sig(gd);
      if (!gd.__benchSeen) { gd.__benchSeen = true; window.__bench.mounts.push([k, performance.now()]); }  // new div
      if (last[k] !== s) { last[k] = s; window.__bench.changes.push([k, performance.now()]); }
    });
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""
SEEN = ("([k, want]) => { const c = window.__bench.changes.slice(k).map(x => x[0]); "
        "return want.every(w => c.includes(w)); }")
TWO_D = ("contour", "curves")  # the playground's chart keys
THREE_D = ("surface3d",)
CHART_ID = re.compile(rb"\$\$ID-[0-9a-f]{32}-")
SLIDER = '[data-testid="stSlider"] input[type="range"]'  # the first one is the learning rate


def chart_key(data: bytes) -> str | None:
    """A chart's key in a ForwardMsg: its element id ``$$ID-<hash>-<key>`` is a protobuf
    string, so the byte before it is its length."""
    m = CHART_ID.search(data[:1000])
    if not m or m.start() == 0 or data[m.start() - 1] >= 128:
        return None
    return data[m.end():m.start() + data[m.start() - 1]].decode(errors="replace")


def _wait_quiet(page, frames: list, quiet_ms: int = 400, limit_s: float = 30.0) -> None:
    """Until neither a chart nor the WebSocket has changed for ``quiet_ms`` (the rerun is over)."""
    deadline = time.monotonic() + limit_s
    seen = (-1, -1)
    while time.monotonic() < deadline:
        now = (page.evaluate("window.__bench.changes.length"), len(frames))
        if now == seen:
            return
        seen = now
        page.wait_for_timeout(quiet_ms)


@contextmanager
def _jax_cache(folder: str):
    """The app's persistent compilation cache in ``folder`` (ui.compute reads DESCENT_JAX_CACHE)."""
    old = os.environ.get("DESCENT_JAX_CACHE")
    os.environ["DESCENT_JAX_CACHE"] = folder
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("DESCENT_JAX_CACHE", None)
        else:
            os.environ["DESCENT_JAX_CACHE"] = old


def _first_paint(browser, url: str, t0: float) -> dict:
    """Server healthy (``url`` given) -> first chart drawn -> the 2-D and 3-D charts drawn, from ``t0``."""
    healthy = time.perf_counter() - t0
    page = browser.new_page(viewport={"width": 1500, "height": 1900})
    arrived: list[float] = []  # when the first figure's message came in (the server's part is done)

    def on_frame(payload):
        data = payload if isinstance(payload, bytes) else (payload or "").encode()
        if not arrived and len(data) > 4000 and chart_key(data):
            arrived.append(time.perf_counter() - t0)

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    page.add_init_script(WATCH)
    page.goto(url, wait_until="domcontentloaded")
    page_loaded = time.perf_counter() - t0
    page.wait_for_function("() => window.__bench.changes.length > 0", timeout=90_000)
    first = time.perf_counter() - t0
    page.wait_for_function(SEEN, arg=[0, [*TWO_D, *THREE_D]], timeout=90_000)
    everything = time.perf_counter() - t0
    first_key = page.evaluate("window.__bench.changes[0][0]")
    page.close()
    return {"server_healthy_s": healthy, "page_loaded_s": page_loaded,
            "first_figure_arrived_s": arrived[0] if arrived else None, "first_chart_s": first,
            "first_chart": first_key, "charts_2d_3d_s": everything}


def _slider_latency(browser, url: str, moves: int) -> dict:
    page = browser.new_page(viewport={"width": 1500, "height": 1900})
    frames: list[tuple[float, int, str | None]] = []  # (arrival, bytes, chart key when it carries a figure)

    def on_frame(payload):
        data = payload if isinstance(payload, bytes) else (payload or "").encode()
        frames.append((time.perf_counter(), len(data), chart_key(data) if len(data) > 4000 else None))

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    page.add_init_script(WATCH)
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function(SEEN, arg=[0, [*TWO_D, *THREE_D]], timeout=90_000)
    _wait_quiet(page, frames)
    charts = page.evaluate("[...new Set(window.__bench.changes.map(c => c[0]))]")
    slider = page.locator(SLIDER).first
    lat: dict[str, list[float]] = {k: [] for k in charts}
    sent: dict[str, list[float]] = {k: [] for k in charts}
    ws_bytes, last_frame, busy, mounts = [], [], [], []
    for move in range(moves):
        k = page.evaluate("window.__bench.changes.length")
        nframes = len(frames)
        slider.focus()
        pressed = time.perf_counter()
        page.keyboard.press("ArrowLeft")  # 0.01 -> 0.008 -> 0.007 ...: a new run every time
        page.wait_for_function(SEEN, arg=[k, [*TWO_D, *THREE_D]], timeout=60_000)
        _wait_quiet(page, frames)  # the whole rerun, so nothing overlaps the next move
        key = page.evaluate("window.__bench.keys[window.__bench.keys.length - 1]")
        for name, t in page.evaluate("(k) => window.__bench.changes.slice(k)", k):
            if name in lat and len(lat[name]) <= move:
                lat[name].append((t - key) / 1e3)
        mine = frames[nframes:]
        for t, _, name in mine:
            if name in sent and len(sent[name]) <= move:
                sent[name].append(t - pressed)
        ws_bytes.append(sum(n for _, n, _ in mine))
        last_frame.append(max((t for t, _, _ in mine), default=pressed) - pressed)
        mounts.append(page.evaluate("(t0) => window.__bench.mounts.filter(e => e[1] >= t0).length", key))
        busy.append(page.evaluate("(t0) => window.__bench.long.filter(e => e[0] >= t0)"
                                  ".reduce((a, e) => a + e[1], 0)", key) / 1e3)
    ok = page.locator('[data-testid="stException"]').count() == 0
    page.close()
    return {"latency": lat, "sent": sent, "ws_bytes": ws_bytes, "last_frame": last_frame,
            "browser_busy": busy, "new_chart_divs": mounts, "no_exception": ok}


RENDER = """async ([spec, fresh]) => {
  const f = JSON.parse(spec), gd = document.getElementById('g');
  if (fresh) Plotly.purge(gd);
  const t = performance.now();
  await (fresh ? Plotly.newPlot : Plotly.react)(gd, f.data, f.layout, {displayModeBar: false});
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));  // painted
  return performance.now() - t;
}"""


def render_costs(browser, specs: list[dict[str, str]]) -> dict[str, dict]:
    """Plotly alone, no Streamlit and no server: plotly.js (the copy plotly.py ships; Streamlit bundles
    the same major version) draws each chart's JSON as the playground sent it, then redraws it with
    the next move's JSON (``Plotly.react``, what the playground's chart component calls on an update),
    until painted."""
    from pathlib import Path

    import plotly

    js = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()
    page = browser.new_page(viewport={"width": 1500, "height": 1200})
    page.set_content(f"<html><body><script>{js}</script><div id='g' style='width:720px'></div></body></html>")
    out = {}
    for key in specs[0]:
        first = page.evaluate(RENDER, [specs[0][key], True])
        updates = [page.evaluate(RENDER, [s[key], False]) for s in specs[1:] if key in s]
        out[key] = {"new_plot_ms": first, "react_p50_ms": sorted(updates)[len(updates) // 2] if updates else None,
                    "bytes": len(specs[0][key].encode())}
    page.close()
    return out


def run(quick: bool = False) -> list[dict]:
    from tests.browser import CHROMIUM, CHROMIUM_ARGS, chromium_available, streamlit_server

    if not chromium_available():
        return [{"section": "browser", "case": "headless Chromium", "impl": "-", "error": "chromium not installed"}]
    from playwright.sync_api import sync_playwright

    rows = []
    moves = 6 if quick else 20

    def launch():  # a fresh browser per measurement: one that drew earlier pages drew later ones slower
        return p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

    with sync_playwright() as p, tempfile.TemporaryDirectory(prefix="descent-jax-cache-") as cache, \
            _jax_cache(cache):
        for label in ("empty JAX compile cache", "warm JAX compile cache"):
            browser = launch()  # already running when the clock starts, as a student's would be
            try:
                t0 = time.perf_counter()  # streamlit_server starts the process right away
                with streamlit_server() as url:
                    rows.append({"section": "browser", "impl": "streamlit run app.py + Chromium",
                                 "case": f"cold start: process start -> first chart ({label})",
                                 **_first_paint(browser, url, t0)})
                    if label.startswith("warm"):  # the same server, warmed by its first page
                        browser.close()
                        browser = launch()
                        res = _slider_latency(browser, url, moves)
            finally:
                browser.close()
        from benchmarks.interaction import playground_specs

        browser = launch()
        try:
            costs = render_costs(browser, playground_specs(3 if quick else 5))
        finally:
            browser.close()
    lat = res["latency"]
    names = {"contour": "top view (2-D contour)", "curves": "loss curves (2-D)",
             "surface3d": "3-D surface (software WebGL)"}
    for key in [*TWO_D, *THREE_D, *sorted(set(lat) - set(TWO_D) - set(THREE_D))]:
        if lat.get(key):
            sent = res["sent"].get(key) or [float("nan")]
            rows.append({"section": "browser", "case": f"slider -> {names.get(key, key + ' chart')} redrawn",
                         "impl": "learning-rate slider, ArrowLeft", "chart": key, **summary_ms(lat[key]),
                         "figure_arrived_p50_ms": 1e3 * sorted(sent)[len(sent) // 2],
                         "no_exception": res["no_exception"]})
    both = [max(a, b) for a, b in zip(lat.get("contour", []), lat.get("curves", []), strict=False)]
    if both:
        rows.append({"section": "browser", "case": "slider -> both 2-D charts (contour, loss) redrawn",
                     "impl": "max of the two", "chart": "2d", **summary_ms(both),
                     "ws_bytes_p50": sorted(res["ws_bytes"])[len(res["ws_bytes"]) // 2],
                     "ws_bytes_max": max(res["ws_bytes"]), "charts_on_page": sorted(lat),
                     "last_frame_p50_ms": 1e3 * sorted(res["last_frame"])[len(res["last_frame"]) // 2],
                     "browser_longtasks_p50_ms": 1e3 * sorted(res["browser_busy"])[len(res["browser_busy"]) // 2],
                     "new_chart_divs_per_move_p50": sorted(res["new_chart_divs"])[len(res["new_chart_divs"]) // 2]})
    for key, c in costs.items():
        rows.append({"section": "browser", "case": f"plotly.js alone: draw the {key} chart, then redraw it",
                     "impl": "Plotly.newPlot / Plotly.react until painted", "chart": "render-" + key,
                     "p50_ms": c["react_p50_ms"], "p95_ms": None, "new_plot_ms": c["new_plot_ms"],
                     "bytes": c["bytes"]})
    return rows
