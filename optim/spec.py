"""Declarations: what an optimizer is called, which knobs it has and what its update rule says.

One source of truth: the sidebar controls, the URL parameters, the CLI flags,
the validity checks and the formula panel are all generated from these records.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import NamedTuple


@dataclass(frozen=True)
class Hyperparameter:
    """One knob of an optimizer.

    ``low``/``high`` bound what is *valid* (torch's checks); ``ui_low``/``ui_high``
    bound the slider. A ``flag`` is a boolean carried as 0.0/1.0 so that toggling
    it is a traced value too and compiles nothing.
    """

    name: str  # python / URL name, e.g. "lr"
    label: str  # what a person reads, e.g. "learning rate"
    latex: str  # the paper's symbol, e.g. r"\eta"
    default: float
    help: str
    low: float | None = 0.0  # valid range, None = unbounded
    high: float | None = None
    low_open: bool = False  # low itself is invalid (e.g. eps > 0 is not required by torch, so False)
    high_open: bool = False  # high itself is invalid (betas < 1)
    ui_low: float = 0.0
    ui_high: float = 1.0
    log: bool = False  # slider on a log scale
    flag: bool = False  # boolean switch
    cli: str | None = None  # the CLI flag when it differs from --name (e.g. betas)
    decoupled: bool = False  # weight decay only: it shrinks w apart from the gradient (AdamW's reading)
    # A choice among names (L-BFGS's line_search_fn), carried as the chosen index 0.0, 1.0, ... so that
    # switching is a traced value too; the default is an index. The first name is torch's None where it has one.
    choices: tuple[str, ...] = ()
    whole: bool = False  # a count (history size, iterations): whole numbers only

    def check(self, value: float) -> str | None:
        """``None`` when ``value`` is valid, otherwise one sentence saying what is allowed."""
        if self.flag:
            return None if value in (0.0, 1.0) else f"{self.name} is a switch: give true or false"
        if self.choices:
            if value in range(len(self.choices)):
                return None
            return f"{self.name} ({self.label}) must be one of {', '.join(self.choices)}"
        if value != value or value in (float("inf"), float("-inf")):
            return f"{self.name} must be a finite number, got {value}"
        if self.whole and value != int(value):
            return f"{self.name} ({self.label}) must be a whole number, got {value:g}"
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            op = ">" if self.low_open else ">="
            return f"{self.name} ({self.label}) must be {op} {self.low:g}, got {value:g}"
        if self.high is not None and (value > self.high or (self.high_open and value == self.high)):
            op = "<" if self.high_open else "<="
            return f"{self.name} ({self.label}) must be {op} {self.high:g}, got {value:g}"
        return None

    def shown(self, value: float) -> bool | str | int | float:
        """The value as a person (and the JSON record) reads it: a switch as true/false, a choice by its
        name, a count as a whole number."""
        if self.flag:
            return bool(value)
        if self.choices:
            return self.choices[int(value)]
        if self.whole:
            return int(value)
        return float(value)

    def read(self, text: str) -> float:
        """A value typed on the command line or in a link, as the traced float; raises ``ValueError``
        with one sentence (choices by name; numbers checked by the caller)."""
        if self.choices:
            if text in self.choices:
                return float(self.choices.index(text))
            raise ValueError(f"{self.name} must be one of {', '.join(self.choices)}, got {text!r}")
        return float(text)


class Closure(NamedTuple):
    """What a rule that evaluates the loss itself (Newton, L-BFGS, a line search) is handed each step:
    both functions of the parameters, on the run's objective (the surface, or this step's mini-batch)."""

    loss: Callable  # params -> f
    value_and_grad: Callable  # params -> (f, grad), by the run's gradient method


class Moved(NamedTuple):
    """What a ``step`` returns."""

    params: object
    state: object
    # Evaluations this step, the runner's one at the start included: int32 (value_and_grad, hessian).
    evaluations: object
    halt: object  # int32: 0 where the step was taken, else why not (``Optimizer.halts``); the run stops there


class Step(NamedTuple):
    """One recorded update, as an optimizer's ``explain`` reads it (NumPy; states shaped like the optimizer's)."""

    before: object  # the optimizer state before the update
    after: object  # and after it
    hp: Mapping[str, float]
    lr: float  # eta_t, the schedule applied
    g: object  # the gradient at w_k, shape (2,)
    w: object  # w_k, shape (2,)
    t: int  # the 1-based step count


class StepParts(NamedTuple):
    """What an optimizer's own rule contributes to the anatomy of one update (``experiments/anatomy.py``).

    Arrays are NumPy, shape (2,): the recorded run's numbers, nothing recomputed on a device.
    """

    arrows: dict  # label -> displacement from w_k, drawn beside -eta*grad and the actual update
    rows: dict  # label -> numbers for the table
    effective: object = None  # per-coordinate step size, shape (2,): the update is -effective * direction
    direction: object = None  # what the effective step multiplies (the gradient, a moment, a sign)
    body: str = ""  # LaTeX with this step's numbers


class OptimizerFns(NamedTuple):
    """optax's shape: ``init(params) -> state`` and ``update(grads, state, params, hp, t) -> (params, state)``.

    ``update`` returns the new parameters, not an increment: ``p + (p_new - p)`` is not
    ``p_new`` in floating point, and conformance with torch is checked to the last digits.
    ``t`` is the 1-based step count, ``hp`` a mapping of traced float64 scalars.
    """

    init: Callable
    update: Callable | None
    # step(closure, f, grad, state, params, hp, t) -> Moved: for rules that evaluate the loss themselves
    # (f and grad are the runner's evaluation at params). ``update`` is None for them.
    step: Callable | None = None


@dataclass(frozen=True, eq=False)
class Optimizer:
    """An optimizer as the app, the CLI and the tests see it."""

    name: str  # torch.optim's name, lower-case, or a course alias
    title: str
    hyperparameters: tuple[Hyperparameter, ...]
    fns: OptimizerFns
    update_latex: str  # the update rule, KaTeX (aligned environment)
    reference: str  # paper and torch.optim doc the semantics follow
    summary: str  # one line for the UI
    checks: Callable[[Mapping[str, float]], str | None] = lambda hp: None  # cross-parameter rules
    base: str | None = None  # for an alias, the optimizer whose code it runs
    fixed: tuple[str, ...] = ()  # hyperparameters a person does not set here: they keep their default
    # explain(Step) -> StepParts: the update's parts from the recorded state before and after it, for the
    # anatomy of a step.
    explain: Callable | None = None
    scale_free: bool = False  # steps about eta per coordinate whatever the gradient's size (adaptive, sign)
    # Each coordinate's update reads only its own coordinate (and per-tensor scalars that are the same for
    # every coordinate). False for a rule that takes norms of whole tensors (Adafactor): the final-points
    # runner then hands it one run's parameters at a time instead of a block of runs per coordinate.
    elementwise: bool = True
    # Why a run stopped, by the halt code ``step`` returned (Newton: the Hessian is singular there).
    halts: tuple[str, ...] = ("",)

    @property
    def code_name(self) -> str:
        return self.base or self.name

    @property
    def first_order(self) -> bool:
        """An update from the gradient alone (no evaluations of its own): every loop can run it."""
        return self.fns.step is None

    def shown(self, hp: Mapping[str, float]) -> dict:
        """Every value as a person reads it (switches true/false, choices by name), for records and exports."""
        return {h.name: h.shown(hp[h.name]) for h in self.hyperparameters}

    @property
    def knobs(self) -> tuple[Hyperparameter, ...]:
        """The hyperparameters the app shows as controls (an alias may hold the others at their default)."""
        return tuple(h for h in self.hyperparameters if h.name not in self.fixed)

    def decay_reading(self, hp: Mapping[str, float] | None = None) -> str | None:
        """How this optimizer's ``weight_decay`` acts with these values: ``"coupled"`` (λw added to the gradient),
        ``"decoupled"`` (w shrunk by 1 − ηλ apart from it), or ``None`` where it has no weight decay."""
        declared = {h.name: h for h in self.hyperparameters}
        if "weight_decay" not in declared:
            return None
        values = {**self.defaults(), **(hp or {})}
        if declared["weight_decay"].decoupled or values.get("decoupled_weight_decay", 0.0) > 0.5:
            return "decoupled"
        return "coupled"

    def defaults(self) -> dict[str, float]:
        return {h.name: h.default for h in self.hyperparameters}

    def resolve(self, given: Mapping[str, float] | None = None) -> dict[str, float]:
        """Every hyperparameter value the run uses: defaults, then ``given``; raises ``ValueError``."""
        given = dict(given or {})
        known = {h.name: h for h in self.hyperparameters}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise ValueError(
                f"{self.name} has no hyperparameter {unknown[0]!r}; it takes: {', '.join(known)}"
            )
        values = {**self.defaults(), **{k: known[k].read(v) if isinstance(v, str) else float(v)
                                        for k, v in given.items()}}
        for name, h in known.items():
            if h.flag and isinstance(values[name], bool):
                values[name] = float(values[name])
            problem = h.check(values[name])
            if problem:
                raise ValueError(problem)
        problem = self.checks(values)
        if problem:
            raise ValueError(problem)
        return values

    def alias(self, name: str, title: str, summary: str, *, knobs: tuple[str, ...] | None = None,
              update_latex: str | None = None, **defaults: float) -> Optimizer:
        """The same code under a course name with other defaults (``momentum`` = SGD with mu = 0.9).

        ``knobs`` names the hyperparameters the app shows for it (the rest stay at their defaults
        there; the CLI and the run record still know every one), ``update_latex`` the rule as the
        course writes it for those knobs.
        """
        hps = tuple(replace(h, default=float(defaults.pop(h.name))) if h.name in defaults else h
                    for h in self.hyperparameters)
        assert not defaults, f"unknown defaults for alias {name}: {defaults}"
        names = [h.name for h in hps]
        assert knobs is None or set(knobs) <= set(names), f"unknown knobs for alias {name}: {knobs}"
        fixed = () if knobs is None else tuple(n for n in names if n not in knobs)
        return replace(self, name=name, title=title, summary=summary, hyperparameters=hps, base=self.name,
                       fixed=fixed, update_latex=update_latex or self.update_latex)

    def describe(self) -> dict:
        """The JSON object ``python -m optim list`` prints."""
        return {
            "name": self.name,
            "title": self.title,
            "alias_of": self.base,
            "summary": self.summary,
            "update_latex": self.update_latex,
            "reference": self.reference,
            "hyperparameters": [
                {
                    "name": h.name,
                    "label": h.label,
                    "latex": h.latex,
                    "default": h.shown(h.default),
                    "valid": [h.low, h.high],
                    "slider": [h.ui_low, h.ui_high],
                    "log": h.log,
                    "flag": h.flag,
                    "help": h.help,
                    **({"choices": list(h.choices)} if h.choices else {}),
                    **({"whole": True} if h.whole else {}),
                }
                for h in self.hyperparameters
            ],
        }
