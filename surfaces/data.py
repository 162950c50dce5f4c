"""Empirical-risk surfaces: L(w) = (1/N) Σᵢ ℓ(w; xᵢ, yᵢ) of a two-parameter model over a dataset.

A data surface is a ``Surface`` (so every page, the runner and the CLI draw and descend it like the
analytic ones: ``fn`` is the full-batch loss) that also knows its samples and the per-sample loss,
which is what stochastic and mini-batch gradient descent need (the course's Section 3.2: by the
linearity of the gradient, ∇L = (1/N) Σᵢ ∇ℓᵢ, and a random subset estimates it).

Models, each with an intercept w₀ and a slope w₁ on one feature:

* linear regression, ŷ = w₀ + w₁x, squared error ℓ = (ŷ − y)²;
* logistic regression, p = σ(w₀ + w₁x), cross-entropy ℓ = −y log p − (1 − y) log(1 − p), computed as
  softplus(z) − yz with z = w₀ + w₁x (the same value without overflow for large |z|).

"Scale features" standardises x to mean 0 and standard deviation 1: with x around 3 the intercept and
slope pull against each other and the valley is long and thin; scaled, it is nearly round.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np
from jax import lax

from surfaces.base import StationaryPoint, Surface
from surfaces.datasets import Dataset, blobs_data, diabetes_data, iris_data, line_data

MODELS = ("linear", "logistic")
MODEL_LATEX = {
    "linear": r"L(w_0, w_1) = \frac{1}{N}\sum_{i=1}^{N} \left(w_0 + w_1 x_i - y_i\right)^2",
    "logistic": (r"L(w_0, w_1) = \frac{1}{N}\sum_{i=1}^{N} -y_i \log \sigma(w_0 + w_1 x_i)"
                 r" - (1 - y_i) \log\left(1 - \sigma(w_0 + w_1 x_i)\right)"),
}


def sample_loss(model: str, w, x, y):
    """ℓ(w; x, y) for each sample: ``w`` of shape (2,), ``x``/``y`` of shape (n,); returns shape (n,)."""
    z = w[0] + w[1] * x
    if model == "linear":
        return (z - y) ** 2
    return jnp.logaddexp(0.0, z) - y * z  # softplus(z) - y z


def _full_loss(model: str, x: np.ndarray, y: np.ndarray):
    """The mean loss as ``f(w0, w1)``: on scalars directly, on grids one point at a time (``lax.map``),
    so a 240 x 240 grid never materialises grid x N values at once."""
    xj, yj = jnp.asarray(x), jnp.asarray(y)

    def point(w0, w1):
        return jnp.mean(sample_loss(model, jnp.stack([w0, w1]), xj, yj))

    def fn(w0, w1):
        w0, w1 = jnp.broadcast_arrays(jnp.asarray(w0, dtype=jnp.float64), jnp.asarray(w1, dtype=jnp.float64))
        if w0.ndim == 0:
            return point(w0, w1)
        flat = lax.map(lambda p: point(p[0], p[1]), jnp.stack([w0.ravel(), w1.ravel()], axis=-1), batch_size=512)
        return flat.reshape(w0.shape)

    return fn


def minimizer(model: str, x: np.ndarray, y: np.ndarray, l2: float = 0.0) -> np.ndarray:
    """The minimiser of L(w) + l2·‖w‖² by Newton's method in NumPy (exact for the linear model)."""
    A = np.stack([np.ones_like(x), x], axis=1)
    w = np.zeros(2)
    for _ in range(100):
        z = A @ w
        if model == "linear":
            grad = 2 * A.T @ (z - y) / len(x) + 2 * l2 * w
            hess = 2 * A.T @ A / len(x) + 2 * l2 * np.eye(2)
        else:
            p = 1 / (1 + np.exp(-z))
            grad = A.T @ (p - y) / len(x) + 2 * l2 * w
            hess = (A * (p * (1 - p))[:, None]).T @ A / len(x) + 2 * l2 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        w = w - step
        if np.max(np.abs(step)) < 1e-15 * (1 + np.max(np.abs(w))):
            break
    return w


@dataclass(frozen=True, eq=False)
class DataSurface(Surface):
    """A two-parameter model's mean loss over ``dataset`` (features standardised when ``scaled``)."""

    dataset: Dataset | None = None
    model: str = "linear"
    scaled: bool = False
    features: np.ndarray | None = None  # shape (N,): x as the model sees it
    shift: float = 0.0  # features = (dataset.x - shift) / scale
    scale: float = 1.0

    @property
    def n(self) -> int:
        return int(self.features.shape[0])

    @property
    def targets(self) -> np.ndarray:
        return self.dataset.y

    def sample_loss(self, w, x, y):
        """ℓ(w; x, y) per sample, the summand of ``fn``: what a mini-batch averages."""
        return sample_loss(self.model, w, x, y)

    def predict(self, w, x):
        """The model's output at feature values ``x`` in the dataset's own units (ŷ, or p for logistic)."""
        z = w[0] + w[1] * (np.asarray(x) - self.shift) / self.scale
        return z if self.model == "linear" else 1 / (1 + np.exp(-z))

    def describe(self) -> dict:
        return {**super().describe(), "data": {
            "dataset": self.dataset.name, "n": self.n, "model": self.model, "scaled": self.scaled,
            "feature": self.dataset.feature, "target": self.dataset.target, "task": self.dataset.task,
            "description": self.dataset.title, "data_source": self.dataset.source,
        }}


def _numpy_loss(model: str, x: np.ndarray, y: np.ndarray, w) -> float:
    z = w[0] + w[1] * x
    return float(np.mean((z - y) ** 2 if model == "linear" else np.logaddexp(0.0, z) - y * z))


def make_data_surface(name: str, dataset: Dataset, model: str, scaled: bool, domain, start,
                      look_for: str) -> DataSurface:
    """Build the surface; the minimum is found here (NumPy, no compile at import), the window is given."""
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; choose one of: {', '.join(MODELS)}")
    shift, scale = (float(dataset.x.mean()), float(dataset.x.std())) if scaled else (0.0, 1.0)
    features = (dataset.x - shift) / scale
    w_star = minimizer(model, features, dataset.y)
    feature = "standardised " + dataset.feature if scaled else dataset.feature
    what = "linear regression, squared error" if model == "linear" else "logistic regression, cross-entropy"
    return DataSurface(
        name=name,
        title=f"{dataset.title.split(' (')[0]}: {what}{', scaled' if scaled else ''}",
        latex=MODEL_LATEX[model],
        fn=_full_loss(model, features, dataset.y),
        domain=domain,
        minima=(StationaryPoint((float(w_star[0]), float(w_star[1])),
                                _numpy_loss(model, features, dataset.y, w_star)),),
        start=start,
        look_for=look_for,
        source=f"{dataset.source} Model on x = {feature}; minimum by Newton's method in float64.",
        dataset=dataset,
        model=model,
        scaled=scaled,
        features=features,
        shift=shift,
        scale=scale,
    )


_UNSCALED = ("The feature is not centred: intercept and slope trade off against each other, so the valley is "
             "long and thin and plain GD zig-zags across it. Switch on 'scale features' to round it.")
_SCALED = ("Standardised feature: the valley is nearly round and GD walks almost straight to the minimum; "
           "with a batch size the path becomes noisy but each update costs only B samples.")


def data_surfaces() -> tuple[DataSurface, ...]:
    """Every registered data surface: each dataset raw and with its feature standardised."""
    # name, data, model, (window, start) raw, (window, start) scaled: windows hold the valley, starts sit
    # where the walk shows the shape (zero, the usual initialisation, where it is far enough away).
    specs = (
        ("line", line_data(), "linear", (((-4.0, 6.0), (-1.0, 4.0)), (0.0, 0.0)),
         (((3.0, 11.0), (-2.0, 6.0)), (4.0, -1.0))),
        ("diabetes", diabetes_data(), "linear", (((-8.0, 2.0), (-0.1, 0.35)), (0.0, 0.0)),
         (((-2.5, 2.5), (-2.0, 3.0)), (-2.0, -1.5))),
        ("blobs", blobs_data(), "logistic", (((-16.0, 4.0), (-1.0, 6.0)), (0.0, 0.0)),
         (((-6.0, 6.0), (-2.0, 8.0)), (-4.0, -1.0))),
        ("iris", iris_data(), "logistic", (((-70.0, 10.0), (-2.0, 15.0)), (0.0, 0.0)),
         (((-8.0, 10.0), (-4.0, 14.0)), (-6.0, -2.0))),
    )
    out = []
    for name, dataset, model, (domain, start), (domain_s, start_s) in specs:
        out.append(make_data_surface(name, dataset, model, False, domain, start, _UNSCALED))
        out.append(make_data_surface(f"{name}-scaled", dataset, model, True, domain_s, start_s, _SCALED))
    return tuple(out)


def scaled_variant(name: str) -> tuple[str, bool]:
    """``(base name, scaled?)`` of a data surface name: ``"iris-scaled"`` -> ``("iris", True)``."""
    return (name[: -len("-scaled")], True) if name.endswith("-scaled") else (name, False)
