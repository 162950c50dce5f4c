"""How a gradient is computed: reverse-mode AD (backpropagation), forward-mode AD, or finite differences.

The lecture notes' contrast, as interchangeable methods of the runner:

* ``reverse``: ``jax.value_and_grad``, one forward pass and one backward pass whatever the number of
  parameters n (a small constant times the cost of f);
* ``forward``: forward-mode AD, ``jax.jacfwd``: one Jacobian-vector product per parameter (n passes);
* ``fd-forward``: (f(w + h eᵢ) − f(w)) / h, n extra evaluations of f, truncation error O(h);
* ``fd-central``: (f(w + h eᵢ) − f(w − h eᵢ)) / 2h, 2n evaluations, truncation error O(h²).

Differences divide a difference of nearly equal numbers by h: round-off grows like ε/h while the
truncation error shrinks with h, so each scheme has a best h, near √ε for forward and ∛ε for
central differences at unit scale (ε = 2.2e-16 in float64; Nocedal and Wright, Numerical
Optimization, §8.1). The step ``h`` is a traced value: changing it compiles nothing.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.flatten_util import ravel_pytree

GRADIENT_METHODS = ("reverse", "forward", "fd-forward", "fd-central")
FINITE_DIFFERENCES = ("fd-forward", "fd-central")
DEFAULT_FD_STEP = {"fd-forward": 1.5e-8, "fd-central": 6e-6}  # ≈ √ε and ∛ε in float64, for |w| ~ 1
LABELS = {
    "reverse": "reverse-mode AD (backpropagation)",
    "forward": "forward-mode AD",
    "fd-forward": "forward difference",
    "fd-central": "central difference",
}


def evaluations(method: str, n: int) -> str:
    """What one gradient of n parameters costs, in the notes' terms."""
    return {"reverse": "1 forward + 1 backward pass", "forward": f"{n} forward-mode passes",
            "fd-forward": f"{n + 1} evaluations of f", "fd-central": f"{2 * n + 1} evaluations of f"}[method]


def check_fd_step(h) -> float:
    h = float(h)
    if not (h > 0 and h < float("inf")):
        raise ValueError(f"the finite-difference step h must be a positive finite number, got {h:g}")
    return h


def _fd_vector(loss_fn, w, h, central: bool):
    """(f(w), ∇f(w)) by differences along each coordinate of the pytree ``w``, all evaluations batched."""
    flat, unravel = ravel_pytree(w)
    f0 = loss_fn(w)
    steps = jnp.eye(flat.size, dtype=flat.dtype) * h
    shifted = jax.vmap(lambda e: loss_fn(unravel(flat + e)))
    if central:
        g = (shifted(steps) - shifted(-steps)) / (2 * h)
    else:
        g = (shifted(steps) - f0) / h
    return f0, unravel(g)


def _fd_scalars(loss_fn, x, y, h, central: bool):
    """The same for ``f(x, y)`` of two scalars (the final-points runner's layout)."""
    f0 = loss_fn(x, y)
    if central:
        gx = (loss_fn(x + h, y) - loss_fn(x - h, y)) / (2 * h)
        return f0, (gx, (loss_fn(x, y + h) - loss_fn(x, y - h)) / (2 * h))
    return f0, ((loss_fn(x + h, y) - f0) / h, (loss_fn(x, y + h) - f0) / h)


def value_and_grad(loss_fn, method: str, argnums=0, h=None):
    """``(f, ∇f)`` of ``loss_fn`` by ``method``; ``argnums=(0, 1)`` for ``f(x, y)``; ``h`` the difference step."""
    if method == "reverse":
        return jax.value_and_grad(loss_fn, argnums=argnums)
    if method == "forward":
        return lambda *args: (loss_fn(*args), jax.jacfwd(loss_fn, argnums=argnums)(*args))
    if method in FINITE_DIFFERENCES:
        central = method == "fd-central"
        if argnums == (0, 1):
            return lambda x, y: _fd_scalars(loss_fn, x, y, h, central)
        return lambda w: _fd_vector(loss_fn, w, h, central)
    raise ValueError(f"unknown gradient method {method!r}; choose one of: {', '.join(GRADIENT_METHODS)}")
