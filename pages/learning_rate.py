"""Learning rate: sweep η over a log range in one batched call (the course's Section 3.1.3, Figure 3.3, made live)."""

from dataclasses import replace

import numpy as np
import streamlit as st

from experiments import sweep
from optim import get_optimizer
from ui import chart, compute, controls, display, links
from ui.text import escaped
from viz.sweep import examples_figure, momentum_map_figure, sweep_figure

LO_STOPS = tuple(float(f"{m}e{k}") for k in range(-6, 0) for m in (1, 2, 5)) + (0.1,)
HI_STOPS = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)
N_CHOICES = (200, 300, 500, 1000)
STEP_CHOICES = (10, 20, 50, 100, 200, 500, 1000, 2000)
MAP_SIZES = ("30 × 20", "60 × 40", "120 × 80")  # η values × μ values
MU_MAX = 0.98
PAGE_SURFACE = "bowl"  # a fresh visit starts on the round bowl, the simplest case of Figure 3.3


@st.cache_data(max_entries=32, show_spinner=False)
def run_sweep(name, formula, optimizer, hp, start, steps, lo, hi, n):
    surface = compute.resolve_surface(name, formula)
    return sweep.lr_sweep(surface, get_optimizer(optimizer), dict(hp), start, steps, np.geomspace(lo, hi, n))


@st.cache_data(max_entries=32, show_spinner=False)
def examples(name, formula, optimizer, hp, start, steps, lrs):
    surface = compute.resolve_surface(name, formula)
    return sweep.example_runs(surface, get_optimizer(optimizer), dict(hp), start, steps, lrs)


@st.cache_data(max_entries=64, show_spinner=False)
def hessian_at(name, formula, near):
    return sweep.curvature(compute.resolve_surface(name, formula), near)


@st.cache_data(max_entries=16, show_spinner=False)
def convergence_map(name, formula, hp, start, steps, lo, hi, n_lr, n_mu):
    surface = compute.resolve_surface(name, formula)
    lrs, mus = np.geomspace(lo, hi, n_lr), np.linspace(0.0, MU_MAX, n_mu)
    return sweep.momentum_map(surface, dict(hp), start, steps, lrs, mus)


def fmt(v: float) -> str:
    return f"{v:.4g}"


st.title("Learning rate")
with display.fold("About this page"):  # presenting: the sweep is the first screen's
    st.caption(
        "Too small and the run crawls, too big and it shoots past the minimum, bigger still and it blows up "
        "(the course's Section 3.1.3, Figure 3.3). Here every η of a log range runs at once, one batched call."
    )
if "surface" not in st.session_state and "surface" not in st.query_params:
    st.session_state["surface"] = PAGE_SURFACE

problem = st.container()  # a formula that cannot be used is explained here, where the charts would be
with st.sidebar:
    name, formula, surface = controls.surface_picker(problem)
    optimizer = controls.optimizer_control()
    st.caption(optimizer.title)
    # η is what this page sweeps: every other knob gets its usual control.
    hp = controls.hyperparameter_controls(
        replace(optimizer, hyperparameters=tuple(h for h in optimizer.hyperparameters if h.name != "lr")))
    lo = st.select_slider("smallest η", LO_STOPS, format_func=fmt, key="sweep_lo", bind="query-params",
                          **controls.initial("sweep_lo", 1e-3))
    hi = st.select_slider("largest η", HI_STOPS, format_func=fmt, key="sweep_hi", bind="query-params",
                          **controls.initial("sweep_hi", 10.0))
    n = st.select_slider("number of η values", N_CHOICES, key="sweep_n", bind="query-params",
                         help="Log-spaced between the two ends; all of them run in one compiled, batched call.",
                         **controls.initial("sweep_n", 200))
    steps = st.select_slider("steps per run", STEP_CHOICES, key="sweep_steps", bind="query-params",
                             **controls.initial("sweep_steps", 50))
    start = controls.start_controls(surface)
    map_size = st.select_slider("(η, μ) map resolution", MAP_SIZES, key="sweep_map", bind="query-params",
                                **controls.initial("sweep_map", MAP_SIZES[1]))
    st.caption(compute.backend_label())

st.markdown(f"**{surface.title}**: ${surface.latex}$")
controls.require_finite_start(surface, formula, start)

hp_key = tuple(sorted(hp.items()))
with st.spinner(f"Running {n} learning rates in one batched call (a new setup compiles first, about a second)…"):
    try:
        result = run_sweep(name, formula, optimizer.name, hp_key, start, steps, lo, hi, n)
    except ValueError as exc:  # a combination torch refuses, e.g. Nesterov without momentum
        st.error(f"{escaped(str(exc))}. Change the settings in the sidebar.", icon=":material/tune:")
        links.stop()
labels = sweep.classify_regions(result)
picks = sweep.example_indices(result, labels)
best = sweep.best_index(result)
curv = hessian_at(name, formula, None if best is None else tuple(map(float, result.final_points[best])))
mu = hp.get("momentum", 0.0) if optimizer.code_name == "sgd" else 0.0
gap_label = "f − f*" if result.f_star_known else "f − f_best"

def threshold_lines(curv, own, onset, step_pct):
    """The vertical lines for the sweep figure and the sentences under it."""
    if curv is None:
        return [], ["No declared minimum and no converged run: nothing to take the curvature at."]
    if not curv.L > 0:
        return [], [f"The Hessian {curv.where} has no positive eigenvalue (L = {curv.L:.3g}): no finite 2/L there, "
                    "f is flatter than a quadratic."]
    local = "" if curv.quadratic else " at min"
    lines = [(curv.threshold, f"2/L{local} = {curv.threshold:.4g}")]
    text = [f"**2/L = {curv.threshold:.4g}**, with L = {curv.L:.4g} the largest eigenvalue of the Hessian "
            f"(jax.hessian) {curv.where}."]
    if own is not None and abs(own - curv.threshold) > 1e-12 * curv.threshold:
        lines.append((own, f"bound = {own:.4g}"))
        text.append(f"With momentum the bound moves to **{own:.4g}** (heavy ball 2(1+μ)/L, Nesterov "
                    "2(1+μ)/((1+2μ)L); dampening divides by 1−τ, weight decay adds λ to L).")
    if not curv.quadratic:
        text.append("f is not quadratic: this threshold holds for the last steps near the minimum only.")
    if own is None:
        text.append(f"{optimizer.title} divides its steps by a running gradient size, so GD's bound does not apply: "
                    + (f"its sweep diverges from η = {onset[1]:.4g}." if onset else "none of its runs diverged."))
    elif onset is None:
        text.append("No run of this sweep diverged: raise the largest η to see the cliff.")
    else:
        before, first = onset
        last = f"; the last stable η is {before:.4g}" if before is not None else ""
        diff = f", {100.0 * (first - own) / own:+.1f} % from the bound" if curv.quadratic else ""
        text.append(f"The sweep diverges from **η = {first:.4g}**{diff}{last} "
                    f"(neighbouring η differ by {step_pct:.1f} %).")
    return lines, text


own = sweep.optimizer_threshold(optimizer, hp, curv.L) if curv is not None and curv.L > 0 else None
thresholds, statement = threshold_lines(curv, own, sweep.divergence_onset(result, labels),
                                        100 * ((hi / lo) ** (1 / (n - 1)) - 1))

st.subheader(f"Final {gap_label} after {steps} steps, for {n} learning rates")
fig = sweep_figure(result.lrs, result.gap, result.final_loss - result.f_ref, labels, result.diverged_at,
                   names=sweep.REGIONS, start_gap=result.start_loss - result.f_ref,
                   examples=sorted(picks.items()), thresholds=thresholds,
                   lr_scale=1.0 / (1.0 - mu), gap_label=gap_label)
chart.plotly_react(fig, key="sweep_chart", config={"displayModeBar": False}, main=True)
for line in statement:
    st.markdown(line)
if curv is not None and curv.eigenvalues[0] < 0:
    st.warning(f"The Hessian has a negative eigenvalue ({curv.eigenvalues[0]:.3g}): along it every η moves away.",
               icon=":material/warning:")

ranges = []
for region in (sweep.TOO_SMALL, sweep.GOOD, sweep.TOO_BIG, sweep.DIVERGED):
    hit = result.lrs[labels == region]
    span = f"{hit.size} values, η from {hit.min():.3g} to {hit.max():.3g}" if hit.size else "none"
    ranges.append(f"**{sweep.REGIONS[region]}**: {span}")
st.markdown(" · ".join(ranges))
f_ref_words = "f*, the global minimum" if result.f_star_known else "f_best, the lowest final loss of the sweep"
st.caption(
    f"How the regions are decided: **diverged** = overflowed or ended above the start; **good** = final gap "
    f"within {sweep.GOOD_FACTOR:g}× of the best η's; **too small** / **too big** = the rest, left / right of the "
    "best η. "
    f"The gap is measured from {f_ref_words}; gaps below {sweep.FLOOR:g} of the start's count as converged."
)

st.subheader("Three runs from the sweep")
if picks:
    chosen = sorted(picks.items())
    lrs = tuple(float(result.lrs[k]) for _, k in chosen)
    with st.spinner("Drawing the three example runs…"):
        trajs = examples(name, formula, optimizer.name, hp_key, start, steps, lrs)
    xs, ys, Z = compute.grid(name, formula, 100)
    runs = [(region, lr, t.points) for (region, _), lr, t in zip(chosen, lrs, trajs, strict=True)]
    minima = [(m.point, m.value) for m in surface.minima]
    examples = examples_figure(xs, ys, Z, runs, names=sweep.REGIONS, minima=minima, log_scale=surface.log_scale)
    chart.plotly_react(examples, key="examples_chart", config={"displayModeBar": False})
    missing = [sweep.REGIONS[r] for r in (sweep.TOO_SMALL, sweep.GOOD, sweep.TOO_BIG) if r not in picks]
    if missing:
        st.caption(f"No η of this sweep is {' or '.join(missing)}: "
                   + ("the loss falls from converged to diverged between two neighbouring η, the cliff at 2/L."
                      if sweep.TOO_BIG not in picks else "widen the η range."))
else:
    st.info("Every run of this sweep diverged: lower the smallest η.", icon=":material/trending_down:")

st.subheader("Momentum: the effective learning rate")
st.markdown("On a steady slope every past gradient adds up, $\\eta\\,(1 + \\mu + \\mu^2 + \\dots)\\,\\nabla f$, "
            "so momentum raises the step to the course's effective learning rate")
st.latex(r"\eta_{\text{eff}} = \frac{\eta}{1-\mu}")
st.markdown("Across a steep, oscillating direction the contributions cancel instead and the step stays close to η. "
            "So heavy-ball momentum is stable for $\\eta < 2(1+\\mu)/L$, far beyond $\\eta_{\\text{eff}} < 2/L$. "
            "The map runs torch's SGD with momentum μ (no Nesterov) on this surface, from this start, "
            f"for {steps} steps at every (η, μ) cell, whatever optimizer is chosen above.")
n_lr, n_mu = (int(v) for v in map_size.split(" × "))
sgd_knobs = {k: hp[k] for k in ("dampening", "weight_decay") if k in hp and optimizer.code_name == "sgd"}
with st.spinner(f"Running {n_lr * n_mu} (η, μ) pairs in one batched call…"):
    mmap = convergence_map(name, formula, tuple(sorted(sgd_knobs.items())), start, steps, lo, hi, n_lr, n_mu)
curves = []
if curv is not None and curv.L > 0:
    mus = np.linspace(0.0, MU_MAX, 200)
    local = "" if curv.quadratic else " (L at the minimum)"
    bound = "2(1+μ)/((1−τ)(L+λ))" if any(sgd_knobs.values()) else "2(1+μ)/L"
    curves.append((sweep.momentum_threshold(curv.L, mus, **sgd_knobs), mus, f"theory: η = {bound}{local}", "solid"))
    curves.append((2.0 * (1.0 - mus) / curv.L, mus, "η/(1−μ) = 2/L", "dash"))
chart.plotly_react(momentum_map_figure(mmap.lrs, mmap.mus, mmap.gap, start_gap=mmap.start_loss - mmap.f_ref,
                                        floor_ratio=sweep.FLOOR, curves=curves), key="map_chart",
                    config={"displayModeBar": False})
if curv is not None and curv.L > 0 and curv.quadratic:
    share = sweep.map_agreement(mmap, curv.L, **sgd_knobs)
    st.markdown(f"The map's diverged cells match the theory $\\eta \\geq 2(1+\\mu)/L$ in **{100 * share:.1f} %** of "
                f"its {n_lr * n_mu} cells. Near the boundary a run converges so slowly that, after few steps, it can "
                "still end above its start, which counts as diverged.")
st.caption("Colour: the final gap divided by the start's, on a log scale (dark = converged, yellow = barely moved); "
           "pink: diverged. Hover a cell for η, μ and η/(1−μ).")
