"""Learning-rate schedules against torch.optim.lr_scheduler, step for step, in float64."""

import numpy as np
import pytest
import torch

from optim import descend, descend_batch, get_optimizer
from optim.schedules import SCHEDULES, get_schedule
from surfaces import get_surface
from tests.jaxlog import compile_log

STEPS = 120


def _torch_scheduler(name: str, opt, sp: dict):
    S = torch.optim.lr_scheduler
    if name == "constant":
        return S.LambdaLR(opt, lambda e: 1.0)
    if name == "step":
        return S.StepLR(opt, step_size=int(sp["step_size"]), gamma=sp["gamma"])
    if name == "exponential":
        return S.ExponentialLR(opt, gamma=sp["gamma"])
    if name == "cosine":
        lr = opt.param_groups[0]["lr"]
        return S.CosineAnnealingLR(opt, T_max=int(sp["t_max"]), eta_min=sp["eta_min_ratio"] * lr)
    if name == "inverse-time":
        return S.LambdaLR(opt, lambda e: 1.0 / (1.0 + sp["decay"] * e))
    if name == "warmup":
        w = int(sp["warmup"])
        return S.LinearLR(opt, start_factor=1.0 / w, end_factor=1.0, total_iters=w - 1)
    if name == "plateau":
        return S.ReduceLROnPlateau(opt, mode="min", factor=sp["factor"], patience=int(sp["patience"]),
                                   threshold=sp["threshold"], threshold_mode="rel", cooldown=0, eps=0.0)
    raise AssertionError(name)


CASES = [
    ("constant", {}),
    ("step", {"step_size": 25.0, "gamma": 0.5}),
    ("exponential", {"gamma": 0.97}),
    ("cosine", {"t_max": 80.0, "eta_min_ratio": 0.1}),
    ("inverse-time", {"decay": 0.05}),
    ("warmup", {"warmup": 30.0}),
    ("plateau", {"factor": 0.5, "patience": 3.0, "threshold": 1e-3}),
]


def test_every_declared_schedule_has_a_case():
    assert {name for name, _ in CASES} == set(SCHEDULES)


@pytest.mark.parametrize("name, sp", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("surface_name, optimizer, hp, start", [
    ("rosenbrock", "momentum", {"lr": 1e-3}, (-1.2, 1.0)),
    ("himmelblau", "adam", {"lr": 0.05}, (0.0, 0.0)),
    ("saddle", "gd", {"lr": 0.05}, (1.5, 1e-3)),  # a plateau of the loss: the plateau schedule acts
])
def test_schedule_matches_torch_lr_scheduler(name, sp, surface_name, optimizer, hp, start):
    surface = get_surface(surface_name)
    traj = descend(surface, get_optimizer(optimizer), hp, start, STEPS, schedule=name, schedule_parameters=sp)
    resolved = get_optimizer(optimizer).resolve(hp)
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    if optimizer == "adam":
        opt = torch.optim.Adam([p], lr=resolved["lr"])
    else:
        opt = torch.optim.SGD([p], lr=resolved["lr"], momentum=resolved["momentum"])
    sched = _torch_scheduler(name, opt, get_schedule(name).resolve(sp))
    import jax
    import jax.numpy as jnp

    grad = jax.jit(jax.value_and_grad(surface))
    lrs, points = [], [p.detach().numpy().copy()]
    for _ in range(STEPS):
        f, g = grad(jnp.asarray(p.detach().numpy()))
        p.grad = torch.tensor(np.asarray(g), dtype=torch.float64)
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step(float(f)) if name == "plateau" else sched.step()
        points.append(p.detach().numpy().copy())
    np.testing.assert_allclose(traj.lr, lrs, rtol=1e-12, atol=0)
    scale = np.maximum(1.0, np.abs(points))
    assert np.max(np.abs(traj.points - np.array(points)) / scale) < 1e-10


def test_plateau_schedule_halves_when_the_loss_stalls():
    traj = descend(get_surface("bowl"), get_optimizer("gd"), {"lr": 1.0}, (1.0, 1.0), 60,
                   schedule="plateau", schedule_parameters={"patience": 2.0})
    # lr 1 on the bowl flips the sign each step and never improves: η halves to 0.5, which lands at 0
    assert traj.lr[0] == 1.0 and traj.lr.min() < 1.0
    assert np.allclose(traj.points[-1], 0.0)


def test_changing_schedule_parameters_compiles_nothing():
    surface, adam = get_surface("rosenbrock"), get_optimizer("adam")
    descend(surface, adam, {"lr": 0.01}, (-1.0, 1.0), 100, schedule="cosine")
    descend_batch(surface, adam, {"lr": 0.01}, (-1.0, 1.0), 100, schedule="cosine",
                  schedule_parameters={"t_max": [10, 20, 30]})
    with compile_log() as log:
        for t_max in (5, 50.0, np.float32(70), 300):
            descend(surface, adam, {"lr": 0.02}, (0.5, 0.5), 100, schedule="cosine",
                    schedule_parameters={"t_max": t_max, "eta_min_ratio": 0.2})
        descend_batch(surface, adam, {"lr": 0.02}, (0.5, 0.5), 100, schedule="cosine",
                      schedule_parameters={"t_max": [1, 2, 3]})
    assert log == [], f"recompiled: {log}"


def test_bad_schedule_parameters_are_refused():
    bowl, gd = get_surface("bowl"), get_optimizer("gd")
    with pytest.raises(ValueError, match="no parameter 'warmup'"):
        descend(bowl, gd, {}, (1, 1), 3, schedule="step", schedule_parameters={"warmup": 3})
    with pytest.raises(ValueError, match="gamma"):
        descend(bowl, gd, {}, (1, 1), 3, schedule="step", schedule_parameters={"gamma": 2.0})
    with pytest.raises(KeyError, match="unknown schedule"):
        descend(bowl, gd, {}, (1, 1), 3, schedule="nope")
