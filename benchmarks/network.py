"""The digits network (section "network"): 20 epochs x 1,437 images, batch 32, Adam, side by side.

Rows: Descent's ``train_network`` in float64 and in float32 (one jitted loop; each epoch also evaluates the
loss and accuracy on the training and the test images), the same network fed the same batches
(``batch_order``) in a PyTorch loop (float64 and float32, torch's default dtype, each with one thread and
with torch's default of one per core: the faster setting of each precision is its reference) and in a plain NumPy
forward/backward loop with a hand-written Adam; each reference also evaluates the training and test
loss and the test accuracy after every epoch. The float64 references' final weights are compared
with Descent's. Then every optimizer of the page at its default step size, and the 41 x 41
landscape slice on the full training set (float32 as the page draws it, and float64).
"""

from __future__ import annotations

import os
import time

import numpy as np

from benchmarks.common import first_and_steady
from experiments.network import DEFAULT_LR, RACE_OPTIMIZERS, init_params, landscape, train_network
from optim.stochastic import Batching, batch_order
from surfaces.datasets import digits_data

EPOCHS, BATCH, LR = 20, 32, 0.001
CASE = f"Adam, {EPOCHS} epochs x 1,437 images, batch {BATCH} (900 updates)"


def _evaluate_numpy(p, x, y):
    z = np.maximum(x @ p["W1"] + p["b1"], 0.0) @ p["W2"] + p["b2"]
    m = z.max(axis=1, keepdims=True)
    lse = (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]
    return np.mean(lse - z[np.arange(len(y)), y]), np.mean(z.argmax(axis=1) == y)


def numpy_loop(batches_per_epoch, seed):
    """Forward, backward and Adam (torch's, no weight decay) by hand, float64."""
    d = digits_data()
    x, y = d.x_train, d.y_train
    p = init_params(seed)
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(v) for k, v in p.items()}
    b1, b2, eps, t = 0.9, 0.999, 1e-8, 0
    history = []
    for epoch in batches_per_epoch:
        for idx in epoch:
            xb, yb = x[idx], y[idx]
            pre = xb @ p["W1"] + p["b1"]
            h = np.maximum(pre, 0.0)
            z = h @ p["W2"] + p["b2"]
            e = np.exp(z - z.max(axis=1, keepdims=True))
            dz = e / e.sum(axis=1, keepdims=True)
            dz[np.arange(len(yb)), yb] -= 1.0
            dz /= len(yb)
            dh = (dz @ p["W2"].T) * (pre > 0)
            g = {"W2": h.T @ dz, "b2": dz.sum(axis=0), "W1": xb.T @ dh, "b1": dh.sum(axis=0)}
            t += 1
            for k in p:
                m[k] = b1 * m[k] + (1 - b1) * g[k]
                v[k] = b2 * v[k] + (1 - b2) * g[k] * g[k]
                step = LR / (1 - b1 ** t)
                p[k] = p[k] - step * m[k] / (np.sqrt(v[k]) / np.sqrt(1 - b2 ** t) + eps)
        history.append((_evaluate_numpy(p, x, y)[0], *_evaluate_numpy(p, d.x_test, d.y_test)))
    return p, history


def torch_loop(batches_per_epoch, seed, dtype, threads=None):
    """``nn.Sequential(Linear, ReLU, Linear)``, ``CrossEntropyLoss``, ``torch.optim.Adam``: the notes' loop.
    ``threads``: torch's intra-op threads for this loop (None: its default, one per core)."""
    import torch

    default_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        return _torch_loop(batches_per_epoch, seed, dtype)
    finally:
        torch.set_num_threads(default_threads)


def _torch_loop(batches_per_epoch, seed, dtype):
    import torch

    d = digits_data()
    start = init_params(seed)
    net = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)).to(dtype)
    with torch.no_grad():
        for layer, k in ((net[0], "1"), (net[2], "2")):
            layer.weight.copy_(torch.tensor(start["W" + k].T))
            layer.bias.copy_(torch.tensor(start["b" + k]))
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    criterion = torch.nn.CrossEntropyLoss()
    x, y = torch.tensor(d.x_train, dtype=dtype), torch.tensor(d.y_train)
    xt, yt = torch.tensor(d.x_test, dtype=dtype), torch.tensor(d.y_test)
    history = []
    for epoch in batches_per_epoch:
        for idx in epoch:
            i = torch.from_numpy(idx)
            opt.zero_grad()
            criterion(net(x[i]), y[i]).backward()
            opt.step()
        with torch.no_grad():
            zt = net(xt)
            history.append((float(criterion(net(x), y)), float(criterion(zt, yt)),
                            float((zt.argmax(dim=1) == yt).double().mean())))
    final = {"W1": net[0].weight.detach().double().numpy().T, "b1": net[0].bias.detach().double().numpy(),
             "W2": net[2].weight.detach().double().numpy().T, "b2": net[2].bias.detach().double().numpy()}
    return final, history


def _dev(a: dict, b) -> float:
    return float(max(np.max(np.abs(np.asarray(a[k]) - np.asarray(b[k]))) for k in a))


def training(quick: bool) -> list[dict]:
    import torch

    d = digits_data()
    repeat = 3 if quick else 7
    seeds = iter(range(1, 10_000))  # a new seed each call: a new start and new batches, nothing cached

    def descent(dtype):
        return train_network("adam", {"lr": LR}, EPOCHS, BATCH, next(seeds), dtype=dtype)

    timings = {}
    for dtype in ("float64", "float32"):
        first = time.perf_counter()
        run = descent(dtype)
        timings[dtype] = {"first_s": time.perf_counter() - first, "compile_s": run.compile_seconds,
                          "steady_s": min(descent(dtype).seconds for _ in range(repeat))}
    reference = train_network("adam", {"lr": LR}, EPOCHS, BATCH, 0)
    reference32 = train_network("adam", {"lr": LR}, EPOCHS, BATCH, 0, dtype="float32")
    batching = Batching.of(d.n_train, BATCH)
    flat = batch_order(0, batching, EPOCHS)
    epochs = [flat[e * batching.per_epoch:(e + 1) * batching.per_epoch] for e in range(EPOCHS)]
    final = reference.unravel(reference.params[-1])

    def best(fn):
        times = []
        for _ in range(2 if quick else 3):
            t = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t)
        return min(times), out

    numpy_s, (numpy_final, numpy_hist) = best(lambda: numpy_loop(epochs, 0))
    cores = os.cpu_count() or 1  # torch's default; the single-run section left torch at one thread
    threads = sorted({1, cores})
    plural = lambda n: f"{n} thread{'s' if n > 1 else ''}"  # noqa: E731
    torchs = [(f"PyTorch loop, float64, {plural(n)} (nn.Linear, CrossEntropyLoss, optim.Adam)",
               *best(lambda n=n: torch_loop(epochs, 0, torch.float64, n)), 1e-8) for n in threads]
    torchs += [(f"PyTorch loop, float32 (torch's default dtype), {plural(n)}",
                *best(lambda n=n: torch_loop(epochs, 0, torch.float32, n)), None) for n in threads]
    # The fastest thread setting of each precision is its reference.
    torch_s = min(t[1] for t in torchs if "float64" in t[0])
    torch32_s = min(t[1] for t in torchs if "float32" in t[0])
    rows = [{"impl": "Descent train_network() (jit; per epoch: train and test loss and accuracy)",
             **timings["float64"], "test_accuracy": float(reference.test_accuracy[-1]), "check": {"reference": True}},
            {"impl": "Descent train_network(dtype=\"float32\"), the same loop in float32",
             **timings["float32"], "test_accuracy": float(reference32.test_accuracy[-1]),
             "check": {"max_dev": _dev(final, reference32.unravel(reference32.params[-1])), "ok": None}}]
    for impl, seconds, (fin, hist), tol in (
        *torchs,
        ("NumPy loop, hand-written forward/backward + Adam, float64", numpy_s, (numpy_final, numpy_hist), 1e-8),
    ):
        dev = _dev(final, fin)
        rows.append({"impl": impl, "steady_s": seconds, "test_accuracy": hist[-1][2],
                     "check": {"max_dev": dev, "ok": dev <= tol if tol else None, "equal_through": 900}})
    base = rows[0]["steady_s"]
    for r in rows:
        r.update({"section": "network", "case": CASE, "steps": EPOCHS * batching.per_epoch,
                  "x_vs_torch": torch_s / r["steady_s"], "x_vs_torch32": torch32_s / r["steady_s"],
                  "x_vs_numpy": numpy_s / r["steady_s"], "x_descent": base / r["steady_s"]})
    return rows


def per_optimizer(quick: bool) -> list[dict]:
    rows = []
    for name in RACE_OPTIMIZERS:
        first = train_network(name, {"lr": DEFAULT_LR[name]}, EPOCHS, BATCH, 0)
        steady = min(train_network(name, {"lr": DEFAULT_LR[name]}, EPOCHS, BATCH, s).seconds
                     for s in range(1, 3 if quick else 4))
        rows.append({"section": "network", "case": f"{name} (η = {DEFAULT_LR[name]:g}), {EPOCHS} epochs, B = {BATCH}",
                     "impl": "Descent train_network() per optimizer", "compile_s": first.compile_seconds,
                     "steady_s": steady, "test_accuracy": float(first.test_accuracy[-1])})
    many = [train_network("adam", {"lr": LR}, EPOCHS, BATCH, np.arange(8) + k) for k in range(2 if quick else 3)]
    rows.append({"section": "network", "case": f"Adam, 8 seeds x {EPOCHS} epochs, one vmapped call",
                 "impl": "Descent train_network(seed=array)", "compile_s": many[0].compile_seconds,
                 "steady_s": min(m.seconds for m in many[1:]),
                 "test_accuracy": float(np.mean(many[0].test_accuracy[-1]))})
    return rows


def slice_rows(quick: bool) -> list[dict]:
    run = train_network("adam", {"lr": LR}, EPOCHS, BATCH, 0)
    rows = []
    for kind, dtype in (("random", "float32"), ("random", "float64"), ("pca", "float32")):
        timing = first_and_steady(lambda kind=kind, dtype=dtype: landscape(run, kind, 41, dtype=dtype).loss,
                                  2 if quick else 5)
        rows.append({"section": "network", "case": f"41 x 41 slice, {kind} directions, 1,437 images",
                     "impl": f"Descent landscape() ({dtype}, lax.map)", **timing})
    return rows


def run(quick: bool = False) -> list[dict]:
    return [*training(quick), *per_optimizer(quick), *slice_rows(quick)]
