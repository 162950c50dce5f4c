"""Standard 2-D test functions: valleys, plateaus and tilted bowls; ``CLASSIC_SURFACES`` lists them all.

Sources: Wikipedia, "Test functions for optimization", and the SFU Virtual Library of Simulation
Experiments (sfu.ca/~ssurjano/optimization). Every declared point was checked with Newton's method
(``jax.hessian``, float64) and mpmath; the functions with several minima live in ``multimodal.py``.
"""

import math

import jax.numpy as jnp

from surfaces.base import StationaryPoint as P
from surfaces.base import Surface
from surfaces.multimodal import (
    ACKLEY,
    HIMMELBLAU,
    LEVI,
    RASTRIGIN,
    SFU,
    SIX_HUMP_CAMEL,
    STYBLINSKI_TANG,
    THREE_HUMP_CAMEL,
    WIKI,
)


def _rosenbrock(x, y):
    return (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2


def _beale(x, y):
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def _booth(x, y):
    return (x + 2.0 * y - 7.0) ** 2 + (2.0 * x + y - 5.0) ** 2


def _matyas(x, y):
    return 0.26 * (x**2 + y**2) - 0.48 * x * y


def _goldstein_price(x, y):
    a = 1.0 + (x + y + 1.0) ** 2 * (19.0 - 14.0 * x + 3.0 * x**2 - 14.0 * y + 6.0 * x * y + 3.0 * y**2)
    b = 30.0 + (2.0 * x - 3.0 * y) ** 2 * (
        18.0 - 32.0 * x + 12.0 * x**2 + 48.0 * y - 36.0 * x * y + 27.0 * y**2
    )
    return a * b


def _mccormick(x, y):
    return jnp.sin(x + y) + (x - y) ** 2 - 1.5 * x + 2.5 * y + 1.0


# McCormick in closed form: grad f = 0 gives x - y = 1 and cos(x + y) = -1/2, a minimum where
# sin(x + y) < 0. At x + y = -2π/3 + 2πk the value is -√3/2 - π/3 + 2πk/2: lower with every k < 0,
# which is why the minimum is global on the usual box only.
_MC_MIN = (0.5 - math.pi / 3, -0.5 - math.pi / 3)
_MC_SIDE = (0.5 + 2 * math.pi / 3, -0.5 + 2 * math.pi / 3)
_MC_SADDLE = (0.5 + math.pi / 3, -0.5 + math.pi / 3)

ROSENBROCK = Surface(
    name="rosenbrock",
    title="Rosenbrock's banana valley",
    latex=r"f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2",
    fn=_rosenbrock,
    domain=((-2.0, 2.0), (-1.0, 3.0)),
    minima=(P((1.0, 1.0), 0.0),),
    start=(-1.2, 1.0),
    look_for=(
        "The valley floor y = x² is found in a few steps, then GD crawls along its curved, almost "
        "flat bottom: curvatures at the minimum differ 2500-fold."
    ),
    source=f"{WIKI} (a = 1, b = 100); {SFU}; start (-1.2, 1) is Rosenbrock's own (1960).",
    log_scale=True,
)

BEALE = Surface(
    name="beale",
    title="Beale",
    latex=r"f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
    fn=_beale,
    domain=((-4.5, 4.5), (-4.5, 4.5)),
    minima=(P((3.0, 0.5), 0.0),),
    others=(
        P((0.0, 1.0), 14.203125, "saddle"),
        P((0.10053793732415836, -2.644513585023125), 9.86451228475556, "saddle"),
    ),
    start=(-1.0, -1.0),
    look_for=(
        "Walls rise to 10⁵ at the corners while the minimum (3, 0.5) lies at the end of a flat, narrow "
        "valley; on the line y = 1 the surface is exactly flat (f = 14.203), with a saddle at (0, 1)."
    ),
    source=f"{WIKI}; {SFU}; saddles by Newton's method.",
    log_scale=True,
)

BOOTH = Surface(
    name="booth",
    title="Booth",
    latex=r"f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2",
    fn=_booth,
    domain=((-10.0, 10.0), (-10.0, 10.0)),
    minima=(P((1.0, 3.0), 0.0),),
    start=(-8.0, 6.0),
    look_for=(
        "A tilted quadratic bowl with Hessian [[10, 8], [8, 10]]: curvatures 18 across and 2 along the "
        "diagonal valley, so GD zigzags for η near 2/18 and creeps for small η."
    ),
    source=f"{WIKI}; {SFU}.",
)

MATYAS = Surface(
    name="matyas",
    title="Matyas",
    latex=r"f(x, y) = 0.26\,(x^2 + y^2) - 0.48\,xy",
    fn=_matyas,
    domain=((-10.0, 10.0), (-10.0, 10.0)),
    minima=(P((0.0, 0.0), 0.0),),
    start=(8.0, 4.0),
    look_for=(
        "A bowl stretched along the diagonal y = x: curvature 1 across it but only 0.04 along it, so "
        "GD reaches the diagonal fast and then crawls 25 times slower to the origin."
    ),
    source=f"{WIKI} and {SFU} agree on -0.48xy (with +0.48xy the valley would lie along y = -x).",
)

GOLDSTEIN_PRICE = Surface(
    name="goldstein-price",
    title="Goldstein-Price",
    latex=(
        r"f(x, y) = \left[1 + (x + y + 1)^2\,(19 - 14x + 3x^2 - 14y + 6xy + 3y^2)\right]"
        r"\left[30 + (2x - 3y)^2\,(18 - 32x + 12x^2 + 48y - 36xy + 27y^2)\right]"
    ),
    fn=_goldstein_price,
    domain=((-2.0, 2.0), (-2.0, 2.0)),
    minima=(P((0.0, -1.0), 3.0),),
    others=(
        P((-0.6, -0.4), 30.0, "local minimum"),
        P((1.8, 0.2), 84.0, "local minimum"),
        P((1.2, 0.8), 840.0, "local minimum"),
        P((-0.4, -0.6), 35.0, "saddle"),
        P((1.2, -0.2), 99.0, "saddle"),
        P((0.8, 0.2), 1155.0, "local maximum"),
    ),
    start=(1.0, 1.5),
    look_for=(
        "Values span six orders of magnitude (3 to about 10⁶), so one learning rate cannot suit both "
        "the cliffs and the floor; GD from the suggested start ends in the local minimum f = 840."
    ),
    source=(
        f"{WIKI}; {SFU}. All stationary points lie on rational coordinates; their values were checked "
        "exactly with fractions."
    ),
    log_scale=True,
)

MCCORMICK = Surface(
    name="mccormick",
    title="McCormick",
    latex=r"f(x, y) = \sin(x + y) + (x - y)^2 - 1.5x + 2.5y + 1",
    fn=_mccormick,
    domain=((-1.5, 4.0), (-3.0, 4.0)),
    minima=(P(_MC_MIN, -math.sqrt(3) / 2 - math.pi / 3),),
    others=(
        P(_MC_SIDE, -math.sqrt(3) / 2 + 2 * math.pi / 3, "local minimum"),
        P(_MC_SADDLE, math.sqrt(3) / 2 + math.pi / 3, "saddle"),
    ),
    start=(3.5, 3.0),
    look_for=(
        "A tilted trough with a wave along it: GD from the upper right stops in the side minimum "
        "(2.59, 1.59) instead of the global one (f ≈ -1.913); outside the window f falls without bound."
    ),
    source=(
        f"{WIKI} and {SFU} give f* = -1.9133 at (-0.54719, -1.54719); exactly f* = -√3/2 - π/3 "
        "= -1.91322 at (1/2 - π/3, -1/2 - π/3). It is the minimum on the box x ∈ [-1.5, 4], y ∈ [-3, 4] only."
    ),
)

CLASSIC_SURFACES = (
    ROSENBROCK,
    HIMMELBLAU,
    BEALE,
    BOOTH,
    MATYAS,
    THREE_HUMP_CAMEL,
    SIX_HUMP_CAMEL,
    RASTRIGIN,
    ACKLEY,
    STYBLINSKI_TANG,
    GOLDSTEIN_PRICE,
    LEVI,
    MCCORMICK,
)
