"""Server side of one slider move on the playground: new parameters in, figure JSON out.

The work mirrors ``pages/playground.py`` without the Streamlit script runner: the cached grids
(``ui.compute.grid``, a cache hit after the first call), the run (``ui.compute.run``, a cache miss:
every move brings a new learning rate), ``summarize``, the three ``viz`` builders as the page calls
them (``*_chart``: plain specifications, no ``go.Figure``), and what the page's chart component
(``ui.chart.plotly_react``) does with each: ``figure_payload`` and ``payload_bytes``, the figure as one
UTF-8 JSON document (NumPy arrays base64-encoded as Plotly writes them). Bytes are those documents.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from benchmarks.common import summary_ms
from tests.apptest import charts_by_key

SCENARIOS = (  # (label, surface, optimizer, base knobs, start, steps)
    ("first visit: radial, GD, 200 steps", "radial", "gd", {"lr": 0.01}, (0.5, 1.0), 200),
    ("heavy: Rosenbrock, Adam, 5,000 steps", "rosenbrock", "adam", {"lr": 0.01}, (-1.2, 1.0), 5000),
)
STAGES = ("run", "summarize", "grids", "contour_chart", "surface_chart", "loss_chart", "payload")


def _page(name, opt_name, knobs, start, steps, tol=1e-6) -> tuple[dict, dict, dict]:
    """One rerun's numeric and figure work; returns (seconds per stage, bytes per figure, the figures)."""
    import viz
    from experiments.summary import summarize
    from optim import get_optimizer
    from ui import compute
    from ui.chart import figure_payload, payload_bytes

    t = {}
    clock = time.perf_counter()

    def lap(stage):
        nonlocal clock
        now = time.perf_counter()
        t[stage] = now - clock
        clock = now

    surface = compute.resolve_surface(name, None)
    hp = {**get_optimizer(opt_name).defaults(), **knobs}
    traj = compute.run(name, None, opt_name, tuple(sorted(hp.items())), start, steps)
    lap("run")
    summarize(traj, surface, tol)
    end = traj.steps + 1 if traj.diverged_at is None else traj.diverged_at
    lap("summarize")
    xs, ys, Z = compute.grid(name, None, compute.GRID_CONTOUR)
    xs3, ys3, Z3 = compute.grid(name, None, compute.GRID_3D)
    others = [(p.point, p.value, p.kind) for p in surface.others]
    minima = [(m.point, m.value) for m in surface.minima]
    lap("grids")
    figs = {"contour": viz.contour_chart(xs, ys, Z, path=traj.points[:end], minima=minima, others=others,
                                         start=start, log_scale=surface.log_scale, diverged_at=traj.diverged_at)}
    lap("contour_chart")
    figs["surface3d"] = viz.surface_chart(xs3, ys3, Z3, path=traj.points[:end], path_z=traj.loss[:end],
                                          minima=minima, log_scale=surface.log_scale, camera=(-60, 30))
    lap("surface_chart")
    figs["curves"] = viz.loss_chart(traj.loss, traj.grad_norm, f_star=surface.f_star,
                                    diverged_at=traj.diverged_at, tol=tol)
    lap("loss_chart")
    sizes = {k: len(payload_bytes({"figure": figure_payload(f)})) for k, f in figs.items()}
    lap("payload")
    return t, sizes, figs


def playground_specs(moves: int) -> list[dict[str, str]]:
    """The figure JSON the playground sends, per chart key, for the first view and ``moves`` learning-rate
    moves down the slider (AppTest: the exact specification strings the charts receive)."""
    from streamlit.testing.v1 import AppTest

    from benchmarks.common import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    lr = float(at.select_slider(key="lr").value)
    options = [float(o) for o in at.select_slider(key="lr").options]
    out = [charts_by_key(at)]
    for v in [o for o in options if o < lr][::-1][:moves]:
        at.select_slider(key="lr").set_value(v).run()
        out.append(charts_by_key(at))
    return out


PAGES = (  # (label, page file or None for the entry page, the knob that moves, moves)
    ("playground", None, "lr", 20),  # knobs that compile nothing: the time of a slider move
    ("basins & stationary points", "pages/landscape.py", "lr", 6),
    ("learning rate", "pages/learning_rate.py", "sweep_hi", 6),
    ("optimizer race", "pages/race.py", "r1_lr", 6),
    ("one dimension", "pages/oned.py", "w_steps", 6),
)


def _knob(at, key):
    for kind in (at.select_slider, at.slider):
        try:
            return kind(key=key)
        except KeyError:
            continue
    raise KeyError(key)


def page_script(label: str, page: str | None, key: str, moves: int) -> dict:
    """A whole page's script per rerun (every widget, table, formula panel and chart it holds today)
    under Streamlit's AppTest, no browser and no WebSocket: ``moves`` new values of one knob, each a
    cache miss; plus the figure JSON the page sends per render."""
    from streamlit.testing.v1 import AppTest

    from benchmarks.common import ROOT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if page:
        at.switch_page(page)
    at.run()
    knob = _knob(at, key)
    current = float(knob.value)
    if hasattr(knob, "options"):  # AppTest holds a select slider's options as their labels
        options = [float(o) for o in knob.options]
    else:  # a plain slider: its range in ten stops
        options = [knob.min + (knob.max - knob.min) * i / 10 for i in range(11)]
    values = [v for v in options if v != current]
    below = [v for v in values if v < current][::-1]
    values = (below + [v for v in values if v > current])[:moves]
    times = []
    for v in values:
        t = time.perf_counter()
        _knob(at, key).set_value(v).run()
        times.append(time.perf_counter() - t)
    charts = {k: len(v.encode()) for k, v in charts_by_key(at).items()}
    return {"section": "interaction", "case": f"server: whole {label} script per rerun (AppTest)",
            "impl": f"{page or 'app.py'}, {key} moves", **summary_ms(times), "figure_bytes": charts,
            "page_figure_bytes": sum(charts.values()), "exception": bool(at.exception)}


def run(quick: bool = False) -> list[dict]:
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # "No runtime found" for st.cache_data

    changes = 8 if quick else 20
    rows = []
    for label, name, opt_name, knobs, start, steps in SCENARIOS:
        _page(name, opt_name, knobs, start, steps)  # compile this bucket, fill the grid cache
        lrs = knobs["lr"] * np.geomspace(0.5, 0.9, changes)
        per_stage = {s: [] for s in STAGES}
        totals, sizes, figs = [], None, None
        for lr in lrs:
            t, sizes, figs = _page(name, opt_name, {**knobs, "lr": float(lr)}, start, steps)
            for s in STAGES:
                per_stage[s].append(t[s])
            totals.append(sum(t.values()))
        stats = summary_ms(totals)
        rows.append({
            "section": "interaction", "case": f"server: new params -> figure JSON ({label})",
            "impl": "playground page work", **stats,
            "stages_p50_ms": {s: 1e3 * float(np.median(v)) for s, v in per_stage.items()},
            "figure_bytes": sizes, "page_figure_bytes": sum(sizes.values()),
        })
    for label, page, key, moves in PAGES:
        rows.append(page_script(label, page, key, min(moves, 8) if quick else moves))
    return rows
