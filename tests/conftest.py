"""Shared fixtures: the repository root on sys.path, and a float64 JAX for every test."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import surfaces  # noqa: E402,F401  (switches JAX to float64 before any test traces)


@pytest.fixture(scope="module")
def server():
    """One real Streamlit server for a whole browser-test module (tests/browser.py starts it)."""
    from tests.browser import streamlit_server

    with streamlit_server() as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for a whole browser-test module."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
