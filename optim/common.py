"""Shared declarations and the elementwise helpers that reproduce torch's arithmetic order."""

import jax
import jax.numpy as jnp

from optim.spec import Hyperparameter

EFFECTIVE = "effective step η/(√r̂+ε)"  # the anatomy's row for an adaptive method's per-coordinate step size


def tmap(fn, *trees):
    return jax.tree.map(fn, *trees)


def tmap_unzip(fn, n: int, first, *rest):
    """Map ``fn`` (returning an ``n``-tuple) over pytrees; return ``n`` pytrees shaped like ``first``."""
    out = jax.tree.map(fn, first, *rest)
    return tuple(jax.tree.map(lambda _, o, i=i: o[i], first, out) for i in range(n))


def lerp(start, end, weight):
    """torch.lerp's formula, which switches form at weight 0.5 for accuracy."""
    small = start + weight * (end - start)
    large = end - (end - start) * (1.0 - weight)
    return jnp.where(weight < 0.5, small, large)


def flag(value) -> jax.Array:
    """A 0.0/1.0 hyperparameter as a traced boolean."""
    return value > 0.5


def lr(default: float) -> Hyperparameter:
    return Hyperparameter(
        "lr", "learning rate", r"\eta", default,
        "Step size: how far each update moves against the gradient.",
        low=0.0, ui_low=1e-5, ui_high=10.0, log=True,
    )


def weight_decay(default: float = 0.0, decoupled: bool = False) -> Hyperparameter:
    text = (
        "Decoupled weight decay: the parameters shrink by (1 - ηλ) each step, apart from the gradient."
        if decoupled
        else "L2 penalty λ: adds λ·w to the gradient (the course's ℓ2 regularizer with λ/2)."
    )
    return Hyperparameter("weight_decay", "weight decay", r"\lambda", default, text, low=0.0, ui_high=1.0,
                          decoupled=decoupled)


def eps(default: float) -> Hyperparameter:
    return Hyperparameter(
        "eps", "epsilon", r"\epsilon", default,
        "Added to the denominator so a tiny second moment cannot blow the step up.",
        low=0.0, ui_low=1e-12, ui_high=1e-1, log=True,
    )


def vec(v) -> str:
    """A 2-vector as a KaTeX column, four significant digits (the anatomy's numbers)."""
    return rf"\begin{{pmatrix}} {v[0]:.4g} \\ {v[1]:.4g} \end{{pmatrix}}"


def stepper(fns, loss_fn, value_and_grad):
    """Any rule as one call ``(f, g, state, params, hp, t) -> Moved``, the shape every loop takes.

    A gradient rule's ``update`` counts the one evaluation the loop made for it; a rule with its own
    evaluations (``fns.step``: Newton, L-BFGS, line searches) is handed the loop's objective as a closure.
    """
    from optim.spec import Closure, Moved

    if fns.step is None:
        def step(f, g, state, params, hp, t):
            new, state = fns.update(g, state, params, hp, t)
            return Moved(new, state, jnp.array([1, 0], jnp.int32), jnp.asarray(0, jnp.int32))

        return step
    closure = Closure(loss_fn, value_and_grad)
    return lambda f, g, state, params, hp, t: fns.step(closure, f, g, state, params, hp, t)
