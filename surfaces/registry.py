"""The explicit registry: a plain dict from name to surface, built once, never by import side effects."""

from __future__ import annotations

from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np

from surfaces.base import Surface
from surfaces.classic import CLASSIC_SURFACES
from surfaces.course import COURSE_SURFACES
from surfaces.data import DataSurface, data_surfaces

DATA_SURFACES: tuple[DataSurface, ...] = data_surfaces()
SURFACES: dict[str, Surface] = {s.name: s for s in (*COURSE_SURFACES, *CLASSIC_SURFACES, *DATA_SURFACES)}
assert len(SURFACES) == len(COURSE_SURFACES) + len(CLASSIC_SURFACES) + len(DATA_SURFACES), "names must be unique"

MAX_GRID = 240  # the mesh sent to the browser is bounded: 240^2 float32 is ~230 kB


def get_surface(name: str) -> Surface:
    """The registered surface called ``name``; a ``KeyError`` naming the choices otherwise."""
    try:
        return SURFACES[name]
    except KeyError:
        raise KeyError(f"unknown surface {name!r}; choose one of: {', '.join(SURFACES)}") from None


@lru_cache(maxsize=64)
def _grid_fn(surface: Surface):
    return jax.jit(surface.fn)


def surface_grid(surface: Surface, n: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(xs, ys, Z)`` on an ``n x n`` grid over the surface's window; ``Z[i, j] = f(xs[j], ys[i])``."""
    n = int(min(max(n, 8), MAX_GRID))
    (x0, x1), (y0, y1) = surface.domain
    xs = np.linspace(x0, x1, n)
    ys = np.linspace(y0, y1, n)
    X, Y = np.meshgrid(xs, ys)
    Z = np.asarray(_grid_fn(surface)(jnp.asarray(X), jnp.asarray(Y)))
    return xs, ys, Z
