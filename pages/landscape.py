"""Basins & stationary points: where every start ends, where ∇f = 0, and how a saddle stalls gradient descent."""

from collections import Counter

import jax
import numpy as np
import pandas as pd
import streamlit as st

from experiments.landscape import (
    DIVERGED,
    NOT_CONVERGED,
    basin_map,
    sample_paths,
    stable_manifold_start,
    stationary_points,
)
from optim import OPTIMIZERS, descend, get_optimizer
from ui import chart, compute, controls, display, links
from ui.text import escaped, near_zero_as_zero, number_text
from viz.landscape import attractor_name, basin_figure, outcome_colour, saddle_figures, stationary_figure

RESOLUTIONS = (64, 128, 256) + ((512,) if jax.default_backend() != "cpu" else ())
BASIN_STEPS = (100, 200, 500, 1000, 2000, 5000)
TOLERANCES = (1e-2, 1e-3, 1e-4, 1e-6, 1e-8)
SEED_GRIDS = (16, 24, 48, 96)
DEMO_LRS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05)
DEMO_STEPS = (200, 500, 1000, 2000, 5000)
NO_EXAMPLE = "—"
SHARED_KEYS = {"surface", "formula", "opt"} | {h.name for o in OPTIMIZERS.values() for h in o.hyperparameters}
# label: (surface, optimizer, hyperparameters, steps, what to look at)
EXAMPLES = {
    "Himmelblau: four basins (GD, η = 0.01)": ("himmelblau", "gd", {"lr": 0.01}, 500,
        "Four global minima, four basins of about a quarter each; the boundaries run through the saddles and "
        "the maximum, and starts near them (darker) need the most steps."),
    "Himmelblau: η = 0.015 loses a basin": ("himmelblau", "gd", {"lr": 0.015}, 500,
        "At (−3.78, −3.28) the largest curvature is 133.8 > 2/η = 133.3: GD overshoots that minimum for ever, "
        "so its whole basin turns grey. At η = 0.02 the minimum at (3.58, −1.85) (curvature 105) goes too."),
    "Himmelblau: momentum μ = 0.9": ("himmelblau", "momentum", {"lr": 0.01}, 500,
        "Momentum carries starts across the ridges: the basins twist into spirals and no longer follow the "
        "lines through the saddles; a few starts even fly off (red)."),
    "Six-hump camel: GD": ("six-hump-camel", "gd", {"lr": 0.01}, 500,
        "Point-symmetric basins: the start (x, y) and its mirror (−x, −y) end in mirrored minima. About 60 % "
        "of the starts reach one of the two global minima."),
    "Six-hump camel: momentum μ = 0.9": ("six-hump-camel", "momentum", {"lr": 0.01}, 500,
        "Momentum rolls out of the shallow outer valleys (f ≈ 2.10): their basins shrink by half and the global "
        "share rises to about 63 %."),
    "Rastrigin: 121 basins (GD, η = 0.001)": ("rastrigin", "gd", {"lr": 0.001}, 2000,
        "One basin per bump of the egg crate: GD stops in the minimum nearest to its start, so under 1 % of the "
        "starts reach the global minimum whatever the learning rate."),
    "Rastrigin: heavy momentum (μ = 0.99)": ("rastrigin", "sgd", {"lr": 0.0005, "momentum": 0.99}, 5000,
        "With μ = 0.99 the velocity carries across several bumps before it dies down: the central basins "
        "grow and the global share doubles, at the price of thousands of steps."),
}


def _load_example():
    label = st.session_state["basin_example"]
    if label == NO_EXAMPLE:
        return
    surface, optimizer, hp, steps, _ = EXAMPLES[label]
    st.session_state["surface"], st.session_state["opt"] = surface, optimizer
    controls.set_optimizer_defaults(get_optimizer(optimizer))
    st.session_state.update({k: float(v) for k, v in hp.items()})
    st.session_state["bsteps"] = steps
    st.session_state["basin_note"] = label
    st.session_state["basin_example"] = NO_EXAMPLE  # the menu is an action, not a state


@st.cache_data(max_entries=32, show_spinner="Running every start of the grid (one batched call)…")
def basins(name, formula, optimizer, hp, n, steps, tol):
    surface, opt = compute.resolve_surface(name, formula), get_optimizer(optimizer)
    return basin_map(surface, opt, dict(hp), n, steps, tol), sample_paths(surface, opt, dict(hp), steps)


@st.cache_data(max_entries=32, show_spinner="Solving ∇f = 0 from a grid of seeds (batched Newton)…")
def critical_points(name, formula, seeds):
    surface = compute.resolve_surface(name, formula)
    return stationary_points(surface, seeds, extra_seeds=[p.point for p in (*surface.minima, *surface.others)])


@st.cache_data(max_entries=32, show_spinner="Finding the stable manifold and racing GD against momentum…")
def saddle_race(name, formula, saddle, lr, momentum, steps):
    surface = compute.resolve_surface(name, formula)
    start = stable_manifold_start(surface, saddle, get_optimizer("gd"), {"lr": lr}, steps)
    runs = {
        "GD": descend(surface, get_optimizer("gd"), {"lr": lr}, start, steps),
        "momentum": descend(surface, get_optimizer("sgd"), {"lr": lr, "momentum": momentum},
                             start, steps),
    }
    radius = 0.02 * min(hi - lo for lo, hi in surface.domain)
    near = {k: np.flatnonzero(np.linalg.norm(t.points - np.asarray(saddle), axis=1) < radius) for k, t in runs.items()}
    return start, runs, {k: (len(v), int(v[-1]) + 1 if len(v) else None) for k, v in near.items()}, radius


st.title("Basins & stationary points")
about = display.fold("About this page")  # presenting: the map is the first screen's
with about:
    st.caption(
        "Run the optimizer from every point of a grid at once and colour each start by where it ends; find every "
        "point where the gradient vanishes; watch a saddle hold gradient descent up. Copy the address bar to share."
    )
if "surface" not in st.session_state and not display.page_query():  # a first visit: Himmelblau's basins
    st.session_state.update(surface="himmelblau", opt="gd", lr=0.01)
for key in SHARED_KEYS & st.session_state.keys():
    # A widget on another page owned these values; set by hand, the same keys here take them over
    # (Streamlit forgets the state of a widget that the previous page drew and this one has not yet).
    st.session_state[key] = st.session_state[key]

problem = st.container()  # a formula that cannot be used is explained here, where the charts would be
with st.sidebar:
    st.selectbox("Load an example", [NO_EXAMPLE, *EXAMPLES], key="basin_example", on_change=_load_example,
                 help="Sets the controls below to a map worth discussing.")
    name, formula, surface = controls.surface_picker(problem)
    optimizer = controls.optimizer_control()
    st.caption(optimizer.title)
    hp = controls.hyperparameter_controls(optimizer)
    # Newton, L-BFGS and the line searches evaluate the loss several times a step and run their starts one
    # vector each (no block of starts per coordinate): a smaller map keeps the page within a few seconds.
    grids = RESOLUTIONS if optimizer.first_order else (32, 48, 64)
    budgets = BASIN_STEPS if optimizer.first_order else tuple(s for s in BASIN_STEPS if s <= 500)
    for key, options in (("res", grids), ("bsteps", budgets)):  # a value kept from another optimizer
        if key in st.session_state and st.session_state[key] not in options:
            st.session_state[key] = max(o for o in options if o <= st.session_state[key]) \
                if st.session_state[key] > options[0] else options[0]
    n = st.select_slider("grid of starts (per side)", options=grids, key="res", bind="query-params",
                         help="512 × 512 is offered when JAX runs on a GPU." if optimizer.first_order else
                         f"{optimizer.title} evaluates the loss itself, several times a step: "
                         f"{grids[-1]} × {grids[-1]} starts here.",
                         **controls.initial("res", 128 if 128 in grids else grids[-1]))
    steps = st.select_slider("step budget", options=budgets, key="bsteps", bind="query-params",
                             **controls.initial("bsteps", 500))
    tol = st.select_slider("converged when ‖∇f‖ <", options=TOLERANCES, format_func=lambda v: f"{v:g}", key="btol",
                           bind="query-params", **controls.initial("btol", 1e-6))
    st.caption(compute.backend_label())

st.markdown(f"**{surface.title}**: ${surface.latex}$")
note = st.session_state.get("basin_note")
if note:  # the example's explanation, while the controls still hold that example
    ex_surface, ex_optimizer, ex_hp, ex_steps, ex_text = EXAMPLES[note]
    if (name, optimizer.name, steps) == (ex_surface, ex_optimizer, ex_steps) and all(
            abs(hp.get(k, -1.0) - v) < 1e-12 for k, v in ex_hp.items()):
        with about:
            st.info(f"**{note}.** {ex_text}", icon=":material/school:")

st.header("Basins of attraction", divider="gray")
try:
    bmap, paths = basins(name, formula, optimizer.name, tuple(sorted(hp.items())), n, steps, tol)
except ValueError as exc:  # a combination torch refuses, e.g. Nesterov without momentum
    st.error(f"{escaped(str(exc))}. Change the settings in the sidebar.", icon=":material/tune:")
    links.stop()
left, right = st.columns([4, 3])
with left:
    chart.plotly_react(basin_figure(bmap.xs, bmap.ys, bmap.labels, bmap.steps, bmap.attractors, bmap.budget,
                                     paths=[paths[:, k] for k in range(paths.shape[1])]),
                        key="basins", config={"displayModeBar": False}, main=True)
with right:
    share = bmap.share_global
    # Wrapping text, not three st.metric: in this column a metric cut "100.0%" to "10…".
    st.markdown(("" if share is None else f"**{share:.1%}** of the starts settle in a global minimum · ")
                + f"**{bmap.share_of(NOT_CONVERGED):.1%}** still moving after {steps} steps · "
                + f"**{bmap.share_of(DIVERGED):.1%}** diverged")
    outcomes = [k for k in (NOT_CONVERGED, DIVERGED) if bmap.share_of(k) > 0]  # no empty rows
    labels = [*range(len(bmap.attractors)), *outcomes]
    table = pd.DataFrame({  # the share first: the long names last, where a narrow column cuts them
        "": [""] * len(labels),
        "share of starts": list(bmap.share) + [bmap.share_of(k) for k in outcomes],
        # text, so a run that ends nowhere reads "—" (not "None") and 7.9e-31 reads 0 like the other minima
        "f": [number_text(a.value) for a in bmap.attractors] + ["—"] * len(outcomes),
        "ends in": [attractor_name(k, a.point, a.kind) for k, a in enumerate(bmap.attractors)]
        + ["not converged" if k == NOT_CONVERGED else "diverged" for k in outcomes],
    }, index=labels).sort_values("share of starts", ascending=False, kind="stable")
    swatches = table.style.apply(lambda col: [f"background-color: {outcome_colour(k)}" for k in col.index],
                                 subset=[""])
    st.dataframe(swatches, hide_index=True, width="stretch", column_config={
        "": st.column_config.TextColumn(width=28), "ends in": st.column_config.TextColumn(),
        "f": st.column_config.TextColumn(width=70),
        "share of starts": st.column_config.ProgressColumn(format="percent", min_value=0.0, max_value=1.0,
                                                           width=100)})
    st.caption(
        f"{n} × {n} = {n * n:,} starts, {steps} steps each, in {bmap.seconds:.2f} s when computed (cached since). "
        "Colour: where the start settles; lighter: fewer steps, darker: more. White lines: eight sample paths."
    )

st.header("Stationary points", divider="gray")
seeds = st.select_slider("seed grid for Newton's method (per side)", options=SEED_GRIDS, key="seeds",
                         bind="query-params", **controls.initial("seeds", 24))
points = critical_points(name, formula, seeds)
xs, ys, Z = compute.grid(name, formula, compute.GRID_3D)  # half-width charts: the coarser mesh keeps the page light
left, right = st.columns([1, 1])
with left:
    chart.plotly_react(stationary_figure(xs, ys, Z, points, log_scale=surface.log_scale), key="stationary",
                        config={"displayModeBar": False})
with right:
    counts = Counter(p.kind for p in points)
    st.markdown("  \n".join(f"**{c}** × {kind}" for kind, c in counts.items()))
    st.caption(
        f"{len(points)} points where ‖∇f‖ < 1e-8, from {seeds} × {seeds} seeds (and the declared points), listed "
        "below. λ₁ ≤ λ₂ are the Hessian's eigenvalues: both > 0 a minimum, both < 0 a maximum, opposite signs a "
        "saddle; 'degenerate' has λ ≈ 0 along a curve of stationary points (one point per curve is listed)."
    )
# Below the map, across the page: six columns do not fit half of a projector's 1024 px.
st.dataframe(pd.DataFrame({
    "kind": [p.kind for p in points], "x": [p.point[0] for p in points], "y": [p.point[1] for p in points],
    "f": [p.value for p in points], "λ₁": [p.eigenvalues[0] for p in points],
    "λ₂": [p.eigenvalues[1] for p in points],
}).map(near_zero_as_zero), hide_index=True, width="stretch", height="auto" if len(points) <= 10 else 380,
    column_config={c: st.column_config.NumberColumn(format="%.5g") for c in ("x", "y", "f", "λ₁", "λ₂")})

st.header("A saddle holds gradient descent up", divider="gray")
saddles = [p for p in points if p.kind == "saddle"]
demo_name, demo_formula = (name, formula) if saddles else ("saddle", None)
if not saddles:
    st.caption(f"{surface.title} has no saddle in the window; the demo uses f(x, y) = x² − y².")
    saddles = [p for p in critical_points("saddle", None, 24) if p.kind == "saddle"]
labels = [f"({round(p.point[0], 9) + 0.0:.4g}, {round(p.point[1], 9) + 0.0:.4g})" for p in saddles]  # no "-0"
c1, c2, c3, c4 = st.columns(4)
pick = c1.selectbox("saddle at (x, y)", labels, key="saddle", bind="query-params")
demo_lr = c2.select_slider("learning rate η", options=DEMO_LRS, key="sd_lr", bind="query-params",
                           **controls.initial("sd_lr", 0.01))
demo_mu = c3.select_slider("momentum μ", options=(0.5, 0.8, 0.9, 0.95), key="sd_mu", bind="query-params",
                           **controls.initial("sd_mu", 0.9))
demo_steps = c4.select_slider("steps", options=DEMO_STEPS, key="sd_steps", bind="query-params",
                              **controls.initial("sd_steps", 1000))
saddle = saddles[labels.index(pick)]
start, runs, near, radius = saddle_race(demo_name, demo_formula, saddle.point, demo_lr, demo_mu, demo_steps)
dxs, dys, dZ = compute.grid(demo_name, demo_formula, compute.GRID_3D)
paths_fig, curves_fig = saddle_figures(dxs, dys, dZ, {k: (t.points, t.loss, t.grad_norm) for k, t in runs.items()},
                                     saddle.point, log_scale=compute.resolve_surface(demo_name, demo_formula).log_scale)
left, right = st.columns(2)
with left:
    chart.plotly_react(paths_fig, key="saddle_paths", config={"displayModeBar": False})
with right:
    chart.plotly_react(curves_fig, key="saddle_curves", config={"displayModeBar": False})
    # Short headers, the full wording in their help: at a projector's 1024 px all three columns show.
    st.dataframe(pd.DataFrame({
        "run": list(runs), "steps near": [count for count, _ in near.values()],
        "left after": [last for _, last in near.values()],
    }), hide_index=True, width="stretch", column_config={
        "steps near": st.column_config.NumberColumn(help=f"Steps within {radius:.3g} of the saddle."),
        "left after": st.column_config.NumberColumn(help="The step after which the run is gone from the saddle "
                                                         "for good."),
    })
st.caption(
    f"Both start at ({start[0]:.6g}, {start[1]:.6g}): on the saddle's stable manifold (found by bisection with "
    "batched GD runs), nudged 1e-9 of the way off it. GD slides in along the manifold, its ‖∇f‖ collapses and it "
    "creeps for as long as the tiny offset needs to grow; momentum arrives with speed, overshoots along the "
    "unstable direction and escapes far sooner."
)
