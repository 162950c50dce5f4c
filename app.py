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
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False  # what st.navigation sets; here before any session
    app = st.App(__file__)
else:
    from ui import chart, display, links, theme
    from ui.compute import enable_compilation_cache

    st.set_page_config(page_title="Descent: gradient descent made visible", page_icon="⛰️", layout="wide",
                       initial_sidebar_state="collapsed" if display.presenting() else "auto")
    with st.sidebar:  # the sidebar renders first: plotly.js is requested before any widget or chart
        chart.preload()
    theme.apply()
    enable_compilation_cache()
    links.remember_link()
    page = st.navigation(
        [st.Page("pages/playground.py", title="Playground", icon=":material/landscape:", default=True),
         st.Page("pages/lessons.py", title="Lessons", icon=":material/school:", url_path="lessons"),
         st.Page("pages/landscape.py", title="Basins & stationary points", icon=":material/scatter_plot:"),
         st.Page("pages/oned.py", title="One dimension", icon=":material/show_chart:", url_path="one-dimension"),
         st.Page("pages/learning_rate.py", title="Learning rate", icon=":material/speed:", url_path="learning-rate"),
         st.Page("pages/race.py", title="Optimizer race", icon=":material/sports_score:", url_path="race"),
         st.Page("pages/stochastic.py", title="Learning from data", icon=":material/casino:", url_path="stochastic"),
         st.Page("pages/regularization.py", title="Regularization", icon=":material/compress:",
                 url_path="regularization"),
         st.Page("pages/federated.py", title="Federated learning", icon=":material/hub:", url_path="federated"),
         st.Page("pages/gradients.py", title="How gradients are computed", icon=":material/functions:",
                 url_path="gradients"),
         st.Page("pages/network.py", title="A real network", icon=":material/neurology:", url_path="network")]
    )
    notice = st.container()  # above the page: what its link asked for and did not get (ui/links.py)
    with display.around_page():  # hide= and presentation mode, for every page (ui/display.py)
        page.run()
    links.link_notice(notice, page.url_path)
