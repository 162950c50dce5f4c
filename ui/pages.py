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

PAGES = (  # file, title, icon, URL path (the playground is the app's root)
    ("pages/playground.py", "Playground", ":material/landscape:", ""),
    ("pages/lessons.py", "Lessons", ":material/school:", "lessons"),
    ("pages/landscape.py", "Basins & stationary points", ":material/scatter_plot:", "landscape"),
    ("pages/oned.py", "One dimension", ":material/show_chart:", "one-dimension"),
    ("pages/learning_rate.py", "Learning rate", ":material/speed:", "learning-rate"),
    ("pages/race.py", "Optimizer race", ":material/sports_score:", "race"),
    ("pages/stochastic.py", "Learning from data", ":material/casino:", "stochastic"),
    ("pages/regularization.py", "Regularization", ":material/compress:", "regularization"),
    ("pages/federated.py", "Federated learning", ":material/hub:", "federated"),
    ("pages/gradients.py", "How gradients are computed", ":material/functions:", "gradients"),
    ("pages/network.py", "A real network", ":material/neurology:", "network"),
)
URL_PATHS = tuple(url for *_, url in PAGES if url)  # the deep links (ui/head.py)


@cache
def _made() -> tuple:
    return tuple(st.Page(file, title=title, icon=icon, default=not url, **({"url_path": url} if url else {}))
                 for file, title, icon, url in PAGES)


def fresh() -> list:
    """This run's pages: copies of the ones made once."""
    return [copy.copy(p) for p in _made()]
