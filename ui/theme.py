"""Page-wide style that Streamlit's theme options cannot set: room for the charts on a projector.

Sent as a style-only ``st.html`` (Streamlit puts it in the page's event container: it takes no space).
"""

from __future__ import annotations

import streamlit as st

CSS = """
<style>
/* A projector's 1024x768: Streamlit's wide layout keeps 6rem above the title and 5rem beside the
   content; at that size both main charts must fit on the first screen. */
[data-testid="stMainBlockContainer"] { padding-top: 3rem; }
@media (max-width: 1280px) {
  [data-testid="stMainBlockContainer"] { padding-left: 1.5rem; padding-right: 1.5rem; }
}
</style>
"""


def apply() -> None:
    """Add the page style (once per page run; every page calls it through app.py)."""
    st.html(CSS)
