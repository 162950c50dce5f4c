"""The surface record: one frozen description per loss surface.

A surface is a function of two parameters ``f(x, y)`` written with ``jax.numpy``
so that it works on a single point and on a stacked grid alike (scalars in,
scalar out; arrays in, arrays out, elementwise). Everything a page, the CLI or a
test needs to know about it sits next to the function: its title and LaTeX, the
plot window, every global minimum, notable other stationary points, a suggested
start and one line on what to look for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import jax.numpy as jnp
import numpy as np

Window = tuple[tuple[float, float], tuple[float, float]]  # ((xmin, xmax), (ymin, ymax))


@dataclass(frozen=True)
class StationaryPoint:
    """A named point of a surface: where it is, the value there and what kind it is."""

    point: tuple[float, float]
    value: float
    kind: str = "global minimum"  # "global minimum" | "local minimum" | "saddle" | "local maximum"
    # keyword-only: subclasses (experiments.landscape.FoundPoint) add positional fields after kind
    ring: bool = field(default=False, kw_only=True)  # the whole circle about the origin through point is stationary

    @property
    def radius(self) -> float:
        return float(np.hypot(*self.point))

    def distance(self, point) -> float:
        """Euclidean distance from ``point`` to this point, or to its circle when it is a ring."""
        p = np.asarray(point, dtype=float)
        if self.ring:
            return abs(float(np.hypot(*p)) - self.radius)
        return float(np.hypot(*(p - np.asarray(self.point))))


@dataclass(frozen=True, eq=False)
class Surface:
    """A two-parameter loss surface ``f(x, y)``.

    ``eq=False`` keeps identity hashing: a surface is a static argument of the
    jitted runner, and two distinct surfaces must never share a compiled function.
    """

    name: str  # the CLI / URL name, e.g. "rosenbrock"
    title: str  # what a person reads, e.g. "Rosenbrock valley"
    latex: str  # the formula, KaTeX without surrounding dollars
    fn: Callable  # f(x, y) -> value, elementwise over arrays
    domain: Window  # the plot window
    minima: tuple[StationaryPoint, ...]  # every global minimum (may be empty, e.g. saddle)
    start: tuple[float, float]  # a start that shows the surface's character
    look_for: str  # one sentence: what this surface teaches
    others: tuple[StationaryPoint, ...] = ()  # notable local minima, saddles, maxima
    source: str = ""  # where the formula and minima were checked
    log_scale: bool = False  # plot the 3-D height / contours on a log1p scale
    fields: dict = field(default_factory=dict)  # extra metadata for later pages

    def __call__(self, w):
        """Evaluate at ``w`` of shape ``(..., 2)``."""
        w = jnp.asarray(w)
        return self.fn(w[..., 0], w[..., 1])

    @property
    def f_star(self) -> float | None:
        """The global minimum value, when one is known."""
        return min(m.value for m in self.minima) if self.minima else None

    def nearest_minimum(self, point) -> tuple[StationaryPoint, float] | None:
        """The declared global or local minimum closest to ``point`` and its distance."""
        candidates = [*self.minima, *(p for p in self.others if p.kind == "local minimum")]
        if not candidates:
            return None
        dists = [m.distance(point) for m in candidates]
        k = int(np.argmin(dists))
        return candidates[k], dists[k]

    def describe(self) -> dict:
        """The JSON object ``python -m surfaces list`` prints for this surface."""

        def pts(items):
            return [{"point": list(m.point), "value": m.value, "kind": m.kind} for m in items]

        return {
            "name": self.name,
            "title": self.title,
            "latex": self.latex,
            "domain": [list(self.domain[0]), list(self.domain[1])],
            "minima": pts(self.minima),
            "others": pts(self.others),
            "start": list(self.start),
            "look_for": self.look_for,
            "source": self.source,
        }
