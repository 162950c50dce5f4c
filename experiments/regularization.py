r"""ℓ2 regularization (the course's Section 3.3): the penalty λ‖w‖², its minimizers, Eq. 3.5, and generalization.

Notation: ℓ(w) the training loss (a mean over the data), λ ≥ 0 the strength, the regularized loss
(Eq. 3.2 with R(w) = ‖w‖²) ::

    L_λ(w) = ℓ(w) + λ ‖w‖²,     ∇L_λ = ∇ℓ + 2λ w.

Every weight is penalised, the intercept included, as in the text's Eq. 3.4 (and as
``optim.stochastic.train`` and ``surfaces.data.minimizer`` do).

* **Data surfaces**: the regularized minimizer w_λ for each λ of a grid from 0 (``minimizer_path``);
  λ = 0 is the plain minimizer, λ → ∞ pulls w_λ to 0.
* **Example 3.3.1** in three weights: x¹ = (1, 0, 1), y¹ = −1 and x² = (1, 1, 0), y² = +1 with the
  squared error ℓᵢ = (yᵢ − w·xᵢ)², so the mean over the two samples is the text's Eq. 3.3,
  ½((−1 − (w₀ + w₂))² + (1 − (w₀ + w₁))²). Its minimizers form the line (0, 1, −1) + t(1, −1, −1); with
  λ > 0 the unique minimizer is w** = (0, 1/(1+2λ), −1/(1+2λ)). The Hessian of ℓ is XᵀX with eigenvalues
  0, 1 and 3: along the line's direction d = (1, −1, −1) the gradient of ℓ is zero, so plain GD never
  moves along d (it ends at the start's projection onto the line) and with λ the d-component only
  shrinks by Eq. 3.5's factor (1 − 2ηλ) per step.
* **Eq. 3.5**: w ← w(1 − 2ηλ) − η∇ℓ is GD on L_λ rewritten; torch.optim.SGD's ``weight_decay`` adds
  wd·w to the gradient, so wd = 2λ is the same rule (``eq35_path`` and the tests check all three).
* **Generalization** in the spirit of Table 3.1: a degree-d polynomial fitted to a few noisy points,
  trained with and without λ by the same optimizer code in one batched call, train vs test loss.
  The polynomial is written in the Legendre basis P₀ … P_d (orthogonal on [−1, 1]): the same functions
  as powers of x, but a loss valley plain GD can walk to its bottom in thousands of steps. In powers
  of x its Hessian's eigenvalues span ten orders of magnitude and GD hardly moves in the wiggly
  directions, which hides the overfitting (early stopping is a regularizer of its own).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from optim.runner import MAX_STEPS
from optim.schedules import get_schedule
from optim.spec import Optimizer
from optim.stochastic import Batching, DataRun, compiled_train, train_batch
from surfaces.data import DataSurface, minimizer

# λ choices of the page's slider: 0, then 1, 2, 5 per decade from 1e-4 to 10 (decimal literals for the URL).
LAMBDA_STOPS = (0.0, *(float(f"{m}e{k}") for k in range(-4, 1) for m in (1, 2, 5)), 10.0)
DEFAULT_LAMBDA = 0.01  # the text's Figure 3.6


def check_lambda(lam) -> float:
    """λ as a float; ``ValueError`` with one sentence when it is not a finite number ≥ 0."""
    try:
        v = float(lam)
    except (TypeError, ValueError):
        raise ValueError(f"λ must be a number ≥ 0, got {lam!r}") from None
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"λ must be a finite number ≥ 0 (the penalty λ‖w‖² must not reward large weights), got {v:g}")
    return v


# ---------------------------------------------------------------------------------------------- data surfaces
def path_lambdas(lam: float = 0.0, n: int = 81, hi: float = 1e4) -> np.ndarray:
    """0, then ``n`` log-spaced λ from 1e-4 to ``hi``, with ``lam`` itself included; sorted."""
    grid = np.concatenate([[0.0], np.geomspace(1e-4, hi, n), [check_lambda(lam)]])
    return np.unique(grid)


def minimizer_path(surface: DataSurface, lams) -> np.ndarray:
    """Shape (len(lams), 2): argmin ℓ + λ‖w‖² for each λ (Newton's method, exact for the linear model)."""
    return np.array([minimizer(surface.model, surface.features, surface.targets, check_lambda(v)) for v in lams])


def mean_loss(model: str, x: np.ndarray, y: np.ndarray, W0: np.ndarray, W1: np.ndarray) -> np.ndarray:
    """ℓ(w₀, w₁) on arrays of weights, in NumPy (the same formula as ``surfaces.data.sample_loss``)."""
    W0, W1 = np.broadcast_arrays(np.asarray(W0, dtype=float), np.asarray(W1, dtype=float))
    if model == "linear":  # a quadratic: its five moments give every grid point exactly
        mx, my, mxx, mxy, myy = x.mean(), y.mean(), (x * x).mean(), (x * y).mean(), (y * y).mean()
        return W0**2 + 2 * W0 * W1 * mx + W1**2 * mxx - 2 * W0 * my - 2 * W1 * mxy + myy
    out = np.zeros(W0.shape)
    for xi, yi in zip(x, y, strict=True):  # N passes over the grid: never grid x N values at once
        z = W0 + W1 * xi
        out += np.logaddexp(0.0, z) - yi * z
    return out / len(x)


def regularized_window(surface: DataSurface, points: np.ndarray, margin: float = 0.06):
    """The surface's window grown to hold ``points`` (the minimizer path, the origin) with a margin."""
    (x0, x1), (y0, y1) = surface.domain
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    lo = np.minimum([x0, y0], pts.min(axis=0))
    hi = np.maximum([x1, y1], pts.max(axis=0))
    pad = margin * (hi - lo)
    return (float(lo[0] - pad[0]), float(hi[0] + pad[0])), (float(lo[1] - pad[1]), float(hi[1] + pad[1]))


@dataclass(frozen=True)
class SurfacePicture:
    """What the page draws for one data surface and one λ."""

    lam: float
    xs: np.ndarray  # shape (n,)
    ys: np.ndarray  # shape (m,)
    loss: np.ndarray  # shape (m, n): ℓ on the grid
    regularized: np.ndarray  # shape (m, n): ℓ + λ‖w‖²
    w_plain: np.ndarray  # shape (2,): argmin ℓ
    w_lam: np.ndarray  # shape (2,): argmin ℓ + λ‖w‖²
    lams: np.ndarray  # shape (k,): the path's λ grid, 0 first
    path: np.ndarray  # shape (k, 2): the minimizer for each λ
    loss_plain: float  # ℓ(w_plain)
    loss_lam: float  # ℓ(w_lam): higher, the price of the smaller weights
    norm_plain: float  # ‖w_plain‖
    norm_lam: float  # ‖w_lam‖


def surface_picture(surface: DataSurface, lam: float, n: int = 140) -> SurfacePicture:
    """The regularized loss on a grid, both minimizers and the minimizer path, for ``surface`` at ``lam``."""
    lam = check_lambda(lam)
    lams = path_lambdas(lam)
    path = minimizer_path(surface, lams)
    (x0, x1), (y0, y1) = regularized_window(surface, np.vstack([path, [[0.0, 0.0]]]))
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    W0, W1 = np.meshgrid(xs, ys)
    x, y = surface.features, surface.targets
    loss = mean_loss(surface.model, x, y, W0, W1)
    w_plain, w_lam = path[0], path[int(np.searchsorted(lams, lam))]

    def at(w):
        return float(mean_loss(surface.model, x, y, w[0], w[1]))

    return SurfacePicture(lam, xs, ys, loss, loss + lam * (W0**2 + W1**2), w_plain, w_lam, lams, path,
                          at(w_plain), at(w_lam), float(np.linalg.norm(w_plain)), float(np.linalg.norm(w_lam)))


# ---------------------------------------------------------------------------------------------- Example 3.3.1
EXAMPLE_X = np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])  # x¹, x²
EXAMPLE_Y = np.array([-1.0, 1.0])  # y¹, y²
LINE_POINT = np.array([0.0, 1.0, -1.0])  # the minimizers without λ: LINE_POINT + t · LINE_DIRECTION
LINE_DIRECTION = np.array([1.0, -1.0, -1.0])
# Starts for the GD paths: the origin (the usual initialisation) and points around the line on both sides.
EXAMPLE_STARTS = np.array([[0.0, 0.0, 0.0], [2.0, 2.0, 2.0], [-2.0, 1.0, 0.0], [1.0, -2.0, 2.0],
                           [-1.5, -1.5, -1.0], [2.5, 0.5, -2.0]])
EXAMPLE_ETA = 0.5  # stable for λ < 0.16: η < 2/(3 + 2λ)


def example_sample_loss(w, x, y):
    """ℓᵢ = (yᵢ − w·xᵢ)² for each sample; their mean over the two samples is the text's Eq. 3.3."""
    return (y - x @ w) ** 2


def example_loss(w, lam: float = 0.0) -> np.ndarray:
    """Eq. 3.3 (λ = 0) or Eq. 3.4 at weights ``w`` of shape (..., 3), in NumPy, as printed in the text."""
    w = np.asarray(w, dtype=float)
    w0, w1, w2 = w[..., 0], w[..., 1], w[..., 2]
    return 0.5 * ((-1 - (w0 + w2)) ** 2 + (1 - (w0 + w1)) ** 2) + lam * (w0**2 + w1**2 + w2**2)


def example_gradient(w) -> np.ndarray:
    """∇ of Eq. 3.3 in closed form: −Σᵢ (yᵢ − w·xᵢ) xᵢ (the ½ of the mean cancels the square's 2)."""
    w = np.asarray(w, dtype=float)
    return -((EXAMPLE_Y - EXAMPLE_X @ w) @ EXAMPLE_X)


def example_minimizer(lam: float) -> np.ndarray:
    """The text's w** = (0, 1/(1+2λ), −1/(1+2λ)), the unique minimizer of Eq. 3.4 for λ > 0."""
    lam = check_lambda(lam)
    return np.array([0.0, 1.0 / (1.0 + 2.0 * lam), -1.0 / (1.0 + 2.0 * lam)])


def line_parameter(w) -> np.ndarray:
    """t of the point of the line nearest to ``w`` (shape (..., 3)): where plain GD from ``w`` ends."""
    w = np.asarray(w, dtype=float)
    return (w - LINE_POINT) @ LINE_DIRECTION / (LINE_DIRECTION @ LINE_DIRECTION)


def distance_to_line(w) -> np.ndarray:
    w = np.asarray(w, dtype=float)
    nearest = LINE_POINT + line_parameter(w)[..., None] * LINE_DIRECTION
    return np.linalg.norm(w - nearest, axis=-1)


def train_from_starts(sample_loss, data, optimizer: Optimizer, hyperparameters: Mapping[str, float] | None,
                      starts, *, steps: int, l2) -> tuple[np.ndarray, np.ndarray]:
    """Full-batch runs from several starts in one vmapped call: parameters (steps + 1, R, P) and the
    first non-finite index of each run (-1 = never; from there a run holds its last finite point).

    ``optim.stochastic.train_batch`` takes one start for all runs; its compiled function already maps
    over a leading run axis of the start, so this calls it with one start per run (``starts`` of shape
    (R, P), ``l2`` a scalar or R values), after the same checks (``ValueError`` with one sentence).
    """
    starts = np.asarray(starts, dtype=np.float64)
    r, p = starts.shape
    if not np.all(np.isfinite(starts)):
        raise ValueError("the starts must be finite numbers")
    if isinstance(steps, bool) or not float(steps).is_integer() or not 0 <= int(steps) <= MAX_STEPS:
        raise ValueError(f"steps must be a whole number from 0 to {MAX_STEPS:,}, got {steps}")
    steps = int(steps)
    l2s = np.array([check_lambda(v) for v in np.broadcast_to(np.asarray(l2, dtype=np.float64), (r,))])
    hp = optimizer.resolve(hyperparameters)
    sp = get_schedule("constant").resolve({})
    x, y = (np.asarray(a, dtype=np.float64) for a in data)
    bucket = 1 << max(steps - 1, 0).bit_length()  # as train_batch rounds the epochs: few compiled sizes
    fn = compiled_train(sample_loss, optimizer.code_name, "constant", Batching.of(len(x), None), bucket, True)
    per_run = lambda v: np.full(r, np.float64(v))  # noqa: E731
    keys = jax.vmap(jax.random.key)(np.zeros(r, dtype=np.uint32))
    record = np.asarray(fn(x, y, starts, {k: per_run(v) for k, v in sorted(hp.items())},
                           {k: per_run(v) for k, v in sorted(sp.items())}, l2s, keys, np.int64(steps)))
    rows = record[:, : steps + 1]  # (R, steps + 1, P + 4): parameters, then the objective
    bad = ~(np.isfinite(rows[..., :p]).all(axis=-1) & np.isfinite(rows[..., p]))
    diverged = np.where(bad.any(axis=1), np.argmax(bad, axis=1), -1)
    params = rows[..., :p].copy()
    for i in np.flatnonzero(diverged > 0):  # hold still at the last finite point, as train does
        params[i, diverged[i]:] = params[i, diverged[i] - 1]
    return np.swapaxes(params, 0, 1), diverged


@dataclass(frozen=True)
class ExampleResult:
    """GD paths of Example 3.3.1 from ``starts``, without λ and with λ (same optimizer, same steps)."""

    lam: float
    starts: np.ndarray  # shape (R, 3)
    plain: np.ndarray  # shape (steps + 1, R, 3): λ = 0
    regularized: np.ndarray  # shape (steps + 1, R, 3): λ
    w_star_star: np.ndarray  # shape (3,): the text's w** for λ
    plain_diverged: np.ndarray  # shape (R,): first non-finite index, -1 = never
    regularized_diverged: np.ndarray  # shape (R,)

    @property
    def plain_ends(self) -> np.ndarray:
        return self.plain[-1]

    @property
    def regularized_ends(self) -> np.ndarray:
        return self.regularized[-1]

    @property
    def diverged(self) -> bool:
        return bool((self.plain_diverged >= 0).any() or (self.regularized_diverged >= 0).any())

    def rows(self) -> list[dict]:
        """One row per start: where each run ended, how far from the line and from w** (NaN where it diverged)."""
        out = []
        for i, s in enumerate(self.starts):
            a, b = self.plain_ends[i], self.regularized_ends[i]
            bad_a, bad_b = self.plain_diverged[i] >= 0, self.regularized_diverged[i] >= 0
            row = {
                "start": _triple(s),
                "end, λ = 0": f"diverged at step {self.plain_diverged[i]}" if bad_a else _triple(a),
                "t on the line": np.nan if bad_a else float(line_parameter(a)),
                "distance to the line": np.nan if bad_a else float(distance_to_line(a)),
            }
            if self.lam > 0:  # at λ = 0 the two runs are the same and there is no w**
                row[f"end, λ = {self.lam:g}"] = (f"diverged at step {self.regularized_diverged[i]}" if bad_b
                                                 else _triple(b))
                row["distance to w**"] = np.nan if bad_b else float(np.linalg.norm(b - self.w_star_star))
            out.append(row)
        return out


def _triple(w) -> str:
    return "(" + ", ".join(f"{v:.4f}" for v in w) + ")"


def example_runs(optimizer: Optimizer, hyperparameters: Mapping[str, float] | None, lam: float, steps: int,
                 starts=EXAMPLE_STARTS) -> ExampleResult:
    """Example 3.3.1 from every start, λ = 0 and λ, all in one batched call."""
    lam = check_lambda(lam)
    starts = np.asarray(starts, dtype=float)
    both, diverged = train_from_starts(example_sample_loss, (EXAMPLE_X, EXAMPLE_Y), optimizer, hyperparameters,
                                       np.vstack([starts, starts]), steps=steps,
                                       l2=np.repeat([0.0, lam], len(starts)))
    r = len(starts)
    return ExampleResult(lam, starts, both[:, :r], both[:, r:], example_minimizer(lam), diverged[:r], diverged[r:])


def eq35_path(gradient, start, eta: float, lam: float, steps: int) -> np.ndarray:
    """The text's Eq. 3.5 literally, w ← w(1 − 2ηλ) − η∇ℓ(w), in NumPy: shape (steps + 1, P)."""
    lam = check_lambda(lam)
    w = np.asarray(start, dtype=float).copy()
    out = [w.copy()]
    for _ in range(int(steps)):
        w = w * (1.0 - 2.0 * eta * lam) - eta * gradient(w)
        out.append(w.copy())
    return np.array(out)


def torch_weight_decay(optimizer: Optimizer, lam: float, hp: Mapping[str, float] | None = None) -> str:
    """One sentence: how ``optimizer``'s ``weight_decay`` (with the values ``hp``) relates to the penalty λ‖w‖²."""
    wd = 2.0 * check_lambda(lam)
    reading = optimizer.decay_reading(hp)
    if reading is None:
        return f"{optimizer.title} has no weight decay: λ enters as the penalty λ‖w‖² in the loss."
    if reading == "decoupled":
        return (f"{optimizer.title}'s weight_decay is decoupled: it multiplies w by (1 − η·wd) outside the "
                f"optimizer's own scaling, Eq. 3.5's shrink factor with wd = 2λ = {wd:g}, but not the penalty "
                "λ‖w‖², whose gradient 2λw the optimizer would rescale like any other gradient.")
    switch = (" (its decoupled_weight_decay switch gives AdamW's reading instead)"
              if "decoupled_weight_decay" in optimizer.defaults() else "")
    return (f"torch.optim's weight_decay adds wd·w to the gradient, so the same optimizer with weight_decay = 2λ = "
            f"{wd:g} and no penalty walks the same path as the penalty λ‖w‖² (checked in the tests, step for step)"
            f"{switch}.")


# ---------------------------------------------------------------------------------------------- generalization
TRUE_FUNCTION = "sin(πx)"
POLY_DEGREE, POLY_POINTS, POLY_NOISE, POLY_SEED, POLY_TEST_POINTS = 9, 12, 0.25, 0, 200
POLY_ETA, POLY_STEPS = 0.5, 20_000
SWEEP_LAMBDAS = tuple(v for v in LAMBDA_STOPS if v > 0)  # the train/test chart's λ axis


def true_function(x):
    return np.sin(np.pi * np.asarray(x, dtype=float))


def legendre_features(x, count: int):
    """P₀(x) … P_{count−1}(x) by Bonnet's recursion (k+1)P_{k+1} = (2k+1)x P_k − k P_{k−1}; shape (n, count)."""
    xp = jnp if isinstance(x, jax.Array) else np
    cols = [xp.ones_like(x), x]
    for k in range(1, count - 1):
        cols.append(((2 * k + 1) * x * cols[k] - k * cols[k - 1]) / (k + 1))
    return xp.stack(cols[:count], axis=-1)


def polynomial_sample_loss(w, x, y):
    """(p(x) − y)² per sample, p = Σₖ wₖ Pₖ: the degree is the length of ``w`` minus one."""
    return (legendre_features(x, w.shape[0]) @ w - y) ** 2


@dataclass(frozen=True)
class PolyData:
    x: np.ndarray  # shape (n,): training inputs in [−1, 1]
    y: np.ndarray  # shape (n,)
    x_test: np.ndarray  # shape (T,): fresh draws from the same distribution
    y_test: np.ndarray
    noise: float
    seed: int


def poly_data(points: int = POLY_POINTS, noise: float = POLY_NOISE, seed: int = POLY_SEED,
              test_points: int = POLY_TEST_POINTS) -> PolyData:
    """y = sin(πx) + N(0, noise²) at x ~ U(−1, 1): ``points`` for training, ``test_points`` more for testing."""
    if isinstance(seed, bool) or not float(seed).is_integer() or not 0 <= int(seed) < 2**32:
        raise ValueError(f"the data seed must be a whole number from 0 to {2**32 - 1}, got {seed}")
    if isinstance(points, bool) or not float(points).is_integer() or int(points) < 2:
        raise ValueError(f"the polynomial needs at least 2 training points, got {points}")
    rng = np.random.default_rng(int(seed))
    x = np.sort(rng.uniform(-1.0, 1.0, int(points)))
    y = true_function(x) + noise * rng.normal(size=x.size)
    xt = rng.uniform(-1.0, 1.0, test_points)
    yt = true_function(xt) + noise * rng.normal(size=xt.size)
    return PolyData(x, y, xt, yt, float(noise), int(seed))


def poly_predict(w, x) -> np.ndarray:
    """p(x) for coefficient rows ``w`` of shape (..., d + 1); returns shape (..., len(x))."""
    w = np.asarray(w, dtype=float)
    return w @ legendre_features(np.asarray(x, dtype=float), w.shape[-1]).T


def mse(w, x, y) -> np.ndarray:
    """Mean squared error of coefficient rows ``w`` (..., d + 1) on (x, y); inf where a diverged run overflows."""
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.mean((poly_predict(w, x) - y) ** 2, axis=-1)
    return np.where(np.isfinite(out), out, np.inf)


def ridge_solution(data: PolyData, degree: int, lam: float) -> np.ndarray:
    """The exact minimizer of mean (p(x) − y)² + λ‖w‖² (least squares when λ = 0): what GD should approach."""
    A = legendre_features(data.x, degree + 1)
    n = len(data.x)
    return np.linalg.lstsq(A.T @ A / n + check_lambda(lam) * np.eye(degree + 1), A.T @ data.y / n, rcond=None)[0]


@dataclass(frozen=True)
class PolyFit:
    """The fits without λ, with λ, and for every λ of the sweep: one batched run, one start (zeros)."""

    data: PolyData
    degree: int
    lam: float
    lams: np.ndarray  # shape (K,): 0, lam, then SWEEP_LAMBDAS
    weights: np.ndarray  # shape (K, degree + 1): the final weights of each run
    train_loss: np.ndarray  # shape (K,): mean squared error on the training points (no penalty)
    test_loss: np.ndarray  # shape (K,)
    diverged: np.ndarray  # shape (K,): True where the run overflowed
    loss_curves: np.ndarray  # shape (steps + 1, 2): the regularized objective of runs 0 (λ = 0) and 1 (λ)
    steps: int

    @property
    def plain(self) -> np.ndarray:
        return self.weights[0]

    @property
    def regularized(self) -> np.ndarray:
        return self.weights[1]

    def table(self) -> dict[str, dict[str, float]]:
        """Table 3.1's two columns: train and test MSE without and with the regularizer."""
        return {"No regularizer": {"Train MSE": float(self.train_loss[0]), "Test MSE": float(self.test_loss[0])},
                f"With ℓ2 (λ = {self.lam:g})": {"Train MSE": float(self.train_loss[1]),
                                                "Test MSE": float(self.test_loss[1])}}


def fit_polynomial(data: PolyData, degree: int, optimizer: Optimizer, hyperparameters: Mapping[str, float] | None,
                   lam: float, steps: int) -> PolyFit:
    """Train the degree-``degree`` polynomial from zero with λ = 0, ``lam`` and every sweep λ, one batched call."""
    lam = check_lambda(lam)
    if isinstance(degree, bool) or not float(degree).is_integer() or not 1 <= int(degree) <= 20:
        raise ValueError(f"the degree must be a whole number from 1 to 20, got {degree}")
    degree = int(degree)
    lams = np.array([0.0, lam, *SWEEP_LAMBDAS])
    run: DataRun = train_batch(polynomial_sample_loss, (data.x, data.y), optimizer, hyperparameters,
                               np.zeros(degree + 1), seeds=[0], steps=steps, l2=lams)
    weights = run.params[-1]  # (K, degree + 1); a diverged run holds its last finite point
    diverged = np.asarray(run.diverged_at) >= 0
    return PolyFit(data, degree, lam, lams, weights, mse(weights, data.x, data.y),
                   mse(weights, data.x_test, data.y_test), diverged, run.loss[:, :2], steps)
