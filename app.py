"""Descent: the entry file only routes (streamlit's st.navigation); every page is a short script.

The file is read twice. ``streamlit run app.py`` finds ``app = st.App(...)`` below and imports the
file once as the server starts (Streamlit's ASGI entry, no session yet): that import switches off
the legacy ``pages/`` folder discovery, which Streamlit otherwise applies to the first session of a
process, so a deep link opened as the very first visit routes like any other (README, Links). Every
session then runs the file as its script, with a script-run context: the ``else`` branch.
"""

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

if get_script_run_ctx(suppress_warning=True) is None:  # the server process importing its entry
    from starlette.middleware import Middleware
    from streamlit.runtime.pages_manager import PagesManager

    from ui.head import PlotlyPreload

    PagesManager.uses_pages_directory = False  # what st.navigation sets; here before any session
    app = st.App(__file__, middleware=[Middleware(PlotlyPreload)])  # the page's HTML starts plotly.js (ui/head.py)
else:
    from ui import display, links, pages, theme
    from ui.compute import enable_compilation_cache

    st.set_page_config(page_title="Descent: gradient descent made visible", page_icon="⛰️", layout="wide",
                       initial_sidebar_state="collapsed" if display.presenting() else "auto")
    theme.apply()
    enable_compilation_cache()
    links.remember_link()
    page = st.navigation(pages.fresh())
    notice = st.container()  # above the page: what its link asked for and did not get (ui/links.py)
    with display.around_page() as hide_notice:  # hide= and presentation mode, for every page (ui/display.py)
        links.place_notice(notice, page.url_path)
        links.before_stop(hide_notice)  # a page that stops early says what its link asked for first (links.stop)
        page.run()
        links.link_notice()
