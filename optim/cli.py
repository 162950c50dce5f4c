"""``python -m optim run|list``: the core without a browser, as DESIGN.md specifies.

Every flag is generated from the optimizer declarations. A bad argument prints one
line starting with ``error:`` on stderr, nothing on stdout, and exits 2. Other packages
add their own subcommands as ``Command`` records (``experiments.cli``'s ``train``, passed in
by ``optim/__main__.py``), so this module imports nothing of theirs.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from optim.gradients import DEFAULT_FD_STEP, FINITE_DIFFERENCES, GRADIENT_METHODS
from optim.record import run_record
from optim.registry import OPTIMIZERS, get_optimizer
from optim.runner import MAX_STEPS, descend
from optim.schedules import SCHEDULES, get_schedule
from optim.spec import Hyperparameter
from surfaces.data import DataSurface


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print the usage and exit 2; we want one line
        raise UsageError(message)


@dataclass(frozen=True)
class Command:
    """A subcommand of ``python -m optim`` declared outside ``optim``: ``add_arguments(parser)`` adds its flags
    (``add_optimizer_flags`` gives it ``run``'s), ``run(args)`` returns what is printed as JSON and raises
    ``UsageError`` on a bad argument (one ``error:`` line, exit 2)."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], object]


def _all_hyperparameters() -> dict[str, Hyperparameter]:
    seen: dict[str, Hyperparameter] = {}
    for opt in OPTIMIZERS.values():
        for h in opt.hyperparameters:
            seen.setdefault(h.name, h)
    return seen


def _flag_help(name: str) -> str:
    """The declared help of a knob; where optimizers mean different things by one name (RMSprop's and ASGD's
    alpha), each one's, with its optimizer."""
    meanings: dict[str, list[str]] = {}
    for opt in OPTIMIZERS.values():
        for h in opt.hyperparameters:
            if h.name == name and opt.base is None:
                text = (f"{h.help} (one of: {', '.join(h.choices)})" if h.choices
                        else h.help if h.flag else f"{h.help} ({h.latex})")
                meanings.setdefault(text, []).append(opt.title)
    if len(meanings) == 1:
        return next(iter(meanings))
    return "; ".join(f"{', '.join(titles)}: {text}" for text, titles in meanings.items())


def _is_choice(name: str) -> bool:
    return any(h.name == name and h.choices for o in OPTIMIZERS.values() for h in o.hyperparameters)


def _pairs() -> dict[str, tuple[str, str]]:
    """Knobs that torch takes as one pair, given on the command line as ``--betas 0.9,0.999``: flag -> names."""
    groups: dict[str, list[str]] = {}
    for h in _all_hyperparameters().values():
        if h.cli is not None and h.name not in groups.setdefault(h.cli, []):
            groups[h.cli].append(h.name)
    assert all(len(names) == 2 for names in groups.values()), groups
    return {flag: tuple(names) for flag, names in groups.items()}


def add_optimizer_flags(parser) -> None:
    """Every optimizer's knobs as flags, generated from the declarations (``run`` and ``train`` alike)."""
    for h in _all_hyperparameters().values():
        if h.cli is not None:
            continue
        flag = "--" + h.name.replace("_", "-")
        if h.flag:
            parser.add_argument(flag, action="store_true", default=None, help=_flag_help(h.name))
        else:
            parser.add_argument(flag, help=_flag_help(h.name))
    for pair, names in _pairs().items():
        users = [o.title for o in OPTIMIZERS.values() if o.base is None and names[0] in o.defaults()]
        parser.add_argument("--" + pair.replace("_", "-"), help=f"{names[0]},{names[1]} for {', '.join(users)}")


def given_hyperparameters(args) -> dict[str, float]:
    """The knobs given on the command line (flags as 1.0), by declared name; pairs split."""
    given: dict[str, float] = {}
    for h in _all_hyperparameters().values():
        if h.cli is not None:
            continue
        raw = getattr(args, h.name)
        if raw is None:
            continue
        if _is_choice(h.name):  # a name (--line-search strong_wolfe): the chosen optimizer reads it
            given[h.name] = raw
            continue
        given[h.name] = 1.0 if h.flag else _finite(raw, "--" + h.name.replace("_", "-"))
    for pair, (first, second) in _pairs().items():
        raw = getattr(args, pair)
        if raw is not None:
            given[first], given[second] = _pair(raw, "--" + pair.replace("_", "-"))
    return given


def _finite(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{what} must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise UsageError(f"{what} must be a finite number, got {text!r}")
    return value


def _pair(text: str, what: str) -> tuple[float, float]:
    parts = text.split(",")
    if len(parts) != 2:
        raise UsageError(f"{what} takes two numbers separated by a comma, e.g. 0.5,1; got {text!r}")
    return _finite(parts[0], what), _finite(parts[1], what)


# argparse (Python 3.11) takes "-1.2,1" or "-1e-3" after a flag for another flag ("expected one
# argument"); glued to its flag ("--start=-1.2,1") the value reaches our own checks.
_NEGATIVE_VALUE = re.compile(r"-(\.?\d|inf)", re.IGNORECASE)


def _glue_negative_values(argv: list[str]) -> list[str]:
    out: list[str] = []
    for token in argv:
        flag = out[-1] if out else ""
        if flag.startswith("--") and flag != "--" and "=" not in flag and _NEGATIVE_VALUE.match(token):
            out[-1] = f"{flag}={token}"
        else:
            out.append(token)
    return out


def build_parser(commands: Sequence[Command] = ()) -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m optim", description="Run an optimizer on a loss surface.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="optimizers with their hyperparameters and defaults (JSON)")
    run = sub.add_parser("run", help="run one optimizer and print the trajectory as JSON")
    run.add_argument("--surface", help="surface name (python -m surfaces list)")
    run.add_argument("--formula", help="a formula in x and y instead of --surface, e.g. 'x^2 + 3*y^2'")
    run.add_argument("--optimizer", required=True, help=f"one of: {', '.join(OPTIMIZERS)}")
    run.add_argument("--steps", help=f"number of updates, 0 to {MAX_STEPS} (default 100)")
    run.add_argument("--epochs", help="passes over the data instead of --steps (data surfaces only)")
    run.add_argument("--l2", help="ℓ2 penalty λ: minimise L(w) + λ‖w‖² (data surfaces only; default 0)")
    run.add_argument("--replacement", action="store_true", default=None,
                     help="sample each mini-batch with replacement (default: reshuffle each epoch, without)")
    run.add_argument("--start", help="x,y (default: the surface's suggested start)")
    run.add_argument("--schedule", default="constant", help=f"learning-rate schedule: {', '.join(SCHEDULES)}")
    run.add_argument("--batch-size", help="mini-batch size (data surfaces only)")
    run.add_argument("--seed", help="PRNG seed of the mini-batch order (data surfaces; default 0, recorded)")
    run.add_argument("--gradient", help="how the gradient is computed: reverse (default, backpropagation), forward "
                     "(forward-mode AD), fd-forward or fd-central (finite differences); recorded when given")
    run.add_argument("--fd-step", help="finite-difference step h (default 1.5e-8 forward, 6e-6 central)")
    add_optimizer_flags(run)
    for p in _all_schedule_parameters().values():
        run.add_argument("--" + p.name.replace("_", "-"), help=f"schedule parameter: {p.help} ({p.latex})")
    for command in commands:
        command.add_arguments(sub.add_parser(command.name, help=command.help))
    return parser


def _all_schedule_parameters() -> dict[str, Hyperparameter]:
    seen: dict[str, Hyperparameter] = {}
    for schedule in SCHEDULES.values():
        for p in schedule.parameters:
            seen.setdefault(p.name, p)
    return seen


def _given_schedule_parameters(args) -> dict[str, float]:
    return {
        name: _finite(getattr(args, name), "--" + name.replace("_", "-"))
        for name in _all_schedule_parameters()
        if getattr(args, name) is not None
    }


def _surface(args):
    from surfaces import get_surface

    if args.formula is not None and args.surface is not None:
        raise UsageError("give either --surface or --formula, not both")
    if args.formula is not None:
        from surfaces.formula import FormulaError, parse_formula

        try:
            return parse_formula(args.formula)
        except FormulaError as exc:
            raise UsageError(str(exc)) from None
    if args.surface is None:
        raise UsageError("--surface NAME or --formula EXPR is required")
    try:
        return get_surface(args.surface)
    except KeyError as exc:
        raise UsageError(exc.args[0]) from None


def run_command(args) -> dict:
    surface = _surface(args)
    try:
        optimizer = get_optimizer(args.optimizer)
    except KeyError as exc:
        raise UsageError(exc.args[0]) from None
    start = _pair(args.start, "--start") if args.start is not None else surface.start
    try:
        schedule = get_schedule(args.schedule)
    except KeyError as exc:
        raise UsageError(exc.args[0]) from None
    seed = None if args.seed is None else seed_number(args.seed)
    gradient = "reverse" if args.gradient is None else args.gradient
    if gradient not in GRADIENT_METHODS:
        raise UsageError(f"unknown gradient method {gradient!r}; choose one of: {', '.join(GRADIENT_METHODS)}")
    fd_step = None
    if args.fd_step is not None:
        if gradient not in FINITE_DIFFERENCES:
            raise UsageError("--fd-step needs --gradient fd-forward or fd-central")
        fd_step = _finite(args.fd_step, "--fd-step")
        if fd_step <= 0:
            raise UsageError(f"--fd-step must be a positive number, got {args.fd_step!r}")
    if args.formula is not None:
        from surfaces.formula import FormulaError, check_finite_at

        try:
            check_finite_at(surface, start)
        except FormulaError as exc:
            raise UsageError(str(exc)) from None
    data_flags = [f for f, v in (("--batch-size", args.batch_size), ("--epochs", args.epochs),
                                 ("--replacement", args.replacement), ("--l2", args.l2)) if v is not None]
    if data_flags and not isinstance(surface, DataSurface):
        raise UsageError(f"surface {surface.name!r} has no data set; {data_flags[0]} applies to data surfaces "
                         "(python -m surfaces list shows them with their number of samples)")
    if args.epochs is not None and args.steps is not None:
        raise UsageError("give either --steps or --epochs, not both")
    steps = whole_number(args.steps if args.steps is not None else "100", "--steps", 0, MAX_STEPS)
    hp, sp = given_hyperparameters(args), _given_schedule_parameters(args)
    if data_flags and (args.gradient is not None or fd_step is not None):
        raise UsageError("--gradient and --fd-step apply to full-gradient runs; mini-batches use reverse-mode AD")
    if data_flags:
        out = _data_run(args, surface, optimizer, hp, start, schedule.name, sp, seed)
    else:
        try:
            traj = descend(surface, optimizer, hp, start, steps, gradient=gradient, schedule=schedule.name,
                           schedule_parameters=sp, fd_step=fd_step)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        out = run_record(traj, surface.name if args.formula is None else args.formula, optimizer, start)
    if args.gradient is not None:  # beyond the contract's keys: only when asked for, like the seed
        out["gradient"] = gradient
    if gradient in FINITE_DIFFERENCES:
        out["fd_step"] = DEFAULT_FD_STEP[gradient] if fd_step is None else fd_step
    if seed is not None:
        out["seed"] = seed
    return out


def whole_number(text: str, what: str, low: int, high: int | None) -> int:
    """``text`` as a whole number from ``low`` to ``high`` (``None``: no bound), or ``UsageError`` naming ``what``."""
    value = _finite(text, what)
    if not value.is_integer() or value < low or (high is not None and value > high):
        allowed = f"of at least {low}" if high is None else f"from {low} to {high}"
        raise UsageError(f"{what} must be a whole number {allowed}, got {text!r}")
    return int(value)


def seed_number(text: str) -> int:
    """A PRNG seed from the command line: a whole number from 0 to 2³² - 1."""
    if not text.isdigit() or int(text) >= 2**32:
        raise UsageError(f"--seed must be a whole number from 0 to {2**32 - 1}, got {text!r}")
    return int(text)


def _data_run(args, surface, optimizer, hp, start, schedule, sp, seed) -> dict:
    """A mini-batch run on a data surface: the contract's record plus how the data was batched."""
    from optim.stochastic import train

    batch_size = None if args.batch_size is None else whole_number(args.batch_size, "--batch-size", 1, None)
    if args.epochs is not None:
        steps, epochs = None, whole_number(args.epochs, "--epochs", 0, MAX_STEPS)
    else:
        steps, epochs = whole_number(args.steps if args.steps is not None else "100", "--steps", 0, MAX_STEPS), None
    try:
        run = train(surface.sample_loss, (surface.features, surface.targets), optimizer, hp, np.asarray(start),
                    batch_size=batch_size, steps=steps, epochs=epochs, seed=0 if seed is None else seed,
                    replacement=bool(args.replacement), schedule=schedule, schedule_parameters=sp,
                    l2=0.0 if args.l2 is None else _finite(args.l2, "--l2"))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    out = run_record(run.trajectory(schedule, get_schedule(schedule).resolve(sp)), surface.name, optimizer, start)
    out.update({"batch_size": run.batching.size, "n_samples": run.batching.n,
                "updates_per_epoch": run.batching.per_epoch, "epochs": run.epochs,
                "replacement": run.batching.replacement, "seed": run.seed,
                "samples_processed": int(run.samples[-1]), "l2": run.l2})
    return out


def main(argv: list[str] | None = None, commands: Sequence[Command] = ()) -> int:
    """``run`` and ``list``, and ``commands`` besides; the exit status (2 after one ``error:`` line)."""
    extra = {command.name: command for command in commands}
    try:
        args = build_parser(commands).parse_args(_glue_negative_values(sys.argv[1:] if argv is None else list(argv)))
        if args.command == "list":
            result = [o.describe() for o in OPTIMIZERS.values()]
        elif args.command in extra:
            result = extra[args.command].run(args)
        else:
            result = run_command(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(json.dumps(result, allow_nan=False) + "\n")
    return 0
