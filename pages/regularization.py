"""Regularization: the ℓ2 penalty λ‖w‖² on the data surfaces, Example 3.3.1, Eq. 3.5 and a Table 3.1 in small."""

import math

import numpy as np
import pandas as pd
import streamlit as st

from experiments import regularization as reg
from optim import get_optimizer
from optim.spec import Hyperparameter
from surfaces import get_surface
from ui import chart, compute, controls, display, links
from viz.regularization import example_figure, poly_fit_figure, poly_loss_figure, regularized_contour_figure

# The Learning-from-data page's convention (same keys, same URL): a base name and a "scale features" switch.
DATASETS = controls.DATASETS
DEFAULT_DATA = "iris"  # logistic regression on separable-ish data: λ = 0.01 already moves the minimizer far
STEP_CHOICES = (100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000)
DEGREES = tuple(range(1, 16))
POINT_CHOICES = (5, 6, 8, 10, 12, 15, 20, 30, 40)
NOISE_CHOICES = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
SKIP = {"lr", "weight_decay"}  # η has its own control here; weight decay is what λ replaces


def fmt_lambda(v: float) -> str:
    return "0" if v == 0 else f"{v:g}"


def lambda_notice() -> str | None:
    """A hand-edited ``lam`` in the link: one sentence when it cannot be used, a snap when it is off the stops."""
    raw = st.query_params.get("lam")
    if raw is None:
        return None
    try:
        v = reg.check_lambda(raw)
    except ValueError as exc:
        return f"lam={raw} in the link: {exc}; showing λ = {reg.DEFAULT_LAMBDA:g} instead."
    if v in reg.LAMBDA_STOPS:
        return None
    if v > reg.LAMBDA_STOPS[-1]:
        return f"lam={raw} in the link is above the slider's largest λ ({reg.LAMBDA_STOPS[-1]:g}); showing the default."
    snapped = min(reg.LAMBDA_STOPS, key=lambda c: abs(math.log10(max(c, 1e-5)) - math.log10(max(v, 1e-5))))
    st.session_state["lam"] = snapped
    return f"lam={raw} in the link is between the slider's stops; rounded to {fmt_lambda(snapped)}."


def data_notice() -> str | None:
    raw = st.query_params.get("data")
    if raw is not None and raw not in DATASETS:
        return f"Unknown dataset “{raw}” in the link (choose {', '.join(DATASETS)}); showing {DEFAULT_DATA} instead."
    return None


@st.cache_data(max_entries=64, show_spinner=False)
def picture(name: str, lam: float) -> reg.SurfacePicture:
    return reg.surface_picture(get_surface(name), lam)


@st.cache_data(max_entries=64, show_spinner=False)
def example(optimizer: str, hp: tuple, lam: float, steps: int) -> reg.ExampleResult:
    return reg.example_runs(get_optimizer(optimizer), dict(hp), lam, steps)


@st.cache_data(max_entries=32, show_spinner=False)
def polynomial(optimizer: str, hp: tuple, lam: float, steps: int, degree: int, points: int, noise: float,
               seed: int) -> reg.PolyFit:
    return reg.fit_polynomial(reg.poly_data(points, noise, seed), degree, get_optimizer(optimizer), dict(hp), lam,
                              steps)


def eta_choices() -> list[float]:
    h = Hyperparameter("eta", "learning rate", r"\eta", reg.EXAMPLE_ETA, "", low=0.0, ui_low=1e-4, ui_high=10.0,
                       log=True)
    return controls.log_choices(h)


st.title("Regularization")
with display.fold("About this page"):  # presenting: the penalised surface is the first screen's
    st.caption(
        "Instead of the training loss ℓ(w), minimise ℓ(w) + λ‖w‖² (the course's Section 3.3). The penalty pulls "
        "the minimizer towards 0, costs a little training loss, and often buys a much lower test loss. Every "
        "control is in the link: copy the address bar to share exactly this view."
    )
notices = [m for m in (lambda_notice(), data_notice()) if m]
if notices:
    st.warning("Some values in the link could not be used:\n" + "\n".join(f"- {m}" for m in notices),
               icon=":material/link_off:")

with st.sidebar:
    lam = float(st.select_slider(
        "regularization strength λ", options=reg.LAMBDA_STOPS, format_func=fmt_lambda, key="lam",
        bind="query-params", help="The penalty λ‖w‖² added to the loss; 0 is no regularizer.",
        **controls.initial("lam", reg.DEFAULT_LAMBDA)))
    name = controls.dataset_picker(DEFAULT_DATA)
    st.divider()
    st.caption("Gradient descent for Example 3.3.1 and the polynomial")
    optimizer = controls.optimizer_control()
    eta = float(st.select_slider("learning rate η", options=eta_choices(), format_func=lambda v: f"{v:g}", key="eta",
                                 bind="query-params", help="The step size of every run on this page.",
                                 **controls.initial("eta", reg.EXAMPLE_ETA)))
    knobs = tuple(h for h in optimizer.hyperparameters if h.name not in SKIP)
    hp = {**controls.declared_controls(knobs), "lr": eta}
    steps = int(st.select_slider("steps", options=STEP_CHOICES, key="reg_steps", bind="query-params",
                                 **controls.initial("reg_steps", reg.POLY_STEPS)))
    with st.expander("Polynomial data"):
        degree = int(st.select_slider("degree d", DEGREES, key="poly_degree", bind="query-params",
                                      **controls.initial("poly_degree", reg.POLY_DEGREE)))
        points = int(st.select_slider("training points", POINT_CHOICES, key="poly_points", bind="query-params",
                                      **controls.initial("poly_points", reg.POLY_POINTS)))
        noise = float(st.select_slider("noise σ", NOISE_CHOICES, key="poly_noise", bind="query-params",
                                       **controls.initial("poly_noise", reg.POLY_NOISE)))
        seed = int(st.number_input("data seed", min_value=0, max_value=2**32 - 1, step=1, key="poly_seed",
                                   bind="query-params", **controls.initial("poly_seed", reg.POLY_SEED)))
    st.caption(compute.backend_label())

hp_key = tuple(sorted(hp.items()))
st.latex(r"L_\lambda(w) = \ell(w) + \lambda \|w\|_2^2, \qquad \nabla L_\lambda(w) = \nabla \ell(w) + 2\lambda w"
         rf"\qquad (\lambda = {fmt_lambda(lam)})")

# -------------------------------------------------------------------------------------------- data surface
surface = get_surface(name)
st.subheader("The penalty on a data surface", help="Contours of the regularized loss; every weight is penalised, "
             "the intercept included (as in the text's Eq. 3.4).")
with st.spinner("Solving for the minimizer at 80 values of λ…"):
    pic = picture(name, lam)
left, right = st.columns([3, 2])
with left:
    chart.plotly_react(regularized_contour_figure(pic.xs, pic.ys, pic.regularized, lam=lam, w_plain=pic.w_plain,
                                                  w_lam=pic.w_lam, path=pic.path, lams=pic.lams),
                       key="reg_contour", config={"displayModeBar": False}, main=True,
                       legend=False)  # presenting: "What to look for" beside it names every marker
with right:
    st.markdown(f"**{surface.title}**: ${surface.latex}$")
    st.dataframe(pd.DataFrame({
        "λ = 0": [f"({pic.w_plain[0]:.4f}, {pic.w_plain[1]:.4f})", f"{pic.loss_plain:.6g}", f"{pic.norm_plain:.4f}"],
        f"λ = {fmt_lambda(lam)}": [f"({pic.w_lam[0]:.4f}, {pic.w_lam[1]:.4f})", f"{pic.loss_lam:.6g}",
                                   f"{pic.norm_lam:.4f}"],
    }, index=["minimizer w", "training loss ℓ(w)", "‖w‖"]), width="stretch")
    st.markdown(
        "**What to look for.** The white curve is the minimizer as λ grows from 0 (the blue star) towards "
        "w = 0 (the cross). The orange diamond is the minimizer for the λ of the slider: it always has the "
        "smaller norm and the *higher* training loss, ℓ(w*) ≤ ℓ(w**), the price the text says is worth paying. "
        "On the logistic surfaces (iris, blobs) the plain minimizer sits far out where the classes are split "
        "with ever larger weights; a small λ already pulls it back.")

# -------------------------------------------------------------------------------------------- Example 3.3.1
st.subheader("Example 3.3.1: infinitely many minimizers, and one with λ")
st.markdown(r"Two samples, $\vec x^1 = (1, 0, 1),\ y^1 = -1$ and $\vec x^2 = (1, 1, 0),\ y^2 = +1$, three weights:")
st.latex(r"\ell(w) = \tfrac{1}{2}\left((-1 - (w_0 + w_2))^2 + (1 - (w_0 + w_1))^2\right) \quad (3.3)"
         r"\qquad w^{**} = \left(0, \tfrac{1}{1+2\lambda}, -\tfrac{1}{1+2\lambda}\right)")
with st.spinner(f"Running {2 * len(reg.EXAMPLE_STARTS)} runs of {steps:,} steps in one batched call "
                "(a new step count or optimizer compiles first, about a second)…"):
    try:
        ex = example(optimizer.name, hp_key, lam, steps)
    except ValueError as exc:  # a combination torch refuses, e.g. Nesterov without momentum
        st.error(f"{exc}. Change the settings in the sidebar.", icon=":material/tune:")
        links.stop()
fig3d, numbers = st.columns([3, 2])
with fig3d:
    chart.plotly_react(example_figure(line_point=reg.LINE_POINT, line_direction=reg.LINE_DIRECTION,
                                      starts=ex.starts, paths=ex.regularized if lam > 0 else ex.plain,
                                      plain_ends=ex.plain_ends, w_star_star=ex.w_star_star if lam > 0 else None,
                                      lam=lam),
                       key="example_3d")
with numbers:
    w = ex.w_star_star
    if lam > 0:
        st.markdown(f"**w\\*\\* = ({w[0]:.6f}, {w[1]:.6f}, {w[2]:.6f})** for λ = {lam:g} "
                    f"(1/(1+2λ) = {1 / (1 + 2 * lam):.6f}).")
    else:
        st.markdown("λ = 0: no w\\*\\*, the minimizers are the whole line. Move λ above 0.")
    if ex.diverged:
        st.warning(f"Some runs diverged (see the table): for GD, η must stay below 2/(3 + 2λ) = "
                   f"{2 / (3 + 2 * lam):.3g} here. Lower η.", icon=":material/warning:")
    else:
        if lam > 0:
            gap = float(np.max(np.linalg.norm(ex.regularized_ends - w, axis=1)))
            st.markdown(f"With λ: every one of the {len(ex.starts)} starts ends within **{gap:.2e}** of w\\*\\* "
                        f"after {steps:,} steps.")
        t = reg.line_parameter(ex.plain_ends)
        st.markdown(f"Without λ: the runs end at most {float(np.max(reg.distance_to_line(ex.plain_ends))):.1e} "
                    f"from the line, at a t that depends on the start (t from {float(np.min(t)):.3f} to "
                    f"{float(np.max(t)):.3f}, a spread of {float(np.ptp(t)):.3f}).")
    st.caption("Why, for GD and momentum: the gradient of ℓ is a combination of x¹ and x², both orthogonal to the "
               "line's direction (1, −1, −1), so the run never moves along the line and ends at the start's "
               "projection onto it. With λ the part along the line shrinks by the factor (1 − 2ηλ) each step "
               "(Eq. 3.5 below). Adam, RMSprop and Adagrad rescale each coordinate, so they do slide along the "
               "line, but where they stop still depends on the start.")
table = pd.DataFrame(ex.rows(), index=pd.RangeIndex(1, len(ex.starts) + 1, name="start"))
st.dataframe(table, width="stretch", column_config={
    c: st.column_config.NumberColumn(format="%.3e" if c.startswith("distance") else "%.4f")
    for c in table.columns if c.startswith(("distance", "t "))})

# -------------------------------------------------------------------------------------------- Eq. 3.5
st.subheader("Weight decay: Eq. 3.5 next to the rule in use")
eq, rule = st.columns(2)
with eq:
    st.markdown("GD on the regularized loss, rewritten (the text's Eq. 3.5):")
    st.latex(r"w^{t+1} \leftarrow w^t - \eta\left(\nabla \ell + 2\lambda w^t\right) = "
             r"w^t\,(1 - 2\eta\lambda) - \eta\, \nabla \ell \quad (3.5)")
    st.markdown(f"Here η = {eta:g}, λ = {fmt_lambda(lam)}: each step first shrinks w by the factor "
                f"**{1 - 2 * eta * lam:.6g}**, then the gradient pushes back where it is useful.")
with rule:
    st.markdown(f"**{optimizer.title}** as torch.optim runs it (its weight decay written wd):")
    # The torch rule behind a course name (gd shows the course's w ← w − η∇f elsewhere): weight decay included.
    st.latex(get_optimizer(optimizer.code_name).update_latex.replace(r"\lambda", r"\mathrm{wd}\,"))
    st.caption(reg.torch_weight_decay(optimizer, lam, hp))
if optimizer.code_name == "sgd" and hp.get("momentum", 0.0) == 0.0:
    literal = reg.eq35_path(reg.example_gradient, reg.EXAMPLE_STARTS[0], eta, lam, min(steps, 2000))
    diff = float(np.max(np.abs(literal - ex.regularized[: len(literal), 0])))
    st.markdown(f"Check on Example 3.3.1 from start 1: Eq. 3.5 written out in NumPy and the page's run of the "
                f"penalised loss differ by at most **{diff:.1e}** over the first {len(literal) - 1:,} steps.")

# -------------------------------------------------------------------------------------------- generalization
st.subheader("Generalization: a high-degree polynomial, with and without λ")
st.markdown(f"A degree-{degree} polynomial (d + 1 = {degree + 1} weights) fitted to {points} noisy points of "
            f"{reg.TRUE_FUNCTION}, noise σ = {noise:g}, data seed {seed}; the test set is "
            f"{reg.POLY_TEST_POINTS} fresh points from the same source. Both fits start at w = 0 and run the same "
            f"optimizer for {steps:,} steps, with λ = 0 and λ = {fmt_lambda(lam)}, in one batched call together "
            f"with {len(reg.SWEEP_LAMBDAS)} more λ for the chart on the right.")
with st.spinner("Training the polynomial for every λ in one batched call…"):
    try:
        fit = polynomial(optimizer.name, hp_key, lam, steps, degree, points, noise, seed)
    except ValueError as exc:
        st.error(f"{exc}.", icon=":material/tune:")
        links.stop()
grid = np.linspace(-1.0, 1.0, 400)
fits, losses = st.columns(2)
with fits:
    chart.plotly_react(poly_fit_figure(
        x_train=fit.data.x, y_train=fit.data.y, x_test=fit.data.x_test, y_test=fit.data.y_test, grid=grid,
        truth=reg.true_function(grid), fit_plain=reg.poly_predict(fit.plain, grid),
        fit_lam=reg.poly_predict(fit.regularized, grid), lam=lam, truth_label=reg.TRUE_FUNCTION),
        key="poly_fit", config={"displayModeBar": False})
with losses:
    sweep = slice(2, None)
    shown = lambda v: np.where(fit.diverged[sweep], np.nan, v[sweep])  # noqa: E731
    chart.plotly_react(poly_loss_figure(
        lams=fit.lams[sweep], train_loss=shown(fit.train_loss), test_loss=shown(fit.test_loss),
        plain_train=float(fit.train_loss[0]), plain_test=float(fit.test_loss[0]), lam=lam, noise_floor=noise**2),
        key="poly_loss", config={"displayModeBar": False})
table = pd.DataFrame(fit.table())
st.dataframe(table.style.format("{:.4f}"), width="stretch")
if fit.diverged[2:].any():
    first = float(fit.lams[2:][fit.diverged[2:]].min())
    st.caption(f"The chart has no points from λ = {first:g} up: those runs diverged, because a larger λ makes the "
               "valley steeper (the Hessian gains 2λ) and this η is too big for it.")
if fit.diverged[:2].any():
    st.warning("A run diverged (its loss overflowed): lower η.", icon=":material/warning:")
elif lam > 0:
    ratio = fit.test_loss[0] / fit.test_loss[1]
    change = (f"cuts the test error **{ratio:.3g}-fold**" if ratio > 1 else
              f"but raises the test error too, **{1 / ratio:.3g}-fold**: this λ is too large or not needed")
    st.markdown(f"{'As in Table 3.1: t' if ratio > 1 else 'T'}he regularizer raises the training error "
                f"({fit.train_loss[0]:.4f} → {fit.train_loss[1]:.4f}) and {change} "
                f"({fit.test_loss[0]:.4f} → {fit.test_loss[1]:.4f}).")
st.caption(
    "What to look for: without λ the curve threads every training point and swings between them (low train, high "
    "test error); a moderate λ gives a calmer curve close to the truth; a large λ flattens it towards 0 and both "
    "errors rise. The dotted line is the noise variance σ², the best a test error can do on average. The "
    "polynomial is written in Legendre polynomials P₀…P_d (the same functions as powers of x, in a basis where "
    "GD reaches the bottom of the valley within these steps; in powers of x the slow directions would stop GD "
    "early, itself a kind of regularization).")
