"""Plotly figure builders: plain data (NumPy arrays, floats, strings) in, ``go.Figure`` out.

No Streamlit and no JAX here: the pages compute, these functions draw. Big arrays go out as
NumPy (Plotly 7 sends them base64-encoded; the meshes as float32) and paths are thinned for
drawing only.
"""

from .anatomy import anatomy_figure
from .contour import contour_figure
from .curves import loss_figure
from .gif import paths_gif
from .surface3d import camera_eye, surface_figure
from .thin import thin_path, thin_series

__all__ = [
    "anatomy_figure",
    "camera_eye",
    "contour_figure",
    "loss_figure",
    "paths_gif",
    "surface_figure",
    "thin_path",
    "thin_series",
]
