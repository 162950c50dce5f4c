"""One real Chromium session beside the virtual users: what a person sees, timed the same way.

It opens the same link, then moves the learning-rate slider with the keyboard every few seconds and
times each move until the contour chart's path has changed on screen (the figure was sent, decoded
and drawn), so its numbers can be set beside the virtual users' rerun-to-``script_finished`` times.
"""

from __future__ import annotations

import statistics
import threading
import time

from tests.browser import CHROMIUM, CHROMIUM_ARGS

PATH = """() => {
  const gd = document.querySelectorAll('.js-plotly-plot')[0];
  const t = gd && gd._fullData && gd._fullData.find(d => d.name === 'path');
  if (!t || !t.x) return null;
  const xs = Array.from(t.x); const ys = Array.from(t.y);
  return JSON.stringify([xs.length, xs[xs.length - 1], ys[ys.length - 1]]);
}"""


class BrowserCheck:
    def __init__(self, url: str, link: str, moves: int = 8, every: float = 4.0, timeout: float = 120.0):
        self.url, self.link, self.moves, self.every, self.timeout = url, link, moves, every, timeout
        self.first_load: float | None = None
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def finish(self) -> dict:
        self._thread.join(self.timeout + self.moves * (self.every + 30))
        lat = self.latencies
        return {"first_load_s": self.first_load, "moves": len(lat), "errors": self.errors,
                "p50_s": statistics.median(lat) if lat else None, "max_s": max(lat) if lat else None}

    def _run(self) -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 1200})
                begin = time.perf_counter()
                page.goto(f"{self.url}/?{self.link}", wait_until="domcontentloaded")
                page.wait_for_function(f"() => ({PATH})() !== null", timeout=self.timeout * 1000)
                self.first_load = time.perf_counter() - begin
                slider = page.locator('[data-testid="stSlider"] input[type="range"]').first  # learning rate
                for i in range(self.moves):
                    time.sleep(self.every)
                    before = page.evaluate(PATH)
                    slider.focus()
                    begin = time.perf_counter()
                    page.keyboard.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
                    page.wait_for_function(f"(b) => ({PATH})() !== b", arg=before, timeout=60_000)
                    self.latencies.append(time.perf_counter() - begin)
                if page.locator('[data-testid="stException"]').count():
                    self.errors.append("an exception is shown on the page")
                browser.close()
        except Exception as exc:  # reported in the row, never a crash of the load run
            self.errors.append(f"{type(exc).__name__}: {str(exc)[:120]}")
