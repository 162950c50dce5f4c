"""Helpers for the end-to-end tests: a real Streamlit server and Debian's headless Chromium."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from load.server import free_port, start_server, stop, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


def require_chromium() -> None:
    """Call at the top of a browser test module: skips it where Chromium is missing, except in CI."""
    import pytest

    if chromium_available():
        return
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser tests: install Debian's chromium (see .ci/run)")
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)


@contextmanager
def streamlit_server(timeout: float = 90.0, script: str = "app.py"):
    """Start ``streamlit run app.py`` (or ``script``) on a free loopback port; yield its URL; stop it afterwards."""
    port = free_port()
    proc = start_server(port, script, log_name="server")
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, timeout)
        yield url
    finally:
        stop([proc])


def open_deep_link(playwright, url: str, path: str, height: int):
    """Launch Chromium and open ``url + path`` directly (tests/test_browser_links.py checks this works
    as a fresh server's very first visit); returns ``(browser, page)``."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": 1500, "height": height})
    page.goto(url + path, wait_until="domcontentloaded")
    return browser, page

