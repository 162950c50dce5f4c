"""Federated learning (the course's Section 3.2.3): K clients keep their data, the server averages."""

import time

import pandas as pd
import streamlit as st

from experiments import federated as fed
from surfaces import DATA_SURFACES, get_surface
from ui import chart, compute, controls, display, links
from viz.federated import loss_figure, paths_figure, split_figure

PAGE_SURFACE = "blobs-scaled"
ETAS = tuple(float(f"{m}e{k}") for k in range(-4, 1) for m in (1, 2, 3, 5)) + (1.0, 2.0)
# A learning rate that keeps every run stable on each surface (K <= 8, E <= 20): a new surface starts there.
SURFACE_ETA = {"line": 0.02, "line-scaled": 0.1, "diabetes": 0.0005, "diabetes-scaled": 0.1, "blobs": 0.1,
               "blobs-scaled": 0.3, "iris": 0.05, "iris-scaled": 0.5}
SPLIT_HELP = ("even: a seeded random split, every client sees the same kind of data. regions: sorted by the "
              "feature, each client sees one stretch of x. labels (classification): each client a different mix "
              "of the two classes.")


def sentence(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _on_surface_change() -> None:
    """A new surface brings its own stable η; a regression surface cannot be split by labels."""
    name = st.session_state["fed_surface"]
    st.session_state["fed_eta"] = SURFACE_ETA.get(name, 0.1)
    if get_surface(name).model != "logistic" and st.session_state.get("fed_split") == "labels":
        st.session_state["fed_split"] = "regions"


@st.cache_data(max_entries=64, show_spinner=False)
def run(name: str, k: int, kind: str, local_steps: int, eta: float, rounds: int, seed: int):
    t = time.perf_counter()
    result = fed.compare(get_surface(name), k, kind, local_steps, eta, rounds, seed=seed)
    return result, time.perf_counter() - t


@st.cache_data(max_entries=32, show_spinner=False)
def zoomed_grid(name: str, window):
    return fed.grid_on(get_surface(name), window, 140)


st.title("Federated learning")
# presenting: the paths are the first screen's; the methods, what to look for and the numbers are folded
about = display.fold("About this page: the loss, the two methods, what to look for, the numbers")
with about:
    st.caption(
        "The data stays with K clients (hospitals, phones); only gradients or weights travel. The server averages "
        "what the clients send, weighted by how much data each holds (the course's Section 3.2.3). Copy the "
        "address bar to share exactly this setup."
    )

with st.sidebar:
    names = [s.name for s in DATA_SURFACES]
    name = st.selectbox("data surface", names, key="fed_surface", bind="query-params", on_change=_on_surface_change,
                        help="A two-parameter model's mean loss over a dataset; '-scaled' standardises the feature.",
                        **controls.initial_index("fed_surface", names, PAGE_SURFACE))
    surface = get_surface(name)
    kind = st.selectbox("how the data is split", list(fed.SPLITS), key="fed_split", bind="query-params",
                        help=SPLIT_HELP, **controls.initial_index("fed_split", list(fed.SPLITS), "labels"))
    k = st.number_input("clients K", step=1, key="fed_k", bind="query-params",
                        help=f"How many clients share the {surface.n} samples (each needs at least one).",
                        **controls.initial("fed_k", 3))
    local_steps = st.number_input("local steps E per round (FedAvg)", step=1, key="fed_e", bind="query-params",
                                  help="Full-batch GD steps each client takes on its own data before sending its "
                                       f"weights (1 to {fed.MAX_LOCAL_STEPS}; E = 1 is FedSGD).",
                                  **controls.initial("fed_e", 20))
    eta = float(st.select_slider("learning rate η", options=ETAS, format_func=lambda v: f"{v:g}", key="fed_eta",
                                 bind="query-params", help="The step size of every GD step, local or central.",
                                 **controls.initial("fed_eta", 0.3)))
    rounds = st.number_input("FedAvg rounds R", step=1, key="fed_rounds", bind="query-params",
                             help="Rounds of communication for FedAvg. FedSGD and centralized GD get the same client "
                                  "computation: R·E rounds / steps.",
                             **controls.initial("fed_rounds", 50))
    seed = st.number_input("seed of the split", step=1, key="fed_seed", bind="query-params",
                           help="Shuffles the even split and the label mixes.", **controls.initial("fed_seed", 0))
    zoom = st.toggle("zoom in on the minimum", key="fed_zoom", bind="query-params",
                     help="Redraw the contour around w* and FedAvg's end point, where the drift shows.",
                     **controls.initial("fed_zoom", False))
    st.caption(compute.backend_label())

with about:  # presenting: the model's loss (two lines at 1024 px) with the two methods' rules
    st.markdown(f"**{surface.title}**: ${surface.latex}$")
    left, right = st.columns(2)
with left:
    st.markdown("**FedSGD**: each client k sends the gradient of its own mean loss; the server averages them, "
                "weighted by data size, and steps")
    st.latex(r"\begin{aligned} w &\leftarrow w - \eta \sum_{k=1}^{K} \frac{n_k}{N}\, \nabla L_k(w) \\ "
             r"L_k(w) &= \frac{1}{n_k}\sum_{i \in \text{client } k} \ell_i(w) \end{aligned}")
with right:
    st.markdown("**FedAvg**: each client takes E local GD steps from the server's w and sends its weights; "
                "the server averages them")
    st.latex(r"\begin{aligned} w_k &\leftarrow w \\ w_k &\leftarrow w_k - \eta\, \nabla L_k(w_k) \quad "  # three lines:
             r"\text{(E times)} \\ w &\leftarrow \sum_{k=1}^{K} \frac{n_k}{N}\, w_k \end{aligned}")  # fits at 1024 px

with st.spinner("Running centralized GD, FedSGD and FedAvg (a new number of clients compiles first, about a "
                "second)…"):
    try:
        result, seconds = run(name, k, kind, local_steps, eta, rounds, seed)
    except ValueError as exc:
        st.error(sentence(exc), icon=":material/tune:")
        links.stop()

with about:
    st.info(
        "What to look for: FedSGD's dotted path lies exactly on centralized GD's, because the weighted average of "
        "the clients' full gradients *is* the full gradient. FedAvg needs E times fewer rounds, but with E > 1 on "
        "uneven data its local walks pull toward each client's own minimizer (diamonds) and it settles beside w*: "
        "its loss stops falling while GD's goes on ('zoom in on the minimum' shows the gap). Try E = 1, or the "
        "even split, and watch it close.",
        icon=":material/visibility:")

c = result
budget = rounds * local_steps
with about:
    m1, m2, m3, m4 = st.columns(4)
m1.metric("FedAvg rounds", f"{c.fedavg.rounds:,}", help="Exchanges of weights between server and clients.")
m2.metric("FedSGD rounds", f"{c.fedsgd.rounds:,}",  # short labels: four metrics share a projector's width
          help="For the same client computation: FedSGD needs one round per GD step, R·E rounds.")
m3.metric("FedAvg's ‖w − w*‖", f"{c.drift:.3g}",
          help=f"FedAvg's distance to w* after {rounds} rounds; centralized GD's after {budget} steps: "
               f"{c.gd_distance:.3g}.")
m4.metric("max |FedSGD − GD|", f"{c.fedsgd_gap:.1e}", help="Over the whole path, in either coordinate.")

for run_ in (c.gd, c.fedsgd, c.fedavg):
    if run_.diverged_at is not None:
        st.warning(f"{run_.name} diverged at {'step' if run_ is c.gd else 'round'} {run_.diverged_at}: "
                   "lower η (a client's own loss can be steeper than the pooled one).", icon=":material/warning:")

if zoom:
    window = fed.zoom_window(c, surface.domain)
    xs, ys, Z = zoomed_grid(name, tuple(map(tuple, window)))
else:
    xs, ys, Z = compute.grid(name, None, 160)
paths = [("centralized GD", c.gd.points), ("FedSGD", c.fedsgd.points), (c.fedavg.name, c.fedavg.points)]
top_left, top_right = st.columns([3, 2])
with top_left:
    st.subheader("Paths on the loss", help="Centralized GD and FedSGD take one step per round; FedAvg one point "
                 "per round (E local steps in between). Diamonds: each client's own minimizer, where it exists.")
    chart.plotly_react(
        paths_figure(xs, ys, Z, paths, w_star=c.w_star, loss_star=c.loss_star, client_minima=c.client_minima,
                     start=surface.start, log_scale=surface.log_scale),
        key="fed_paths", config={"displayModeBar": False}, main=True)
with top_right:
    st.subheader("Who holds which samples")
    ds = surface.dataset
    chart.plotly_react(
        split_figure(ds.x, ds.y, c.split.client_of(), c.split.counts.tolist(), feature=ds.feature, target=ds.target,
                     classification=ds.task == "classification"),
        key="fed_split_fig", config={"displayModeBar": False}, main=True)
    st.caption(f"{c.split.k} clients, {fed.SPLIT_TITLES.get(kind, kind)}: n_k from {c.split.counts.min()} to "
               f"{c.split.counts.max()} of N = {c.split.n}.")

st.subheader("Loss against communication and against computation")
chart.plotly_react(
    loss_figure([(r.name, r.loss, r.work) for r in (c.gd, c.fedsgd, c.fedavg)], loss_star=c.loss_star),
    key="fed_loss", config={"displayModeBar": False})

table = pd.DataFrame(c.rows()).set_index("algorithm")
table["diverged at"] = table["diverged at"].astype("Int64")
st.dataframe(table, width="stretch", column_config={
    col: st.column_config.NumberColumn(format="%.4g") for col in ("final loss − L*", "distance to w*", "w₀", "w₁")})
st.caption(f"Computed in {seconds * 1000:.0f} ms (first run of a setup includes compiling). Client computation "
           "counts per-sample gradient evaluations: N per FedSGD round or GD step, E·N per FedAvg round.")
