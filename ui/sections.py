"""Playground sections below the main figures: the anatomy of one step, and the downloads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

import viz
from experiments.anatomy import step_anatomy
from experiments.export import run_csv
from optim import Optimizer, Trajectory
from optim.record import run_json, run_record
from ui import chart


def last_update_index(traj: Trajectory) -> int:
    """The last update whose end point is finite (-1 when there is none)."""
    end = traj.steps if traj.diverged_at is None else traj.diverged_at - 1
    return end - 1


def data_section(surface, traj: Trajectory, minibatch) -> None:
    """On a data surface: the samples and the model at the start and at the end of the run."""
    from surfaces import DataSurface
    from viz.stochastic import fit_figure

    if not isinstance(surface, DataSurface):
        return
    ds = surface.dataset
    st.subheader("The data and the model", help="Each point of the top view is a model; here are two of them.")
    grid = np.linspace(ds.x.min(), ds.x.max(), 120)
    end = traj.final
    fits = [dict(label="start", x=grid, y=surface.predict(traj.points[0], grid)),
            dict(label=f"after {traj.steps} updates", x=grid, y=surface.predict(end, grid))]
    chart.plotly_react(fit_figure(ds.x, ds.y, fits, feature=ds.feature, target=ds.target, classes=ds.classes,
                                  height=360), key="fit", config={"displayModeBar": False})
    how = ("the full gradient over all samples" if minibatch is None else
           f"mini-batches of {minibatch[0]} samples (seed {minibatch[1]}, "
           f"{'with' if minibatch[2] else 'without'} replacement)")
    st.caption(f"{ds.title}. {ds.source} Each update used {how}. The model's output is "
               + ("ŷ = w₀ + w₁x." if surface.model == "linear" else "P(class 1) = σ(w₀ + w₁x)."))


def anatomy_section(traj: Trajectory, optimizer: Optimizer, grid, log_scale: bool) -> None:
    st.subheader("Anatomy of a step", help="What each part of the optimizer adds to one update.")
    if traj.states is None:
        st.info("The anatomy takes apart full-gradient runs. For mini-batches, the Learning-from-data page "
                "compares each batch's gradient with the full one.", icon=":material/info:")
        return
    k_max = last_update_index(traj)
    if k_max < 0:
        st.info("Run at least one step to take it apart.", icon=":material/info:")
        return
    if st.session_state.get("k", 0) > k_max:  # fewer steps than before: stay on the last one
        st.session_state["k"] = k_max
    if k_max == 0:
        k = 0
    else:
        k = st.slider("update $k$ (from $w_k$ to $w_{k+1}$)", 0, k_max, key="k", bind="query-params",
                      **({} if "k" in st.session_state else {"value": 0}))
    a = step_anatomy(traj, optimizer, k)
    left, right = st.columns([3, 2])
    with left:
        xs, ys, Z = grid  # the 3-D view's coarser mesh: this chart is zoomed, and the page's payload adds up
        chart.plotly_react(viz.anatomy_chart(xs, ys, Z, path=traj.points, k=k, arrows=a.arrows, log_scale=log_scale),
                           key="anatomy", config={"displayModeBar": False})
    with right:
        st.markdown(f"Step size in this update: **η = {a.lr:.4g}**. Arrows are displacements from $w_k$, "
                    "on one scale: compare the plain GD step with what the optimizer actually did.")
        table = pd.DataFrame({label: v for label, v in a.rows.items()}, index=["x", "y"]).T
        st.dataframe(table, width="stretch")
        st.latex(a.latex)


def export_section(traj: Trajectory, surface_label: str, optimizer: Optimizer, start, figures: dict,
                   grid, log_scale: bool) -> None:
    """Download the run (CSV, the CLI's JSON), the figures as one standalone HTML file, and a GIF."""
    st.subheader("Take it with you")
    stem = f"descent-{surface_label if len(surface_label) < 30 else 'formula'}-{optimizer.name}"
    # A row that wraps (not four columns): on a projector's narrow page the labels stay whole.
    row = st.container(horizontal=True)
    # Every file is made only when its button is clicked, not on every rerun.
    row.download_button("Trajectory (CSV)", lambda: run_csv(traj), file_name=f"{stem}.csv", mime="text/csv",
                       on_click="ignore", icon=":material/table:")
    row.download_button("Run (JSON, as the CLI)", lambda: run_json(run_record(traj, surface_label, optimizer, start)),
                       file_name=f"{stem}.json",
                       mime="application/json", on_click="ignore", icon=":material/data_object:")

    def html() -> str:  # built only when clicked: the inlined plotly.js is ~4.6 MB
        built = [f.figure() if isinstance(f, viz.FigureSpec) else f for f in figures.values()]
        parts = [fig.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, fig in enumerate(built)]
        body = "\n".join(f"<h2>{title}</h2>\n{part}" for title, part in zip(figures, parts, strict=True))
        head = f"<head><meta charset='utf-8'><title>{stem}</title></head>"
        return f"<!doctype html><html>{head}<body>{body}</body></html>"

    row.download_button("Figures (HTML)", html, file_name=f"{stem}.html", mime="text/html", on_click="ignore",
                       icon=":material/download:")
    end = traj.steps + 1 if traj.diverged_at is None else traj.diverged_at
    label = f"{optimizer.name} η={traj.hyperparameters['lr']:g}"
    row.download_button(
        "Animation (GIF)", lambda: viz.paths_gif(*grid, traj.points[:end, None, :], [label], log_scale=log_scale),
        file_name=f"{stem}.gif", mime="image/gif", on_click="ignore", icon=":material/animated_images:",
        help="Drawn on the server when clicked (a few seconds): for slides, no browser needed.")
