"""Playground sections below the main figures: the anatomy of one step, and the downloads."""

from __future__ import annotations

import jax
import numpy as np
import pandas as pd
import streamlit as st

import viz
from experiments.anatomy import step_anatomy
from experiments.curvature import curvature_at, line_slice
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


def _search_of(a, traj: Trajectory):
    """``(direction, trials)`` of a step whose rule searched along a line (its state keeps both), else None."""
    state = jax.tree.map(lambda leaf: np.asarray(leaf)[a.k], traj.states)
    trials = getattr(state, "trials", None)
    if trials is None or int(trials.count) == 0:
        return None
    direction = getattr(state, "direction", getattr(state, "d", None))
    n = min(int(trials.count), len(trials.loss))
    return np.asarray(direction), (trials.points[:n], trials.loss[:n], trials.accepted[:n])


def curvature_note(c) -> str:
    """The curvature at w_k in one line: eigenvalues, condition number, what the local model is."""
    kappa = "∞" if not np.isfinite(c.condition) else f"{c.condition:.3g}"
    return (rf"Curvature at $w_k$: Hessian eigenvalues $\lambda_1 = {c.eigenvalues[0]:.4g}$, "
            rf"$\lambda_2 = {c.eigenvalues[1]:.4g}$, condition number $\kappa = {kappa}$: the local quadratic "
            f"model is {c.kind}. The dashed or solid lines through $w_k$ are its eigenvectors, "
            "half-length ∝ |λ| (at least a short stub; dashed: λ < 0, f curves down that way).")


def anatomy_section(traj: Trajectory, optimizer: Optimizer, grid, log_scale: bool, surface=None) -> None:
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
    arrows, curvature, search = dict(a.arrows), None, _search_of(a, traj)
    if surface is not None:
        curvature = curvature_at(surface, a.point)
        if curvature.newton_step is not None and optimizer.name != "newton":
            # the step that would land on the local quadratic model's stationary point, for comparison
            arrows = {"−H⁻¹∇f (Newton step)": curvature.newton_step, **arrows}
    left, right = st.columns([3, 2])
    with left:
        xs, ys, Z = grid  # the 3-D view's coarser mesh: this chart is zoomed, and the page's payload adds up
        eigen = None if curvature is None else (curvature.eigenvalues, curvature.eigenvectors)
        trials = None if search is None else (search[1][0], search[1][2])
        chart.plotly_react(viz.anatomy_chart(xs, ys, Z, path=traj.points, k=k, arrows=arrows, log_scale=log_scale,
                                             eigen=eigen, trials=trials),
                           key="anatomy", config={"displayModeBar": False})
    with right:
        st.markdown(f"Step size in this update: **η = {a.lr:.4g}**. Arrows are displacements from $w_k$, "
                    "on one scale: compare the plain GD step with what the optimizer actually did.")
        if curvature is not None:
            st.markdown(curvature_note(curvature))
        table = pd.DataFrame({label: v for label, v in a.rows.items()}, index=["x", "y"]).T
        st.dataframe(table, width="stretch")
        st.latex(a.latex)
    if search is not None and surface is not None:
        direction, (points, loss, accepted) = search
        c1 = float(traj.hyperparameters.get("c1", 1e-4))  # L-BFGS's strong Wolfe fixes c1 = 1e-4, as torch does
        cut = line_slice(surface, a.point, direction, a.gradient, points, loss, accepted, c1)
        st.markdown(f"**The line search of update {k}**: {len(loss)} trial point(s) along $d$, hollow where "
                    "rejected. Accepted steps lie on or under the dashed sufficient-decrease line.")
        chart.plotly_react(viz.line_search_chart(cut.alphas, cut.phi, cut.armijo, cut.trial_alphas, cut.trial_loss,
                                                 cut.accepted), key="line_slice", config={"displayModeBar": False})


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
