"""The app's pages, for ``st.navigation`` in app.py.

``st.Page`` resolves its file through the file system (``Path.resolve``, ``is_file``) each time one is
made; made anew on every rerun, the eleven pages were about a tenth of a live server's CPU per slider
move (py-spy under ``make load``). They are made once per process and each run gets shallow copies:
``st.navigation`` marks the chosen copy runnable (``_can_be_called``), a flag that one session's run
must not share with another's.
"""

from __future__ import annotations

import copy
from functools import cache

import streamlit as st


@cache
def _made() -> tuple:
    return (
        st.Page("pages/playground.py", title="Playground", icon=":material/landscape:", default=True),
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
        st.Page("pages/network.py", title="A real network", icon=":material/neurology:", url_path="network"),
    )


def fresh() -> list:
    """This run's pages: copies of the ones made once."""
    return [copy.copy(p) for p in _made()]
