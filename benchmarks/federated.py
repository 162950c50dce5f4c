"""The federated page's computations (experiments/federated.py), first call and steady state.

    python -m benchmarks.federated [--quick]

Prints one JSON row per case, in the suite's row format (``section``, ``case``, ``first_s``,
``steady_s``, ``compile_s``); not yet a section of ``python -m benchmarks`` (the lead wires it in).
Each case uses shapes no earlier case compiled, so ``first_s`` includes its compiles.
"""

from __future__ import annotations

import json
import sys

import surfaces  # noqa: F401  (float64 on, before anything traces)
from benchmarks.common import first_and_steady
from experiments import federated as fed
from surfaces import get_surface

# name, K, split, E, eta, rounds: the page's first visit, a K in another client bucket, the largest budget
CASES = (
    ("blobs-scaled", 3, "labels", 20, 0.3, 50, "page default: blobs, 3 clients by label mix, E = 20, 50 rounds"),
    ("line-scaled", 12, "regions", 5, 0.1, 100, "line, 12 clients by region, E = 5, 100 rounds"),
    ("diabetes-scaled", 442, "even", 100, 0.01, 1000,
     "diabetes, 442 clients (one sample each), E = 100, 1000 rounds: the 100,000-step cap"),
)


def run(quick: bool = False) -> list[dict]:
    rows = []
    for name, k, kind, e, eta, rounds, label in CASES[:2] if quick else CASES:
        surface = get_surface(name)
        timing = first_and_steady(lambda s=surface, k=k, kind=kind, e=e, eta=eta, r=rounds:
                                  fed.compare(s, k, kind, e, eta, r), 2 if quick else 5)
        c = fed.compare(surface, k, kind, e, eta, rounds)
        rows.append({"section": "federated", "case": f"compare(): GD + FedSGD + FedAvg, {label}", **timing,
                     "sample_gradients": int(3 * c.gd.work[-1]), "fedsgd_gap": c.fedsgd_gap, "drift": c.drift})
    return rows


if __name__ == "__main__":
    for row in run("--quick" in sys.argv[1:]):
        print(json.dumps(row))
