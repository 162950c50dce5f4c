"""What a user would write instead of Descent, for Adam on Rosenbrock in float64.

* ``numpy_adam``: the textbook's style, a Python loop over NumPy arrays with the gradient worked
  out by hand, Adam written with torch's arithmetic (lerp for the first moment, ``v*b2 + (1-b2)*g*g``,
  ``p + (-step_size * m) / denom``, ``sqrt(1 - b2**t)`` from a Python float).
* ``torch_adam``: ``torch.optim.Adam`` on a float64 tensor, the gradient from autograd; one
  intra-op thread (two-element tensors gain nothing from more, and on a loaded 2-core machine
  torch's spinning OpenMP workers made the loop up to 30x slower: this is torch at its best).
* ``optax_adam``: ``optax.adam`` inside one jitted ``lax.scan``; its update is torch's up to the
  order of rounding (``m_hat / (sqrt(v_hat) + eps)`` instead of torch's bias-correction order), so
  it is compared with a tolerance, not bit for bit. ``optax_adam_recorded`` also keeps each
  point's loss and gradient norm and copies the record to NumPy, as ``descend`` does.

Each returns the path, shape ``(steps + 1, 2)``, the start first (what ``descend`` records).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def rosenbrock_grad(x: float, y: float) -> np.ndarray:
    """d/dx, d/dy of (1 - x)^2 + 100 (y - x^2)^2, by hand."""
    return np.array([-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)])


def numpy_adam(start, steps: int, lr: float = 1e-2, beta1: float = 0.9, beta2: float = 0.999,
               eps: float = 1e-8) -> np.ndarray:
    w = np.array(start, dtype=np.float64)
    m = np.zeros(2)
    v = np.zeros(2)
    path = np.empty((steps + 1, 2))
    path[0] = w
    for t in range(1, steps + 1):
        g = rosenbrock_grad(w[0], w[1])
        m = m + (1.0 - beta1) * (g - m)  # torch.lerp(m, g, 1 - beta1) for a weight below 0.5
        v = v * beta2 + (1.0 - beta2) * g * g
        step_size = lr / (1.0 - beta1**t)
        denom = np.sqrt(v) / (1.0 - beta2**t) ** 0.5 + eps
        w = w + (-step_size * m) / denom
        path[t] = w
    return path


def torch_adam(start, steps: int, lr: float = 1e-2, beta1: float = 0.9, beta2: float = 0.999,
               eps: float = 1e-8) -> np.ndarray:
    import torch

    torch.set_num_threads(1)
    w = torch.tensor(np.asarray(start, dtype=np.float64), requires_grad=True)
    opt = torch.optim.Adam([w], lr=lr, betas=(beta1, beta2), eps=eps)
    path = torch.empty((steps + 1, 2), dtype=torch.float64)
    path[0] = w.detach()
    for t in range(1, steps + 1):
        opt.zero_grad()
        loss = (1.0 - w[0]) ** 2 + 100.0 * (w[1] - w[0] ** 2) ** 2
        loss.backward()
        opt.step()
        path[t] = w.detach()
    return path.numpy()


@lru_cache(maxsize=16)
def _optax_scan(steps: int, lr: float, beta1: float, beta2: float, eps: float, record: bool = False):
    import jax
    import jax.numpy as jnp
    import optax
    from jax import lax

    opt = optax.adam(lr, b1=beta1, b2=beta2, eps=eps)

    def loss(w):
        return (1.0 - w[0]) ** 2 + 100.0 * (w[1] - w[0] ** 2) ** 2

    def run(w0):
        def body(carry, _):
            w, state = carry
            updates, state = opt.update(jax.grad(loss)(w), state, w)
            w = optax.apply_updates(w, updates)
            return (w, state), w

        _, path = lax.scan(body, (w0, opt.init(w0)), None, length=steps)
        return jnp.concatenate([w0[None], path])

    def run_recorded(w0):  # what descend keeps: each point, its loss and gradient norm, as one array
        def body(carry, _):
            w, state = carry
            f, g = jax.value_and_grad(loss)(w)
            updates, state = opt.update(g, state, w)
            return (optax.apply_updates(w, updates), state), jnp.concatenate([w, jnp.stack([f, jnp.linalg.norm(g)])])

        (w, _), rows = lax.scan(body, (w0, opt.init(w0)), None, length=steps)
        f, g = jax.value_and_grad(loss)(w)
        return jnp.concatenate([rows, jnp.concatenate([w, jnp.stack([f, jnp.linalg.norm(g)])])[None]])

    return jax.jit(run_recorded if record else run)


def optax_adam(start, steps: int, lr: float = 1e-2, beta1: float = 0.9, beta2: float = 0.999,
               eps: float = 1e-8):
    """The jitted scan's output (a device array: the caller blocks on it)."""
    return _optax_scan(int(steps), float(lr), float(beta1), float(beta2), float(eps))(
        np.asarray(start, dtype=np.float64))


def optax_adam_recorded(start, steps: int, lr: float = 1e-2, beta1: float = 0.9, beta2: float = 0.999,
                        eps: float = 1e-8) -> np.ndarray:
    """The same scan keeping what ``descend`` keeps, rows ``(x, y, f, ‖∇f‖)``, copied to NumPy as it does."""
    fn = _optax_scan(int(steps), float(lr), float(beta1), float(beta2), float(eps), True)
    return np.asarray(fn(np.asarray(start, dtype=np.float64)))


def deviation(a, b) -> np.ndarray:
    """Per step: max |a - b| / max(1, |b|) (absolute near zero, relative beyond), the tests' measure."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b)), axis=-1)


def agreement(path, reference, tol: float) -> dict:
    """How far two paths agree: the largest deviation, and the last step still within ``tol``."""
    d = deviation(path, reference)
    over = np.flatnonzero(~(d <= tol))
    return {"max_dev": float(d.max(initial=0.0)), "equal_through": int(over[0]) - 1 if over.size else len(d) - 1}
