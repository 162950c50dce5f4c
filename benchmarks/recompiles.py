"""How often moving a control compiles: JAX's compile log counted while the knobs move.

A positive control first (a new jitted function must count one compilation, a second call none), so
a zero below means "nothing compiled", not "the counter saw nothing".
"""

from __future__ import annotations

import numpy as np

from benchmarks.common import compile_counter_works, count_compiles
from optim import descend, descend_batch, get_optimizer, step_bucket
from surfaces import get_surface


def _random_changes(rng, surface, optimizer, n: int):
    """``n`` (hyperparameters, start) pairs as the sidebar produces them: floats, flags as 0.0/1.0,
    now and then a Python int (a number input can give one), every knob within its slider range."""
    (x0, x1), (y0, y1) = surface.domain
    out = []
    for i in range(50 * n):
        if len(out) == n:
            break
        hp = {}
        for h in optimizer.hyperparameters:
            if h.flag:
                hp[h.name] = float(rng.integers(0, 2))
            elif h.log:
                hp[h.name] = float(10 ** rng.uniform(np.log10(h.ui_low), np.log10(min(h.ui_high, 0.1))))
            else:
                hp[h.name] = float(rng.uniform(h.ui_low, min(h.ui_high, 0.9)))
        if i % 7 == 3:
            hp["weight_decay"] = 0  # an int where a float is expected
        start = (float(rng.uniform(x0, x1)), float(rng.uniform(y0, y1)))
        if i % 11 == 5:
            start = (int(round(start[0])), int(round(start[1])))
        try:
            optimizer.resolve(hp)  # a combination torch refuses (Nesterov without momentum) is skipped
        except ValueError:
            continue
        out.append((hp, start))
    return out


def run(quick: bool = False) -> list[dict]:
    from ui.controls import STEP_CHOICES  # the playground's steps slider

    rows = []
    works = compile_counter_works()
    rows.append({"section": "recompiles", "case": "positive control: new jit, then same shape",
                 "impl": "jax.log_compiles", "compiles": 1 if works else None, "expected": "1, then 0",
                 "ok": works})
    rng = np.random.default_rng(0)
    surface = get_surface("rosenbrock")
    n = 20 if quick else 50
    for name in ("adam", "sgd"):
        optimizer = get_optimizer(name)
        changes = _random_changes(rng, surface, optimizer, n)
        descend(surface, optimizer, None, surface.start, 200)  # warm: this bucket compiles here
        with count_compiles() as log:
            for hp, start in changes:
                descend(surface, optimizer, hp, start, 200)
        rows.append({"section": "recompiles", "case": f"{len(changes)} random hyperparameter + start changes",
                     "impl": f"descend, {name}, 200 steps", "compiles": log.count, "expected": 0,
                     "ok": log.count == 0, "compiled": sorted(set(log.names))})

    # The steps slider swept up then down: at most one compilation per new bucket, none on the way back.
    adam = get_optimizer("adam")
    swept = [*STEP_CHOICES, *reversed(STEP_CHOICES)]
    surf = get_surface("booth")  # a surface no other benchmark compiles for
    with count_compiles() as log:
        for steps in swept:
            descend(surf, adam, None, surf.start, steps)
    buckets = sorted({step_bucket(s) for s in STEP_CHOICES})
    rows.append({"section": "recompiles", "case": f"steps slider {STEP_CHOICES[0]}..{STEP_CHOICES[-1]}, up and down "
                 f"({len(swept)} moves)", "impl": "descend, adam", "compiles": log.count,
                 "expected": f"<= {len(buckets)} (one per bucket {buckets[0]}..{buckets[-1]})",
                 "ok": log.count <= len(buckets), "compiled": sorted(set(log.names)),
                 "compile_s": log.seconds.get("xla_compile_s")})

    # Batched: new knob values of the same batch shape.
    gd = get_optimizer("gd")
    starts = np.stack(np.meshgrid(np.linspace(-5, 5, 32), np.linspace(-5, 5, 32)), -1).reshape(-1, 2)
    descend_batch(surf, gd, {"lr": 0.01}, starts, 500)  # one η for all runs: a scalar in the loop
    descend_batch(surf, gd, {"lr": np.full(len(starts), 0.01)}, starts, 500)  # one per run: the other layout
    lrs = rng.uniform(0.001, 0.02, 10 if quick else 25)
    with count_compiles() as log:
        for lr in lrs:
            descend_batch(surf, gd, {"lr": float(lr)}, starts, 500)
            descend_batch(surf, gd, {"lr": np.full(len(starts), lr)}, starts, 500)
    rows.append({"section": "recompiles", "case": f"{2 * len(lrs)} learning-rate changes, 32x32 basins",
                 "impl": "descend_batch, gd", "compiles": log.count, "expected": 0, "ok": log.count == 0,
                 "compiled": sorted(set(log.names))})
    return rows
