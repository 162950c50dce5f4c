"""Cached calls into the core. Arguments are plain hashables (names, floats, tuples), never JAX arrays.

Compiled functions already live in ``optim.loops.compiled_run`` (one per process, shared by
every session); results are cached per argument tuple with ``st.cache_data``.
"""

from __future__ import annotations

import os
from pathlib import Path

import jax
import numpy as np
import streamlit as st

from optim import Trajectory, descend, get_optimizer
from surfaces import Surface, get_surface, surface_grid

GRID_3D = 90  # mesh for the 3-D view
GRID_CONTOUR = 120  # mesh for the contour view


@st.cache_resource
def enable_compilation_cache() -> str:
    """JAX's persistent compilation cache: a new server process compiles its first run about twice as fast.

    The minimum compile time is lowered because the 1 s default skips every CPU compile here.
    ``DESCENT_JAX_CACHE=off`` leaves it off (the test suite: its processes must not share one cache folder,
    and a formula read under the audit hook must not open cache files).
    """
    if os.environ.get("DESCENT_JAX_CACHE") == "off":
        return "off"
    path = Path(os.environ.get("DESCENT_JAX_CACHE", Path(__file__).resolve().parent.parent / ".jax_cache"))
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return str(path)


def backend_label(dtype: str = "float64") -> str:
    """Where and in what precision the page computes (the network page can train in float32)."""
    devices = jax.devices()
    kind = devices[0].platform.upper() if devices else "?"
    return f"JAX {jax.__version__} on {kind} ({len(devices)} device{'s' if len(devices) != 1 else ''}), {dtype}"


def resolve_surface(name: str, formula: str | None) -> Surface:
    """The surface for a (name, formula) pair; raises ``FormulaError`` for a bad formula."""
    if formula is None:
        return get_surface(name)
    from surfaces.formula import parse_formula

    return parse_formula(formula)


@st.cache_data(max_entries=64, show_spinner=False)
def grid(name: str, formula: str | None, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return surface_grid(resolve_surface(name, formula), n)


@st.cache_data(max_entries=256, show_spinner=False)
def run(name: str, formula: str | None, optimizer: str, hp: tuple[tuple[str, float], ...],
        start: tuple[float, float], steps: int, schedule: str = "constant",
        sp: tuple[tuple[str, float], ...] = (), gradient: str = "reverse", fd_step: float | None = None) -> Trajectory:
    """One recorded run, optimizer state included (the anatomy of a step reads it)."""
    return descend(resolve_surface(name, formula), get_optimizer(optimizer), dict(hp), start, steps,
                   schedule=schedule, schedule_parameters=dict(sp), record_state=True, gradient=gradient,
                   fd_step=fd_step)


@st.cache_data(max_entries=128, show_spinner=False)
def run_minibatch(name: str, optimizer: str, hp: tuple[tuple[str, float], ...], start: tuple[float, float],
                  steps: int, batch_size: int, seed: int, replacement: bool, schedule: str = "constant",
                  sp: tuple[tuple[str, float], ...] = ()) -> Trajectory:
    """One mini-batch run on a data surface, as the playground's ``Trajectory``."""
    from optim.stochastic import train

    surface = get_surface(name)
    run = train(surface.sample_loss, (surface.features, surface.targets), get_optimizer(optimizer), dict(hp),
                np.asarray(start, dtype=np.float64), batch_size=batch_size, steps=steps, seed=seed,
                replacement=replacement, schedule=schedule, schedule_parameters=dict(sp))
    from optim.schedules import get_schedule

    return run.trajectory(schedule, get_schedule(schedule).resolve(dict(sp)))
