"""Learning-rate schedules: the step size at update t is eta_t = eta * m_t.

Each schedule is declared once (parameters, LaTeX) like the optimizers, and is a pure
``(init(sp), multiplier(t, loss, state, sp) -> (m_t, state))`` pair traced inside the
runner's scan: changing a schedule parameter compiles nothing; changing the schedule
kind selects another compiled function. ``t`` is the 1-based update count and ``loss``
is f at the point the update starts from (what ``ReduceLROnPlateau.step(loss)`` sees).

Semantics follow torch.optim.lr_scheduler where it has the schedule (StepLR,
ExponentialLR, CosineAnnealingLR, LinearLR warm-up, ReduceLROnPlateau in "min"/"rel"
mode without cooldown); inverse time is eta / (1 + k (t - 1)), as Adagrad's lr_decay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import jax.numpy as jnp

from optim.spec import Hyperparameter


class ScheduleFns(NamedTuple):
    init: Callable  # sp -> state
    multiplier: Callable  # (t, loss, state, sp) -> (m_t, state)


@dataclass(frozen=True, eq=False)
class Schedule:
    name: str
    title: str
    parameters: tuple[Hyperparameter, ...]
    latex: str  # eta_t as a formula
    fns: ScheduleFns
    summary: str

    def defaults(self) -> dict[str, float]:
        return {p.name: p.default for p in self.parameters}

    def resolve(self, given=None) -> dict[str, float]:
        given = dict(given or {})
        known = {p.name: p for p in self.parameters}
        unknown = sorted(set(given) - set(known))
        if unknown:
            takes = ", ".join(known) or "no parameters"
            raise ValueError(f"the {self.name} schedule has no parameter {unknown[0]!r}; it takes: {takes}")
        values = {**self.defaults(), **{k: float(v) for k, v in given.items()}}
        for name, p in known.items():
            problem = p.check(values[name])
            if problem:
                raise ValueError(problem)
        return values

    def describe(self) -> dict:
        return {
            "name": self.name, "title": self.title, "latex": self.latex, "summary": self.summary,
            "parameters": [{"name": p.name, "label": p.label, "default": p.default, "help": p.help}
                           for p in self.parameters],
        }


def _stateless(fn):
    return ScheduleFns(lambda sp: jnp.zeros(()), lambda t, loss, state, sp: (fn(t, sp), state))


def _param(name, label, latex, default, help, **kw) -> Hyperparameter:
    return Hyperparameter(name, label, latex, default, help, **kw)


_GAMMA = _param("gamma", "decay factor", r"\gamma", 0.5, "Multiply η by γ at each decay.",
                low=0.0, high=1.0, ui_low=0.01, ui_high=1.0)


class PlateauState(NamedTuple):
    best: jnp.ndarray
    bad_steps: jnp.ndarray
    scale: jnp.ndarray


def _plateau_multiplier(t, loss, state, sp):
    m = state.scale  # the factor in force for this update
    better = loss < state.best * (1.0 - sp["threshold"])  # torch: mode "min", threshold_mode "rel"
    best = jnp.where(better, loss, state.best)
    bad = jnp.where(better, 0.0, state.bad_steps + 1.0)
    reduce = bad > sp["patience"]
    return m, PlateauState(best, jnp.where(reduce, 0.0, bad), jnp.where(reduce, m * sp["factor"], m))


SCHEDULES: dict[str, Schedule] = {
    s.name: s
    for s in (
        Schedule("constant", "Constant", (), r"\eta_t = \eta", _stateless(lambda t, sp: jnp.ones(())),
                 "The same step size at every update."),
        Schedule(
            "step", "Step decay",
            (_param("step_size", "steps per decay", r"s", 50.0, "Decay every s updates.",
                    low=1.0, ui_low=1.0, ui_high=1000.0), _GAMMA),
            r"\eta_t = \eta\, \gamma^{\lfloor (t-1)/s \rfloor}",
            _stateless(lambda t, sp: sp["gamma"] ** jnp.floor((t - 1) / sp["step_size"])),
            "Cut η by γ every s updates (torch StepLR).",
        ),
        Schedule(
            "exponential", "Exponential decay",
            (_param("gamma", "decay factor", r"\gamma", 0.99, "Multiply η by γ after every update.",
                    low=0.0, high=1.0, ui_low=0.9, ui_high=1.0),),
            r"\eta_t = \eta\, \gamma^{t-1}",
            _stateless(lambda t, sp: sp["gamma"] ** (t - 1.0)),
            "Shrink η by a constant factor every update (torch ExponentialLR).",
        ),
        Schedule(
            "cosine", "Cosine annealing",
            (_param("t_max", "period", r"T", 200.0, "Updates from η down to η_min.",
                    low=1.0, ui_low=1.0, ui_high=5000.0),
             _param("eta_min_ratio", "floor ratio", r"\eta_{\min}/\eta", 0.0, "Lowest step as a fraction of η.",
                    low=0.0, high=1.0, ui_high=1.0)),
            r"\eta_t = \eta_{\min} + \tfrac12(\eta-\eta_{\min})\bigl(1+\cos\tfrac{\pi (t-1)}{T}\bigr)",
            _stateless(lambda t, sp: sp["eta_min_ratio"]
                       + 0.5 * (1.0 - sp["eta_min_ratio"]) * (1.0 + jnp.cos(jnp.pi * (t - 1.0) / sp["t_max"]))),
            "Glide from η to η_min along half a cosine (torch CosineAnnealingLR).",
        ),
        Schedule(
            "inverse-time", "Inverse time (1/t)",
            (_param("decay", "decay rate", r"k", 0.01, "η / (1 + k (t-1)).", low=0.0, ui_high=1.0),),
            r"\eta_t = \frac{\eta}{1 + k\,(t-1)}",
            _stateless(lambda t, sp: 1.0 / (1.0 + sp["decay"] * (t - 1.0))),
            "The classic Robbins–Monro decay: the steps shrink like 1/t.",
        ),
        Schedule(
            "warmup", "Linear warm-up",
            (_param("warmup", "warm-up steps", r"w", 20.0, "Updates to ramp η up from η/w.",
                    low=1.0, ui_low=1.0, ui_high=1000.0),),
            r"\eta_t = \eta \min\bigl(1, t/w\bigr)",
            _stateless(lambda t, sp: jnp.minimum(1.0, t / sp["warmup"])),
            "Start small and ramp up linearly to η: gentle first steps for adaptive methods.",
        ),
        Schedule(
            "plateau", "Halve on plateau",
            (_param("factor", "reduction factor", r"\gamma", 0.5, "Multiply η by γ when the loss stalls.",
                    low=0.0, high=1.0, high_open=True, ui_low=0.1, ui_high=0.9),
             _param("patience", "patience", r"p", 10.0, "Updates without improvement tolerated.",
                    low=0.0, ui_high=200.0),
             _param("threshold", "threshold", r"\theta", 1e-4, "Relative improvement that counts.",
                    low=0.0, ui_low=1e-8, ui_high=1e-1, log=True)),
            r"\eta \leftarrow \gamma\,\eta \text{ after } p \text{ updates without } f < (1-\theta) f_{\mathrm{best}}",
            ScheduleFns(
                lambda sp: PlateauState(jnp.asarray(jnp.inf), jnp.zeros(()), jnp.ones(())),
                _plateau_multiplier,
            ),
            "The course's heuristic: halve η whenever the loss stops going down (torch ReduceLROnPlateau).",
        ),
    )
}


def get_schedule(name: str) -> Schedule:
    try:
        return SCHEDULES[name]
    except KeyError:
        raise KeyError(f"unknown schedule {name!r}; choose one of: {', '.join(SCHEDULES)}") from None
