"""Every optimizer added with the rest of torch.optim, against the same loop in torch.optim and optax.

* ``rules``: ``descend()`` (one compiled loop, the record copied to the host) for each new rule on
  Rosenbrock, beside a ``torch.optim`` loop (float64, autograd on the same formula) and, where optax has the
  same map, an optax update in a jitted ``lax.scan``. Same start and steps; best of N; the paths are
  compared (the largest deviation from torch's, in the ``check`` column).
* ``lbfgs_vs_scipy``: L-BFGS with strong Wolfe from Rosenbrock's (-1.2, 1) until f - f* < 1e-8: Descent's
  steps and evaluations, torch's, and ``scipy.optimize.minimize(method="L-BFGS-B")``'s iterations and
  function evaluations, each with its wall time.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import torch
from scipy.optimize import minimize

from benchmarks.common import best_of
from optim import descend, get_optimizer
from surfaces import get_surface

START, STEPS = (-1.2, 1.0), 2_000


def _rosenbrock_torch(w):
    return (1.0 - w[0]) ** 2 + 100.0 * (w[1] - w[0] ** 2) ** 2


# name -> (our hyperparameters, torch class and kwargs, optax transformation or None)
RULES = {
    "asgd": ({"lr": 1e-4}, ("ASGD", {"lr": 1e-4}), None),
    "adadelta": ({"lr": 1.0}, ("Adadelta", {"lr": 1.0}), lambda: optax.adadelta(1.0, rho=0.9, eps=1e-6)),
    "rprop": ({"lr": 1e-3}, ("Rprop", {"lr": 1e-3}), None),
    "adamax": ({"lr": 2e-3}, ("Adamax", {"lr": 2e-3}), lambda: optax.adamax(2e-3)),
    "nadam": ({"lr": 2e-3}, ("NAdam", {"lr": 2e-3}), None),
    "radam": ({"lr": 1e-3}, ("RAdam", {"lr": 1e-3}), None),
    "adafactor": ({"lr": 1e-2}, ("Adafactor", {"lr": 1e-2}), None),
    "lion": ({"lr": 1e-4}, None, lambda: optax.lion(1e-4)),
    "lbfgs": ({}, ("LBFGS", {"max_iter": 1, "max_eval": 25}), None),
    "lbfgs strong_wolfe": ({"line_search": "strong_wolfe"},
                           ("LBFGS", {"max_iter": 1, "max_eval": 25, "line_search_fn": "strong_wolfe"}), None),
}


def torch_loop(cls: str, kwargs: dict, steps: int) -> np.ndarray:
    w = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, cls)([w], **kwargs)
    path = np.empty((steps + 1, 2))
    path[0] = START

    def closure():
        opt.zero_grad()
        loss = _rosenbrock_torch(w)
        loss.backward()
        return loss

    for k in range(steps):
        if cls == "LBFGS":
            opt.step(closure)
        else:
            closure()
            opt.step()
        path[k + 1] = w.detach().numpy()
    return path


def optax_loop(make, steps: int):
    surface = get_surface("rosenbrock")
    tx = make()
    grad = jax.grad(lambda w: surface(w))

    @jax.jit
    def run(w0):
        def body(carry, _):
            w, state = carry
            updates, state = tx.update(grad(w), state, w)
            w = optax.apply_updates(w, updates)
            return (w, state), w

        _, path = jax.lax.scan(body, (w0, tx.init(w0)), None, length=steps)
        return jnp.concatenate([w0[None], path])

    return lambda: np.asarray(run(jnp.asarray(START, dtype=jnp.float64)))


def rules(steps: int = STEPS, quick: bool = False) -> list[dict]:
    repeat = 3 if quick else 7
    surface, rows = get_surface("rosenbrock"), []
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # torch keeps scalar state (steps, NAdam's product) in this dtype
    try:
        for label, (hp, torch_spec, make_optax) in RULES.items():
            opt = get_optimizer(label.split()[0])
            ours = descend(surface, opt, hp, START, steps)
            ours_s = best_of(lambda o=opt, h=hp: descend(surface, o, h, START, steps), repeat)
            row = {"section": "optimizers", "case": f"{label} on Rosenbrock, {steps:,} steps",
                   "impl": "Descent descend()", "steady_s": ours_s, "us_per_step": 1e6 * ours_s / steps}
            if torch_spec is not None:
                cls, kwargs = torch_spec
                theirs = torch_loop(cls, kwargs, steps)
                torch_s = best_of(lambda c=cls, k=kwargs: torch_loop(c, k, steps), max(1, repeat // 3))
                row.update(torch_s=torch_s, x_vs_torch=torch_s / ours_s,
                           check=f"max |ours - torch| over the path {np.max(np.abs(ours.points - theirs)):.1e}")
            if make_optax is not None:
                run = optax_loop(make_optax, steps)
                run()
                optax_s = best_of(run, repeat)
                row.update(optax_s=optax_s, x_vs_optax=optax_s / ours_s)
            rows.append(row)
    finally:
        torch.set_default_dtype(previous)
    return rows


def lbfgs_vs_scipy(target: float = 1e-8) -> list[dict]:
    """Steps (or iterations), evaluations and time to f - f* < target from (-1.2, 1)."""
    surface = get_surface("rosenbrock")
    lbfgs = get_optimizer("lbfgs")
    hp = {"line_search": "strong_wolfe"}
    traj = descend(surface, lbfgs, hp, START, 200)
    hit = int(np.argmax(traj.loss < target)) if (traj.loss < target).any() else None
    ours_s = best_of(lambda: descend(surface, lbfgs, hp, START, hit or 200), 7)
    rows = [{"section": "optimizers", "case": f"L-BFGS + strong Wolfe to f - f* < {target:g} (Rosenbrock)",
             "impl": "Descent descend()", "steps": hit, "steady_s": ours_s,
             "evaluations": None if hit is None else int(traj.evaluations[hit, 0])}]

    def f_and_grad(w):
        x, y = w
        return ((1 - x) ** 2 + 100 * (y - x * x) ** 2,
                np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]))

    def scipy_run():
        return minimize(f_and_grad, np.array(START), jac=True, method="L-BFGS-B",
                        options={"ftol": 0.0, "gtol": 1e-12, "maxiter": 1000})

    # the iterations scipy needs to pass the target, from its callback's iterates
    seen = []
    minimize(f_and_grad, np.array(START), jac=True, method="L-BFGS-B", options={"ftol": 0.0, "gtol": 1e-12},
             callback=lambda xk: seen.append(f_and_grad(xk)[0]))
    scipy_hit = next((i + 1 for i, v in enumerate(seen) if v < target), None)
    result = scipy_run()
    rows.append({"section": "optimizers", "case": rows[0]["case"], "impl": "scipy.optimize.minimize(L-BFGS-B)",
                 "steps": scipy_hit, "evaluations": int(result.nfev), "steady_s": best_of(scipy_run, 7),
                 "note": "iterations to the target; evaluations and time for its whole run (to ‖∇f‖ < 1e-12)"})
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        path = torch_loop("LBFGS", {"max_iter": 1, "max_eval": 25, "line_search_fn": "strong_wolfe"}, hit or 200)
        torch_s = best_of(lambda: torch_loop("LBFGS", {"max_iter": 1, "max_eval": 25,
                                                      "line_search_fn": "strong_wolfe"}, hit or 200), 3)
    finally:
        torch.set_default_dtype(previous)
    rows.append({"section": "optimizers", "case": rows[0]["case"], "impl": "torch.optim.LBFGS (max_iter=1 a step)",
                 "steps": hit, "steady_s": torch_s,
                 "check": f"max |ours - torch| {np.max(np.abs(path - traj.points[: len(path)])):.1e}"})
    return rows


def run(quick: bool = False) -> list[dict]:
    return rules(500 if quick else STEPS, quick) + lbfgs_vs_scipy()
