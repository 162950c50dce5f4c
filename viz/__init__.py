"""Plotly figure builders: plain data (NumPy arrays, floats, strings) in, ``go.Figure`` out.

No Streamlit and no JAX here: the pages compute, these functions draw. Big arrays go out as
NumPy (Plotly 7 sends them base64-encoded; the meshes as float32) and paths are thinned for
drawing only. The playground's builders also come as ``*_chart``: the same figure as a
``spec.FigureSpec``, which the chart component sends without building a ``go.Figure``.
"""

from .anatomy import anatomy_chart, anatomy_figure, line_search_chart
from .contour import contour_chart, contour_figure
from .curves import loss_chart, loss_figure
from .gif import paths_gif
from .spec import FigureSpec
from .surface3d import camera_eye, surface_chart, surface_figure
from .thin import thin_path, thin_series

__all__ = [
    "FigureSpec",
    "anatomy_chart",
    "anatomy_figure",
    "line_search_chart",
    "camera_eye",
    "contour_chart",
    "contour_figure",
    "loss_chart",
    "loss_figure",
    "paths_gif",
    "surface_chart",
    "surface_figure",
    "thin_path",
    "thin_series",
]
