"""Page sections that several pages share: the preset menu, URL notices, the run summary, the formula panel."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from experiments.summary import RunSummary
from optim import Optimizer, Trajectory, get_optimizer
from surfaces import Surface
from ui import display
from ui.controls import set_optimizer_defaults
from ui.presets import PRESETS
from ui.text import escaped
from ui.urlstate import check_query

NO_PRESET = "—"


FIRST_VISIT = "Example 3.1.2 (course)"  # what an empty link opens: the course's worked example


def _apply_preset():
    label = st.session_state["preset"]
    if label == NO_PRESET:
        return
    load_preset(label)
    st.session_state["preset"] = NO_PRESET  # the menu is an action, not a state


def load_preset(label: str) -> None:
    p = PRESETS[label]
    st.session_state["surface"] = p.surface
    st.session_state["opt"] = p.optimizer
    set_optimizer_defaults(get_optimizer(p.optimizer))
    st.session_state.update({k: float(v) for k, v in p.hyperparameters.items()})
    st.session_state["x0"], st.session_state["y0"] = map(float, p.start)
    st.session_state["steps"] = p.steps
    st.session_state["preset_note"] = p.label


def preset_menu() -> None:
    st.selectbox(
        "Load a course example", [NO_PRESET, *PRESETS], key="preset", on_change=_apply_preset,
        help="Sets every control below to one of the course's examples.",
    )


def url_notices(default_surface: str, default_optimizer: str) -> None:
    """On the first run of a session, check the link, say what was rejected or rounded (on that run
    only: the next action is the person's own), and take the rejected values out of the address bar."""
    if "url_messages" in st.session_state:
        return
    query = display.page_query()  # hide= and present= are the view's, not the playground's
    if not query:
        load_preset(FIRST_VISIT)
    messages, fixes, rejected = check_query(query, default_surface, default_optimizer,
                                            landing=PRESETS[FIRST_VISIT].hyperparameters)
    st.session_state.update(fixes)
    st.session_state["url_messages"] = messages
    for key in rejected:
        if key and key in st.session_state:  # a bound widget: its key cannot be cleared, its default is left out
            continue
        del st.query_params[key]
    if messages:
        st.warning("Some values in the link could not be used:\n"
                   + "\n".join(f"- {escaped(m)}" for m in messages), icon=":material/link_off:")


def preset_note(surface: str, optimizer: str, hp: dict[str, float], start, steps: int) -> None:
    """The loaded example's explanation, shown while the controls still hold that example."""
    label = st.session_state.get("preset_note")
    if not label:
        return
    p = PRESETS[label]
    defaults = {h.name: h.default for h in get_optimizer(p.optimizer).knobs}  # the controls on the page
    same = (
        (surface, optimizer, tuple(start), steps) == (p.surface, p.optimizer, tuple(p.start), p.steps)
        and all(abs(hp[k] - v) <= 1e-12 * max(1.0, abs(v)) for k, v in {**defaults, **p.hyperparameters}.items())
    )
    if same:
        st.info(f"**{p.label}.** {p.note}", icon=":material/school:")
    else:
        st.caption(f"Changed from the example “{p.label}”; load it again from the menu in the sidebar.")


def summary_panel(s: RunSummary, surface: Surface) -> None:
    if s.diverged_at is not None or s.halted_at is not None:
        st.error(s.message, icon=":material/warning:")
    elif s.steps_to_tol is not None:
        st.success(s.message, icon=":material/check_circle:")
    else:
        st.info(s.message, icon=":material/hourglass_top:")
    # Plain text that wraps, not st.metric: a metric in a projector's narrow column cut "0.000303" to "0.00…".
    lines = [f"Final point **({s.final_point[0]:.4g}, {s.final_point[1]:.4g})**, f = **{s.final_loss:.6g}**"]
    if s.gap is not None:
        lines.append(f"gap f − f* = **{s.gap:.3g}** (f* = {surface.f_star:g}, the global minimum value)")
    if s.distance is not None:
        lines.append(f"distance to the nearest minimum = **{s.distance:.3g}** ({s.nearest})")
    if s.evaluations is not None:  # L-BFGS, a line search: a step is not one evaluation
        lines.append(f"**{s.evaluations}** evaluations of f and ∇f in {s.steps} steps")
    st.markdown("  \n".join(lines))


# Four significant digits keep the five columns inside a projector's half-width column; the data stay exact.
STEP_COLUMNS = {name: st.column_config.NumberColumn(format="%.4g") for name in ("x", "y", "f(x, y)", "‖∇f‖")}


def step_table(traj: Trajectory, head: int = 4, tail: int = 2) -> pd.DataFrame:
    """The first and last steps as a table (what the course walks through by hand)."""
    n = traj.steps + 1
    idx = sorted(set(range(min(head, n))) | set(range(max(n - tail, 0), n)))
    return pd.DataFrame(
        {
            "step": idx,
            "x": traj.points[idx, 0],
            "y": traj.points[idx, 1],
            "f(x, y)": traj.loss[idx],
            "‖∇f‖": traj.grad_norm[idx],
        }
    ).set_index("step")


def formula_panel(optimizer: Optimizer, hp: dict[str, float]) -> None:
    st.markdown(f"**{optimizer.title}**: {optimizer.summary}")
    st.latex(optimizer.update_latex)

    def shown(h) -> str:
        if h.flag:
            return r"\text{on}" if hp[h.name] else r"\text{off}"
        if h.choices:
            return rf"\text{{{h.shown(hp[h.name]).replace('_', ' ')}}}"
        return f"{hp[h.name]:g}"

    used = ", ".join(f"${h.latex} = {shown(h)}$" for h in optimizer.knobs)
    st.caption(f"Values in this run: {used}. Reference: {optimizer.reference}")
