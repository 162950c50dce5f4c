"""One dimension: gradient descent on a curve f(w), one step at a time (course Section 3.1.1, Example 3.1.3)."""

from contextlib import nullcontext
from fractions import Fraction

import numpy as np
import pandas as pd
import streamlit as st

from experiments.oned import CURVES, DIVERGED, ESCAPE, NOT_CONVERGED, Descent1D, basin_strip, descend_1d, get_curve
from optim import OPTIMIZERS, get_optimizer
from ui import chart, display, links
from ui.controls import initial, initial_index, log_choices, slider_step
from ui.text import escaped
from viz.oned import descent_figure, iterates_figure, short

# η stops: the course's fractions 1/8, 1/6, 1/4 kept exact (the option text is what the URL shows: w_lr=1/6).
ETA_STOPS = ("0.001", "0.002", "0.005", "0.01", "0.02", "0.03", "0.05", "0.075", "0.1", "1/8", "0.15", "1/6",
             "0.2", "1/4", "0.3", "0.35", "0.4", "0.45", "0.5", "0.6", "0.75", "1")
STEP_CHOICES = (1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100, 200, 500)
BASIN_STARTS, BASIN_STEPS, BASIN_TOL = 241, 1000, 1e-3
DEFAULTS = dict(curve="quadratic", opt="gd", lr="1/6", steps=10)


def _set_hp_defaults(name: str) -> None:
    for h in get_optimizer(name).hyperparameters:
        if h.name != "lr":  # η is this page's main knob: it stays when the optimizer changes
            st.session_state[f"w_{h.name}"] = (bool(h.default) if h.flag else h.choices[int(h.default)] if h.choices
                                               else float(h.default))


def _on_curve_change():
    st.session_state["w0"] = float(get_curve(st.session_state["curve"]).start)


def _apply_regime(curve_name: str, lr: str, steps: int):
    st.session_state.update(w_opt="gd", w_lr=lr, w_steps=steps, w0=float(get_curve(curve_name).start), w_k=None)
    _set_hp_defaults("gd")


def _move(delta: int, last: int):
    k = st.session_state.get("w_k")
    k = last if k is None else k
    st.session_state["w_k"] = min(max(k + delta, 0), last)


def tex(x: float) -> str:
    """A number for KaTeX: a simple fraction when it is one (2/3), else 6 significant digits."""
    frac = Fraction(x).limit_denominator(64)
    if 1 < frac.denominator and abs(frac.numerator) < 1000 and abs(float(frac) - x) <= 1e-12 * max(1.0, abs(x)):
        text = rf"\tfrac{{{abs(frac.numerator)}}}{{{frac.denominator}}}"
        return f"-{text}" if frac < 0 else text
    mantissa, _, exponent = f"{x:.6g}".partition("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}" if exponent else mantissa


def paren(x: float) -> str:
    return f"({tex(x)})" if x < 0 else tex(x)


@st.cache_data(max_entries=256, show_spinner=False)
def run(curve: str, opt: str, hp: tuple, w0: float, steps: int) -> Descent1D:
    return descend_1d(get_curve(curve), get_optimizer(opt), dict(hp), w0, steps)


@st.cache_data(max_entries=64, show_spinner=False)
def basins(curve: str, opt: str, hp: tuple) -> tuple[np.ndarray, np.ndarray]:
    c = get_curve(curve)
    starts = np.linspace(*c.window, BASIN_STARTS)
    return starts, basin_strip(c, get_optimizer(opt), dict(hp), starts, BASIN_STEPS, tol=BASIN_TOL)


def controls() -> tuple:
    """The sidebar; returns (curve, optimizer, hyperparameters, η text, w0, steps)."""
    names = list(CURVES)
    curve = get_curve(st.selectbox("Curve", names, key="curve", bind="query-params", on_change=_on_curve_change,
                                   **initial_index("curve", names, DEFAULTS["curve"])))
    st.caption(curve.title)
    opts = list(OPTIMIZERS)
    optimizer = get_optimizer(st.selectbox(
        "Optimizer", opts, key="w_opt", bind="query-params", on_change=lambda: _set_hp_defaults(st.session_state.w_opt),
        help="The same torch.optim code as the playground, on one parameter.",
        **initial_index("w_opt", opts, DEFAULTS["opt"])))
    eta = st.select_slider("learning rate η", ETA_STOPS, key="w_lr", bind="query-params",
                           help="Step size. The fractions 1/8, 1/6, 1/4 are exact.", **initial("w_lr", DEFAULTS["lr"]))
    hp = {"lr": float(Fraction(eta))}
    others = [h for h in optimizer.knobs if h.name != "lr"]  # the course's gd has none
    with st.expander(f"Other knobs of {optimizer.name}") if others else nullcontext():
        for h in others:
            key, label = f"w_{h.name}", f"{h.label} ${h.latex}$"
            if h.flag:
                hp[h.name] = float(st.toggle(h.label, key=key, bind="query-params", help=h.help,
                                             **initial(key, bool(h.default))))
            elif h.choices:
                names = list(h.choices)
                hp[h.name] = float(names.index(st.selectbox(
                    h.label, names, key=key, bind="query-params", help=h.help,
                    **initial_index(key, names, names[int(h.default)]))))
            elif h.log:
                hp[h.name] = float(st.select_slider(label, log_choices(h), format_func=lambda v: f"{v:g}", key=key,
                                                    bind="query-params", help=h.help, **initial(key, h.default)))
            else:
                step = slider_step(h)
                hp[h.name] = float(st.slider(label, float(h.ui_low), float(h.ui_high), step=step, key=key,
                                             bind="query-params", help=h.help, format="%.0f" if step == 1.0 else "%.3f",
                                             **initial(key, float(h.default))))
    lo, hi = curve.window
    w0 = st.number_input("start w₀", min_value=lo, max_value=hi, step=0.05, format="%.3f", key="w0",
                         bind="query-params", **initial("w0", float(curve.start)))
    steps = int(st.select_slider("Steps", STEP_CHOICES, key="w_steps", bind="query-params",
                                 **initial("w_steps", DEFAULTS["steps"])))
    st.markdown("**Learning-rate examples** (GD from the suggested start)")
    for i, (label, lr, n) in enumerate(curve.regimes):
        st.button(f"{label.capitalize()}: η = {lr}, {n} steps", key=f"w_regime_{i}", on_click=_apply_regime,
                  args=(curve.name, lr, n), width="stretch")
    return curve, optimizer, hp, eta, float(w0), steps


st.title("One dimension")
about = display.fold("About this page and this curve")  # presenting: the curve and the steps are the first screen's
with about:
    st.caption("Gradient descent on a curve f(w), one step at a time: the tangent's slope f′(w) says which way is "
               "downhill, the update w ← w − η f′(w) goes that way. The address bar holds every setting.")
with st.sidebar:
    curve, optimizer, hp, eta, w0, steps = controls()

hp_key = tuple(sorted(hp.items()))
try:
    traj = run(curve.name, optimizer.name, hp_key, w0, steps)
    starts, labels = basins(curve.name, optimizer.name, hp_key)
except ValueError as exc:  # a combination torch refuses, e.g. Nesterov without momentum
    st.error(f"{escaped(str(exc))}. Change the settings in the sidebar.", icon=":material/tune:")
    links.stop()

# Step-by-step state: k = the step shown, None = all. A new setting starts the walk again at k = 0,
# unless everything was shown (then the new run is shown whole too).
last = traj.last_inside
signature = (curve.name, optimizer.name, hp_key, w0, steps)
if st.session_state.get("w_sig") != signature:
    st.session_state["w_sig"] = signature
    if st.session_state.get("w_k", 0) is not None:
        st.session_state["w_k"] = 0
k = last if st.session_state.get("w_k") is None else min(st.session_state["w_k"], last)

st.markdown(f"**{curve.title}**: ${curve.latex}$, $\\quad {curve.derivative_latex}$")
minima = ", ".join(f"{m.kind} $w = {short(m.w)}$ ($f = {short(m.value)}$)" for m in curve.stationary)
with about:  # the stationary points and the course's notes on this curve
    st.caption(f"Stationary points (roots of f′, float64): {minima}. {curve.look_for}")
    if curve.name == "quadratic":
        st.info(
            "**The text's walk.** From $w = 0$: $f'(0) = -6 < 0$, so move right; the text goes to $w = 1$, which is "
            r"$\eta = \tfrac16$: $0 - \tfrac16\cdot(-6) = 1$. At $w = 1$: $f'(1) = 2 > 0$, so move left; the text goes "
            r"to $w = \tfrac12$, which is $\eta = \tfrac14$ for that step: $1 - \tfrac14\cdot 2 = \tfrac12$. The text "
            r"only says that *some* $\eta > 0$ works at each step. With $\eta = \tfrac16$ kept fixed (the default "
            r"here) the second step lands on $1 - \tfrac16\cdot 2 = \tfrac23$; with $\eta = \tfrac14$ kept fixed GD "
            r"bounces $0 \to \tfrac32 \to 0 \to \dots$ forever, since $1 - \eta f'' = 1 - \tfrac14\cdot 8 = -1$. The "
            r"minimum is $w^* = \tfrac34$, $f(\tfrac34) = -11.25$.", icon=":material/school:")
    if curve.name == "quartic":  # Example 3.1.3: the numbers below are its own
        exact = ", ".join(f"$w = {short(m.w)}$ ($f = {short(m.value)}$)" for m in curve.minima)
        quoted = ", ".join(f"$f({short(w)}) = {short(curve.value(w))}$" for w, _ in curve.text_points)
        rounded = " and ".join(f"$({short(w)}, {short(f)})$" for w, f in curve.text_points)
        st.info(f"**Exact and rounded minima.** The text rounds the two local minima to {rounded}. Solving "
                f"$f'(w) = 0$ (that is $8w^3 - 9w^2 - 12w + 6 = 0$) gives {exact}, with a local maximum between them "
                f"at $w = {short(curve.stationary[1].w)}$. The two valleys are not equally deep (the left one is the "
                f"global minimum), and the rounded points are not on the curve: {quoted}.", icon=":material/school:")

# A row that wraps (not fixed columns): on a projector's narrow page "Next step  PageDown" stays whole.
row = st.container(horizontal=True, vertical_alignment="center")
row.button("Back", key="w_back", icon=":material/chevron_left:", on_click=_move, args=(-1, last), disabled=k == 0,
           shortcut="PageUp")
row.button("Next step", key="w_next", icon=":material/chevron_right:", type="primary", on_click=_move,
           args=(1, last), disabled=k >= last, shortcut="PageDown",
           help="Show one more step (PageDown, or a presenter's clicker).")
row.button("Show all", key="w_all", on_click=lambda: st.session_state.update(w_k=None))
row.button("Restart", key="w_restart", on_click=lambda: st.session_state.update(w_k=0))
row.markdown(f"Step **{k}** of {steps}" + (f" (the run diverged at step {traj.diverged_at})"
                                             if traj.diverged_at is not None else ""))

names = {i: f"→ w* = {short(m.w)}" for i, m in enumerate(curve.minima)}
names.update({DIVERGED: "diverges", NOT_CONVERGED: "not converged"})
lo, hi = curve.window
ws, fs = curve.samples(2 * lo - hi, 2 * hi - lo, 1200)
has_next = k < traj.steps and np.isfinite(traj.points[k + 1]) and np.isfinite(traj.f[k + 1])
shown = slice(0, k + 2 if has_next else k + 1)  # the points up to k, and the next one for the arrow
figure = descent_figure(
    ws, fs, window=curve.window, path=traj.points[shown], path_f=traj.f[shown], slope=traj.derivative[shown],
    current=k, stationary=[(p.w, p.value, p.kind) for p in curve.stationary], text_points=curve.text_points,
    basin=(starts, labels, names), start=w0, diverged_at=traj.diverged_at if k >= last else None,
)

left, right = st.columns([1.35, 1])
with left:
    chart.plotly_react(figure, key="w_chart", config={"displayModeBar": False}, main=True)
    st.caption(f"Basin strip: each start w₀ in the window coloured by where the same optimizer and settings end "
               f"after {BASIN_STEPS} steps (within {BASIN_TOL:g} of a minimum, 'diverges' once |w| > {ESCAPE:g}, "
               "else 'not converged'). The black line is your start; the dotted line a local maximum.")
with right:
    w, g = traj.points[k], traj.derivative[k]
    used = {**optimizer.defaults(), **hp}  # the knobs a course name does not show keep their defaults
    gd_like = optimizer.code_name == "sgd" and used["momentum"] == 0 and used["weight_decay"] == 0
    eta_tex = tex(hp["lr"])
    if has_next:
        w_next = traj.points[k + 1]
        if gd_like:
            st.latex(rf"\begin{{aligned}} w_{{{k + 1}}} &= w_{{{k}}} - \eta\, f'(w_{{{k}}}) "
                     rf"\\ &= {tex(w)} - {eta_tex}\cdot{paren(g)} \\ &= {tex(w_next)} \end{{aligned}}")
        else:
            st.latex(rf"\begin{{aligned}} w_{{{k + 1}}} &= w_{{{k}}} + \Delta w \\ &= {tex(w)} + {paren(w_next - w)} "
                     rf"\\ &= {tex(w_next)} \end{{aligned}}")
            st.caption(f"Δw comes from {optimizer.title}'s rule (below), not from −η f′ alone.")
    else:
        st.latex(rf"w_{{{k}}} = {tex(w)}, \quad f'(w_{{{k}}}) = {tex(g)}")
    way = "GD stays: a stationary point" if g == 0 else ("downhill is to the right: GD increases w" if g < 0
                                                          else "downhill is to the left: GD decreases w")
    st.markdown(f"$f'(w_{{{k}}}) = {tex(g)} {'<' if g < 0 else ('>' if g > 0 else '=')} 0$: {way}.")

    if traj.diverged_at is not None:
        st.error(f"Diverged at step {traj.diverged_at}: |w| passed {ESCAPE:g} (or overflowed). η is too big here.",
                 icon=":material/warning:")
    target = min(curve.minima, key=lambda m: abs(m.w - traj.points[0 if traj.diverged_at is not None else last]))
    if gd_like and target.curvature > 0:
        r = 1 - hp["lr"] * target.curvature
        how = ("0: one step lands on w* (exactly so on a parabola)" if abs(r) < 1e-12 else
               "between 0 and 1: GD creeps in from one side" if r > 0 else
               "between −1 and 0: GD overshoots and zig-zags in" if r > -1 + 1e-12 else
               "−1: GD bounces between two points for ever" if r > -1 - 1e-12 else
               "below −1: every overshoot is bigger than the last, GD zig-zags out")
        about = "exactly (f″ is constant)" if len(curve.coefficients) == 3 else "about"
        st.markdown(f"Near $w^* = {short(target.w)}$, $f''(w^*) = {short(target.curvature)}$: each GD step "
                    f"multiplies the distance to $w^*$ by {about} $1 - \\eta f'' = {tex(r)}$, {how}. "
                    f"Stable for $\\eta < 2/f'' = {short(2 / target.curvature)}$.")
    elif gd_like:
        st.markdown("$f''(w^*) = 0$: the steps shrink with the slope, faster than the distance; GD crawls.")

    rows = np.arange(k + 1)
    slopes = traj.derivative[rows]
    with_update = (rows < last) | ((rows == k) & has_next)  # w_{k+1} - w_k where w_{k+1} is drawn
    update = np.where(with_update, np.append(traj.updates, np.nan)[rows], np.nan)
    table = pd.DataFrame({"k": rows, "wₖ": traj.points[rows], "f(wₖ)": traj.f[rows], "f′(wₖ)": slopes,
                          "sign": np.where(slopes < 0, "−", np.where(slopes > 0, "+", "0")),
                          "update Δw": update}).set_index("k")
    # Narrow columns: at a projector's 1024 px the whole table (the update included) fits its half page.
    st.dataframe(table, width="stretch", height=min(36 * (k + 2), 300), column_config={
        **{c: st.column_config.NumberColumn(format="%.4g", width=50) for c in ("wₖ", "f(wₖ)", "f′(wₖ)")},
        "sign": st.column_config.TextColumn(width=34),
        "update Δw": st.column_config.NumberColumn("Δw", format="%.4g", width=50,
                                                   help="The update wₖ₊₁ − wₖ = −η f′(wₖ) (for GD).")})
    levels = [(p.w, f"{'max' if p.kind == 'local maximum' else 'min'} {short(p.w)}") for p in curve.stationary]
    chart.plotly_react(iterates_figure(traj.points[: k + 1], current=k, levels=levels,
                                        diverged_at=traj.diverged_at if k >= last else None,
                                        next_point=traj.points[k + 1] if has_next else None),
                        key="w_iterates", config={"displayModeBar": False})

with st.expander(f"The update rule of {optimizer.title}"):
    st.latex(optimizer.update_latex)
    st.caption(optimizer.reference)
