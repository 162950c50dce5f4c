"""Descent: the entry file only routes (streamlit's st.navigation); every page is a short script."""

import streamlit as st

from ui.compute import enable_compilation_cache

st.set_page_config(page_title="Descent: gradient descent made visible", page_icon="⛰️", layout="wide")
enable_compilation_cache()
page = st.navigation(
    [st.Page("pages/playground.py", title="Playground", icon=":material/landscape:", default=True),
     st.Page("pages/landscape.py", title="Basins & stationary points", icon=":material/scatter_plot:"),
     st.Page("pages/oned.py", title="One dimension", icon=":material/show_chart:", url_path="one-dimension"),
     st.Page("pages/learning_rate.py", title="Learning rate", icon=":material/speed:", url_path="learning-rate"),
     st.Page("pages/race.py", title="Optimizer race", icon=":material/sports_score:", url_path="race"),
     st.Page("pages/stochastic.py", title="Learning from data", icon=":material/casino:", url_path="stochastic"),
     st.Page("pages/network.py", title="A real network", icon=":material/neurology:", url_path="network")]
)
page.run()
