"""Many runs in one call: basins of attraction, a learning-rate sweep and a six-optimizer race.

Basins run each (grid size, implementation) in a fresh subprocess, so its memory peak is its own:
``python -m benchmarks.batched N IMPL`` prints one JSON row. Peak memory is the process's RSS high
water mark (``VmHWM``) above the RSS just before the call, reset between the first call (which also
holds the XLA compiler's memory) and the steady calls (``/proc/self/clear_refs``); host memory, so
on a GPU it is the host's share, and the device's own peak is added where JAX reports one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np

from benchmarks import prototypes
from benchmarks.common import ROOT, block, device_peak_bytes, first_and_steady, proc_status_kb, reset_peak_rss, timed
from optim import descend_batch, get_optimizer
from surfaces import get_surface

BASIN_STEPS = 500
IMPLS = {
    "descend_batch": "Descent descend_batch (float64, tol tracking)",
    "final64": "prototype: final points only, float64, chunked",
    "final32": "prototype: final points only, float32, chunked",
}


def _starts(surface, n: int) -> np.ndarray:
    (x0, x1), (y0, y1) = surface.domain
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return np.stack([X.ravel(), Y.ravel()], axis=1)  # shape (n * n, 2)


def basins_in_process(n: int, impl: str, repeat: int, share: str | None = None) -> dict:
    """One (size, implementation); ``share`` is a folder where the float64 runner leaves its final
    points for the prototypes' basin check (so that check does not rerun the slowest case)."""
    surface, gd = get_surface("himmelblau"), get_optimizer("gd")
    starts = _starts(surface, n)
    # lr 0.01 first (its result is the basin check's), then a new knob value every call: nothing is cached
    lrs = iter([0.01, *np.linspace(0.009, 0.011, 999)])
    if impl == "descend_batch":
        def call():
            return descend_batch(surface, gd, {"lr": float(next(lrs))}, starts, BASIN_STEPS).final_points
    else:
        dtype = "float64" if impl == "final64" else "float32"

        def call():
            return prototypes.basins_final(surface, gd, {"lr": float(next(lrs))}, starts, BASIN_STEPS,
                                           dtype=dtype, chunk=prototypes.default_chunk())[0]
    rss0 = proc_status_kb("VmRSS")
    can_reset = reset_peak_rss()
    first, finals = timed(call)
    first_peak = proc_status_kb("VmHWM")
    rss1 = proc_status_kb("VmRSS")
    reset_peak_rss()
    steady = min(timed(call)[0] for _ in range(repeat))
    run_peak = proc_status_kb("VmHWM")
    row = {
        "section": "batched", "case": f"basins {n}x{n} starts x {BASIN_STEPS} steps (final points)",
        "impl": IMPLS[impl], "n": n, "trajectories": n * n, "first_s": first, "steady_s": steady,
        "compile_s": max(first - steady, 0.0), "traj_steps_per_s": n * n * BASIN_STEPS / steady,
        "peak_rss_first_call_mb": (first_peak - rss0) / 1024 if can_reset and first_peak else None,
        "peak_rss_steady_mb": (run_peak - rss1) / 1024 if can_reset and run_peak else None,
        "device_peak_mb": (device_peak_bytes() or 0) / 2**20 or None, "repeats": repeat,
        "input_mb": starts.nbytes / 2**20,
    }
    saved = os.path.join(share, f"runner-final-{n}.npy") if share else None
    if impl == "descend_batch":
        if saved:
            np.save(saved, finals)
    else:  # agreement with the float64 runner on which minimum each start reaches
        ref = np.load(saved) if saved and os.path.exists(saved) else \
            descend_batch(surface, gd, {"lr": 0.01}, starts, BASIN_STEPS).final_points
        same = prototypes.basin_labels(surface, finals) == prototypes.basin_labels(surface, ref)
        row["same_basin_as_float64_runner"] = float(np.mean(same))
    return row


def basins(sizes, impls=tuple(IMPLS), repeat: int = 3, timeout: float = 240.0) -> list[dict]:
    import shutil
    import tempfile

    rows = []
    share = tempfile.mkdtemp(prefix="descent-basins-")
    try:
        for n in sizes:
            for impl in impls:  # the runner first: it leaves its final points for the prototypes' check
                r = 2 if (impl == "descend_batch" and n >= 512) else repeat  # ~4 s a call on 2 cores
                cmd = [sys.executable, "-m", "benchmarks.batched", str(n), impl, str(r), share]
                try:
                    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                                          env={**os.environ, "PYTHONUNBUFFERED": "1"})
                    lines = done.stdout.strip().splitlines()
                    rows.append(json.loads(lines[-1]) if lines and done.returncode == 0 else
                                {"section": "batched", "case": f"basins {n}x{n}", "impl": IMPLS[impl],
                                 "error": f"exit {done.returncode}: {done.stderr[-400:]}"})
                except subprocess.TimeoutExpired:
                    rows.append({"section": "batched", "case": f"basins {n}x{n}", "impl": IMPLS[impl],
                                 "error": f"timed out after {timeout:.0f} s"})
    finally:
        shutil.rmtree(share, ignore_errors=True)
    return rows


# --- learning-rate sweep and race ------------------------------------------------------------------
def sweep(quick: bool = False) -> list[dict]:
    """200 learning rates for Adam on Rosenbrock, 500 steps: one batched call against 200 runs."""
    from benchmarks import references
    from optim import descend

    surface, adam = get_surface("rosenbrock"), get_optimizer("adam")
    lrs = np.geomspace(1e-4, 1.0, 200)
    start, steps, reps = (-1.2, 1.0), 500, (2 if quick else 5)
    rows = []

    def one_call(keep):
        return descend_batch(surface, adam, {"lr": lrs}, start, steps, keep_paths=keep)

    cases = [  # (label, call, repeats, is a compiled call)
        ("Descent descend_batch, lr vmapped (final points)", lambda: one_call(False), reps, True),
        ("Descent descend_batch, lr vmapped (+ paths, time-major)", lambda: one_call(True), reps, True),
        ("200 x descend()", lambda: [descend(surface, adam, {"lr": float(a)}, start, steps) for a in lrs], 1, True),
        ("200 x NumPy loop", lambda: [references.numpy_adam(start, steps, lr=float(a)) for a in lrs], 1, False),
    ]
    for label, fn, r, compiled in cases:  # timed first: the first call is the compile
        row = first_and_steady(fn, r)
        if not compiled:
            row["compile_s"] = None
        rows.append({"section": "batched", "case": "lr sweep: 200 values x 500 steps (Adam, Rosenbrock)",
                     "impl": label, **row, "traj_steps_per_s": 200 * steps / row["steady_s"], "repeats": r})
    batched = one_call(False).final_points
    loop = np.array([descend(surface, adam, {"lr": float(a)}, start, steps).final for a in lrs])
    numpy_finals = np.array([references.numpy_adam(start, steps, lr=float(a))[-1] for a in lrs])
    dev_loop = float(np.max(references.deviation(batched, loop)))
    dev_np = references.deviation(numpy_finals, loop)
    rows[0]["check"] = {"max_dev_vs_200_descend": dev_loop,
                        "numpy_within_1e-9": int(np.sum(dev_np <= 1e-9)), "of": len(lrs)}
    base = rows[0]["steady_s"]
    for r in rows:
        r["x_vs_batched"] = r["steady_s"] / base
    return rows


RACERS = (  # (label, registry name, knobs); SGD-family first so batched validation sees momentum > 0
    ("momentum", "momentum", {"lr": 5e-3}),
    ("nesterov", "nesterov", {"lr": 5e-3}),
    ("gd", "gd", {"lr": 1e-2}),
    ("rmsprop", "rmsprop", {"lr": 1e-2}),
    ("adam", "adam", {"lr": 5e-2}),
    ("adagrad", "adagrad", {"lr": 0.5}),
)


def race(quick: bool = False) -> list[dict]:
    """Six racers on Himmelblau, 1,000 steps with paths: one call per optimizer code (SGD's three vmapped)."""
    from optim import descend

    surface, steps, reps = get_surface("himmelblau"), 1000, (2 if quick else 5)
    start = surface.start
    groups: dict[str, list] = {}
    for label, name, knobs in RACERS:
        opt = get_optimizer(name)
        groups.setdefault(opt.code_name, []).append((label, opt, {**opt.resolve(), **knobs}))

    def batched():
        paths = {}
        for members in groups.values():
            opt = members[0][1]
            hp = {k: np.array([m[2][k] for m in members]) for k in members[0][2]}
            res = descend_batch(surface, opt, hp, start, steps, keep_paths=True)
            for i, m in enumerate(members):
                paths[m[0]] = res.points[:, i]
        return paths

    def separate():
        return {label: descend(surface, get_optimizer(name), knobs, start, steps).points
                for label, name, knobs in RACERS}

    rows = []
    for label, fn in ((f"{len(groups)} calls, one per optimizer code (SGD family vmapped)", batched),
                      ("6 x descend()", separate)):
        row = first_and_steady(fn, reps)  # timed first: the first call is the compile
        rows.append({"section": "batched", "case": f"race: 6 optimizers x {steps:,} steps with paths (Himmelblau)",
                     "impl": label, **row, "traj_steps_per_s": 6 * steps / row["steady_s"], "repeats": reps})
    a, b = block(batched()), separate()
    rows[0]["check"] = {"max_abs_dev_vs_separate_runs": max(float(np.nanmax(np.abs(a[k] - b[k]))) for k in a)}
    return rows


if __name__ == "__main__":
    t0 = time.perf_counter()
    size, which = int(sys.argv[1]), sys.argv[2]
    rep, folder = (int(sys.argv[3]) if len(sys.argv) > 3 else 3), (sys.argv[4] if len(sys.argv) > 4 else None)
    result = basins_in_process(size, which, rep, folder)
    result["subprocess_wall_s"] = time.perf_counter() - t0
    print(json.dumps(result))
