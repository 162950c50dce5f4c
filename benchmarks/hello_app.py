"""The yardstick for a first visit: one Streamlit page with one Plotly chart (``st.plotly_chart``).

``benchmarks/load.py`` opens it side by side with Descent's pages in fresh browser contexts.
"""

import plotly.graph_objects as go
import streamlit as st

st.title("Hello")
st.plotly_chart(go.Figure(go.Scatter(x=[0, 1, 2, 3], y=[1, 3, 2, 4])))
