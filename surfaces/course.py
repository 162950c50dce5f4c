"""Surfaces from the course texts and the teaching quadratics.

Sources: the course notes, Section 3.1 (Example 3.1.2 is ``radial``); the
quadratics are the textbook cases for conditioning and saddles.
"""

from surfaces.base import StationaryPoint as P
from surfaces.base import Surface


def _bowl(x, y):
    return x**2 + y**2


def _elongated(x, y):
    return 0.1 * x**2 + 2.0 * y**2


def _saddle(x, y):
    return x**2 - y**2


def _radial(x, y):
    r2 = x**2 + y**2
    return r2**4 - 7.0 * r2**3 + 13.0 * r2**2


# On r2 = x^2 + y^2 the radial profile g(s) = s^4 - 7 s^3 + 13 s^2 has
# g'(s) = s (4 s^2 - 21 s + 26) = 0 at s = 2 (a ring of maxima, g = 12) and
# s = 13/4 (a ring of minima, g = 2.72..., above the global minimum 0 at the origin).
_RING_MIN = 13.0 / 4.0
_RING_MIN_VALUE = _RING_MIN**4 - 7 * _RING_MIN**3 + 13 * _RING_MIN**2

COURSE_SURFACES = (
    Surface(
        name="bowl",
        title="Round bowl",
        latex=r"f(x, y) = x^2 + y^2",
        fn=_bowl,
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        minima=(P((0.0, 0.0), 0.0),),
        start=(1.5, 1.0),
        look_for="Every step points straight at the minimum: GD shrinks the distance by (1 - 2η) per step.",
        source="Closed form; GD gives x_k = (1 - 2η)^k x_0.",
    ),
    Surface(
        name="elongated",
        title="Elongated valley (condition number 20)",
        latex=r"f(x, y) = 0.1\,x^2 + 2\,y^2",
        fn=_elongated,
        domain=((-10.0, 10.0), (-3.0, 3.0)),
        minima=(P((0.0, 0.0), 0.0),),
        start=(-9.0, 2.0),
        look_for=(
            "Curvatures 0.2 and 4 differ 20-fold: a learning rate safe for the steep y-direction "
            "crawls along x; momentum and adaptive methods fix that."
        ),
        source="Closed form; Hessian diag(0.2, 4), GD stable for η < 2/4 = 0.5.",
    ),
    Surface(
        name="saddle",
        title="Saddle",
        latex=r"f(x, y) = x^2 - y^2",
        fn=_saddle,
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        minima=(),
        others=(P((0.0, 0.0), 0.0, "saddle"),),
        start=(1.5, 1e-3),
        look_for=(
            "The gradient vanishes at the origin, yet it is no minimum: started almost on the x-axis, "
            "GD slows down near the saddle before the tiny y-offset grows and carries it away."
        ),
        source="Closed form; Hessian diag(2, -2).",
    ),
    Surface(
        name="radial",
        title="Course Example 3.1.2",
        latex=r"f(x, y) = (x^2+y^2)^4 - 7\,(x^2+y^2)^3 + 13\,(x^2+y^2)^2",
        fn=_radial,
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        minima=(P((0.0, 0.0), 0.0),),
        others=(
            P((2.0**0.5, 0.0), 12.0, "local maximum", ring=True),
            P((_RING_MIN**0.5, 0.0), float(_RING_MIN_VALUE), "local minimum", ring=True),
        ),
        start=(0.5, 1.0),
        look_for=(
            "Started inside the dashed ring of maxima (r = √2), GD goes to the global minimum at the origin: "
            "from (0.5, 1) with η = 0.01 the first step lands on (0.425, 0.85) and 200 steps reach about "
            "(0.03, 0.06). Started outside that ring, it settles on the outer ring of minima (r = √3.25) "
            "instead: the start decides."
        ),
        source=(
            "Course notes, Example 3.1.2. The maxima and outer minima form whole circles (drawn dashed); "
            "one point of each circle is listed."
        ),
        log_scale=True,
    ),
)
