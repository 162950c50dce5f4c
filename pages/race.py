"""Optimizer race: 2 to 6 optimizers, each with its own settings, on one surface from one start."""

import json

import pandas as pd
import streamlit as st

from experiments.export import race_csv, race_records
from experiments.race import MAX_RACERS, Racer, lr_grid, race, settings_label, tune_racers
from optim import OPTIMIZERS, get_optimizer
from ui import chart, compute, controls, display, links
from ui.text import escaped
from viz.gif import paths_gif
from viz.race import loss_overlay, race_figure

FIRST_SURFACE = "rosenbrock"  # what an empty link opens: the classic race track
# Row i's racer on a first visit: GD, momentum and Adam first, tuned by hand to finish in sight.
DEFAULT_RACERS = (("gd", 0.001), ("momentum", 0.001), ("adam", 0.02), ("nesterov", 0.001), ("rmsprop", 0.01),
                  ("adagrad", 0.1))
KNOBS = ("momentum", "beta1", "beta2")  # shown next to the learning rate where the optimizer declares them
FIXED = {"gd": {"momentum"}}  # the course's GD is plain GD: pick "sgd" for a momentum of your own
STEPS = (50, 100, 200, 300, 500, 1000, 2000, 5000)
TOLERANCES = (1e-2, 1e-3, 1e-4, 1e-6, 1e-8, 1e-10)
SHARED_KEYS = {"surface", "formula", "x0", "y0"}
SETUP = "race_setup"  # the race as last drawn: what the Fair race button tunes
TUNED = "race_tuned"  # (the tuned setup, the table of tuned values)
TUNE_ERROR = "race_tune_error"
JUMPY = 0.1  # a tuned η above this share of the window's width gets a word on why it won


def lr_options(name: str) -> list[float]:
    """A row's learning-rate stops: the app's log choices plus the fair race's sweep, so a tuned value is one."""
    h = next(h for h in get_optimizer(name).hyperparameters if h.name == "lr")
    return sorted(set(controls.log_choices(h)) | set(lr_grid(h.ui_low, h.ui_high)))


def _nearest(options: list[float], value: float) -> float:
    return min(options, key=lambda c: abs(c - value) / value)


def row_default(i: int, name: str) -> dict[str, float]:
    """Row ``i``'s starting values for optimizer ``name``: the page's default racer, else torch's defaults."""
    opt = get_optimizer(name)
    default_name, default_lr = DEFAULT_RACERS[i - 1]
    lr = default_lr if name == default_name else opt.defaults()["lr"]
    values = {"lr": _nearest(lr_options(name), lr)}
    values.update({h.name: h.default for h in opt.hyperparameters if h.name in knobs(name)})
    return values


def knobs(name: str) -> list[str]:
    declared = {h.name for h in get_optimizer(name).hyperparameters}
    return [k for k in KNOBS if k in declared and k not in FIXED.get(name, set())]


def _on_optimizer_change(i: int) -> None:
    for k, v in row_default(i, st.session_state[f"r{i}_opt"]).items():
        st.session_state[f"r{i}_{k}"] = v


def racer_row(i: int) -> Racer:
    """Row ``i``: an optimizer, its learning rate and its momentum or betas, all bound to the URL."""
    names = list(OPTIMIZERS)
    cols = st.columns([2, 4, 2, 2], vertical_alignment="bottom")
    name = cols[0].selectbox(f"racer {i}", names, key=f"r{i}_opt", bind="query-params",
                             on_change=_on_optimizer_change, args=(i,),
                             **controls.initial_index(f"r{i}_opt", names, DEFAULT_RACERS[i - 1][0]))
    opt, start = get_optimizer(name), row_default(i, name)
    lr_h = next(h for h in opt.hyperparameters if h.name == "lr")
    hp = {"lr": float(cols[1].select_slider(
        f"learning rate ${lr_h.latex}$", options=lr_options(name), format_func=lambda v: f"{v:g}", key=f"r{i}_lr",
        bind="query-params", help=lr_h.help, **controls.initial(f"r{i}_lr", start["lr"])))}
    for col, h in zip(cols[2:], [h for h in opt.hyperparameters if h.name in knobs(name)], strict=False):
        step = 0.001 if 0.99 < h.ui_high < 1 else 0.01
        hp[h.name] = float(col.slider(f"{h.label} ${h.latex}$", min_value=float(h.ui_low), max_value=float(h.ui_high),
                                      step=step, format="%.3f", key=f"r{i}_{h.name}", bind="query-params",
                                      help=h.help, **controls.initial(f"r{i}_{h.name}", float(start[h.name]))))
    return Racer.make(name, hp, f"{i} · {settings_label(name, hp)}")


@st.cache_data(max_entries=64, show_spinner=False)
def run_race(name, formula, racers: tuple[Racer, ...], start: tuple[float, float], steps: int, tol: float,
             schedule: str = "constant", sp: tuple[tuple[str, float], ...] = ()):
    return race(compute.resolve_surface(name, formula), racers, start, steps, tol, schedule, dict(sp))


@st.cache_data(max_entries=32, show_spinner=False)
def tune(name, formula, racers: tuple[Racer, ...], start: tuple[float, float], steps: int,
         schedule: str = "constant", sp: tuple[tuple[str, float], ...] = ()):
    surface = compute.resolve_surface(name, formula)
    return tune_racers(surface, racers, start, steps, lrs={r.optimizer: lr_options(r.optimizer) for r in racers},
                       schedule=schedule, schedule_parameters=dict(sp))


def _fair_race() -> None:
    """Tune every racer's learning rate and write it into the racer's widget (so the link holds it)."""
    name, formula, start, steps, racers, schedule, sp = st.session_state[SETUP]
    with st.spinner(f"Fair race: sweeping {len(lr_options('gd'))} learning rates for each racer…"):
        try:
            tunings = tune(name, formula, racers, start, steps, schedule, sp)
        except ValueError as exc:  # an invalid racer (Nesterov without momentum): nothing to tune
            st.session_state[TUNE_ERROR] = str(exc)
            return
    rows = []
    for i, t in enumerate(tunings, start=1):
        st.session_state[f"r{i}_lr"] = t.tuned.hp["lr"]
        rows.append({"racer": i, "optimizer": t.racer.optimizer, "η before": t.racer.hp["lr"],
                     "tuned η": t.tuned.hp["lr"], "score at tuned η": t.best_score,
                     "learning rates tried": len(t.lrs)})
    tuned = tuple(Racer.make(t.tuned.optimizer, t.tuned.hp, f"{i} · {settings_label(t.tuned.optimizer, t.tuned.hp)}")
                  for i, t in enumerate(tunings, start=1))
    st.session_state[TUNED] = ((name, formula, start, steps, tuned, schedule, sp), rows)


st.title("Optimizer race")
racers_fold = display.fold("The racers and their settings")  # presenting: the race is the first screen's
with racers_fold:
    st.caption(
        "Several optimizers, each with its own settings, start from the same point on the same surface. "
        "Press Play on the map to watch them run; the Fair race button first gives every racer its best learning "
        "rate for this surface and step budget. Copy the address bar to share exactly this race."
    )
if "surface" not in st.session_state and not display.page_query():
    st.session_state["surface"] = FIRST_SURFACE
for key in SHARED_KEYS & st.session_state.keys():
    st.session_state[key] = st.session_state[key]  # another page's widget owned it: take it over here

problem = st.container()  # a formula that cannot be used is explained here, where the charts would be
with st.sidebar:
    name, formula, surface = controls.surface_picker(problem)
    start = controls.start_controls(surface)
    steps = int(st.select_slider("steps", options=STEPS, key="rsteps", bind="query-params",
                                 help="The step budget: every racer gets this many gradient evaluations.",
                                 **controls.initial("rsteps", 500)))
    score = "f − f*" if surface.f_star is not None else "f"  # what a fair race minimises
    tol = float(st.select_slider("finish line (tolerance)", options=TOLERANCES, format_func=lambda v: f"{v:g}",
                                 key="rtol", bind="query-params", **controls.initial("rtol", 1e-6),
                                 help="A racer finishes when f − f* < tolerance (‖∇f‖ < tolerance where the "
                                      "minimum value f* is unknown)."))
    with st.expander("Learning-rate schedule (every racer)"):
        schedule, sp_values = controls.schedule_control()
    sp = tuple(sorted(sp_values.items()))
    n = int(st.number_input("number of racers", min_value=2, max_value=MAX_RACERS, step=1, key="racers",
                            bind="query-params", **controls.initial("racers", 3)))
    st.caption(compute.backend_label())

st.markdown(f"**{surface.title}**: ${surface.latex}$")
controls.require_finite_start(surface, formula, start)
with racers_fold:
    racers = tuple(racer_row(i) for i in range(1, n + 1))
    st.session_state[SETUP] = (name, formula, start, steps, racers, schedule, sp)
    st.button("Fair race: tune every learning rate", key="fair_race", icon=":material/balance:", on_click=_fair_race,
              help=f"Tries {len(lr_options('gd'))} learning rates from 1e-5 to 10 for each racer (one batched run per "
                   "racer) on this surface, start and step budget, and keeps the one with the lowest final "
                   f"{score}.")

    if TUNE_ERROR in st.session_state:
        st.error(f"Fair race: {escaped(st.session_state.pop(TUNE_ERROR))}. Change that racer's settings.",
                 icon=":material/tune:")
    tuned_setup, tuned_rows = st.session_state.get(TUNED, (None, None))
    if tuned_setup == (name, formula, start, steps, racers, schedule, sp):
        st.success("Fair race: every learning rate below is the best of the sweep for this surface, start and "
                   "budget. The link now reproduces this race.", icon=":material/balance:")
        st.dataframe(pd.DataFrame(tuned_rows).set_index("racer"), width="stretch",
                     column_config={"score at tuned η": st.column_config.NumberColumn(
                         format="%.4g", help=f"final {score} after {steps} steps: what the sweep minimised")})
        width = min(hi - lo for lo, hi in surface.domain)
        jumpy = [r for r in tuned_setup[4] if get_optimizer(r.optimizer).scale_free
                 and r.hp["lr"] >= JUMPY * width]
        if jumpy:  # an adaptive method steps about η per coordinate, whatever the gradient: big η, wild path
            st.caption(
                "Why " + ", ".join(f"η = {r.hp['lr']:g} for {r.optimizer}" for r in jumpy) + " won: the sweep "
                f"scores only where a run ends (its final {score} after {steps} steps), and "
                f"{'these methods move' if len(jumpy) > 1 else 'this method moves'} each coordinate by about η "
                f"per step whatever the gradient, a large part of the {width:g}-wide window: the path jumps "
                "around and happens to end close to the minimum. A smaller η gives a path worth looking at."
            )

with st.spinner("Racing (a new optimizer or step budget compiles first, about a second)…"):
    try:
        result = run_race(name, formula, racers, start, steps, tol, schedule, sp)
    except ValueError as exc:  # a combination torch refuses, e.g. Nesterov without momentum
        st.error(f"{escaped(str(exc))}. Change that racer's settings.", icon=":material/tune:")
        links.stop()

labels = [r.label for r in racers]
xs, ys, Z = compute.grid(name, formula, 200)  # drawn as an image: no trace to send
left, right = st.columns([3, 2])
with left:
    st.subheader("The race", help="Play runs the race in your browser; drag the slider to any step.")
    chart.plotly_react(
        race_figure(xs, ys, Z, result.points, labels, diverged_at=result.diverged_at, start=start,
                    minima=[(m.point, m.value) for m in surface.minima], log_scale=surface.log_scale,
                    domain=surface.domain),
        key="race", config={"displayModeBar": False}, main=True,
        legend=False)  # presenting: the loss chart beside it names the racers in the same colours
with right:
    st.subheader("Loss", help="Every racer's loss against the step; the dashed line is the tolerance.")
    losses = loss_overlay(result.loss, labels, f_star=surface.f_star, tol=tol, diverged_at=result.diverged_at)
    chart.plotly_react(losses, key="race_loss", config={"displayModeBar": False}, main=True)

st.subheader("Results")
table = pd.DataFrame(result.rows()).set_index("racer")
for column in table.columns:  # words, not "None", where a racer did not get there
    if column.startswith("steps to") or column == "diverged at":
        table[column] = [("not reached" if column != "diverged at" else "—") if v is None or v != v else str(int(v))
                         for v in table[column]]
st.dataframe(table, width="stretch", column_config={
    c: st.column_config.NumberColumn(format="%.4g") for c in table.columns if c.startswith("final")})
st.caption(f"{len(racers)} racers in {result.calls} compiled call{'s' if result.calls > 1 else ''} "
           "(racers running the same optimizer code share one vmapped call). Gradient evaluations count the "
           "steps taken: one gradient per step, up to the budget or the divergence.")
stem = f"descent-race-{name if formula is None else 'formula'}"
c1, c2, c3 = st.columns(3)
c1.download_button("Paths (CSV)", lambda: race_csv(result), file_name=f"{stem}.csv", mime="text/csv",
                   on_click="ignore", icon=":material/table:")
c2.download_button(
    "Runs (JSON, as the CLI)",
    lambda: json.dumps(race_records(result, surface, name if formula is None else formula, start, schedule, sp),
                       allow_nan=False),
    file_name=f"{stem}.json", mime="application/json", on_click="ignore", icon=":material/data_object:")
c3.download_button(
    "Animation for slides (GIF)", lambda: paths_gif(xs, ys, Z, result.points, labels, log_scale=surface.log_scale),
    file_name=f"{stem}.gif", mime="image/gif", on_click="ignore",
    icon=":material/animated_images:", help="Drawn on the server when clicked (a few seconds); no browser needed.")
