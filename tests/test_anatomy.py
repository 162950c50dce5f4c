"""The anatomy of a step and the exports, from a recorded run."""

import csv
import io
import json

import numpy as np
import pytest

from experiments.anatomy import step_anatomy
from experiments.export import run_csv
from optim import descend, get_optimizer
from optim.cli import main
from optim.record import run_json, run_record
from surfaces import get_surface

RADIAL = get_surface("radial")


def record(name, hp, steps=12, start=(0.5, 1.0)):
    return descend(RADIAL, get_optimizer(name), hp, start, steps, record_state=True)


def test_gd_update_is_minus_eta_times_the_gradient():
    traj = record("gd", {"lr": 0.01})
    a = step_anatomy(traj, get_optimizer("gd"), 0)
    np.testing.assert_array_equal(a.gradient, [7.5, 15.0])  # Example 3.1.2's gradient at (0.5, 1)
    np.testing.assert_allclose(a.arrows["Δw (actual update)"], [-0.075, -0.15], atol=1e-15)
    np.testing.assert_allclose(a.arrows["−η∇f (plain GD step)"], a.arrows["Δw (actual update)"], atol=1e-15)


def test_momentum_update_is_the_velocity():
    traj = record("momentum", {"lr": 0.01})
    for k in (0, 5, 11):
        a = step_anatomy(traj, get_optimizer("momentum"), k)
        np.testing.assert_allclose(a.arrows["−η·b (velocity)"], a.arrows["Δw (actual update)"], rtol=1e-12)


@pytest.mark.parametrize("name, hp", [
    ("adagrad", {"lr": 0.1}),
    ("rmsprop", {"lr": 0.01}),
    ("rmsprop", {"lr": 0.01, "centered": 1.0}),
    ("adam", {"lr": 0.05}),
    ("adam", {"lr": 0.05, "amsgrad": 1.0}),
    ("adamw", {"lr": 0.05, "weight_decay": 0.0}),
])
def test_adaptive_update_is_the_effective_step_times_the_direction(name, hp):
    opt = get_optimizer(name)
    traj = record(name, hp)
    for k in (0, 4, 11):
        a = step_anatomy(traj, opt, k)
        direction = a.rows.get("ŝ (bias-corrected mean)", a.gradient)
        np.testing.assert_allclose(a.arrows["Δw (actual update)"], -a.effective_step * direction, rtol=1e-9)


def test_schedule_step_size_is_what_the_update_used():
    traj = descend(RADIAL, get_optimizer("gd"), {"lr": 0.01}, (0.5, 1.0), 10, schedule="step",
                   schedule_parameters={"step_size": 2, "gamma": 0.5}, record_state=True)
    a = step_anatomy(traj, get_optimizer("gd"), 3)  # t = 4: eta * 0.5^floor(3/2)
    assert a.lr == pytest.approx(0.005)
    np.testing.assert_allclose(a.arrows["Δw (actual update)"], -0.005 * a.gradient, rtol=1e-12)


def test_anatomy_needs_a_recorded_state_and_a_valid_index():
    plain = descend(RADIAL, get_optimizer("gd"), {"lr": 0.01}, (0.5, 1.0), 3)
    with pytest.raises(ValueError, match="record_state"):
        step_anatomy(plain, get_optimizer("gd"), 0)
    with pytest.raises(ValueError, match="from 0 to 2"):
        step_anatomy(record("gd", {"lr": 0.01}, steps=3), get_optimizer("gd"), 3)


def test_json_export_is_the_cli_output(capsys):
    traj = descend(RADIAL, get_optimizer("adam"), {"lr": 0.05}, (0.5, 1.0), 20)
    ours = json.loads(run_json(run_record(traj, "radial", get_optimizer("adam"), (0.5, 1.0))))
    assert main(["run", "--surface", "radial", "--optimizer", "adam", "--lr", "0.05", "--start", "0.5,1",
                 "--steps", "20"]) == 0
    assert ours == json.loads(capsys.readouterr().out)


def test_csv_export_round_trips_every_digit():
    traj = descend(RADIAL, get_optimizer("gd"), {"lr": 0.2}, (0.5, 1.0), 30)  # diverges: inf/nan rows
    rows = list(csv.DictReader(io.StringIO(run_csv(traj))))
    assert len(rows) == 31 and rows[0]["lr"] == "0.2" and rows[-1]["lr"] == ""
    np.testing.assert_array_equal([float(r["x"]) for r in rows], traj.points[:, 0])
    np.testing.assert_array_equal([float(r["loss"]) for r in rows], traj.loss)


# Every optimizer explains its own update (optim.spec.Optimizer.explain), declared next to its rule: the parts
# must add up to the update that happened. Decoupled weight decay is off here: it moves w apart from the rule's
# direction (ASGD's decay term lambd*w is part of its direction, so it stays on).
EXPLAINED = {
    "gd": {"lr": 0.01}, "momentum": {"lr": 0.01}, "nesterov": {"lr": 0.01}, "sgd": {"lr": 0.01, "weight_decay": 0.1},
    "asgd": {"lr": 0.01, "lambd": 0.5, "t0": 3.0}, "adagrad": {"lr": 0.1, "weight_decay": 0.1},
    "adadelta": {"rho": 0.8}, "rmsprop": {"lr": 0.01, "momentum": 0.5}, "rprop": {"lr": 0.01},
    "adam": {"lr": 0.05}, "adamw": {"lr": 0.05, "weight_decay": 0.0}, "adamax": {"lr": 0.05},
    "nadam": {"lr": 0.05}, "radam": {"lr": 0.05}, "adafactor": {"lr": 0.05, "d": 1.0},
    "lion": {"lr": 0.01, "weight_decay": 0.0}, "lbfgs": {"history_size": 3.0}, "newton": {"damping": 0.5},
    "steepest": {"line_search": 1.0},
}


def test_every_optimizer_is_explained():
    from optim import OPTIMIZERS

    assert set(EXPLAINED) == set(OPTIMIZERS)
    assert all(o.explain is not None for o in OPTIMIZERS.values())


@pytest.mark.parametrize("name", list(EXPLAINED))
def test_explained_parts_add_up_to_the_update(name):
    opt, hp = get_optimizer(name), EXPLAINED[name]
    traj = record(name, hp, steps=12)
    for k in (0, 1, 7, 11):  # RAdam switches on its adaptive step at t = 6 (rho_t > 5)
        a = step_anatomy(traj, opt, k)
        assert a.latex.count(r"\begin{gathered}") == 1 and a.arrows["Δw (actual update)"].shape == (2,)
        if a.effective_step is None:  # Newton, L-BFGS: the update is the direction times one step length
            step = next(v for label, v in a.arrows.items() if label.endswith("step)") and "plain" not in label)
            np.testing.assert_allclose(a.arrows["Δw (actual update)"], step, rtol=1e-9, atol=1e-15)
        else:
            np.testing.assert_allclose(a.arrows["Δw (actual update)"], -a.effective_step * a.direction,
                                       rtol=1e-9, atol=1e-15)
