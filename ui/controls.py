"""Sidebar controls generated from the declarations, every one bound to the URL.

A copied link reopens exactly this view: each widget has ``bind="query-params"``
and a stable key that is its URL name. Values equal to the default are left out
of the URL by Streamlit, so short links stay short.
"""

from __future__ import annotations

import math

import streamlit as st

from optim import MAX_STEPS, OPTIMIZERS, Optimizer, get_optimizer
from optim.schedules import SCHEDULES, get_schedule
from optim.spec import Hyperparameter
from surfaces import SURFACES, DataSurface, Surface, get_surface
from surfaces.grammar import MAX_LENGTH
from ui import links
from ui.text import escaped

FORMULA = "formula"  # the surface choice that reads a typed formula
DEFAULT_SURFACE = "radial"
DEFAULT_OPTIMIZER = "gd"
DEFAULT_FORMULA = "x^2 + 3*y^2 + sin(x*y)"
STEP_CHOICES = (0, 1, 2, 3, 5, 10, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000)
_MANTISSAS = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8)


def log_choices(h: Hyperparameter) -> list[float]:
    """Slider stops for a log-scale knob: 1, 1.5, 2, ... 8 per decade, plus the default."""
    values = {h.default} if h.default > 0 else {0.0}  # a knob that is off by default (damping 0) can be off
    for exponent in range(math.floor(math.log10(h.ui_low)), math.ceil(math.log10(h.ui_high)) + 1):
        for m in _MANTISSAS:
            v = float(f"{m}e{exponent}")  # decimal literal, so the URL shows 0.015, not 0.015000000000000001
            if h.ui_low * (1 - 1e-9) <= v <= h.ui_high * (1 + 1e-9):
                values.add(v)
    return sorted(values)


def _fmt(v: float) -> str:
    return f"{v:g}"


def initial(key: str, default) -> dict:
    """The widget's default, always passed, even when session state already holds a value.

    A bound widget leaves its value out of the URL when it equals the default; without the
    default the first option would count as the default, and a link made on it would reopen
    on the app's default instead. (Streamlit logs a duplication warning for a default plus a
    session value; .streamlit/config.toml turns that warning off.)
    """
    return {"value": default}


def initial_index(key: str, options: list, default) -> dict:
    """Like ``initial`` for a selectbox, which takes an index instead of a value."""
    return {"index": options.index(default)}


def set_optimizer_defaults(optimizer: Optimizer) -> None:
    """Load an optimizer's torch defaults into its controls (used when the optimizer changes)."""
    for h in optimizer.hyperparameters:
        st.session_state[h.name] = bool(h.default) if h.flag else _ui_value(h, h.default)


def _ui_value(h: Hyperparameter, value: float):
    if h.choices:  # a selectbox holds the name
        return h.choices[int(value)]
    if h.log:
        if value == 0 and 0.0 in log_choices(h):
            return 0.0
        return min(log_choices(h), key=lambda c: abs(math.log(max(c, 1e-300)) - math.log(max(value, 1e-300))))
    return float(value)


def _on_optimizer_change():
    set_optimizer_defaults(get_optimizer(st.session_state["opt"]))


def _on_schedule_change():
    for p in get_schedule(st.session_state["sched"]).parameters:  # schedules share names like gamma
        st.session_state[p.name] = _ui_value(p, p.default)


def _on_surface_change():
    name = st.session_state["surface"]
    if name != FORMULA:
        st.session_state["x0"], st.session_state["y0"] = map(float, get_surface(name).start)


def surface_control() -> tuple[str, str | None]:
    """Surface picker; returns ``(name, formula text or None)``.

    Options are the plain CLI names with no ``format_func``: a bound selectbox writes the
    formatted label into the URL, and ``?surface=rosenbrock`` is the link a person can edit.
    """
    names = [*SURFACES, FORMULA]
    name = st.selectbox(
        "Surface",
        names,
        key="surface",
        bind="query-params",
        on_change=_on_surface_change,
        help="The loss function f(x, y) the optimizer walks down; 'formula' lets you type your own.",
        **initial_index("surface", names, DEFAULT_SURFACE),
    )
    if name != FORMULA:
        return name, None
    # No max_chars: the browser would cut a pasted formula silently (or drop it); the parser says
    # how long it is and what the limit is.
    text = st.text_input(
        f"f(x, y) =  (at most {MAX_LENGTH} characters)",
        key="formula",
        bind="query-params",
        help="Use x, y, numbers, + − * / ^ (or **), pi, e and sin cos tan exp log sqrt abs tanh …",
        **initial("formula", DEFAULT_FORMULA),
    )
    return name, text


def formula_problem(exc: Exception, where=st) -> None:
    """A refused formula, said where the chart would be, with a formula that works."""
    where.error(f"{escaped(str(exc)[:1].upper() + str(exc)[1:])}\n\nFor example: `{DEFAULT_FORMULA}`",
                icon=":material/edit:")


def surface_picker(where=None) -> tuple[str, str | None, Surface]:
    """The surface control plus the surface it names; a bad formula is explained in ``where`` (the
    main area, where the charts would be) and stops the page there."""
    from ui.compute import resolve_surface

    name, formula = surface_control()
    try:
        return name, formula, resolve_surface(name, formula)
    except ValueError as exc:  # FormulaError: one sentence on what is wrong and what is allowed
        st.caption("This formula cannot be used: see the message on the page.")
        formula_problem(exc, where if where is not None else st)
        links.stop()


def require_finite_start(surface: Surface, formula: str | None, start) -> None:
    """A typed formula must be finite (with a finite gradient) at the start; otherwise say so and stop."""
    if formula is None:
        return
    from surfaces.formula import FormulaError, check_finite_at

    try:
        check_finite_at(surface, start)
    except FormulaError as exc:
        formula_problem(exc)
        links.stop()


def optimizer_control() -> Optimizer:
    names = list(OPTIMIZERS)
    name = st.selectbox(
        "Optimizer",
        names,
        key="opt",
        bind="query-params",
        on_change=_on_optimizer_change,
        help="torch.optim's algorithms with their exact update rules and defaults.",
        **initial_index("opt", names, DEFAULT_OPTIMIZER),
    )
    return get_optimizer(name)


def slider_step(h: Hyperparameter) -> float:
    """Whole numbers for counts (periods, patience), fine steps for decay rates close to 1."""
    if h.whole or h.ui_high - h.ui_low > 20:
        return 1.0
    return 0.001 if 0.99 < h.ui_high < 1 else 0.01


def declared_controls(params: tuple[Hyperparameter, ...]) -> dict[str, float]:
    """One bound control per declaration (its name is the widget key and the URL parameter).

    Returns ``{name: float}``, switches as 0.0/1.0. Used for optimizers and schedules alike.
    """
    values: dict[str, float] = {}
    for h in params:
        label = f"{h.label} ${h.latex}$" if not h.flag else h.label
        if h.flag:
            v = st.toggle(label, key=h.name, bind="query-params", help=h.help,
                          **initial(h.name, bool(h.default)))
            values[h.name] = 1.0 if v else 0.0
        elif h.choices:
            names = list(h.choices)
            v = st.selectbox(h.label, names, key=h.name, bind="query-params", help=h.help,
                             **initial_index(h.name, names, names[int(h.default)]))
            values[h.name] = float(names.index(v))
        elif h.log:
            v = st.select_slider(label, options=log_choices(h), format_func=_fmt, key=h.name,
                                 bind="query-params", help=h.help,
                                 **initial(h.name, _ui_value(h, h.default)))
            values[h.name] = float(v)
        else:
            step = slider_step(h)
            v = st.slider(label, min_value=float(h.ui_low), max_value=float(h.ui_high), step=step, key=h.name,
                          bind="query-params", help=h.help, format="%.0f" if step == 1.0 else "%.3f",
                          **initial(h.name, float(h.default)))
            values[h.name] = float(v)
    return values


def hyperparameter_controls(optimizer: Optimizer) -> dict[str, float]:
    """The optimizer's knobs, generated from its declaration (a course alias shows only its own)."""
    return declared_controls(optimizer.knobs)


def schedule_control() -> tuple[str, dict[str, float]]:
    """The learning-rate schedule and its parameters; returns ``(name, {parameter: value})``."""
    names = list(SCHEDULES)
    name = st.selectbox("schedule", names, key="sched", bind="query-params", on_change=_on_schedule_change,
                        help="How the step size changes over the run: η_t = η · m_t.",
                        **initial_index("sched", names, "constant"))
    schedule = get_schedule(name)
    st.caption(schedule.summary)
    st.latex(schedule.latex)
    return name, declared_controls(schedule.parameters)


def steps_control() -> int:
    return int(st.select_slider(
        "Steps", options=STEP_CHOICES, key="steps", bind="query-params",
        help=f"Number of updates (the CLI allows up to {MAX_STEPS}).",
        **initial("steps", 200),
    ))


def start_controls(surface: Surface) -> tuple[float, float]:
    """Start point inputs; a click on the contour plot writes the same keys."""
    (x_lo, x_hi), (y_lo, y_hi) = surface.domain
    c1, c2 = st.columns(2)
    x0 = c1.number_input("start x₀", min_value=float(x_lo), max_value=float(x_hi), step=0.1, format="%.3f",
                         key="x0", bind="query-params", **initial("x0", float(surface.start[0])))
    y0 = c2.number_input("start y₀", min_value=float(y_lo), max_value=float(y_hi), step=0.1, format="%.3f",
                         key="y0", bind="query-params", **initial("y0", float(surface.start[1])))
    return float(x0), float(y0)


BATCH_OPTIONS = ("full", "1", "2", "4", "8", "16", "32", "64", "128")


def batch_controls(surface: Surface) -> tuple[int, int, bool] | None:
    """On a data surface: the mini-batch size, the seed of the batch order and the sampling.

    Returns ``None`` for the full batch (or any other surface), else ``(B, seed, with replacement)``.
    """
    if not isinstance(surface, DataSurface):
        return None
    with st.expander("Mini-batches (data surfaces)", expanded=True):
        b = st.select_slider(
            "batch size B", BATCH_OPTIONS, key="batch", bind="query-params",
            help=f"Samples per gradient estimate; 'full' is all N = {surface.n} (batch gradient descent). "
                 "Steps counts updates.",
            **initial("batch", "full"))
        seed = st.number_input("seed", min_value=0, max_value=2**31 - 1, step=1, key="seed", bind="query-params",
                               help="Orders the samples; the same seed gives the same noisy path.",
                               **initial("seed", 0))
        replacement = st.toggle("sample with replacement", key="replace", bind="query-params",
                                help="Draw each batch afresh instead of reshuffling once per epoch.",
                                **initial("replace", False))
    if b == "full" or int(b) >= surface.n:
        return None
    return int(b), int(seed), bool(replacement)


FD_STEPS = tuple(float(f"{m}e{k}") for k in range(-12, -1) for m in (1, 2, 5))


def gradient_controls() -> tuple[str, float | None]:
    """How the gradient is computed (the course's AD against finite differences) and the difference step."""
    from optim.gradients import DEFAULT_FD_STEP, FINITE_DIFFERENCES, GRADIENT_METHODS, LABELS

    methods = list(GRADIENT_METHODS)
    method = st.selectbox("gradient by", methods, key="grad", bind="query-params",
                          help="; ".join(f"{m}: {LABELS[m]}" for m in methods)
                          + ". The 'How gradients are computed' page compares them.",
                          **initial_index("grad", methods, "reverse"))
    if method not in FINITE_DIFFERENCES:
        return method, None
    default = min(FD_STEPS, key=lambda v: abs(math.log(v / DEFAULT_FD_STEP[method])))
    h = st.select_slider("difference step h", FD_STEPS, format_func=lambda v: f"{v:g}", key="fd_h",
                         bind="query-params", help="Too large: truncation error; too small: round-off.",
                         **initial("fd_h", default))
    return method, float(h)


DATASETS = ("line", "diabetes", "blobs", "iris")  # the data surfaces' base names; "-scaled" is the twin


def dataset_picker(default: str) -> str:
    """A data surface as dataset + "scale features"; returns the registered name ("iris-scaled").

    Plain names as options (a bound selectbox puts the shown label in the URL): ?data=iris stays editable.
    """
    base = st.selectbox("Dataset and model", DATASETS, key="data", bind="query-params",
                        help="line, blobs: generated (seed 0); diabetes, iris: real data shipped with scikit-learn. "
                             "line and diabetes: linear regression; blobs and iris: logistic regression.",
                        **initial_index("data", list(DATASETS), default))
    scaled = st.toggle("scale features", key="scaled", bind="query-params",
                       help="Standardise x to mean 0 and standard deviation 1: a round valley instead of a long one.",
                       **initial("scaled", True))
    return f"{base}-scaled" if scaled else base
