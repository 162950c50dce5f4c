"""Playground: one surface, one optimizer, every knob; the path in 3-D, from above and as curves."""

import streamlit as st

import viz
from experiments.summary import summarize
from ui import chart, compute, controls, links, panels, sections
from ui.text import escaped

TOLERANCES = (1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-8, 1e-10)


def _on_click():
    """A click on the top view sets the start (one rerun per click)."""
    point = chart.clicked("contour")
    if point is not None:
        st.session_state["x0"], st.session_state["y0"] = round(point[0], 3), round(point[1], 3)


st.title("Playground", help="Pick a loss surface and an optimizer in the sidebar, set its knobs, and watch it "
         "walk downhill. The address bar always holds a link to exactly this view.")
panels.url_notices(controls.DEFAULT_SURFACE, controls.DEFAULT_OPTIMIZER)
problem = st.container()  # a formula that cannot be used is explained here, where the charts would be

with st.sidebar:
    panels.preset_menu()
    name, formula, surface = controls.surface_picker(problem)
    optimizer = controls.optimizer_control()
    st.caption(optimizer.title)
    hp = controls.hyperparameter_controls(optimizer)
    with st.expander("Learning-rate schedule"):
        schedule, sp = controls.schedule_control()
    with st.expander("Gradient computation"):
        gradient, fd_step = controls.gradient_controls()
    steps = controls.steps_control()
    minibatch = controls.batch_controls(surface)  # None: the full gradient
    start = controls.start_controls(surface)
    with st.expander("View and tolerance"):
        tol = st.select_slider("stop tolerance on ‖∇f‖", options=TOLERANCES, format_func=lambda v: f"{v:g}",
                               key="tol", bind="query-params", **controls.initial("tol", 1e-6))
        azimuth = st.slider("3-D azimuth (°)", -180, 180, step=5, key="az", bind="query-params",
                            **controls.initial("az", -60))
        elevation = st.slider("3-D elevation (°)", 0, 90, step=5, key="el", bind="query-params",
                              **controls.initial("el", 30))
    st.caption(compute.backend_label())

st.markdown(f"**{surface.title}**: ${surface.latex}$ · click the top view to start somewhere else")
controls.require_finite_start(surface, formula, start)

hp_key = tuple(sorted(hp.items()))
with st.spinner("Running the optimizer (the first run of a new setup compiles, about a second)…"):
    try:
        if minibatch is None:
            traj = compute.run(name, formula, optimizer.name, hp_key, start, steps, schedule,
                               tuple(sorted(sp.items())), gradient, fd_step)
        else:
            traj = compute.run_minibatch(name, optimizer.name, hp_key, start, steps, *minibatch, schedule,
                                         tuple(sorted(sp.items())))
    except ValueError as exc:  # a combination torch refuses, e.g. Nesterov without momentum
        st.error(f"{escaped(str(exc))}. Change the settings in the sidebar.", icon=":material/tune:")
        links.stop()
summary = summarize(traj, surface, tol)
end = traj.steps + 1 if traj.diverged_at is None else traj.diverged_at  # draw only finite points
xs, ys, Z = compute.grid(name, formula, compute.GRID_CONTOUR)
others = [(p.point, p.value, p.kind) for p in surface.others]
minima = [(m.point, m.value) for m in surface.minima]

# Both rows are laid out first and filled 2-D first: the browser gets the cheap charts before the 3-D one.
left, right = st.columns(2)
curves, info = st.columns(2)
with left:
    st.subheader("Top view", help="Contours of f. Click anywhere to start the optimizer there.")
    contour = viz.contour_chart(
        xs, ys, Z, path=traj.points[:end], minima=minima, others=others, start=start,
        log_scale=surface.log_scale, diverged_at=traj.diverged_at,
        rings=[(p.radius, p.kind) for p in surface.others if p.ring],
    )
    # presenting, the surface's legend beside it names the same markers
    chart.plotly_react(contour, key="contour", on_click=_on_click, config={"displayModeBar": False}, main=True,
                       legend=False)
with curves:
    st.subheader("Loss and gradient norm" if schedule == "constant" else "Loss, gradient norm and step size")
    curves_fig = viz.loss_chart(traj.loss, traj.grad_norm, f_star=surface.f_star, diverged_at=traj.diverged_at,
                                 tol=tol, lr=None if schedule == "constant" else traj.lr)
    chart.plotly_react(curves_fig, key="curves", config={"displayModeBar": False})
with info:
    st.subheader("This run")
    panels.preset_note(name, optimizer.name, hp, start, steps)
    panels.summary_panel(summary, surface)
    st.dataframe(panels.step_table(traj), width="stretch", column_config=panels.STEP_COLUMNS)
    st.caption(surface.look_for if name != controls.FORMULA else "Your own surface.")
with right:
    st.subheader("Surface", help="Drag to rotate; the angle is also set under 'View and tolerance'.")
    xs3, ys3, Z3 = compute.grid(name, formula, compute.GRID_3D)
    surface3d = viz.surface_chart(xs3, ys3, Z3, path=traj.points[:end], path_z=traj.loss[:end], minima=minima,
                                   log_scale=surface.log_scale, camera=(azimuth, elevation))
    chart.plotly_react(surface3d, key="surface3d", main=True)

st.subheader("The update rule")
panels.formula_panel(optimizer, traj.hyperparameters)
sections.data_section(surface, traj, minibatch)
sections.anatomy_section(traj, optimizer, (xs3, ys3, Z3), surface.log_scale, surface)
sections.export_section(traj, name if formula is None else formula, optimizer, start,
                        {"Top view": contour, "Surface": surface3d, "Loss curves": curves_fig},
                        (xs, ys, Z), surface.log_scale)
