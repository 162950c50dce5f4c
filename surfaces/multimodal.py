"""Standard 2-D test functions with several minima: where the start decides the answer.

Sources: Wikipedia, "Test functions for optimization" (formulas, global minima, Himmelblau's
maximum) and the SFU Virtual Library of Simulation Experiments (sfu.ca/~ssurjano/optimization).
Every other stationary point below was found by Newton's method with ``jax.hessian`` in float64
and confirmed with mpmath at 40 digits; coordinates and values are given to about 1e-16.
"""

import math

import jax.numpy as jnp

from surfaces.base import StationaryPoint as P
from surfaces.base import Surface

TWO_PI = 2.0 * jnp.pi
WIKI = 'Wikipedia "Test functions for optimization"'
SFU = "SFU Virtual Library of Simulation Experiments"


def _himmelblau(x, y):
    return (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2


def _three_hump_camel(x, y):
    return 2.0 * x**2 - 1.05 * x**4 + x**6 / 6.0 + x * y + y**2


def _six_hump_camel(x, y):
    return (4.0 - 2.1 * x**2 + x**4 / 3.0) * x**2 + x * y + (-4.0 + 4.0 * y**2) * y**2


def _rastrigin(x, y):
    return 20.0 + x**2 - 10.0 * jnp.cos(TWO_PI * x) + y**2 - 10.0 * jnp.cos(TWO_PI * y)


def _ackley(x, y):
    # sqrt has an infinite derivative at 0, and 0 * inf = NaN would poison the gradient at the
    # origin; the double where keeps both branches finite (the cone's tip gets gradient 0).
    r2 = 0.5 * (x**2 + y**2)
    r = jnp.where(r2 > 0.0, jnp.sqrt(jnp.where(r2 > 0.0, r2, 1.0)), 0.0)
    waves = 0.5 * (jnp.cos(TWO_PI * x) + jnp.cos(TWO_PI * y))
    return -20.0 * jnp.exp(-0.2 * r) - jnp.exp(waves) + jnp.e + 20.0


def _styblinski_tang(x, y):
    return 0.5 * (x**4 - 16.0 * x**2 + 5.0 * x + y**4 - 16.0 * y**2 + 5.0 * y)


def _levi(x, y):
    return (
        jnp.sin(3.0 * jnp.pi * x) ** 2
        + (x - 1.0) ** 2 * (1.0 + jnp.sin(3.0 * jnp.pi * y) ** 2)
        + (y - 1.0) ** 2 * (1.0 + jnp.sin(TWO_PI * y) ** 2)
    )


# Three-hump camel: df/dy = 0 gives y = -x/2, then x^4 - 4.2 x^2 + 3.5 = 0.
_CAMEL3_MIN = math.sqrt((4.2 + math.sqrt(3.64)) / 2.0)  # 1.7475523458302889
_CAMEL3_SADDLE = math.sqrt((4.2 - math.sqrt(3.64)) / 2.0)  # 1.0705422918236600
# Styblinski-Tang is separable: 4 t^3 - 32 t + 5 = 0 has roots a < c < b (c is each axis's maximum).
_ST_A, _ST_B, _ST_C = -2.903534027771177, 2.746802770990837, 0.1567312567803401

HIMMELBLAU = Surface(
    name="himmelblau",
    title="Himmelblau's function",
    latex=r"f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    fn=_himmelblau,
    domain=((-5.0, 5.0), (-5.0, 5.0)),
    minima=(
        P((3.0, 2.0), 0.0),
        P((-2.805118086952745, 3.131312518250573), 0.0),
        P((-3.779310253377747, -3.2831859912861696), 0.0),
        P((3.5844283403304917, -1.8481265269644036), 0.0),
    ),
    others=(
        P((-0.2708445906673476, -0.9230385564799816), 181.6165215225827, "local maximum"),
        P((3.385154183607021, 0.07385187983774928), 13.31192627040559, "saddle"),
        P((0.08667750455539636, 2.884254701174776), 67.71915008752614, "saddle"),
        P((-3.0730257507643897, -0.08135304428796751), 104.0151629175581, "saddle"),
        P((-0.12796134673068005, -1.9537149802445766), 178.33723920192746, "saddle"),
    ),
    start=(-0.5, -0.5),
    look_for=(
        "Four equally good minima: which one you reach depends on the start, and near the local "
        "maximum at (-0.27, -0.92) a small move of the start changes the answer."
    ),
    source=f"{WIKI} (minima, local maximum); {SFU}; saddles by Newton's method.",
    log_scale=True,
)

THREE_HUMP_CAMEL = Surface(
    name="three-hump-camel",
    title="Three-hump camel",
    latex=r"f(x, y) = 2x^2 - 1.05\,x^4 + \frac{x^6}{6} + xy + y^2",
    fn=_three_hump_camel,
    domain=((-2.0, 2.0), (-2.0, 2.0)),
    minima=(P((0.0, 0.0), 0.0),),
    others=(
        P((_CAMEL3_MIN, -_CAMEL3_MIN / 2), 0.2986384422368598, "local minimum"),
        P((-_CAMEL3_MIN, _CAMEL3_MIN / 2), 0.2986384422368598, "local minimum"),
        P((_CAMEL3_SADDLE, -_CAMEL3_SADDLE / 2), 0.8773615577631402, "saddle"),
        P((-_CAMEL3_SADDLE, _CAMEL3_SADDLE / 2), 0.8773615577631402, "saddle"),
    ),
    start=(-1.5, -1.5),
    look_for=(
        "Two side humps hold local minima (f ≈ 0.299) beside the global one at the origin: plain GD "
        "from the suggested start settles in a side minimum."
    ),
    source=f"{WIKI}; {SFU} (search box [-5, 5]^2); side minima and saddles solved in closed form.",
)

SIX_HUMP_CAMEL = Surface(
    name="six-hump-camel",
    title="Six-hump camel",
    latex=r"f(x, y) = \left(4 - 2.1\,x^2 + \frac{x^4}{3}\right)x^2 + xy + (-4 + 4y^2)\,y^2",
    fn=_six_hump_camel,
    domain=((-2.0, 2.0), (-1.2, 1.2)),
    minima=(
        P((0.08984201310031806, -0.7126564030207396), -1.0316284534898774),
        P((-0.08984201310031806, 0.7126564030207396), -1.0316284534898774),
    ),
    others=(
        P((1.7036067149699807, -0.7960835686726251), -0.2154638243837176, "local minimum"),
        P((-1.7036067149699807, 0.7960835686726251), -0.2154638243837176, "local minimum"),
        P((1.6071047529201974, 0.5686514548841314), 2.1042503103112583, "local minimum"),
        P((-1.6071047529201974, -0.5686514548841314), 2.1042503103112583, "local minimum"),
        P((0.0, 0.0), 0.0, "saddle"),
    ),
    start=(-1.5, -1.0),
    look_for=(
        "Six valleys, two of them global (f ≈ -1.0316) with a saddle between them at the origin: "
        "plain GD from the suggested start stops in the highest valley (f ≈ 2.104)."
    ),
    source=f"{SFU} (global minima; search box [-3, 3] x [-2, 2]); {WIKI}; local minima by Newton's method.",
)

RASTRIGIN = Surface(
    name="rastrigin",
    title="Rastrigin (A = 10)",
    latex=r"f(x, y) = 20 + x^2 - 10\cos(2\pi x) + y^2 - 10\cos(2\pi y)",
    fn=_rastrigin,
    domain=((-5.12, 5.12), (-5.12, 5.12)),
    minima=(P((0.0, 0.0), 0.0),),
    others=(
        P((0.9949586376523348, 0.0), 0.9949590570932914, "local minimum"),
        P((0.9949586376523348, 0.9949586376523348), 1.9899181141865828, "local minimum"),
        P((0.5025460365546746, 0.0), 20.251272990990113, "saddle"),
        P((0.5025460365546746, 0.5025460365546746), 40.50254598198023, "local maximum"),
    ),
    start=(2.2, -1.6),
    look_for=(
        "A bowl under an egg crate: 121 local minima in the window, one near each integer point, and "
        "GD stops in the nearest one; only a large step or luck gets past the bumps."
    ),
    source=f"{WIKI} (A = 10, n = 2); {SFU}; local points by Newton's method.",
)

ACKLEY = Surface(
    name="ackley",
    title="Ackley",
    latex=(
        r"f(x, y) = -20\exp\left(-0.2\sqrt{0.5\,(x^2 + y^2)}\right) "
        r"- \exp\left(0.5\,(\cos 2\pi x + \cos 2\pi y)\right) + e + 20"
    ),
    fn=_ackley,
    domain=((-5.0, 5.0), (-5.0, 5.0)),
    minima=(P((0.0, 0.0), 0.0),),
    others=(
        P((0.9521665459501717, 0.0), 2.579927557029872, "local minimum"),
        P((0.9684776587077244, 0.9684776587077244), 3.57445187725768, "local minimum"),
        P((0.6257806168564638, 0.0), 3.2524692451131804, "saddle"),
    ),
    start=(2.3, -1.7),
    look_for=(
        "A nearly flat plateau of ripples around a deep, sharp hole at the origin: GD gets caught in "
        "a ripple long before it feels the hole."
    ),
    source=(
        f"{WIKI} (a = 20, b = 0.2, c = 2π); {SFU}. The tip of the cone at the origin is not "
        "differentiable; the code gives it gradient 0."
    ),
)

STYBLINSKI_TANG = Surface(
    name="styblinski-tang",
    title="Styblinski-Tang",
    latex=r"f(x, y) = \frac{1}{2}\left(x^4 - 16x^2 + 5x + y^4 - 16y^2 + 5y\right)",
    fn=_styblinski_tang,
    domain=((-5.0, 5.0), (-5.0, 5.0)),
    minima=(P((_ST_A, _ST_A), -78.33233140754283),),
    others=(
        P((_ST_B, _ST_A), -64.19561235905536, "local minimum"),
        P((_ST_A, _ST_B), -64.19561235905536, "local minimum"),
        P((_ST_B, _ST_B), -50.058893310567885, "local minimum"),
        P((_ST_C, _ST_C), 0.39122471811071614, "local maximum"),
    ),
    start=(0.5, 0.2),
    look_for=(
        "Four minima at the corners of a square, only one of them global (lower left): started just "
        "right of the central maximum, GD rolls into the worst one, f ≈ -50.06."
    ),
    source=(
        f"{WIKI} (bounds -39.16617 n < f* < -39.16616 n); {SFU} gives -39.16599 n, which is off; "
        "f* = 2 x -39.166165703771415 by Newton's method and mpmath."
    ),
)

LEVI = Surface(
    name="levi",
    title="Lévi N.13",
    latex=(
        r"f(x, y) = \sin^2(3\pi x) + (x - 1)^2\left(1 + \sin^2(3\pi y)\right) "
        r"+ (y - 1)^2\left(1 + \sin^2(2\pi y)\right)"
    ),
    fn=_levi,
    domain=((-2.0, 4.0), (-2.0, 4.0)),
    minima=(P((1.0, 1.0), 0.0),),
    others=(
        P((0.6703805254516863, 1.0), 0.10987365835883795, "local minimum"),
        P((1.3296194745483137, 1.0), 0.10987365835883795, "local minimum"),
    ),
    start=(-1.5, 3.0),
    look_for=(
        "Ripples three to a unit along x: the nearest minimum to (1, 1) is only 0.33 away and 0.11 "
        "higher, and GD from afar stops on the first ripple it meets."
    ),
    source=f"{WIKI} (Lévi function N.13; search box [-10, 10]^2); {SFU}; side minima by Newton's method.",
)
