"""Descent: the entry file only routes (streamlit's st.navigation); every page is a short script."""

import streamlit as st

from ui import display, theme
from ui.compute import enable_compilation_cache

st.set_page_config(page_title="Descent: gradient descent made visible", page_icon="⛰️", layout="wide",
                   initial_sidebar_state="collapsed" if display.presenting() else "auto")
theme.apply()
enable_compilation_cache()
page = st.navigation(
    [st.Page("pages/playground.py", title="Playground", icon=":material/landscape:", default=True),
     st.Page("pages/lessons.py", title="Lessons", icon=":material/school:", url_path="lessons"),
     st.Page("pages/landscape.py", title="Basins & stationary points", icon=":material/scatter_plot:"),
     st.Page("pages/oned.py", title="One dimension", icon=":material/show_chart:", url_path="one-dimension"),
     st.Page("pages/learning_rate.py", title="Learning rate", icon=":material/speed:", url_path="learning-rate"),
     st.Page("pages/race.py", title="Optimizer race", icon=":material/sports_score:", url_path="race"),
     st.Page("pages/stochastic.py", title="Learning from data", icon=":material/casino:", url_path="stochastic"),
     st.Page("pages/regularization.py", title="Regularization", icon=":material/compress:", url_path="regularization"),
     st.Page("pages/gradients.py", title="How gradients are computed", icon=":material/functions:",
             url_path="gradients")]
)
with display.around_page():  # hide= and presentation mode, for every page
    page.run()
