"""An optimizer race: several optimizers, each with its own settings, on one surface from one start.

Racers that run the same code (``Optimizer.code_name``: ``gd``, ``momentum`` and ``nesterov`` are
all ``sgd``) share one compiled, vmapped call: their hyperparameters become arrays of shape
``(B,)``. Groups are padded to ``MAX_RACERS`` lanes so the number of racers never changes a
compiled shape. A fair race first tunes each racer's learning rate by a log-spaced sweep (one
batched call per racer) on the same step budget and score as the race itself.

Score: the final gap ``f - f*`` (the final ``f`` when ``f*`` is unknown); ``+inf`` for a racer
that diverged. Steps to tolerance: the first index with ``f - f* < tol`` (with ``f*`` unknown, the
first with ``‖∇f‖ < tol``). Gradient evaluations: one per step taken, so ``steps``, or the index
at which the run diverged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from optim.registry import get_optimizer
from optim.runner import MAX_STEPS, compiled_run, descend_batch, step_bucket
from optim.schedules import get_schedule
from optim.spec import Optimizer
from surfaces.base import Surface

MAX_RACERS = 6
LR_RANGE = (1e-5, 10.0)  # the learning-rate declaration's slider range (optim.common.lr)
_SYMBOLS = {"lr": "η", "momentum": "μ", "beta1": "β₁", "beta2": "β₂", "alpha": "α"}


@dataclass(frozen=True)
class Racer:
    """One lane: an optimizer by registry name, the hyperparameters it overrides, a label for legends."""

    optimizer: str
    hyperparameters: tuple[tuple[str, float], ...] = ()  # sorted (name, value) pairs: hashable for caches
    label: str = ""

    @classmethod
    def make(cls, optimizer: str, hyperparameters: Mapping[str, float] | None = None, label: str = "") -> Racer:
        hp = tuple(sorted((k, float(v)) for k, v in dict(hyperparameters or {}).items()))
        return cls(optimizer, hp, label or settings_label(optimizer, dict(hp)))

    @property
    def hp(self) -> dict[str, float]:
        return dict(self.hyperparameters)

    def with_lr(self, lr: float, label: str = "") -> Racer:
        return Racer.make(self.optimizer, {**self.hp, "lr": float(lr)}, label)


def settings_label(optimizer: str, hp: Mapping[str, float]) -> str:
    """``"adam η=0.01 β₁=0.9"``: the optimizer's name and the given values of the knobs a race shows."""
    parts = [f"{_SYMBOLS[k]}={hp[k]:g}" for k in _SYMBOLS if k in hp]
    return " ".join([optimizer, *parts])


@dataclass(frozen=True)
class RaceResult:
    """Every racer's path and numbers, in racer order; ``R`` racers, ``steps + 1`` indices."""

    racers: tuple[Racer, ...]
    hyperparameters: tuple[dict[str, float], ...]  # every value each racer used, defaults included
    points: np.ndarray  # shape (steps + 1, R, 2), time-major
    loss: np.ndarray  # shape (steps + 1, R)
    final_loss: np.ndarray  # shape (R,), f at the last index (non-finite after a divergence)
    score: np.ndarray  # shape (R,), final f - f* (or f), +inf when diverged
    diverged_at: np.ndarray  # shape (R,), first non-finite index, -1 if never
    reached_at: np.ndarray  # shape (R,), first index within tolerance, -1 if never
    grad_evals: np.ndarray  # shape (R,), value-and-gradient calls in all (one per step for a gradient rule)
    f_star: float | None
    steps: int
    tol: float
    calls: int  # compiled calls made: one per optimizer code
    evaluations: np.ndarray | None = None  # shape (steps + 1, R): value-and-gradient calls to reach each index
    halted_at: np.ndarray | None = None  # shape (R,): where a rule could not step (Newton, singular H), -1 if never

    @property
    def criterion(self) -> str:
        return "f − f*" if self.f_star is not None else "‖∇f‖"

    def rows(self) -> list[dict]:
        """One dict per racer for a results table; ``None`` where there is nothing to say."""
        def opt(v) -> int | None:
            return None if v < 0 else int(v)

        gap = "final f − f*" if self.f_star is not None else "final f"
        stopped = self.halted_at is not None and bool((self.halted_at >= 0).any())
        rows = []
        for i, r in enumerate(self.racers):
            row = {"racer": r.label, f"steps to {self.criterion} < {self.tol:g}": opt(self.reached_at[i]),
                   f"evaluations to {self.criterion} < {self.tol:g}": (
                       None if self.reached_at[i] < 0 or self.evaluations is None
                       else int(self.evaluations[self.reached_at[i], i])),
                   gap: float(self.score[i]) if np.isfinite(self.score[i]) else None,
                   "final f": float(self.final_loss[i]) if np.isfinite(self.final_loss[i]) else None,
                   "diverged at": opt(self.diverged_at[i]), "gradient evaluations": int(self.grad_evals[i])}
            if stopped:  # a rule that could not step (Newton where the Hessian is singular)
                row["stopped at"] = opt(self.halted_at[i])
            rows.append(row)
        return rows


def _score(final_loss: np.ndarray, diverged_at: np.ndarray, f_star: float | None) -> np.ndarray:
    score = final_loss - (f_star if f_star is not None else 0.0)
    return np.where((diverged_at >= 0) | ~np.isfinite(score), np.inf, score)


def _run_group(surface: Surface, code_name: str, hps: list[dict[str, float]], start, steps: int, tol: float,
               schedule: str = "constant", sp: Mapping[str, float] | None = None):
    """One compiled call for racers sharing ``code_name``; ``hps`` already resolved (validated) per row.

    ``descend_batch`` validates each distinct value against the first row's other values, which
    rejects valid mixed batches (GD's momentum 0 next to Nesterov's flag), so this calls the
    compiled run directly. Returns ``(points (steps+1, B, 2), loss (steps+1, B), converged_at (B,))``.
    """
    b = len(hps)
    lanes = [*hps, *[hps[0]] * (MAX_RACERS - b)] if b < MAX_RACERS else hps
    hp = {k: np.asarray([h[k] for h in lanes], dtype=np.float64) for k in sorted(hps[0])}
    w0 = np.broadcast_to(np.asarray(start, dtype=np.float64), (len(lanes), 2))
    sp_lanes = {k: np.full(len(lanes), v, dtype=np.float64) for k, v in sorted(dict(sp or {}).items())}
    fn = compiled_run(surface, code_name, "reverse", step_bucket(steps), True, schedule)
    (_, _, _, conv, halted), paths = fn(w0, hp, sp_lanes, np.int64(steps), np.float64(tol))
    # Slice on the host: slicing a device array to a new length compiles a small op.
    points, loss = (np.asarray(a)[: steps + 1, :b] for a in paths[:2])
    evaluations = np.asarray(paths[5])[: steps + 1, :b, 0].astype(np.int64)
    return points, loss, np.asarray(conv)[:b], np.asarray(halted)[:b], evaluations


def race(surface: Surface, racers: Sequence[Racer], start, steps: int, tol: float,
         schedule: str = "constant", schedule_parameters: Mapping[str, float] | None = None) -> RaceResult:
    """Run every racer from ``start`` for ``steps`` updates: one compiled call per optimizer code.

    One learning-rate schedule applies to every racer (each scales its own η by the same m_t).

    Raises ``ValueError`` for an invalid setting (naming the racer), a bad start or step count,
    or a number of racers outside 1..``MAX_RACERS``.
    """
    racers = tuple(racers)
    if not 1 <= len(racers) <= MAX_RACERS:
        raise ValueError(f"a race has 1 to {MAX_RACERS} racers, got {len(racers)}")
    w0 = np.asarray(start, dtype=np.float64)
    if w0.shape != (2,) or not np.all(np.isfinite(w0)):
        raise ValueError(f"the start must be two finite numbers x, y; got {start!r}")
    if isinstance(steps, bool) or int(steps) != steps or not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be a whole number from 0 to {MAX_STEPS}, got {steps}")
    steps = int(steps)
    sp = get_schedule(schedule).resolve(schedule_parameters)
    resolved, groups = [], {}
    for i, r in enumerate(racers):
        opt = get_optimizer(r.optimizer)
        try:
            resolved.append(opt.resolve(r.hp))
        except ValueError as exc:
            raise ValueError(f"racer {i + 1} ({r.label}): {exc}") from None
        groups.setdefault(opt.code_name, []).append(i)

    n = len(racers)
    points = np.empty((steps + 1, n, 2))
    loss = np.empty((steps + 1, n))
    converged = np.full(n, -1, dtype=np.int64)
    halted_at = np.full(n, -1, dtype=np.int64)
    evaluations = np.empty((steps + 1, n), dtype=np.int64)
    for code, idx in groups.items():
        p, f, c, h, e = _run_group(surface, code, [resolved[i] for i in idx], w0, steps, tol, schedule, sp)
        points[:, idx], loss[:, idx], converged[idx], halted_at[idx], evaluations[:, idx] = p, f, c, h, e

    bad = ~(np.isfinite(points).all(axis=2) & np.isfinite(loss))  # shape (steps + 1, R)
    diverged_at = np.where(bad.any(axis=0), bad.argmax(axis=0), -1)
    f_star = surface.f_star
    final_loss = loss[-1]
    score = _score(final_loss, diverged_at, f_star)
    end = np.where(diverged_at >= 0, diverged_at, steps + 1)
    if f_star is not None:
        within = (loss - f_star < tol) & (np.arange(steps + 1)[:, None] < end)
        reached_at = np.where(within.any(axis=0), within.argmax(axis=0), -1)
    else:
        reached_at = np.where((converged >= 0) & (converged < end), converged, -1)
    # what each racer spent: every value-and-gradient call, line-search trials and inner iterations included
    grad_evals = evaluations[-1]
    return RaceResult(racers, tuple(resolved), points, loss, final_loss, score, diverged_at, reached_at,
                      grad_evals, f_star, steps, float(tol), len(groups), evaluations, halted_at)


def lr_grid(lo: float = LR_RANGE[0], hi: float = LR_RANGE[1], n: int = 64) -> tuple[float, ...]:
    """``n`` log-spaced learning rates from ``lo`` to ``hi``, rounded to 3 significant digits.

    Rounded values print exactly (``0.0123``), so a tuned value survives a trip through a link.
    """
    return tuple(sorted({float(f"{v:.3g}") for v in np.geomspace(lo, hi, int(n))}))


def tune_learning_rate(
    surface: Surface, optimizer: Optimizer, hp: Mapping[str, float] | None, start, steps: int,
    n: int = 64, lo: float = LR_RANGE[0], hi: float = LR_RANGE[1], *, lrs: Sequence[float] | None = None,
    schedule: str = "constant", schedule_parameters: Mapping[str, float] | None = None,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Sweep the learning rate in one batched call; return ``(best_lr, lrs (n,), scores (n,))``.

    The sweep is ``lr_grid(lo, hi, n)`` unless ``lrs`` is given; every other hyperparameter stays
    as in ``hp``. Score as in a race (final ``f - f*``, or ``f``; ``+inf`` when diverged); the best
    is the lowest score, ties going to the smaller learning rate (the first in the sweep).
    """
    sweep = np.asarray(sorted(lrs) if lrs is not None else lr_grid(lo, hi, n), dtype=np.float64)
    others = {k: v for k, v in dict(hp or {}).items() if k != "lr"}
    result = descend_batch(surface, optimizer, {**others, "lr": sweep}, start, steps, keep_paths=False,
                           schedule=schedule, schedule_parameters=schedule_parameters)
    scores = _score(np.asarray(result.final_loss, dtype=np.float64), result.diverged_at, surface.f_star)
    return float(sweep[int(np.argmin(scores))]), sweep, scores


@dataclass(frozen=True)
class Tuning:
    """A racer before and after tuning, with the sweep that chose its learning rate."""

    racer: Racer
    tuned: Racer
    lrs: np.ndarray  # shape (n,)
    scores: np.ndarray  # shape (n,)

    @property
    def best_score(self) -> float:
        return float(self.scores.min())


def tune_racers(surface: Surface, racers: Sequence[Racer], start, steps: int,
                lrs: Mapping[str, Sequence[float]] | None = None, schedule: str = "constant",
                schedule_parameters: Mapping[str, float] | None = None) -> tuple[Tuning, ...]:
    """Tune every racer's learning rate, in racer order.

    ``lrs`` maps an optimizer name to the learning rates to sweep (default: ``lr_grid()``, 64 values).
    Racers that differ only in their learning rate share one sweep. Raises ``ValueError`` naming
    the first invalid racer.
    """
    done: dict[tuple, tuple[float, np.ndarray, np.ndarray]] = {}
    out = []
    for i, r in enumerate(racers):
        key = (r.optimizer, tuple(kv for kv in r.hyperparameters if kv[0] != "lr"))
        if key not in done:
            sweep = None if lrs is None else lrs[r.optimizer]
            try:
                done[key] = tune_learning_rate(surface, get_optimizer(r.optimizer), r.hp, start, steps, lrs=sweep,
                                               schedule=schedule, schedule_parameters=schedule_parameters)
            except ValueError as exc:
                raise ValueError(f"racer {i + 1} ({r.label}): {exc}") from None
        best, sweep, scores = done[key]
        out.append(Tuning(r, r.with_lr(best), sweep, scores))
    return tuple(out)
