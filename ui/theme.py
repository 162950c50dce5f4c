"""Page-wide style that Streamlit's theme options cannot set: room on a projector, formulas on a phone.

Sent as a style-only ``st.html`` (Streamlit puts it in the page's event container: it takes no space).
"""

from __future__ import annotations

import streamlit as st

CSS = """
<style>
/* A display formula wider than its box (a phone, a narrow column) scrolls inside the box
   instead of running off the page. */
[data-testid="stMarkdownContainer"] .katex-display { overflow-x: auto; overflow-y: hidden; padding: 0.15rem 0; }
/* A projector's 1024x768: Streamlit's wide layout keeps 6rem above the title and 5rem beside the
   content; at that size both main charts must fit on the first screen. */
[data-testid="stMainBlockContainer"] { padding-top: 3.5rem; }
@media (max-width: 1280px) {
  [data-testid="stMainBlockContainer"] { padding-left: 1.5rem; padding-right: 1.5rem; }
}
</style>
"""


def apply() -> None:
    """Add the page style (once per page run; every page calls it through app.py)."""
    st.html(CSS)
