"""Shared fixtures: the repository root on sys.path, and a float64 JAX for every test."""

import gc
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import surfaces  # noqa: E402,F401  (switches JAX to float64 before any test traces)

# No persistent compilation cache in the tests, nor in the servers they start (which inherit this): the
# processes would share one folder, and a formula read under the audit hook would open its files.
os.environ["DESCENT_JAX_CACHE"] = "off"


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


PACKAGES = ("optim", "experiments", "surfaces", "ui", "viz", "tests")


@pytest.fixture(autouse=True, scope="module")
def release_compiled_functions():
    """After each test module, drop every compiled function it left cached (ours and JAX's).

    Each XLA:CPU executable holds dozens of memory mappings; a whole suite in one process kept thousands
    of them (30,000 mappings after 200 tests of the runner) and crossed Linux's vm.max_map_count (65,530),
    where XLA's next compile or cache write crashed the process. Modules never share compiled functions.
    """
    yield
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith(PACKAGES):
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)) and hasattr(value, "cache_info"):  # functools caches
                value.cache_clear()
    if "streamlit" in sys.modules:  # what AppTest's page runs kept in st.cache_resource / st.cache_data
        import streamlit as st

        st.cache_resource.clear()
        st.cache_data.clear()
    import jax

    jax.clear_caches()
    gc.collect()
