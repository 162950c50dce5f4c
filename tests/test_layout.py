"""The package layout of DESIGN.md, checked: ``optim`` imports nothing from ``experiments``, the runner and the
mini-batch loop stay readable as ``optim`` grows, and ``python -m optim train`` (declared in
``experiments.cli``, added by ``optim/__main__.py``) still answers as the CLI contract says."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OPTIM = ROOT / "optim"
# The program's entry point, not part of the library: ``import optim`` never runs it. It is where the
# experiments' commands join the command line.
ENTRY_POINT = OPTIM / "__main__.py"
MAX_LINES = 400
KEPT_SHORT = ("runner.py", "loops.py", "stochastic.py", "epochs.py")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module an ``import`` or ``from ... import`` names in ``path``, at any depth (inside functions
    too), with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def optim_modules() -> list[Path]:
    return sorted(p for p in OPTIM.rglob("*.py") if p != ENTRY_POINT)


@pytest.mark.parametrize("path", optim_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_optim_module_imports_experiments(path):
    bad = [(line, name) for line, name in imported_modules(path) if name.split(".")[0] == "experiments"]
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}: optim may import surfaces, jax and numpy only"


def test_the_import_check_sees_imports_inside_functions(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from experiments.network import train_network\n    import experiments.race\n")
    assert imported_modules(probe) == [(2, "experiments.network"), (3, "experiments.race")]


def test_importing_every_optim_module_loads_nothing_from_experiments():
    # Dynamic imports too (importlib, __import__), which the source check cannot see.
    names = ["optim", *sorted(f"optim.{p.stem}" for p in optim_modules() if p.stem != "__init__")]
    code = ("import importlib, sys\n"
            f"for name in {names!r}:\n    importlib.import_module(name)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'experiments'))")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


@pytest.mark.parametrize("name", KEPT_SHORT)
def test_the_runner_and_the_mini_batch_loop_stay_short(name):
    lines = len((OPTIM / name).read_text().splitlines())
    assert lines < MAX_LINES, f"optim/{name} has {lines} lines; split it before it reaches {MAX_LINES}"


def python_m_optim(*argv):
    return subprocess.run([sys.executable, "-m", "optim", *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_python_m_optim_train_still_runs_and_refuses_in_one_line():
    ok = python_m_optim("train", "--optimizer", "adam", "--betas", "0.8,0.99", "--epochs", "1", "--batch-size", "64")
    assert ok.returncode == 0 and ok.stderr == "", ok.stderr
    assert ok.stdout.count("\n") == 1
    out = json.loads(ok.stdout, parse_constant=lambda name: pytest.fail(f"non-standard JSON {name}"))
    assert (out["dataset"], out["optimizer"], out["epochs"], out["batch_size"]) == ("digits", "adam", 1, 64)
    assert (out["hyperparameters"]["beta1"], out["hyperparameters"]["beta2"]) == (0.8, 0.99)  # the pair flag
    assert out["epoch"] == [0, 1] and len(out["test_accuracy"]) == 2
    bad = python_m_optim("train", "--optimizer", "adam", "--epochs", "1", "--betas", "0.9")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr == "error: --betas takes two numbers separated by a comma, e.g. 0.5,1; got '0.9'\n"
