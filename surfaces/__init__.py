"""Loss surfaces: the course's examples, the standard 2-D test functions and user formulas.

float64 is switched on here, before anything traces: the course's numbers are
exact to the digit and the conformance tests compare with PyTorch to 1e-10.
"""

import jax

jax.config.update("jax_enable_x64", True)

from surfaces.base import StationaryPoint, Surface  # noqa: E402
from surfaces.data import DataSurface  # noqa: E402
from surfaces.registry import DATA_SURFACES, SURFACES, get_surface, surface_grid  # noqa: E402

__all__ = ["DATA_SURFACES", "DataSurface", "SURFACES", "StationaryPoint", "Surface", "get_surface", "surface_grid"]
