"""Stochastic: batch GD, SGD and mini-batch SGD on a data surface, several seeds each (course Section 3.2)."""

import numpy as np
import pandas as pd
import streamlit as st

from experiments.stochastic import AXES, MAX_SEEDS, gradient_poll, race_batch_sizes, seed_bucket, spread
from optim import get_optimizer
from surfaces import get_surface
from ui import chart, compute, controls, display, links
from viz.stochastic import fit_figure, loss_band_figure, paths_figure, poll_figure

BATCH_CHOICES = (2, 4, 8, 16, 32, 64)
EPOCH_CHOICES = (1, 2, 5, 10, 20, 50, 100, 200)
SAMPLING = ("without replacement", "with replacement")
PAGE_LR = 0.05  # a fresh visit: a step size every contender survives on the scaled data


@st.cache_resource(max_entries=16, ttl=3600, show_spinner=False)
def _race(name, optimizer, hp, batch, bucket, epochs, replacement):
    surface = get_surface(name)
    return race_batch_sizes(surface, get_optimizer(optimizer), dict(hp), surface.start, batch_sizes=(None, 1, batch),
                            seeds=bucket, epochs=epochs, replacement=replacement)


def contenders(name, optimizer, hp, batch, seeds, epochs, replacement):
    """The race over ``seeds`` seeds, run (and cached) for the seed bucket: moving the slider within a bucket
    compiles and computes nothing."""
    race = _race(name, optimizer, hp, batch, seed_bucket(seeds), epochs, replacement)
    return [c.first_seeds(seeds) for c in race]


@st.cache_resource(max_entries=32, ttl=3600, show_spinner=False)
def poll(name, optimizer, hp, batch, seeds, epochs, replacement, update):
    race = contenders(name, optimizer, hp, batch, seeds, epochs, replacement)
    return gradient_poll(get_surface(name), race[2], update)


st.title("Learning from data: batch, stochastic and mini-batch")
about = display.fold("About this page, the loss and its two gradients")  # presenting: the paths are the first screen's
with about:
    st.caption(
        "The loss of a model on data is an average over samples, so its gradient is an average too. Batch gradient "
        "descent computes all N of them for every step; SGD takes one sample, mini-batch SGD a handful (the "
        "course's Section 3.2): cheaper steps, noisier paths. Each runs over several seeds at once, one compiled "
        "call."
    )
if "lr" not in st.session_state and "lr" not in st.query_params:
    st.session_state["lr"] = PAGE_LR

with st.sidebar:
    name = controls.dataset_picker("line")
    surface = get_surface(name)
    optimizer = controls.optimizer_control()
    hp = controls.hyperparameter_controls(optimizer)
    batch = st.select_slider("mini-batch size B", BATCH_CHOICES, key="b", bind="query-params",
                             help="The third contender's batch; batch GD (B = N) and SGD (B = 1) always run.",
                             **controls.initial("b", 16))
    seeds = st.slider("seeds per contender", 1, MAX_SEEDS, key="seeds", bind="query-params",
                      help="Each seed shuffles the data differently; the band shows the spread over seeds.",
                      **controls.initial("seeds", 8))
    epochs = st.select_slider("epochs", EPOCH_CHOICES, key="epochs", bind="query-params",
                              help="Passes over the data: N/B updates each (at most 100,000 updates in all).",
                              **controls.initial("epochs", 20))
    sampling = st.radio("sampling", SAMPLING, key="sampling", bind="query-params",
                        help="Without: reshuffle each epoch and cut into batches (PyTorch's DataLoader). "
                             "With: draw every batch afresh from all N samples.",
                        **controls.initial_index("sampling", list(SAMPLING), SAMPLING[0]))
    st.caption(compute.backend_label())

with about:  # presenting: the model's loss (two lines at 1024 px) and both gradients, together
    st.markdown(f"**{surface.title}** ({surface.n} samples): ${surface.latex}$")
    formula_left, formula_right = st.columns(2)  # side by side on a wide screen, stacked on a phone
formula_left.latex(r"\nabla L(w) = \frac{1}{N}\sum_{i=1}^{N} \nabla \ell_i(w)")
formula_right.latex(r"g_B(w) = \frac{1}{B}\sum_{i \in \mathcal{B}} \nabla \ell_i(w), \quad "
                    r"\mathbb{E}\,[g_B(w)] = \nabla L(w)")

hp_key = tuple(sorted(hp.items()))
args = (name, optimizer.name, hp_key, batch, seeds, epochs, sampling == SAMPLING[1])
try:
    with st.spinner(f"Training {3 * seeds} runs ({epochs} epochs each) in one call…"):
        race = contenders(*args)
except ValueError as exc:  # e.g. epochs x N/B beyond the cap, or a combination torch refuses
    st.error(f"{exc}. Change the settings in the sidebar.", icon=":material/tune:")
    links.stop()

xs, ys, Z = compute.grid(name, None, compute.GRID_CONTOUR)
minimum = (surface.minima[0].point, surface.minima[0].value)
left, right = st.columns(2)
with left:
    st.subheader("Paths over the full loss", help="Bold: the first seed. Faint: the other seeds.")
    fig = paths_figure(xs, ys, Z, [dict(label=c.label, paths=c.run.params) for c in race], minimum=minimum,
                       start=surface.start)
    chart.plotly_react(fig, key="paths", config={"displayModeBar": False}, main=True,
                       legend=False)  # presenting: the loss chart beside it names the same colours
with right:
    st.subheader("Loss against cost")
    axis = st.radio("x-axis", AXES, key="axis", bind="query-params", horizontal=True,
                    help="Updates: the optimizer's steps. Epochs: passes over the data. Samples processed: "
                         "per-sample gradients computed, the work done.",
                    **controls.initial_index("axis", list(AXES), "epochs"))
    curves = []
    for c in race:
        median, low, high = spread(c.run.loss, c.run.diverged_at)
        curves.append(dict(label=c.label, x=c.x_axis(axis), median=median, low=low, high=high))
    chart.plotly_react(loss_band_figure(curves, axis=axis, f_star=surface.f_star), key="bands",
                       config={"displayModeBar": False}, main=True)

rows = []
for c in race:
    final = c.run.loss[-1]
    div = np.atleast_1d(c.run.diverged_at)
    rows.append({
        "contender": c.label,
        "updates per epoch": c.run.batching.per_epoch,
        "updates": c.run.steps,
        "samples processed": int(c.run.samples[-1]),
        "final L − L* (median)": float(np.median(final) - surface.f_star) if not (div >= 0).all() else None,
        "spread over seeds": f"{np.min(final) - surface.f_star:.2e} … {np.max(final) - surface.f_star:.2e}",
        "diverged": f"{int((div >= 0).sum())} of {len(div)}" if (div >= 0).any() else "none",
    })
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
             column_config={"final L − L* (median)": st.column_config.NumberColumn(format="%.3e")})
if any((np.atleast_1d(c.run.diverged_at) >= 0).any() for c in race):
    first = min(int(d) for c in race for d in np.atleast_1d(c.run.diverged_at) if d >= 0)
    st.warning(f"Some runs diverged (the first at update {first}): the step size is too large for them. "
               "Lower η in the sidebar.", icon=":material/warning:")

st.subheader("The gradient as an opinion poll")
mini = race[2]
st.caption(
    f"At one update of {mini.label} (first seed): the full gradient over all {surface.n} samples, the estimate "
    f"from the {mini.run.batching.size} samples that update used, and {300} other random batches of the same "
    "size. Like a poll of a few voters, each batch points roughly the right way; bigger batches scatter less."
)
update = st.slider("update to inspect", 1, max(mini.run.steps, 1), key="poll", bind="query-params",
                   help="Which update of the mini-batch run to take apart.",
                   **controls.initial("poll", 1))
update = min(update, mini.run.steps)
poll_left, poll_right = st.columns([3, 2])
result = poll(*args, update)
with poll_left:
    chart.plotly_react(poll_figure(result.full, result.sampled, result.others, label=str(result.batch_size)),
                       key="poll_fig", config={"displayModeBar": False})
with poll_right:
    w0, w1 = result.point
    st.markdown(
        f"At $w = ({w0:.4g},\\ {w1:.4g})$, update {update}:\n\n"
        f"- full gradient $\\nabla L = ({result.full[0]:.4g},\\ {result.full[1]:.4g})$\n"
        f"- this batch's $g_B = ({result.sampled[0]:.4g},\\ {result.sampled[1]:.4g})$, "
        f"off by {100 * result.error:.1f} % of $\\lVert\\nabla L\\rVert$\n"
        f"- typical distance of a batch's estimate from $\\nabla L$: {result.spread:.3g} "
        f"(it shrinks like $1/\\sqrt{{B}}$)"
    )
    ds = surface.dataset
    grid = np.linspace(ds.x.min(), ds.x.max(), 120)
    fits = [dict(label=c.label, x=grid, y=surface.predict(c.run.params[-1, 0], grid)) for c in race]
    chart.plotly_react(fit_figure(ds.x, ds.y, fits, feature=ds.feature, target=ds.target, classes=ds.classes,
                                  height=320), key="fits", config={"displayModeBar": False})
    st.caption("The data and each contender's final model (first seed).")
