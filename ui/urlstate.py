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


def check_query(params: Mapping[str, str], default_surface: str, default_optimizer: str):
    """Validate raw URL values.

    Returns ``(messages, fixes)``: one sentence per rejected value, and the session-state
    values to set for values that were snapped to a slider stop.
    """
    messages: list[str] = []
    fixes: dict[str, float] = {}
    surface_name = params.get("surface", default_surface)
    if surface_name not in SURFACES and surface_name != FORMULA:
        messages.append(f"Unknown surface “{surface_name}” in the link; showing {default_surface} instead.")
        surface_name = default_surface
    opt_name = params.get("opt", default_optimizer)
    if opt_name not in OPTIMIZERS:
        messages.append(f"Unknown optimizer “{opt_name}” in the link; using {default_optimizer} instead.")
        opt_name = default_optimizer
    optimizer = get_optimizer(opt_name)
    schedule_name = params.get("sched", "constant")
    if schedule_name not in SCHEDULES:
        messages.append(f"Unknown schedule “{schedule_name}” in the link; using a constant step size.")
        schedule_name = "constant"
    own = {h.name: h for h in (*optimizer.hyperparameters, *get_schedule(schedule_name).parameters)}
    every = {h.name for o in OPTIMIZERS.values() for h in o.hyperparameters}
    every |= {p.name for sched in SCHEDULES.values() for p in sched.parameters}

    for key, raw in params.items():
        if key in ("surface", "opt", "formula", "sched", "k"):
            continue
        if key in own:
            h = own[key]
            if h.flag:
                if raw.lower() not in TRUE + FALSE:
                    messages.append(f"{key}={raw} is not true or false; using the default ({bool(h.default)}).")
                continue
            v = _number(raw)
            if v is None:
                messages.append(f"{key}={raw} is not a finite number; using the default ({h.default:g}).")
            elif (problem := h.check(v)) is not None:
                messages.append(f"{problem[0].upper()}{problem[1:]} (from the link); using the default.")
            elif h.log:
                choices = log_choices(h)
                if v not in choices:
                    if v <= 0 or not choices[0] / 2 <= v <= choices[-1] * 2:
                        messages.append(
                            f"{key}={raw} is outside the slider's range {choices[0]:g} to {choices[-1]:g}; "
                            "using the default."
                        )
                    else:
                        snapped = min(choices, key=lambda c: abs(math.log(c / v)))
                        fixes[key] = snapped
                        messages.append(f"{key}={raw} is between the slider's stops; rounded to {snapped:g}.")
            elif not h.ui_low <= v <= h.ui_high:
                messages.append(
                    f"{key}={raw} is outside the slider's range {h.ui_low:g} to {h.ui_high:g}; using the default."
                )
        elif key in every:
            messages.append(f"{optimizer.title} with the {schedule_name} schedule has no parameter “{key}”; "
                            "it was ignored.")
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
    return messages, fixes
