"""Learning from data: SGD with B = 1 for 100 epochs, and a batch-size race over seeds, side by side.

Rows (section "data"): Descent's ``train`` (one jitted loop, reshuffling inside), a torch
``DataLoader`` + ``torch.optim.SGD`` loop (the reference), a plain NumPy loop and ``optax.sgd`` inside
``lax.scan``. All four walk the same path: the references are fed the exact index order Descent's
loop draws (``batch_order``), and the trajectories are compared. Then ``train_sizes``: 4 batch sizes
x 16 seeds x 50 epochs in one call.
"""

from __future__ import annotations

import numpy as np

from benchmarks.common import first_and_steady, timed
from optim import get_optimizer
from optim.stochastic import Batching, batch_order, train, train_sizes
from surfaces import get_surface

SURFACE = "line-scaled"  # N = 200, linear regression, squared error
LR = 0.01


def _numpy_loop(x, y, w0, batches):
    w = np.array(w0, dtype=np.float64)
    out = [w.copy()]
    for idx in batches:
        r = w[0] + w[1] * x[idx] - y[idx]
        g = np.array([2 * r.mean(), 2 * (r * x[idx]).mean()])
        w = w - LR * g
        out.append(w.copy())
    return np.array(out)


def _torch_loop(x, y, w0, batches):
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    data = TensorDataset(torch.tensor(x), torch.tensor(y))
    loader = DataLoader(data, batch_sampler=[list(b) for b in batches])  # Descent's order, for the check
    w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=LR)
    out = [w.detach().numpy().copy()]
    for xb, yb in loader:
        loss = ((w[0] + w[1] * xb - yb) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        out.append(w.detach().numpy().copy())
    return np.array(out)


def _optax_scan(x, y, w0, batches):
    import jax
    import jax.numpy as jnp
    import optax

    idx = np.stack(batches)  # B = 1 divides N: every batch has the same size
    xj, yj = jnp.asarray(x), jnp.asarray(y)
    tx = optax.sgd(LR)

    @jax.jit
    def run(w0, idx):
        def body(carry, i):
            w, state = carry
            g = jax.grad(lambda v: jnp.mean((v[0] + v[1] * xj[i] - yj[i]) ** 2))(w)
            updates, state = tx.update(g, state, w)
            w = optax.apply_updates(w, updates)
            return (w, state), w

        _, ws = jax.lax.scan(body, (w0, tx.init(w0)), idx)
        return jnp.concatenate([w0[None], ws])

    return lambda: run(jnp.asarray(w0), jnp.asarray(idx))


def sgd_epochs(quick: bool) -> list[dict]:
    surface = get_surface(SURFACE)
    x, y, w0 = surface.features, surface.targets, np.array(surface.start)
    epochs = 20 if quick else 100
    gd = get_optimizer("gd")
    seeds = iter(range(10_000))  # a new seed every call: nothing is cached, nothing recompiles

    def descent():
        return train(surface.sample_loss, (x, y), gd, {"lr": LR}, w0, batch_size=1, epochs=epochs,
                     seed=next(seeds)).params

    timing = first_and_steady(descent, 3 if quick else 7)
    reference = train(surface.sample_loss, (x, y), gd, {"lr": LR}, w0, batch_size=1, epochs=epochs, seed=0).params
    batches = batch_order(0, Batching.of(surface.n, 1), epochs)
    updates = len(batches)
    rows = [{"impl": "Descent train() (jit, reshuffling inside)", **timing, "check": {"reference": True}}]
    numpy_s, numpy_path = timed(lambda: _numpy_loop(x, y, w0, batches))
    torch_s, torch_path = timed(lambda: _torch_loop(x, y, w0, batches))
    optax_timing = first_and_steady(_optax_scan(x, y, w0, batches), 3 if quick else 7)
    optax_path = np.asarray(_optax_scan(x, y, w0, batches)())
    for impl, seconds, path, extra in (
        ("NumPy loop, hand-written gradient", numpy_s, numpy_path, {}),
        ("torch DataLoader + torch.optim.SGD (autograd)", torch_s, torch_path, {}),
        ("optax.sgd + lax.scan (jit, batch order given)", optax_timing["steady_s"], optax_path,
         {"compile_s": optax_timing["compile_s"]}),
    ):
        dev = float(np.max(np.abs(path - reference)))
        rows.append({"impl": impl, "steady_s": seconds, **extra, "check": {"max_dev": dev, "ok": dev <= 1e-10,
                                                                            "equal_through": updates}})
    base = rows[0]["steady_s"]
    for r in rows:
        r.update({"section": "data", "case": f"SGD B = 1, N = {surface.n}, {epochs} epochs ({updates:,} updates)",
                  "steps": updates, "epochs": epochs, "x_vs_numpy": numpy_s / r["steady_s"],
                  "x_vs_torch": torch_s / r["steady_s"], "x_vs_optax": optax_timing["steady_s"] / r["steady_s"],
                  "steps_per_s": updates / r["steady_s"], "x_descent": base / r["steady_s"]})
    return rows


def batch_size_race(quick: bool) -> list[dict]:
    surface = get_surface(SURFACE)
    gd = get_optimizer("gd")
    sizes, n_seeds, epochs = (1, 10, 50, None), 16, 50
    lrs = iter(np.linspace(0.04, 0.06, 100))

    def call():
        return [r.params for r in train_sizes(surface.sample_loss, (surface.features, surface.targets), gd,
                                              {"lr": float(next(lrs))}, np.array(surface.start), batch_sizes=sizes,
                                              seeds=np.arange(n_seeds), epochs=epochs)]

    timing = first_and_steady(call, 2 if quick else 5)
    updates = sum(epochs * Batching.of(surface.n, b).per_epoch for b in sizes) * n_seeds
    return [{"section": "data", "case": f"4 batch sizes (1, 10, 50, N) x {n_seeds} seeds x {epochs} epochs, one call",
             "impl": "Descent train_sizes()", **timing, "steps": updates, "steps_per_s": updates / timing["steady_s"]}]


def run(quick: bool = False) -> list[dict]:
    return [*sgd_epochs(quick), *batch_size_race(quick)]
