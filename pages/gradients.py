"""Gradients: finite differences against automatic differentiation (forward and reverse mode), measured."""

import numpy as np
import pandas as pd
import streamlit as st

from experiments import gradients as grads
from optim import descend, get_optimizer
from optim.gradients import DEFAULT_FD_STEP, FINITE_DIFFERENCES, LABELS
from ui import chart, compute, controls, display
from viz.gradients import cost_figure, deviation_figure, step_error_figure

H_STOPS = tuple(float(f"{m}e{k}") for k in range(-14, 0) for m in (1, 2, 5)) + (0.1,)
SWEEP = np.geomspace(1e-15, 1e-1, 90)
COST_NS = (2, 10, 100, 1000, 10000)
DESCENT_STEPS = 300
PAGE_SURFACE = "rosenbrock"


def _nearest_stop(h: float) -> float:
    return min(H_STOPS, key=lambda s: abs(np.log(s / h)))


@st.cache_data(max_entries=64, show_spinner=False)
def methods_at(name, formula, point, h):
    return grads.compare_at(compute.resolve_surface(name, formula), point, dict(h))


@st.cache_data(max_entries=64, show_spinner=False)
def step_errors(name, formula, point):
    return grads.error_vs_step(compute.resolve_surface(name, formula), point, SWEEP)


@st.cache_data(max_entries=64, show_spinner=False)
def paths(name, formula, point, h):
    surface = compute.resolve_surface(name, formula)
    adam = get_optimizer("adam")
    ad = descend(surface, adam, {"lr": 0.01}, point, DESCENT_STEPS).points
    out = {}
    for method in FINITE_DIFFERENCES:
        fd = descend(surface, adam, {"lr": 0.01}, point, DESCENT_STEPS, gradient=method, fd_step=dict(h)[method])
        out[method] = np.linalg.norm(fd.points - ad, axis=1)
    return out


@st.cache_resource(max_entries=2, show_spinner=False)
def cost(function: str):
    bar = st.progress(0.0, text="Measuring…")
    rows = grads.cost_vs_n(function, COST_NS, progress=lambda f, text: bar.progress(f, text=f"Measuring: {text}"))
    bar.empty()
    return [vars(r) for r in rows]


st.title("How gradients are computed")
# presenting: the error against h is the first screen's, the rest of the top of the page is folded
about = display.fold("About this page, its formulas and the gradient at one point")
with about:
    st.caption(
        "Finite differences nudge each parameter and watch f move: one extra evaluation per parameter (two for "
        "central differences), and a step h that is never quite right. Automatic differentiation applies the "
        "chain rule to the program itself: forward mode one pass per parameter, reverse mode (backpropagation) "
        "one forward and one backward pass, however many parameters there are."
    )
if "surface" not in st.session_state and "surface" not in st.query_params:
    st.session_state["surface"] = PAGE_SURFACE

with st.sidebar:
    name, formula, surface = controls.surface_picker()
    point = controls.start_controls(surface)
    st.caption("The point where the gradient is taken (and where the descent below starts).")
    h = {}
    for method in FINITE_DIFFERENCES:
        h[method] = float(st.select_slider(
            f"step h, {LABELS[method]}", H_STOPS, format_func=lambda v: f"{v:.0e}", key=f"h_{method[3:]}",
            bind="query-params", help=f"The default {DEFAULT_FD_STEP[method]:.1e} is near the best h at unit "
                                      "scale: √ε for forward, ∛ε for central differences (ε = 2.2e-16).",
            **controls.initial(f"h_{method[3:]}", _nearest_stop(DEFAULT_FD_STEP[method]))))
    st.caption(compute.backend_label())

controls.require_finite_start(surface, formula, point)
st.markdown(f"**{surface.title}**: ${surface.latex}$")
h_key = tuple(sorted(h.items()))
with about:
    formula_left, formula_right = st.columns(2)  # side by side on a wide screen, stacked on a phone
    formula_left.latex(r"\text{forward: } \frac{\partial f}{\partial w_i} \approx \frac{f(w + h e_i) - f(w)}{h}")
    formula_right.latex(
        r"\text{central: } \frac{\partial f}{\partial w_i} \approx \frac{f(w + h e_i) - f(w - h e_i)}{2h}")

    st.subheader("At one point", help="Reverse-mode AD in float64 is the reference.")
    results = methods_at(name, formula, point, h_key)
    st.dataframe(pd.DataFrame([{
        "method": r.label, "∂f/∂x": r.gradient[0], "∂f/∂y": r.gradient[1],
        "relative error": r.error, "cost for n = 2": r.evaluations,
    } for r in results]), hide_index=True, width="stretch",
        column_config={"∂f/∂x": st.column_config.NumberColumn(format="%.12g"),
                       "∂f/∂y": st.column_config.NumberColumn(format="%.12g"),
                       "relative error": st.column_config.NumberColumn(format="%.2e")})

st.subheader("Error against the step h")
sweep = step_errors(name, formula, point)
left, right = st.columns([3, 2])
with left:
    chart.plotly_react(step_error_figure(sweep.hs, sweep.errors, sweep.best, LABELS, current=h), key="steps",
                       config={"displayModeBar": False}, main=True)
with right:
    fwd = grads.slope(sweep.hs, sweep.errors["fd-forward", "float64"], 1e-5, 1e-2)
    cen = grads.slope(sweep.hs, sweep.errors["fd-central", "float64"], 1e-3, 1e-1)
    st.markdown(
        "Right of the dip the **truncation error** rules: on log-log axes a line of slope 1 for forward "
        f"differences (measured here: {fwd:.2f}) and 2 for central ones ({cen:.2f}). Left of it **round-off** "
        "rules: f(w + h) and f(w) agree in most of their digits, and dividing their difference by a tiny h "
        "magnifies the rounding, slope about −1. float32 (dotted) rounds 2⁻²³ ≈ 1.2e-7 instead of "
        "2⁻⁵² ≈ 2.2e-16, so its best h is far larger and its best error far worse."
    )
st.dataframe(pd.DataFrame([{
        "scheme": LABELS[s], "dtype": d, "best h (measured)": sweep.best[s, d], "√ε or ∛ε": sweep.theory[s, d],
        "error there": float(np.min(sweep.errors[s, d])),
    } for (s, d) in sweep.errors]), hide_index=True, width="stretch",
        column_config={k: st.column_config.NumberColumn(format="%.1e")
                       for k in ("best h (measured)", "√ε or ∛ε", "error there")})

st.subheader("Cost against the number of parameters")
st.caption(
    "One gradient of an n-parameter function: the n-dimensional Rosenbrock function, or the mean cross-entropy "
    "of a small 8-h-3 network whose hidden width h sets n. Times are measured on this server (best of 3 after "
    "compiling), once per server; a method slower than 1 s is not run at larger n."
)
function = st.radio("function", grads.FUNCTIONS, key="cost_fn", bind="query-params", horizontal=True,
                    format_func=lambda f: {"rosenbrock": "n-dimensional Rosenbrock", "network": "small network"}[f],
                    **controls.initial_index("cost_fn", list(grads.FUNCTIONS), "rosenbrock"))
if st.toggle("measure (about a minute the first time on 2 cores)", key="cost_go",
             help="The measurement compiles and times every method at n = 2 … 10,000; its result is kept."):
    rows = cost(function)
    c1, c2 = st.columns(2)
    with c1:
        chart.plotly_react(cost_figure(rows, LABELS, what="seconds"), key="cost_time",
                           config={"displayModeBar": False})
    with c2:
        chart.plotly_react(cost_figure(rows, LABELS, what="evaluations"), key="cost_evals",
                           config={"displayModeBar": False})
    biggest = max(r["n"] for r in rows)
    rev = next(r for r in rows if r["n"] == biggest and r["method"] == "reverse")
    fd = next(r for r in rows if r["n"] == biggest and r["method"] == "fd-central")
    ratio = f"{fd['seconds'] / rev['seconds']:,.0f} times" if fd["seconds"] and rev["seconds"] else "far"
    st.markdown(f"At n = {biggest:,}: reverse mode took {rev['seconds'] * 1e3:.2g} ms; central differences "
                f"({fd['evaluations']:,} evaluations) {ratio} longer.")

st.subheader("Descent with finite-difference gradients")
deviation = paths(name, formula, point, h_key)
chart.plotly_react(deviation_figure(deviation, LABELS), key="deviation", config={"displayModeBar": False})
st.caption(f"Adam (η = 0.01) for {DESCENT_STEPS} steps from the point above, its gradient by each difference "
           "scheme, against the same run with reverse-mode AD. The playground (Gradient computation) and the CLI "
           "run any optimizer this way: "
           "`python -m optim run --surface rosenbrock --optimizer adam --gradient fd-central --fd-step 1e-5`.")
