"""Checks a hand-edited URL before the widgets read it, so bad values are reported, not dropped silently.

Streamlit's bound widgets ignore an invalid query value without a word; this module
reads the raw strings first and returns one sentence per problem. A number that is
valid but not one of a slider's stops is snapped to the nearest stop (and said so).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from optim import OPTIMIZERS, get_optimizer
from optim.schedules import SCHEDULES, get_schedule
from surfaces import SURFACES, get_surface
from ui.controls import FORMULA, STEP_CHOICES, log_choices

VIEW_KEYS = {"az": (-180.0, 180.0), "el": (0.0, 90.0), "tol": None}
TRUE, FALSE = ("true", "1"), ("false", "0")


def _number(raw: str) -> float | None:
    try:
        v = float(raw)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def check_query(params: Mapping[str, str], default_surface: str, default_optimizer: str,
                landing: Mapping[str, float] | None = None):
    """Validate raw URL values.

    ``landing`` holds the values the landing page shows for this optimizer (the course example's
    learning rate): a rejected value falls back to those, and the message names the value used.
    Returns ``(messages, fixes, rejected)``: one sentence per rejected value, the session-state
    values to set (snapped to a slider stop, or the fallback), and the link parameters that were
    not used at all (to take out of the address bar).
    """
    messages: list[str] = []
    fixes: dict[str, float] = {}
    rejected: list[str] = []
    landing = dict(landing or {})

    def fallback(key: str, h) -> str:
        """Use the landing page's value (or the declared default) for ``key``; says which."""
        value = landing.get(key, h.default)
        if h.choices:  # the widget holds the choice's name
            fixes[key] = h.choices[int(value)]
            return f"using {fixes[key]}"
        fixes[key] = bool(value) if h.flag else float(value)
        return f"using {bool(value) if h.flag else format(value, 'g')}"

    surface_name = params.get("surface", default_surface)
    if surface_name not in SURFACES and surface_name != FORMULA:
        messages.append(f"Unknown surface “{surface_name}” in the link; showing {default_surface} instead.")
        surface_name = fixes["surface"] = default_surface
    opt_name = params.get("opt", default_optimizer)
    if opt_name not in OPTIMIZERS:
        messages.append(f"Unknown optimizer “{opt_name}” in the link; using {default_optimizer} instead.")
        opt_name = fixes["opt"] = default_optimizer
    elif opt_name != default_optimizer:
        landing = {}  # the landing page's values belong to its optimizer
    optimizer = get_optimizer(opt_name)
    schedule_name = params.get("sched", "constant")
    if schedule_name not in SCHEDULES:
        messages.append(f"Unknown schedule “{schedule_name}” in the link; using a constant step size.")
        schedule_name = fixes["sched"] = "constant"
    own = {h.name: h for h in (*optimizer.knobs, *get_schedule(schedule_name).parameters)}
    every = {h.name for o in OPTIMIZERS.values() for h in o.hyperparameters}
    every |= {p.name for sched in SCHEDULES.values() for p in sched.parameters}

    for key, raw in params.items():
        if key in ("surface", "opt", "formula", "sched", "k"):
            continue
        if key in own:
            h = own[key]
            if h.flag:
                if raw.lower() not in TRUE + FALSE:
                    messages.append(f"{key}={raw} is not true or false; {fallback(key, h)}.")
                continue
            if h.choices:
                if raw not in h.choices:
                    messages.append(f"{key}={raw} is not one of {', '.join(h.choices)}; {fallback(key, h)}.")
                continue
            v = _number(raw)
            if v is None:
                messages.append(f"{key}={raw} is not a finite number; {fallback(key, h)}.")
            elif (problem := h.check(v)) is not None:
                messages.append(f"{problem[0].upper()}{problem[1:]} (from the link); {fallback(key, h)}.")
            elif h.log:
                choices = log_choices(h)
                if v not in choices:
                    if v <= 0 or not choices[0] / 2 <= v <= choices[-1] * 2:
                        messages.append(
                            f"{key}={raw} is outside the slider's range {choices[0]:g} to {choices[-1]:g}; "
                            f"{fallback(key, h)}."
                        )
                    else:
                        snapped = min(choices, key=lambda c: abs(math.log(c / v)))
                        fixes[key] = snapped
                        messages.append(f"{key}={raw} is between the slider's stops; rounded to {snapped:g}.")
            elif not h.ui_low <= v <= h.ui_high:
                messages.append(
                    f"{key}={raw} is outside the slider's range {h.ui_low:g} to {h.ui_high:g}; {fallback(key, h)}."
                )
        elif key in every:
            messages.append(f"{optimizer.title} with the {schedule_name} schedule has no parameter “{key}”; "
                            "it was ignored.")
            rejected.append(key)
        elif key == "steps":
            v = _number(raw)
            if v is None or v not in STEP_CHOICES:
                messages.append(f"steps={raw} is not one of the step choices (0 to {STEP_CHOICES[-1]}); using 200.")
        elif key in ("x0", "y0"):
            v = _number(raw)
            if surface_name == FORMULA:
                window = ((-3.0, 3.0), (-3.0, 3.0))
            else:
                window = get_surface(surface_name).domain
            lo, hi = window[0] if key == "x0" else window[1]
            if v is None or not lo <= v <= hi:
                messages.append(
                    f"{key}={raw} is not a number inside the plot window [{lo:g}, {hi:g}]; "
                    "using the suggested start."
                )
        elif key in ("grad", "fd_h"):
            problem = _gradient_problem(key, raw, params.get("grad", "reverse"))
            if problem:
                messages.append(problem)
                rejected.append(key)
        elif key in ("batch", "seed", "replace"):
            problems = _minibatch_problems(key, raw, surface_name)
            messages += problems
            if problems and "data surfaces only" in problems[0]:
                rejected.append(key)
        elif key in VIEW_KEYS:
            v = _number(raw)
            bounds = VIEW_KEYS[key]
            if v is None or (bounds is not None and not bounds[0] <= v <= bounds[1]):
                messages.append(f"{key}={raw} is not valid here; using the default view setting.")
            elif bounds is not None and v % 5:  # the 3-D view sliders move in steps of 5 degrees
                messages.append(f"{key}={raw} is not one of the slider's values (multiples of 5 from "
                                f"{bounds[0]:g} to {bounds[1]:g}); the view was rounded.")
        else:
            messages.append(f"Unknown link parameter “{key}” was ignored.")
            rejected.append(key)
    return messages, fixes, rejected


def _minibatch_problems(key: str, raw: str, surface_name: str) -> list[str]:
    """The playground's mini-batch parameters: only on data surfaces, each within its control's range."""
    from surfaces import DataSurface
    from ui.controls import BATCH_OPTIONS

    if surface_name not in SURFACES or not isinstance(get_surface(surface_name), DataSurface):
        return [f"“{key}” applies to data surfaces only; it was ignored."]
    if key == "batch" and raw not in BATCH_OPTIONS:
        return [f"batch={raw} is not one of the batch sizes ({', '.join(BATCH_OPTIONS)}); using the full batch."]
    if key == "seed" and not (raw.isdigit() and int(raw) < 2**31):
        return [f"seed={raw} is not a whole number from 0 to {2**31 - 1}; using seed 0."]
    if key == "replace" and raw.lower() not in TRUE + FALSE:
        return [f"replace={raw} is not true or false; sampling without replacement."]
    return []


def _gradient_problem(key: str, raw: str, method: str) -> str | None:
    """The playground's gradient method and finite-difference step."""
    from optim.gradients import FINITE_DIFFERENCES, GRADIENT_METHODS
    from ui.controls import FD_STEPS

    if key == "grad":
        if raw not in GRADIENT_METHODS:
            return f"grad={raw} is not a gradient method ({', '.join(GRADIENT_METHODS)}); using reverse-mode AD."
        return None
    if method not in FINITE_DIFFERENCES:
        return "fd_h applies to finite-difference gradients only; it was ignored."
    v = _number(raw)
    if v is None or v not in FD_STEPS:
        return f"fd_h={raw} is not one of the steps ({FD_STEPS[0]:.0e} to {FD_STEPS[-1]:.0e}); using the default."
    return None
