"""Timings of the core: one run and a basin map, compile time apart from steady time.

The full comparison suite (NumPy loop, torch.optim, optax, browser latency) is the
benchmarks issue; this measures what the foundation promises and writes
``benchmarks/results.json`` with the machine, versions and date.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import time
from pathlib import Path

import jax
import numpy as np

from optim import descend, descend_batch, get_optimizer
from surfaces import get_surface


def _best(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def single_run(steps: int) -> dict:
    surface, adam = get_surface("rosenbrock"), get_optimizer("adam")
    t = time.perf_counter()
    descend(surface, adam, {"lr": 0.01}, (-1.5, 2.0), steps)
    first = time.perf_counter() - t
    lrs = iter(np.geomspace(1e-3, 1e-1, 100))
    steady = _best(lambda: descend(surface, adam, {"lr": float(next(lrs))}, (-1.5, 2.0), steps))
    return {"case": f"adam/rosenbrock {steps} steps", "first_call_s": first, "steady_s": steady,
            "steps_per_s": steps / steady}


def basins(n: int, steps: int = 500) -> dict:
    surface, gd = get_surface("himmelblau"), get_optimizer("gd")
    (x0, x1), (y0, y1) = surface.domain
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    starts = np.stack([X.ravel(), Y.ravel()], axis=1)
    t = time.perf_counter()
    descend_batch(surface, gd, {"lr": 0.01}, starts, steps)
    first = time.perf_counter() - t
    lrs = iter(np.linspace(0.005, 0.015, 10))
    steady = _best(lambda: descend_batch(surface, gd, {"lr": float(next(lrs))}, starts, steps), repeat=3)
    return {"case": f"basins {n}x{n} x {steps} steps (final points)", "first_call_s": first,
            "steady_s": steady, "trajectory_steps_per_s": n * n * steps / steady}


def main() -> None:
    rows = [single_run(500), single_run(5000), single_run(50000), basins(64), basins(256)]
    result = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "backend": jax.default_backend(), "python": platform.python_version()},
        "versions": {"jax": jax.__version__, "numpy": np.__version__},
        "rows": rows,
    }
    print(f"{'case':48s} {'first call':>11s} {'steady':>10s} {'rate':>14s}")
    for r in rows:
        rate = r.get("steps_per_s") or r.get("trajectory_steps_per_s")
        print(f"{r['case']:48s} {r['first_call_s']*1e3:9.1f}ms {r['steady_s']*1e3:8.2f}ms {rate:12.3g}/s")
    out = Path(__file__).with_name("results.json")
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out}")


if __name__ == "__main__":
    main()
