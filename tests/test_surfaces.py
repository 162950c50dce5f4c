"""Every registered surface against its own declaration: a new surface is tested without editing this file.

Each declared point is checked with ``jax.grad`` / ``jax.hessian``; the window is searched on a grid
and at random so that a wrong "global" minimum is caught; the CLI listing is parsed back.
"""

import json
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from surfaces import SURFACES

ROOT = Path(__file__).resolve().parent.parent
NAMES = list(SURFACES)
KINDS = {"global minimum", "local minimum", "saddle", "local maximum"}


@cache
def compiled(name: str):
    """Jitted value, gradient, Hessian and gridded gradient of one surface, compiled once per test run."""
    fn = SURFACES[name].fn
    f = lambda w: fn(w[0], w[1])
    return jax.jit(f), jax.jit(jax.grad(f)), jax.jit(jax.hessian(f)), jax.jit(jax.vmap(jax.grad(f)))


def declared(surface):
    return [*surface.minima, *surface.others]


def scale(value: float) -> float:
    return max(1.0, abs(value))


def point_ids(surface):
    return [f"{p.kind} {p.point}" for p in declared(surface)]


def test_names_unique_and_lower_case_with_dashes():
    assert len(NAMES) == len(set(NAMES))
    for key, surface in SURFACES.items():
        assert key == surface.name
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", key), key


@pytest.mark.parametrize("name", NAMES)
def test_record_is_complete(name):
    s = SURFACES[name]
    assert s.title and s.latex and s.look_for and "$" not in s.latex
    (x0, x1), (y0, y1) = s.domain
    assert x0 < x1 and y0 < y1
    assert all(p.kind == "global minimum" for p in s.minima)
    assert all(p.kind in KINDS - {"global minimum"} for p in s.others)
    for p in declared(s):
        assert all(isinstance(c, float) for c in (*p.point, p.value)), p  # plain floats for JSON
    json.dumps(s.describe(), allow_nan=False)


@pytest.mark.parametrize("name", NAMES)
def test_global_minima_have_their_value_zero_gradient_and_curve_up(name):
    s = SURFACES[name]
    value, grad, hess, _ = compiled(name)
    for m in s.minima:
        w = jnp.asarray(m.point)
        assert float(value(w)) == pytest.approx(m.value, rel=1e-8, abs=1e-8), m
        assert np.linalg.norm(grad(w)) < 1e-6, (m, grad(w))
        eig = np.linalg.eigvalsh(np.asarray(hess(w)))
        assert eig.min() >= -1e-6 * scale(eig.max()), (m, eig)


@pytest.mark.parametrize("name", NAMES)
def test_other_points_are_stationary_of_their_kind(name):
    s = SURFACES[name]
    value, grad, hess, _ = compiled(name)
    for p in s.others:
        w = jnp.asarray(p.point)
        assert float(value(w)) == pytest.approx(p.value, rel=1e-8, abs=1e-8), p
        assert np.linalg.norm(grad(w)) < 1e-6, (p, grad(w))
        eig = np.linalg.eigvalsh(np.asarray(hess(w)))
        tol = 1e-6 * scale(np.abs(eig).max())
        if p.kind == "local minimum":
            assert eig.min() >= -tol, (p, eig)
        elif p.kind == "local maximum":
            assert eig.max() <= tol, (p, eig)
        else:
            assert eig.min() < -tol and eig.max() > tol, (p, eig)


@pytest.mark.parametrize("name", NAMES)
def test_no_declared_point_is_below_the_global_minimum(name):
    s = SURFACES[name]
    if s.f_star is None:
        pytest.skip("no global minimum declared")
    for p in declared(s):
        assert p.value >= s.f_star - 1e-12 * scale(s.f_star), p


@pytest.mark.parametrize("name", NAMES)
def test_start_and_declared_points_lie_in_the_window(name):
    s = SURFACES[name]
    (x0, x1), (y0, y1) = s.domain
    for x, y in [s.start, *(p.point for p in declared(s))]:
        assert x0 <= x <= x1 and y0 <= y <= y1, (x, y)


@pytest.mark.parametrize("name", NAMES)
def test_gradient_is_finite_everywhere_on_the_window(name):
    s = SURFACES[name]
    (x0, x1), (y0, y1) = s.domain
    X, Y = np.meshgrid(np.linspace(x0, x1, 101), np.linspace(y0, y1, 101))
    extra = [(0.0, 0.0), s.start, *(p.point for p in declared(s))]
    w = np.concatenate([np.stack([X.ravel(), Y.ravel()], axis=1), np.asarray(extra)])
    g = np.asarray(compiled(name)[3](jnp.asarray(w)))
    bad = ~np.isfinite(g).all(axis=1)
    assert not bad.any(), w[bad][:5]


@pytest.mark.parametrize("name", NAMES)
def test_one_point_equals_the_same_point_on_a_stacked_grid(name):
    s = SURFACES[name]
    (x0, x1), (y0, y1) = s.domain
    rng = np.random.default_rng(0)
    pts = np.column_stack([rng.uniform(x0, x1, 12), rng.uniform(y0, y1, 12)])
    pts = np.vstack([pts, [s.start], *[[p.point] for p in declared(s)]])
    one_by_one = np.array([float(s.fn(float(x), float(y))) for x, y in pts])
    grid = np.asarray(s.fn(jnp.asarray(pts[:, 0]).reshape(-1, 1), jnp.asarray(pts[:, 1]).reshape(-1, 1)))
    stacked = np.asarray(s(jnp.asarray(pts)))  # shape (n, 2) -> (n,)
    assert grid.shape == (len(pts), 1) and stacked.shape == (len(pts),)
    np.testing.assert_allclose(grid.ravel(), one_by_one, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(stacked, one_by_one, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("name", NAMES)
def test_nothing_in_the_window_is_below_the_declared_minimum(name):
    s = SURFACES[name]
    if s.f_star is None:
        pytest.skip("no global minimum declared")
    (x0, x1), (y0, y1) = s.domain
    X, Y = np.meshgrid(np.linspace(x0, x1, 201), np.linspace(y0, y1, 201))
    rng = np.random.default_rng(1)
    xs = np.concatenate([X.ravel(), rng.uniform(x0, x1, 20_000)])
    ys = np.concatenate([Y.ravel(), rng.uniform(y0, y1, 20_000)])
    values = np.asarray(jax.jit(s.fn)(jnp.asarray(xs), jnp.asarray(ys)))
    k = int(np.argmin(values))
    assert values[k] >= s.f_star - 1e-9 * scale(s.f_star), (xs[k], ys[k], values[k])


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "surfaces", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_cli_list_prints_every_surface_as_strict_json():
    out = run_cli("list")
    assert out.returncode == 0, out.stderr
    listing = json.loads(out.stdout, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    assert [item["name"] for item in listing] == NAMES
    for item in listing:
        assert {"name", "title", "latex", "domain", "minima", "start"} <= set(item)
        s = SURFACES[item["name"]]
        assert item["domain"] == [list(s.domain[0]), list(s.domain[1])]
        minima = [{"point": list(m.point), "value": m.value, "kind": m.kind} for m in s.minima]
        assert item["minima"] == minima


@pytest.mark.parametrize("args", [(), ("lists",), ("list", "extra"), ("--help",)])
def test_cli_refuses_anything_else_with_one_line_and_exit_2(args):
    out = run_cli(*args)
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.startswith("error: ") and out.stderr.count("\n") == 1
