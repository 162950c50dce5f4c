"""The computations behind the pages: each a pure function from parameters to arrays, built on ``optim``.

Sweeps, basin maps and stationary points, races, the one-dimensional walk, the anatomy of a step,
summaries and exports; no Streamlit here (``ui/`` and ``pages/`` call these).
"""
