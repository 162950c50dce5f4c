"""``python -m optim`` and ``python -m surfaces`` against the CLI contract in DESIGN.md.

Most cases call ``optim.cli.main(argv)`` in-process (each subprocess pays ~1 s of JAX import); a
few real subprocesses check the contract end to end: exit codes and which stream gets what.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest
import torch

from optim import OPTIMIZERS
from optim.cli import main
from surfaces import SURFACES, get_surface

ROOT = Path(__file__).resolve().parent.parent
RUN_KEYS = {
    "surface", "optimizer", "hyperparameters", "steps", "start", "trajectory", "loss", "grad_norm",
    "diverged_at", "backend", "dtype",
}


def strict_loads(text: str):
    """json.loads that refuses NaN and Infinity, which the contract writes as null."""
    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def run_ok(capsys, *argv) -> dict:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert (code, err) == (0, ""), err
    assert out.endswith("\n") and out.count("\n") == 1, "one JSON object on one line"
    return strict_loads(out)


def run_bad(capsys, *argv) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.endswith("\n") and err.count("\n") == 1, f"one line on stderr, got {err!r}"
    assert err.startswith("error: ")
    return err


def subprocess_run(module: str, *argv):
    return subprocess.run(
        [sys.executable, "-m", module, *argv], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


# ---------------------------------------------------------------------------------------------
# run: the record.

def test_run_record_has_exactly_the_contract_keys(capsys):
    out = run_ok(capsys, "run", "--surface", "rosenbrock", "--optimizer", "adam", "--steps", "25",
                 "--start", "-1.2,1")
    assert set(out) == RUN_KEYS
    assert out["surface"] == "rosenbrock" and out["optimizer"] == "adam"
    assert out["steps"] == 25 and out["start"] == [-1.2, 1.0]
    assert len(out["trajectory"]) == len(out["loss"]) == len(out["grad_norm"]) == 26
    assert out["trajectory"][0] == [-1.2, 1.0] and all(len(p) == 2 for p in out["trajectory"])
    assert out["diverged_at"] is None
    assert out["backend"] == {"cpu": "cpu", "tpu": "tpu"}.get(jax.default_backend(), "gpu")
    assert out["dtype"] == "float64"
    names = [h.name for h in OPTIMIZERS["adam"].hyperparameters]
    assert set(out["hyperparameters"]) == {*names, "schedule"}
    assert out["hyperparameters"]["schedule"] == "constant"
    f = get_surface("rosenbrock")
    np.testing.assert_allclose(out["loss"], [float(f(np.array(p))) for p in out["trajectory"]], rtol=1e-13)


def test_example_3_1_2_via_the_cli(capsys):
    out = run_ok(capsys, "run", "--surface", "radial", "--optimizer", "gd", "--lr", "0.01",
                 "--start", "0.5,1", "--steps", "200")
    traj = np.array(out["trajectory"])
    assert traj.shape == (201, 2) and out["diverged_at"] is None
    np.testing.assert_array_equal(traj[0], [0.5, 1.0])
    np.testing.assert_allclose(out["grad_norm"][0], math.hypot(7.5, 15.0), rtol=1e-14)
    np.testing.assert_allclose(traj[1], [0.425, 0.85], rtol=0, atol=1e-12)
    np.testing.assert_allclose(traj[2], [0.35, 0.69], rtol=0, atol=0.005)
    np.testing.assert_allclose(traj[200], [0.03, 0.06], rtol=0, atol=0.005)
    assert out["hyperparameters"] == {"lr": 0.01, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0,
                                      "nesterov": False, "schedule": "constant"}


def test_divergent_run_writes_null_and_stays_strict_json(capsys):
    # GD with eta = 1.5 on the bowl doubles |x| each step: the loss overflows at index 512.
    out = run_ok(capsys, "run", "--surface", "bowl", "--optimizer", "gd", "--lr", "1.5", "--start", "1.5,1",
                 "--steps", "520")
    assert out["diverged_at"] == 512
    assert all(v is None for v in out["loss"][512:]) and None not in out["loss"][:512]
    assert len(out["trajectory"]) == 521
    # grad norm and points overflow too, on Rosenbrock with a large step
    out = run_ok(capsys, "run", "--surface", "rosenbrock", "--optimizer", "sgd", "--lr", "0.1",
                 "--steps", "30", "--start=-1.2,1")
    d = out["diverged_at"]
    assert d is not None and 0 < d <= 30
    flat = [v for p in out["trajectory"] for v in p] + out["loss"] + out["grad_norm"]
    assert None in flat and all(v is None or math.isfinite(v) for v in flat)


def test_steps_zero_evaluates_the_start(capsys):
    out = run_ok(capsys, "run", "--surface", "himmelblau", "--optimizer", "rmsprop", "--steps", "0",
                 "--start", "3,2")
    assert out["steps"] == 0 and out["trajectory"] == [[3.0, 2.0]]
    assert out["loss"] == [0.0] and out["grad_norm"] == [0.0] and out["diverged_at"] is None


def test_default_start_is_the_surfaces(capsys):
    out = run_ok(capsys, "run", "--surface", "elongated", "--optimizer", "sgd", "--steps", "3")
    assert out["start"] == list(get_surface("elongated").start) == out["trajectory"][0]
    assert out["steps"] == 3


def _torch_default(cls: str, name: str):
    import inspect

    return inspect.signature(getattr(torch.optim, cls)).parameters[name].default


@pytest.mark.parametrize("optimizer, expected", [
    ("sgd", {"lr": _torch_default("SGD", "lr"), "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0,
             "nesterov": False}),
    ("adam", {"lr": _torch_default("Adam", "lr"), "beta1": _torch_default("Adam", "betas")[0],
              "beta2": _torch_default("Adam", "betas")[1], "eps": _torch_default("Adam", "eps"),
              "weight_decay": 0.0, "amsgrad": False}),
    ("adamw", {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
               "weight_decay": _torch_default("AdamW", "weight_decay"), "amsgrad": False}),
    ("adagrad", {"lr": 0.01, "lr_decay": 0.0, "weight_decay": 0.0, "initial_accumulator_value": 0.0,
                 "eps": _torch_default("Adagrad", "eps")}),
    ("rmsprop", {"lr": 0.01, "alpha": _torch_default("RMSprop", "alpha"), "eps": 1e-8, "weight_decay": 0.0,
                 "momentum": 0.0, "centered": False}),
    ("gd", {"lr": 1e-3, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False}),
    ("momentum", {"lr": 1e-3, "momentum": 0.9, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False}),
    ("nesterov", {"lr": 1e-3, "momentum": 0.9, "dampening": 0.0, "weight_decay": 0.0, "nesterov": True}),
])
def test_unset_hyperparameters_take_torch_defaults(capsys, optimizer, expected):
    out = run_ok(capsys, "run", "--surface", "bowl", "--optimizer", optimizer, "--steps", "1")
    assert out["hyperparameters"] == {**expected, "schedule": "constant"}
    assert out["optimizer"] == optimizer


def test_given_hyperparameters_are_recorded(capsys):
    out = run_ok(capsys, "run", "--surface", "bowl", "--optimizer", "adam", "--betas", "0.8,0.95",
                 "--eps", "1e-6", "--amsgrad", "--weight-decay", "0.1", "--lr", "2", "--steps", "1")
    assert out["hyperparameters"] == {"lr": 2.0, "beta1": 0.8, "beta2": 0.95, "eps": 1e-6,
                                      "weight_decay": 0.1, "amsgrad": True, "schedule": "constant"}
    out = run_ok(capsys, "run", "--surface", "bowl", "--optimizer", "sgd", "--momentum", "0.5", "--nesterov",
                 "--steps", "1")
    assert out["hyperparameters"]["nesterov"] is True and out["hyperparameters"]["momentum"] == 0.5
    out = run_ok(capsys, "run", "--surface", "bowl", "--optimizer", "rmsprop", "--centered", "--alpha", "0.9",
                 "--steps", "1")
    assert out["hyperparameters"]["centered"] is True and out["hyperparameters"]["alpha"] == 0.9


NEW_RULES = ["asgd", "adadelta", "rprop", "adamax", "nadam", "radam", "adafactor", "lion", "lbfgs", "newton",
             "steepest"]


@pytest.mark.parametrize("optimizer", NEW_RULES)
def test_every_rule_records_its_declared_defaults(capsys, optimizer):
    """Each knob under its own name, pairs split (betas -> beta1, beta2; etas -> etaminus, etaplus)."""
    out = run_ok(capsys, "run", "--surface", "bowl", "--optimizer", optimizer, "--steps", "1")
    declared = {h.name: h.shown(h.default) for h in OPTIMIZERS[optimizer].hyperparameters}
    assert out["hyperparameters"] == {**declared, "schedule": "constant"}
    # a rule with evaluations of its own says what each step cost; a gradient rule's record is the contract's
    assert ("evaluations" in out) == (not OPTIMIZERS[optimizer].first_order)


def test_lbfgs_with_strong_wolfe_and_damped_newton_from_the_command_line(capsys):
    from optim import descend

    out = run_ok(capsys, "run", "--surface", "rosenbrock", "--optimizer", "lbfgs", "--line-search", "strong_wolfe",
                 "--steps", "30")
    assert out["hyperparameters"]["line_search"] == "strong_wolfe" and out["hyperparameters"]["history_size"] == 100
    traj = descend(get_surface("rosenbrock"), OPTIMIZERS["lbfgs"], {"line_search": "strong_wolfe"}, (-1.2, 1.0), 30)
    assert out["evaluations"] == np.diff(traj.evaluations[:, 0]).tolist() and len(out["evaluations"]) == 30
    assert max(out["evaluations"]) > 1 and set(RUN_KEYS) <= set(out)
    out = run_ok(capsys, "run", "--surface", "rosenbrock", "--optimizer", "newton", "--damping", "1e-3",
                 "--steps", "5")
    assert out["evaluations"] == [1] * 5 and out["hessian_evaluations"] == [1] * 5
    out = run_ok(capsys, "run", "--formula", "x^4 + y^2", "--optimizer", "newton", "--start", "0,1", "--steps", "5")
    assert out["stopped_at"] == 0 and "singular" in out["stopped_because"] and out["diverged_at"] is None


def test_pair_flags_of_the_new_rules_are_recorded(capsys):
    out = run_ok(capsys, "run", "--surface", "bowl", "--optimizer", "rprop", "--etas", "0.4,1.3",
                 "--step-sizes", "1e-5,10", "--steps", "1")
    hp = out["hyperparameters"]
    assert (hp["etaminus"], hp["etaplus"], hp["step_size_min"], hp["step_size_max"]) == (0.4, 1.3, 1e-5, 10.0)
    out = run_ok(capsys, "run", "--surface", "bowl", "--optimizer", "nadam", "--betas", "0.8,0.9",
                 "--momentum-decay", "0.002", "--decoupled-weight-decay", "--weight-decay", "0.01", "--steps", "1")
    hp = out["hyperparameters"]
    assert (hp["beta1"], hp["beta2"], hp["momentum_decay"], hp["decoupled_weight_decay"]) == (0.8, 0.9, 0.002, True)
    out = run_ok(capsys, "run", "--surface", "bowl", "--optimizer", "asgd", "--lambd", "1e-3", "--alpha", "0.5",
                 "--t0", "10", "--steps", "1")
    assert {k: out["hyperparameters"][k] for k in ("lambd", "alpha", "t0")} == {"lambd": 1e-3, "alpha": 0.5,
                                                                              "t0": 10.0}


def test_help_says_what_each_rule_means_by_a_shared_name():
    from optim.cli import build_parser

    run = next(a for a in build_parser()._subparsers._group_actions[0].choices.values() if a.prog.endswith("run"))
    helps = {flag: action.help for action in run._actions for flag in action.option_strings}
    rmsprop, asgd = OPTIMIZERS["rmsprop"], OPTIMIZERS["asgd"]
    for opt in (rmsprop, asgd):  # --alpha means a different thing to each: both meanings, each with its rule
        alpha = next(h for h in opt.hyperparameters if h.name == "alpha")
        assert f"{opt.title}: {alpha.help}" in helps["--alpha"]
    assert helps["--etas"] == "etaminus,etaplus for Rprop"
    assert "Adam" in helps["--betas"] and "Lion" in helps["--betas"]


def test_cli_run_is_the_library_run(capsys):
    from optim import descend, get_optimizer

    out = run_ok(capsys, "run", "--surface", "himmelblau", "--optimizer", "nesterov", "--lr", "0.01",
                 "--start", "-2.5,3", "--steps", "40")
    t = descend(get_surface("himmelblau"), get_optimizer("nesterov"), {"lr": 0.01}, (-2.5, 3.0), 40)
    np.testing.assert_array_equal(np.array(out["trajectory"]), t.points)
    np.testing.assert_array_equal(out["loss"], t.loss)
    np.testing.assert_array_equal(out["grad_norm"], t.grad_norm)


def test_gradient_method_and_seed_are_recorded_only_when_given(capsys):
    argv = ["run", "--surface", "beale", "--optimizer", "adam", "--lr", "0.01", "--steps", "60"]
    plain = run_ok(capsys, *argv)
    forward = run_ok(capsys, *argv, "--gradient", "forward", "--seed", "7")
    assert set(plain) == RUN_KEYS and set(forward) == RUN_KEYS | {"gradient", "seed"}
    assert (forward["gradient"], forward["seed"]) == ("forward", 7)
    np.testing.assert_allclose(forward["trajectory"], plain["trajectory"], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("start", ["-1.2,1", "-0.5,-0.5", "1e-3,-2E+0", " 0.25 , -1 "])
def test_negative_and_spaced_starts(capsys, start):
    out = run_ok(capsys, "run", "--surface", "rosenbrock", "--optimizer", "gd", "--start", start,
                 "--steps", "1")
    assert out["start"] == [float(v) for v in start.split(",")]


# ---------------------------------------------------------------------------------------------
# list.

def test_list_describes_every_optimizer(capsys):
    code = main(["list"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    listed = strict_loads(out)
    assert [o["name"] for o in listed] == list(OPTIMIZERS)
    for entry in listed:
        opt = OPTIMIZERS[entry["name"]]
        assert entry["alias_of"] == opt.base and entry["title"] and entry["update_latex"]
        got = {h["name"]: h["default"] for h in entry["hyperparameters"]}
        assert got == {h.name: h.shown(h.default) for h in opt.hyperparameters}  # choices by name
        for h in entry["hyperparameters"]:
            assert {"name", "label", "latex", "default", "valid", "slider", "log", "flag", "help"} <= set(h)
    by_name = {o["name"]: o for o in listed}
    assert by_name["momentum"]["alias_of"] == "sgd"
    assert {h["name"]: h["default"] for h in by_name["momentum"]["hyperparameters"]}["momentum"] == 0.9
    assert {h["name"]: h["default"] for h in by_name["adam"]["hyperparameters"]}["lr"] == 1e-3


# ---------------------------------------------------------------------------------------------
# Bad arguments: one "error:" line on stderr, nothing on stdout, exit 2.

BASE = ["run", "--surface", "bowl", "--steps", "5"]
SGD = [*BASE, "--optimizer", "sgd"]
ADAM = [*BASE, "--optimizer", "adam"]
NO_STEPS = ["run", "--surface", "bowl", "--optimizer", "sgd"]
BAD = {
    "unknown surface": (["run", "--surface", "nope", "--optimizer", "sgd"], "unknown surface 'nope'"),
    "unknown optimizer": ([*BASE, "--optimizer", "bfgs"], "unknown optimizer 'bfgs'"),
    "lr abc": ([*SGD, "--lr", "abc"], "--lr must be a number"),
    "lr nan": ([*SGD, "--lr", "nan"], "--lr must be a finite number"),
    "lr inf": ([*SGD, "--lr", "inf"], "--lr must be a finite number"),
    "lr=-inf": ([*SGD, "--lr=-inf"], "--lr must be a finite number"),
    "lr -inf": ([*SGD, "--lr", "-inf"], "--lr must be a finite number"),
    "lr -1": ([*SGD, "--lr", "-1"], "lr (learning rate) must be >= 0"),
    "lr -1e-3": ([*SGD, "--lr", "-1e-3"], "lr (learning rate) must be >= 0"),
    "betas 1,0.9": ([*ADAM, "--betas", "1,0.9"], "beta1 (first-moment decay) must be < 1"),
    "betas 0.9": ([*ADAM, "--betas", "0.9"], "--betas takes two numbers"),
    "betas 0.9,x": ([*ADAM, "--betas", "0.9,x"], "--betas must be a number"),
    "etas 1.4,1.3": ([*BASE, "--optimizer", "rprop", "--etas", "1.4,1.3"], "etaminus (shrink factor) must be < 1"),
    "etas 0.5,1": ([*BASE, "--optimizer", "rprop", "--etas", "0.5,1"], "etaplus"),
    "etas 0.5": ([*BASE, "--optimizer", "rprop", "--etas", "0.5"], "--etas takes two numbers"),
    "step sizes crossed": ([*BASE, "--optimizer", "rprop", "--step-sizes", "1,0.1"], "step_size_min"),
    "etas on adam": ([*ADAM, "--etas", "0.5,1.2"], "adam has no hyperparameter 'etaminus'"),
    "lambd -1": ([*BASE, "--optimizer", "asgd", "--lambd", "-1"], "lambd"),
    "rho 1": ([*BASE, "--optimizer", "adadelta", "--rho", "1.5"], "rho"),
    "momentum decay -1": ([*BASE, "--optimizer", "nadam", "--momentum-decay", "-1"], "momentum_decay"),
    "lion betas 1,1": ([*BASE, "--optimizer", "lion", "--betas", "1,1"], "beta1"),
    "negative history": ([*BASE, "--optimizer", "lbfgs", "--history-size", "-1"],
                         "history_size (history size) must be >= 1"),
    "fractional history": ([*BASE, "--optimizer", "lbfgs", "--history-size", "2.5"], "must be a whole number"),
    "unknown line search": ([*BASE, "--optimizer", "lbfgs", "--line-search", "wolfe"],
                            "line_search must be one of none, strong_wolfe"),
    "c2 below c1": ([*BASE, "--optimizer", "newton", "--line-search", "strong_wolfe", "--c1", "0.5", "--c2", "0.4"],
                    "c2 (0.4) must be greater than c1 (0.5)"),
    "negative damping": ([*BASE, "--optimizer", "newton", "--damping", "-1"], "damping"),
    "line search on adam": ([*ADAM, "--line-search", "armijo"], "adam has no hyperparameter 'line_search'"),
    "nesterov without momentum": ([*SGD, "--nesterov"], "Nesterov momentum needs"),
    "nesterov with dampening": ([*BASE, "--optimizer", "nesterov", "--dampening", "0.5"], "Nesterov"),
    "momentum on adam": ([*ADAM, "--momentum", "0.9"],
                         "adam has no hyperparameter 'momentum'"),
    "amsgrad on sgd": ([*SGD, "--amsgrad"], "sgd has no hyperparameter 'amsgrad'"),
    "steps -1": ([*NO_STEPS, "--steps", "-1"], "--steps must be a whole"),
    "steps 2.5": ([*NO_STEPS, "--steps", "2.5"], "--steps must be a whole"),
    "steps 1e7": ([*NO_STEPS, "--steps", "10000000"], "from 0 to 100000"),
    "steps nan": ([*NO_STEPS, "--steps", "nan"], "--steps must be"),
    "start 1": ([*SGD, "--start", "1"], "--start takes two numbers"),
    "start a,b": ([*SGD, "--start", "a,b"], "--start must be a number"),
    "start 1,2,3": ([*SGD, "--start", "1,2,3"], "--start takes two numbers"),
    "start nan,0": ([*SGD, "--start", "nan,0"], "--start must be a finite number"),
    "formula and surface": ([*SGD, "--formula", "x^2 + y^2"], "either --surface or"),
    "neither surface nor formula": (["run", "--optimizer", "sgd"], "--surface NAME or --formula EXPR"),
    "missing optimizer": (["run", "--surface", "bowl"], "--optimizer"),
    "unknown subcommand": (["walk", "--surface", "bowl"], "invalid choice"),
    "no subcommand": ([], "command"),
    "unknown flag": ([*SGD, "--learning-rate", "0.1"], "unrecognized arguments"),
    "batch size on bowl": ([*SGD, "--batch-size", "8"], "no data set"),
    "schedule bogus": ([*SGD, "--schedule", "bogus"], "unknown schedule 'bogus'"),
    "gradient bogus": ([*SGD, "--gradient", "central"], "unknown gradient method"),
    "seed -3": ([*SGD, "--seed=-3"], "--seed must be a whole number"),
    "flag with a value": ([*SGD, "--momentum", "0.9", "--nesterov=yes"], "error"),
}
FORMULA_BAD = {
    "formula import": "__import__('os')",
    "formula attribute": "x.__class__",
    "formula unknown name": "x + z",
    "formula syntax": "x +* y",
    "formula lambda": "(lambda: 1)()",
}


@pytest.mark.parametrize("argv, message", BAD.values(), ids=list(BAD))
def test_bad_argument_is_one_error_line_and_exit_2(capsys, argv, message):
    err = run_bad(capsys, *argv)
    assert message in err


@pytest.mark.parametrize("formula", FORMULA_BAD.values(), ids=list(FORMULA_BAD))
def test_bad_formula_is_one_error_line_and_exit_2(capsys, formula):
    pytest.importorskip("surfaces.formula")
    run_bad(capsys, "run", "--formula", formula, "--optimizer", "sgd")


def test_formula_is_never_evaluated_as_python(capsys, tmp_path):
    pytest.importorskip("surfaces.formula")
    target = tmp_path / "written"
    for formula in (f"open({str(target)!r}, 'w')", f"__import__('pathlib').Path({str(target)!r}).touch()"):
        run_bad(capsys, "run", "--formula", formula, "--optimizer", "sgd", "--steps", "1")
    assert not target.exists()


def test_formula_run(capsys):
    pytest.importorskip("surfaces.formula")
    out = run_ok(capsys, "run", "--formula", "x^2 + 3*y^2", "--optimizer", "gd", "--lr", "0.1",
                 "--start", "1,1", "--steps", "3")
    assert set(out) == RUN_KEYS and out["surface"] == "x^2 + 3*y^2"
    # x_k = 0.8^k, y_k = 0.4^k: GD on the separable quadratic
    np.testing.assert_allclose(out["trajectory"], [[0.8**k, 0.4**k] for k in range(4)], rtol=1e-14)


# ---------------------------------------------------------------------------------------------
# Real processes: the contract end to end (exit status, streams).

def test_subprocess_run_and_error():
    ok = subprocess_run("optim", "run", "--surface", "radial", "--optimizer", "gd", "--lr", "0.01",
                        "--start", "0.5,1", "--steps", "200")
    assert ok.returncode == 0 and ok.stderr == ""
    out = strict_loads(ok.stdout)
    assert set(out) == RUN_KEYS and len(out["trajectory"]) == 201
    np.testing.assert_allclose(out["trajectory"][1], [0.425, 0.85], atol=1e-12)
    bad = subprocess_run("optim", "run", "--surface", "bowl", "--optimizer", "adam", "--betas", "1,0.9")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("error: ") and bad.stderr.count("\n") == 1


def test_subprocess_list():
    res = subprocess_run("optim", "list")
    assert res.returncode == 0 and res.stderr == ""
    assert [o["name"] for o in strict_loads(res.stdout)] == list(OPTIMIZERS)


def test_subprocess_surfaces_list():
    res = subprocess_run("surfaces", "list")
    assert res.returncode == 0 and res.stderr == ""
    listed = strict_loads(res.stdout)
    assert [s["name"] for s in listed] == list(SURFACES)
    for entry in listed:
        assert {"name", "title", "latex", "domain", "minima", "start"} <= set(entry)
        (x0, x1), (y0, y1) = entry["domain"]
        assert x0 < x1 and y0 < y1 and len(entry["start"]) == 2
        for m in entry["minima"]:
            assert len(m["point"]) == 2 and isinstance(m["value"], float)
    bad = subprocess_run("surfaces", "show")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("error: ") and bad.stderr.count("\n") == 1


def test_finite_difference_gradients_from_the_command_line():
    import contextlib
    import io
    import json

    def run(*argv):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["run", "--surface", "rosenbrock", "--optimizer", "adam", "--lr", "0.01", "--steps", "300",
                         *argv])
        return code, (json.loads(out.getvalue()) if code == 0 else None), err.getvalue()

    _, ad, _ = run()
    _, central, _ = run("--gradient", "fd-central")
    _, forward, _ = run("--gradient", "fd-forward", "--fd-step", "1e-6")
    path = np.array(ad["trajectory"])
    assert central["gradient"] == "fd-central" and central["fd_step"] == 6e-6
    assert forward["fd_step"] == 1e-6
    dev_c = np.abs(np.array(central["trajectory"]) - path).max()
    dev_f = np.abs(np.array(forward["trajectory"]) - path).max()
    assert 0 < dev_c < 1e-6 and dev_c < dev_f < 1e-2  # close to AD's path, central closer than forward
    for argv, message in ((("--gradient", "fd-sideways"), "unknown gradient method"),
                          (("--fd-step", "1e-6"), "--fd-step needs --gradient fd-forward or fd-central"),
                          (("--gradient", "fd-central", "--fd-step", "0"), "--fd-step must be a positive number"),
                          (("--gradient", "fd-central", "--fd-step", "nan"), "finite")):
        code, out, err = run(*argv)
        assert code == 2 and out is None and err.startswith("error:") and message in err, err
