"""The race core and its figure: grouping, tuning, steps to tolerance, and the size of the animation."""

import dataclasses
import json
import math

import numpy as np
import pytest

from experiments.race import MAX_RACERS, Racer, lr_grid, race, tune_learning_rate, tune_racers
from optim import descend, get_optimizer
from surfaces import get_surface, surface_grid
from tests.jaxlog import xla_compiles
from viz.race import FIRST_RACER_TRACE, MAX_FRAMES, POSITIONS, frame_steps, loss_overlay, race_figure

MIXED = (  # three optimizer codes; the sgd group mixes GD's momentum 0 with Nesterov's flag
    Racer.make("gd", {"lr": 0.001}),
    Racer.make("adam", {"lr": 0.02}),
    Racer.make("momentum", {"lr": 0.002, "momentum": 0.8}),
    Racer.make("nesterov", {"lr": 0.001}),
    Racer.make("adam", {"lr": 0.1, "beta1": 0.5}),
    Racer.make("rmsprop", {"lr": 0.01}),
)


def test_grouped_race_equals_one_descend_per_racer():
    s = get_surface("rosenbrock")
    result = race(s, MIXED, s.start, 300, 1e-6)
    assert result.calls == 3  # sgd, adam, rmsprop: one compiled call each
    assert result.points.shape == (301, 6, 2) and result.loss.shape == (301, 6)
    for i, r in enumerate(MIXED):
        single = descend(s, get_optimizer(r.optimizer), r.hp, s.start, 300)
        np.testing.assert_allclose(result.points[:, i], single.points, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(result.loss[:, i], single.loss, rtol=1e-13, atol=1e-15)
        assert result.hyperparameters[i] == single.hyperparameters  # alias defaults kept (momentum 0.9 etc.)
        assert result.diverged_at[i] == -1 and result.grad_evals[i] == 300


def test_fewer_racers_and_a_divergence():
    s = get_surface("rosenbrock")
    racers = (Racer.make("gd", {"lr": 0.5}), Racer.make("gd", {"lr": 0.001}))
    result = race(s, racers, s.start, 200, 1e-6)
    single = descend(s, get_optimizer("gd"), {"lr": 0.5}, s.start, 200)
    assert single.diverged_at is not None
    assert result.diverged_at[0] == single.diverged_at and result.diverged_at[1] == -1
    assert result.grad_evals.tolist() == [single.diverged_at, 200]  # one gradient per step actually taken
    assert result.score[0] == np.inf and np.isfinite(result.score[1])
    rows = result.rows()
    assert rows[0]["diverged at"] == single.diverged_at and rows[0]["final f − f*"] is None
    assert rows[1]["diverged at"] is None and rows[1]["gradient evaluations"] == 200


@pytest.mark.parametrize("lr", [0.05, 0.1, 0.3, 0.45])
@pytest.mark.parametrize("tol", [1e-2, 1e-6, 1e-10])
def test_steps_to_tolerance_on_the_bowl_closed_form(lr, tol):
    """GD on x² + y²: f_k = (1 - 2η)^(2k) f_0, so f_k < tol first at k = ⌊log(tol/f_0) / (2 log|1 - 2η|)⌋ + 1."""
    s = get_surface("bowl")
    f0 = sum(v * v for v in s.start)
    k = math.floor(math.log(tol / f0) / (2 * math.log(abs(1 - 2 * lr)))) + 1
    result = race(s, [Racer.make("gd", {"lr": lr}), Racer.make("momentum", {"lr": lr})], s.start, 400, tol)
    assert result.reached_at[0] == k
    assert result.rows()[0][f"steps to f − f* < {tol:g}"] == k
    assert result.loss[k, 0] < tol <= result.loss[k - 1, 0]


def test_without_f_star_the_score_is_f_and_the_criterion_the_gradient_norm():
    s = get_surface("saddle")
    assert s.f_star is None
    result = race(s, [Racer.make("gd", {"lr": 0.1}), Racer.make("adam", {"lr": 0.1})], (1.0, 0.0), 50, 1e-3)
    assert result.criterion == "‖∇f‖"
    np.testing.assert_array_equal(result.score, result.final_loss)
    single = descend(s, get_optimizer("gd"), {"lr": 0.1}, (1.0, 0.0), 50)
    assert result.reached_at[0] == single.steps_to_tolerance(1e-3)
    assert "final f" in result.rows()[0]


def test_invalid_racers_are_named():
    s = get_surface("bowl")
    with pytest.raises(ValueError, match="racer 2"):
        race(s, [Racer.make("gd"), Racer.make("nesterov", {"momentum": 0.0})], s.start, 10, 1e-6)
    with pytest.raises(ValueError, match="1 to 6"):
        race(s, [Racer.make("gd")] * (MAX_RACERS + 1), s.start, 10, 1e-6)
    with pytest.raises(ValueError, match="start"):
        race(s, [Racer.make("gd")], (np.nan, 0.0), 10, 1e-6)
    with pytest.raises(ValueError, match="racer 2"):
        tune_racers(s, [Racer.make("gd"), Racer.make("nesterov", {"momentum": 0.0})], s.start, 10)


def test_new_settings_and_racer_counts_compile_nothing():
    s = dataclasses.replace(get_surface("himmelblau"))  # a copy: a compile cache of its own
    with xla_compiles() as log:
        race(s, MIXED[:3], s.start, 300, 1e-6)
    assert len(log) == 2  # sgd and adam, one compiled call each
    with xla_compiles() as log:
        race(s, [Racer.make("adam", {"lr": 0.3}), Racer.make("nesterov", {"lr": 0.004, "momentum": 0.5})],
             (1.0, 2.0), 400, 1e-3)
        race(s, [Racer.make("gd", {"lr": lr}) for lr in (0.001, 0.002, 0.005, 0.01, 0.02)], s.start, 500, 1e-8)
    assert log == [], "other values, starts, step counts in the bucket and racer counts reuse the compiled runs"
    tune_learning_rate(s, get_optimizer("adam"), {}, s.start, 300)
    with xla_compiles() as log:
        tune_learning_rate(s, get_optimizer("adam"), {"beta1": 0.5}, (0.0, 1.0), 500)
    assert log == []


def test_lr_grid_has_64_log_spaced_values_that_print_exactly():
    grid = lr_grid()
    assert len(grid) == 64 and grid[0] == 1e-5 and grid[-1] == 10.0
    assert all(a < b for a, b in zip(grid, grid[1:], strict=False))
    ratios = np.diff(np.log10(grid))
    assert ratios.min() > 0.07 and ratios.max() < 0.12  # log-spaced (6 decades / 63 = 0.095)
    assert all(float(f"{v:g}") == v for v in grid)  # a link carries the value exactly


def test_tuned_lr_is_the_argmin_of_a_sweep_of_at_least_64():
    s = get_surface("rosenbrock")
    best, lrs, scores = tune_learning_rate(s, get_optimizer("momentum"), {"momentum": 0.9}, s.start, 500)
    assert len(lrs) >= 64 and len(scores) == len(lrs)
    assert best == lrs[int(np.argmin(scores))]
    assert np.isinf(scores[-1])  # η = 10 diverges on Rosenbrock
    assert np.isfinite(scores[0])
    again = tune_learning_rate(s, get_optimizer("momentum"), {"momentum": 0.9}, s.start, 500)
    assert again[0] == best and np.array_equal(again[2], scores)  # the same sweep, the same answer


def test_a_tuned_race_beats_or_ties_the_untuned_one():
    s = get_surface("rosenbrock")
    racers = (Racer.make("gd", {"lr": 0.001}), Racer.make("momentum", {"lr": 0.001}), Racer.make("adam", {"lr": 0.02}))
    sweep = sorted(set(lr_grid()) | {r.hp["lr"] for r in racers})  # as the page: the widget's stops
    tunings = tune_racers(s, racers, s.start, 500, lrs={r.optimizer: sweep for r in racers})
    untuned = race(s, racers, s.start, 500, 1e-6)
    tuned = race(s, [t.tuned for t in tunings], s.start, 500, 1e-6)
    assert np.all(tuned.score <= untuned.score)
    assert tuned.score.sum() < untuned.score.sum() / 10
    for i, t in enumerate(tunings):  # the race scores the tuned racer exactly as the sweep did
        assert t.tuned.hp["lr"] in sweep and t.tuned.hp["lr"] != t.racer.hp["lr"]
        assert tuned.score[i] == pytest.approx(t.best_score, rel=1e-9, abs=1e-15)


def test_racers_differing_only_in_lr_share_one_sweep():
    s = get_surface("himmelblau")
    racers = [Racer.make("adam", {"lr": lr}) for lr in (0.001, 0.01, 0.1)]
    tunings = tune_racers(s, racers, s.start, 200)
    assert len({t.tuned.hp["lr"] for t in tunings}) == 1
    assert all(t.lrs is tunings[0].lrs for t in tunings)


@pytest.mark.parametrize("name", ["rosenbrock", "rastrigin", "himmelblau", "styblinski-tang"])
def test_six_racer_figure_stays_small_and_animates_every_racer(name):
    s = get_surface(name)
    racers = [*MIXED[:5], Racer.make("gd", {"lr": 5.0})]  # the last one diverges
    result = race(s, racers, s.start, 5000, 1e-6)
    xs, ys, Z = surface_grid(s, 200)
    labels = [r.label for r in racers]
    fig = race_figure(xs, ys, Z, result.points, labels, diverged_at=result.diverged_at, start=s.start,
                      minima=[(m.point, m.value) for m in s.minima], log_scale=s.log_scale, domain=s.domain)
    size = len(fig.to_json())
    assert size < 500_000, f"{size / 1000:.0f} kB"
    assert 50 <= len(fig.frames) <= MAX_FRAMES
    names = [int(f.name) for f in fig.frames]
    assert names[0] == 0 and names[-1] == 5000 and names == sorted(names)
    positions = next(t for t in fig.data if t.name == POSITIONS)
    assert len(positions.x) == 6
    last = fig.frames[-1]
    assert list(last.traces) == list(range(FIRST_RACER_TRACE, FIRST_RACER_TRACE + 7))
    np.testing.assert_array_equal(frame_data(last)[-1]["x"], positions.x)  # the base figure shows the finish
    assert np.all(np.isfinite(np.asarray(frame_data(last)[-1]["x"])))  # a diverged racer stays at its last finite point
    assert tuple(fig.layout.xaxis.range) == s.domain[0] and tuple(fig.layout.yaxis.range) == s.domain[1]
    assert fig.layout.images[0].source.startswith("data:image/png;base64,")
    assert any("diverged" in (t.name or "") for t in fig.data)
    assert len(loss_overlay(result.loss, labels, f_star=s.f_star, tol=1e-6, diverged_at=result.diverged_at)
               .to_json()) < 100_000


def frame_data(frame) -> list[dict]:
    """A frame's traces as sent (frames are built unvalidated: viz/spec.py; read them as JSON)."""
    return frame.to_plotly_json()["data"]


def test_frames_grow_the_paths_and_the_slider_reaches_every_frame():
    s = get_surface("bowl")
    result = race(s, [Racer.make("gd", {"lr": 0.1}), Racer.make("adam", {"lr": 0.1})], s.start, 50, 1e-6)
    xs, ys, Z = surface_grid(s, 60)
    fig = race_figure(xs, ys, Z, result.points, ["a", "b"])
    assert [int(f.name) for f in fig.frames] == list(range(51))  # 51 steps fit: every step is a frame
    lengths = [len(frame_data(f)[0]["x"]) for f in fig.frames]
    assert lengths == list(range(1, 52))
    np.testing.assert_allclose(frame_data(fig.frames[7])[0]["x"], result.points[:8, 0, 0].astype(np.float32))
    slider = json.loads(fig.to_json())["layout"]["sliders"][0]
    assert [st["args"][0][0] for st in slider["steps"]] == [f.name for f in fig.frames]
    assert slider["active"] == len(fig.frames) - 1


def test_frame_budget_shrinks_with_racers():
    assert len(frame_steps(5000, 2)) <= MAX_FRAMES and len(frame_steps(5000, 6)) < len(frame_steps(5000, 2))
    assert list(frame_steps(10, 6)) == list(range(11))


def test_a_schedule_applies_to_every_racer_as_in_descend():
    from experiments.race import Racer, race
    from optim import descend, get_optimizer
    from surfaces import get_surface

    surface = get_surface("rosenbrock")
    racers = (Racer.make("gd", {"lr": 1e-3}), Racer.make("adam", {"lr": 0.05}), Racer.make("momentum", {"lr": 1e-3}))
    sp = {"step_size": 40.0, "gamma": 0.5}
    result = race(surface, racers, (-1.2, 1.0), 200, 1e-6, "step", sp)
    for i, r in enumerate(racers):
        single = descend(surface, get_optimizer(r.optimizer), r.hp, (-1.2, 1.0), 200, schedule="step",
                         schedule_parameters=sp)
        np.testing.assert_allclose(result.points[:, i], single.points, rtol=1e-12, atol=1e-14)  # vmap: ulps


def test_race_exports_follow_the_cli_schema():
    import csv
    import io

    from experiments.export import race_csv, race_records
    from optim.cli import main

    surface = get_surface("himmelblau")
    racers = (Racer.make("gd", {"lr": 0.01}), Racer.make("adam", {"lr": 0.05}))
    result = race(surface, racers, (0.0, 0.0), 30, 1e-6)
    records = json.loads(json.dumps(race_records(result, surface, "himmelblau", (0.0, 0.0)), allow_nan=False))
    for record, args in zip(records, (["--optimizer", "gd", "--lr", "0.01"], ["--optimizer", "adam", "--lr", "0.05"]),
                            strict=True):
        import contextlib

        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["run", "--surface", "himmelblau", "--start", "0,0", "--steps", "30", *args]) == 0
        cli = json.loads(out.getvalue())
        assert set(record) == set(cli) and record["hyperparameters"] == cli["hyperparameters"]
        np.testing.assert_allclose(record["trajectory"], cli["trajectory"], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(record["grad_norm"], cli["grad_norm"], rtol=1e-10, atol=1e-12)
    rows = list(csv.DictReader(io.StringIO(race_csv(result))))
    assert len(rows) == 2 * 31 and float(rows[-1]["x"]) == result.points[-1, 1, 0]
