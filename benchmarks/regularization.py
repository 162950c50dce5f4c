"""The regularization page's computations, each timed first (compile included) and steady (best of a few).

    python -m benchmarks.regularization          # prints one JSON row per computation

Not (yet) a section of ``python -m benchmarks``: run on its own. Each row runs in this one process, in the
order the page calls them, so ``first_s`` of a later row can profit from what an earlier row compiled.
"""

from __future__ import annotations

import json
import sys

import surfaces  # noqa: F401  (float64 on, before anything traces)
from benchmarks.common import first_and_steady
from experiments import regularization as reg
from optim import get_optimizer
from surfaces import DATA_SURFACES


def run(repeat: int = 5) -> list[dict]:
    gd = get_optimizer("gd")
    rows = []

    def row(name: str, fn) -> None:
        rows.append({"name": name, **first_and_steady(fn, repeat)})

    for surface in DATA_SURFACES:
        row(f"surface_picture {surface.name} (82 minimizers + 140x140 grid)",
            lambda s=surface: reg.surface_picture(s, 0.01))
    steps = reg.POLY_STEPS
    row(f"example_runs 12 runs x {steps} steps (GD)", lambda: reg.example_runs(gd, {"lr": 0.5}, 0.01, steps))
    row("example_runs, a new λ (no compile)", lambda: reg.example_runs(gd, {"lr": 0.5}, 0.02, steps))
    row("eq35_path 2000 steps (NumPy loop)",
        lambda: reg.eq35_path(reg.example_gradient, reg.EXAMPLE_STARTS[0], 0.5, 0.01, 2000))
    data = reg.poly_data()
    row(f"fit_polynomial degree 9, 18 λ x {steps} steps (GD)",
        lambda: reg.fit_polynomial(data, 9, gd, {"lr": 0.5}, 0.01, steps))
    row(f"fit_polynomial degree 12, 18 λ x {steps} steps (GD)",
        lambda: reg.fit_polynomial(data, 12, gd, {"lr": 0.5}, 0.01, steps))
    return rows


if __name__ == "__main__":
    for r in run(int(sys.argv[1]) if len(sys.argv) > 1 else 5):
        print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}))
