"""A real network: the notes' MLP on 8x8 digits, trained by several optimizers side by side, and its loss landscape."""

import numpy as np
import pandas as pd
import streamlit as st

from experiments.network import (
    DEFAULT_LR,
    DTYPES,
    LAYERS,
    RACE_OPTIMIZERS,
    SECOND_ORDER,
    landscape,
    predictions,
    train_network,
)
from optim import get_optimizer
from surfaces.datasets import digits_data
from ui import chart, compute, controls, display, links
from viz.network import curves_figure, landscape_contour, landscape_surface

MAX_EPOCHS = 50
EPOCH_BUCKET = 64  # one compiled loop for every epoch count the slider allows
BATCH_CHOICES = (8, 16, 32, 64, 128, 256)
LR_CHOICES = (1e-4, 2e-4, 5e-4, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
MAX_SEED = 999
DEFAULT_OPTIMIZERS = ["gd", "momentum", "adam"]
DIRECTIONS = ("random", "pca")
DIRECTION_LABELS = {"random": "two random directions (filter-normalised)", "pca": "PCA of the training path"}
GRID = 41
DTYPE_LABELS = {"float64": "exact: every update equals torch.optim's to 1e-8",
                "float32": "PyTorch's default precision: about twice as fast"}


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)  # a 50-epoch run keeps 51 x 9,610 weights (4 MB)
def trained(optimizer: str, lr: float, epochs: int, batch_size: int, seed: int, dtype: str = "float64"):
    return train_network(optimizer, {"lr": lr}, epochs, batch_size, seed, epoch_bucket=EPOCH_BUCKET, dtype=dtype)


@st.cache_data(max_entries=32, ttl=3600, show_spinner=False)
def sliced(optimizer: str, lr: float, epochs: int, batch_size: int, seed: int, kind: str, dtype: str = "float64"):
    return landscape(trained(optimizer, lr, epochs, batch_size, seed, dtype), kind, n=GRID, seed=seed)


def _lr_default(name: str) -> float:
    return min(LR_CHOICES, key=lambda c: abs(np.log(c) - np.log(DEFAULT_LR[name])))


st.title("A real network: handwritten digits")
about = display.fold("About this network")  # presenting: the learning curves are the first screen's
data = digits_data()
with about:
    st.caption(
        f"The notes end with a PyTorch loop training a 784-128-10 network by mini-batch SGD. Here the same "
        f"network, sized for a browser: {'-'.join(map(str, LAYERS))} (8x8 pixels in, ReLU, ten scores out, "
        f"cross-entropy), trained on {data.n_train:,} of scikit-learn's handwritten digits and tested on the other "
        f"{data.n_test}. Every optimizer is the same implementation as on the 2-D surfaces; one whole training is "
        "one compiled loop."
    )

with st.sidebar:
    chosen = st.multiselect("optimizers (1 to 7)", RACE_OPTIMIZERS, key="opts", bind="query-params", max_selections=7,
                            help="Train these side by side: the same initial weights, the same batches. "
                                 f"Not here: {', '.join(SECOND_ORDER)}, which evaluate the loss themselves (a "
                                 "9,610 x 9,610 Hessian, line searches over the full loss); they run on the "
                                 "2-D surfaces.",
                            default=DEFAULT_OPTIMIZERS)
    lrs = {}
    for name in chosen:
        lrs[name] = st.select_slider(f"η for {name} (0.0001 to 1)", LR_CHOICES, key=f"lr_{name}", bind="query-params",
                                     help=f"{get_optimizer(name).title}: learning rate, from 0.0001 to 1.",
                                     **controls.initial(f"lr_{name}", _lr_default(name)))
    epochs = st.slider(f"epochs (1 to {MAX_EPOCHS})", 1, MAX_EPOCHS, key="epochs", bind="query-params",
                       help="Passes over the 1,437 training images.", **controls.initial("epochs", 20))
    batch = st.select_slider("batch size B (8 to 256)", BATCH_CHOICES, key="b", bind="query-params",
                             help="Images per update: ⌈1437 / B⌉ updates per epoch.", **controls.initial("b", 32))
    seed = st.number_input(f"seed (0 to {MAX_SEED})", 0, MAX_SEED, step=1, key="seed", bind="query-params",
                           help="Sets the initial weights and the order of the batches.", **controls.initial("seed", 0))
    dtype = st.radio("precision", DTYPES, key="dtype", bind="query-params", captions=list(DTYPE_LABELS.values()),
                     help="The number format of the weights, the images and every update. The notes' PyTorch loop "
                          "trains in float32.", **controls.initial_index("dtype", list(DTYPES), "float64"))
    st.caption(compute.backend_label(dtype))

if not chosen:
    st.info("Pick at least one optimizer in the sidebar.", icon=":material/tune:")
    links.stop()

with about:
    st.latex(r"\begin{aligned} h &= \mathrm{ReLU}(x W_1 + b_1) \\ z &= h W_2 + b_2 \\ "  # one rule a line: a phone
             r"\ell(x, y) &= -\log \frac{e^{z_y}}{\sum_k e^{z_k}} = \log\sum_k e^{z_k} - z_y \end{aligned}")

runs = {}
progress = st.progress(0.0, text="Training…")
for k, name in enumerate(chosen):
    progress.progress(k / len(chosen), text=f"Training {name} ({k + 1} of {len(chosen)}): {epochs} epochs of "
                                            f"{-(-data.n_train // batch)} updates, compiled once per optimizer…")
    try:
        runs[name] = trained(name, float(lrs[name]), int(epochs), int(batch), int(seed), dtype)
    except ValueError as exc:
        progress.empty()
        st.error(f"{exc}. Change the settings in the sidebar.", icon=":material/tune:")
        links.stop()
progress.empty()

curves = [dict(label=f"{n} η={lrs[n]:g}", train=r.train_loss, test=r.test_loss) for n, r in runs.items()]
accuracy = [dict(label=f"{n} η={lrs[n]:g}", train=r.train_accuracy, test=r.test_accuracy) for n, r in runs.items()]
left, right = st.columns(2)
with left:
    st.subheader("Loss per epoch", help="Solid: the training images; dashed: the held-out test images.")
    with about:  # presenting: the legends say train and test
        st.caption("Solid: the 1,437 training images. Dashed: the 360 test images.")
    chart.plotly_react(curves_figure(curves, metric="loss"), key="net_loss", config={"displayModeBar": False},
                       main=True)
with right:
    st.subheader("Accuracy per epoch")
    chart.plotly_react(curves_figure(accuracy, metric="accuracy"), key="net_acc", config={"displayModeBar": False},
                       main=True)

diverged = [n for n, r in runs.items() if r.diverged_at is not None]
if diverged:
    st.warning(f"{', '.join(diverged)} diverged (the loss became infinite): lower its η in the sidebar.",
               icon=":material/warning:")
rows = [{"optimizer": n, "η": lrs[n], "train loss": r.train_loss[-1], "test loss": r.test_loss[-1],
         "test accuracy (%)": 100 * r.test_accuracy[-1], "train accuracy (%)": 100 * r.train_accuracy[-1],
         "training time (s)": r.seconds} for n, r in runs.items()]
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
             column_config={"train loss": st.column_config.NumberColumn(format="%.4f"),
                            "test loss": st.column_config.NumberColumn(format="%.4f"),
                            "test accuracy (%)": st.column_config.NumberColumn(format="%.1f"),
                            "train accuracy (%)": st.column_config.NumberColumn(format="%.1f"),
                            "training time (s)": st.column_config.NumberColumn(format="%.3f")})

st.subheader("Test digits and what the network says")
shown = st.selectbox("network", chosen, key="show", bind="query-params",
                     help="Whose predictions and loss landscape to show.")
run = runs[shown]
images, labels, predicted, confidence = predictions(run, 10)
big = [np.kron(1.0 - img, np.ones((8, 8))) for img in images]  # dark ink on white, 64x64 pixels
st.caption(f"The first ten of the {data.n_test} test images (never trained on): the network's answer, its softmax "
           "probability, and ✗ with the true digit where it is wrong.")
st.image(big, width=84, caption=[f"{p} · {100 * c:.0f} %" if p == t else f"✗ {p} (is {t})"
                                 for p, t, c in zip(predicted, labels, confidence, strict=True)])

st.subheader("The loss landscape around the trained weights")
# Plain names as options (a bound radio with format_func puts the shown label in the URL): ?dirs=pca.
kind = st.radio("directions of the plane", DIRECTIONS, key="dirs", bind="query-params", horizontal=True,
                captions=[DIRECTION_LABELS[d] for d in DIRECTIONS],
                help="Random: two Gaussian directions, each unit's weights scaled to the trained unit's norm "
                     "(Li et al., 2018), biases fixed. PCA: the two directions along which the per-epoch weights "
                     "moved most.", **controls.initial_index("dirs", list(DIRECTIONS), "random"))
with st.spinner(f"Evaluating the training loss at {GRID} x {GRID} weight settings in one call…"):
    ls = sliced(shown, float(lrs[shown]), int(epochs), int(batch), int(seed), kind, dtype)
if kind == "pca":
    st.caption(f"The plane of the two principal directions of the path: they explain "
               f"{100 * ls.explained[0]:.1f} % and {100 * ls.explained[1]:.1f} % of the variance of the "
               f"per-epoch weights ({run.params.shape[-1]:,} numbers each). The path lies (almost) in this plane.")
else:
    st.caption(f"A random plane through the trained weights (α = β = 0), ±1 filter norm: the path's "
               f"{run.params.shape[-1]:,}-dimensional steps are almost orthogonal to it, so it projects near the "
               "centre. Switch to PCA to see the path.")
c1, c2 = st.columns(2)
with c1:
    chart.plotly_react(landscape_contour(ls.alphas, ls.betas, ls.loss, ls.path, kind=kind, explained=ls.explained,
                                         label=shown), key="net_contour", config={"displayModeBar": False})
with c2:
    chart.plotly_react(landscape_surface(ls.alphas, ls.betas, ls.loss, ls.path, kind=kind, explained=ls.explained,
                                         label=shown), key="net_surface", config={"displayModeBar": False})
st.caption(f"{GRID} x {GRID} = {GRID * GRID:,} networks evaluated on all {data.n_train:,} training images in "
           f"{ls.seconds:.2f} s (float32). Orange: the weights after each epoch, projected onto the plane; the 3-D "
           "view caps the loss at its 95th percentile so the valley stays visible.")
