"""One run, Adam on Rosenbrock: Descent's ``descend`` against the loops a user would write instead.

Same start (Rosenbrock's own, (-1.2, 1)), same hyperparameters (lr 0.01, torch's other defaults),
float64 everywhere. Before any steady timing each path is compared with Descent's, step by step, in
the tests' measure |a - b| / max(1, |b|) to 1e-9. Near the minimum Adam's normalised step is
rounding noise (a sign), so long runs part at the last digits; the check then asks for agreement
through 99% of the steps before Descent itself, started one ulp away (x or y, up or down), parts
from its own path, and says so.
"""

from __future__ import annotations

import math

import numpy as np

from benchmarks import references
from benchmarks.common import count_compiles, first_and_steady, timed
from optim import descend, get_optimizer, step_bucket
from surfaces import get_surface

START = (-1.2, 1.0)
HP = {"lr": 1e-2}  # betas (0.9, 0.999), eps 1e-8: torch's defaults
TOL = 1e-9


def _repeats(steps: int, quick: bool) -> dict[str, int]:
    if quick:
        return {"numpy": 1, "torch": 1, "jax": 5}
    if steps >= 50_000:
        return {"numpy": 1, "torch": 1, "jax": 10}
    if steps >= 5_000:
        return {"numpy": 3, "torch": 2, "jax": 20}
    return {"numpy": 5, "torch": 3, "jax": 30}


def _check(path, reference, self_spread: int) -> dict:
    a = references.agreement(path, reference, TOL)
    n = len(reference) - 1
    a["ok"] = a["equal_through"] >= n or a["equal_through"] >= 0.99 * self_spread
    a["self_spread_through"] = self_spread
    return a


def _self_spread(surface, adam, steps: int, reference) -> int:
    """The last step Descent still agrees with itself to TOL when the start moves by one ulp."""
    x, y = START
    nudged = [(math.nextafter(x, math.inf), y), (math.nextafter(x, -math.inf), y),
              (x, math.nextafter(y, math.inf)), (x, math.nextafter(y, -math.inf))]
    return min(references.agreement(descend(surface, adam, HP, s, steps).points, reference, TOL)["equal_through"]
               for s in nudged)


def case(steps: int, quick: bool = False) -> list[dict]:
    surface, adam = get_surface("rosenbrock"), get_optimizer("adam")
    reps = _repeats(steps, quick)
    rows: dict[str, dict] = {}

    def run_descend():
        return descend(surface, adam, HP, START, steps).points

    # First calls (trace + compile + run) before anything else touches these buckets.
    with count_compiles() as log:
        rows["Descent descend()"] = first_and_steady(run_descend, 1)
    rows["Descent descend()"]["xla_compile_s"] = log.seconds.get("xla_compile_s")
    with count_compiles() as log:
        rows["optax.adam + lax.scan (jit)"] = first_and_steady(lambda: references.optax_adam(START, steps, **HP), 1)
    rows["optax.adam + lax.scan (jit)"]["xla_compile_s"] = log.seconds.get("xla_compile_s")
    recorded = "optax.adam + lax.scan, same record as descend (x, y, f, |grad f|, to NumPy)"
    with count_compiles() as log:
        rows[recorded] = first_and_steady(lambda: references.optax_adam_recorded(START, steps, **HP), 1)
    rows[recorded]["xla_compile_s"] = log.seconds.get("xla_compile_s")

    # The check: every path against Descent's, and Descent against itself one ulp away.
    reference = run_descend()
    self_spread = _self_spread(surface, adam, steps, reference)
    rows["optax.adam + lax.scan (jit)"]["check"] = _check(np.asarray(references.optax_adam(START, steps, **HP)),
                                                          reference, self_spread)
    rows[recorded]["check"] = _check(references.optax_adam_recorded(START, steps, **HP)[:, :2], reference, self_spread)
    rows["Descent descend()"]["check"] = {"max_dev": 0.0, "equal_through": steps, "ok": True, "reference": True}

    # Steady state, best of N.
    for label, fn in (("Descent descend()", run_descend),
                      ("optax.adam + lax.scan (jit)", lambda: references.optax_adam(START, steps, **HP)),
                      (recorded, lambda: references.optax_adam_recorded(START, steps, **HP))):
        rows[label]["steady_s"] = min(timed(fn)[0] for _ in range(reps["jax"]))
        rows[label]["compile_s"] = max(rows[label]["first_s"] - rows[label]["steady_s"], 0.0)
    # Python loops: each timed run's own output is checked.
    for label, fn, n in (("NumPy loop, hand-written gradient", references.numpy_adam, reps["numpy"]),
                         ("torch.optim.Adam + autograd", references.torch_adam, reps["torch"])):
        times, path = [], None
        for _ in range(n):
            t, path = timed(lambda f=fn: f(START, steps, **HP))
            times.append(t)
        rows[label] = {"steady_s": min(times), "check": _check(path, reference, self_spread)}

    numpy_s = rows["NumPy loop, hand-written gradient"]["steady_s"]
    torch_s = rows["torch.optim.Adam + autograd"]["steady_s"]
    optax_s = rows["optax.adam + lax.scan (jit)"]["steady_s"]
    out = []
    for label, r in rows.items():
        out.append({
            "section": "single", "case": f"Adam on Rosenbrock, {steps:,} steps", "steps": steps, "impl": label,
            **r, "steps_per_s": steps / r["steady_s"], "repeats": reps,
            "x_vs_numpy": numpy_s / r["steady_s"], "x_vs_torch": torch_s / r["steady_s"],
            "x_vs_optax": optax_s / r["steady_s"], "self_spread_through": self_spread,
        })
    return out


def per_optimizer(steps: int = 5_000, quick: bool = False) -> list[dict]:
    """Cost per step of ``descend`` (recorded, host copy included) for every optimizer code."""
    from optim import OPTIMIZERS

    surface, rows, reps = get_surface("rosenbrock"), [], (5 if quick else 15)
    knobs = {"lr": 1e-4}  # small enough for every optimizer to stay finite
    for name, opt in OPTIMIZERS.items():
        if opt.code_name != name:  # aliases run the same code as their base
            continue
        descend(surface, opt, knobs, START, steps)
        cur = min(timed(lambda o=opt: descend(surface, o, knobs, START, steps))[0] for _ in range(reps))
        rows.append({"section": "runner", "case": f"Rosenbrock, {steps:,} steps (record of {step_bucket(steps):,})",
                     "impl": name, "steady_s": cur, "ns_per_step": 1e9 * cur / steps})
    return rows


def update_costs(steps: int = 5_000, quick: bool = False) -> list[dict]:
    """Where a recorded step's time goes: Adam's update alone in a bare jitted scan (gradient, update,
    the point recorded), written four ways, next to optax's. Same start and knobs; best of N."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    surface, adam = get_surface("rosenbrock"), get_optimizer("adam")
    hp = {k: np.float64(v) for k, v in sorted(adam.resolve(HP).items())}
    grad = jax.grad(surface)

    def plain(g, state, p, knobs, t):  # torch's arithmetic without the amsgrad / weight-decay / lerp branches
        b1, b2 = knobs["beta1"], knobs["beta2"]
        m = state.exp_avg + (1.0 - b1) * (g - state.exp_avg)
        v = state.exp_avg_sq * b2 + (1.0 - b2) * g * g
        denom = jnp.sqrt(v) / jnp.sqrt(1.0 - b2**t) + knobs["eps"]
        return p + (-(knobs["lr"] / (1.0 - b1**t)) * m) / denom, type(state)(m, v, state.max_exp_avg_sq)

    def constants(g, state, p, knobs, t):  # the same with the knobs folded in at compile time
        return plain(g, state, p, {k: float(v) for k, v in hp.items()}, t)

    def exp_log(g, state, p, knobs, t):  # beta**t as exp(t log beta): not torch's value to the last bit
        b1, b2 = knobs["beta1"], knobs["beta2"]
        tf = t.astype(jnp.float64)
        m = state.exp_avg + (1.0 - b1) * (g - state.exp_avg)
        v = state.exp_avg_sq * b2 + (1.0 - b2) * g * g
        denom = jnp.sqrt(v) / jnp.sqrt(1.0 - jnp.exp(tf * jnp.log(b2))) + knobs["eps"]
        return p + (-(knobs["lr"] / (1.0 - jnp.exp(tf * jnp.log(b1)))) * m) / denom, type(state)(
            m, v, state.max_exp_avg_sq)

    def scan_of(update):
        def run(w0, knobs):
            def body(carry, t):
                w, state = carry
                w_new, state = update(grad(w), state, w, knobs, t)
                return (w_new, state), w

            ts = jnp.arange(1, steps + 1, dtype=jnp.int64)
            return lax.scan(body, (w0, adam.fns.init(w0, knobs)), ts)[1]
        return jax.jit(run)

    w0, reps, rows = np.asarray(START, dtype=np.float64), (30 if quick else 200), []
    variants = {"torch-exact update, knobs traced (descend's)": adam.fns.update,
                "without the amsgrad / weight-decay / lerp branches": plain,
                "knobs as compile-time constants": constants,
                "beta**t as exp(t log beta)": exp_log}
    reference = None
    for label, update in variants.items():
        fn = scan_of(update)
        path = np.asarray(fn(w0, hp))
        reference = path if reference is None else reference  # the torch-exact variant, first
        rows.append({"impl": label, "check": references.agreement(path, reference, TOL),
                     "steady_s": min(timed(lambda f=fn: f(w0, hp))[0] for _ in range(reps))})
    path = np.asarray(references.optax_adam(START, steps, **HP))[:-1]  # optax's includes the end point
    rows.append({"impl": "optax.adam (constants)", "check": references.agreement(path, reference, TOL),
                 "steady_s": min(timed(lambda: references.optax_adam(START, steps, **HP))[0] for _ in range(reps))})
    return [{"section": "update", "case": f"Adam update in a bare scan, {steps:,} steps", **r,
             "ns_per_step": 1e9 * r["steady_s"] / steps, "repeats": reps} for r in rows]


def run(quick: bool = False) -> list[dict]:
    rows = []
    for steps in ((500, 5_000) if quick else (500, 5_000, 50_000)):
        rows += case(steps, quick)
    return rows + per_optimizer(5_000, quick) + update_costs(5_000, quick)
