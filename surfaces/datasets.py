"""Small datasets for the empirical-risk surfaces: two generated from a seed, two real ones read offline.

The real ones are scikit-learn's bundled CSV files, read straight from the installed package's data
folder (no import of scikit-learn itself, which would pull SciPy in at start-up; nothing is
downloaded). Each dataset is one input feature ``x`` and one target ``y``: the models on top of it
have two parameters, an intercept and a slope, so their loss is a surface like the others.
"""

from __future__ import annotations

import gzip
import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np


@dataclass(frozen=True, eq=False)
class Dataset:
    """One feature and one target per sample."""

    name: str
    title: str
    x: np.ndarray  # shape (N,), the feature in its own units
    y: np.ndarray  # shape (N,), the target (a real number, or a 0/1 label)
    feature: str  # axis label of x, with units
    target: str  # axis label of y
    task: str  # "regression" | "classification"
    source: str  # where the data comes from
    classes: tuple[str, str] | None = None  # names of labels 0 and 1

    @property
    def n(self) -> int:
        return int(self.x.shape[0])


def sklearn_data_dir() -> Path:
    """The folder of CSV files that ships inside the installed scikit-learn wheel."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("scikit-learn is not installed: `pip install -r requirements.txt` brings its datasets")
    return Path(spec.submodule_search_locations[0]) / "datasets" / "data"


def line_data(n: int = 200, seed: int = 0) -> Dataset:
    """y = 1 + 2x + noise, x around 3 (so an unscaled feature makes a long, thin valley)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(3.0, 1.0, n)
    y = 1.0 + 2.0 * x + rng.normal(0.0, 1.0, n)
    return Dataset("line", "Noisy line (generated, seed 0)", x, y, "x", "y", "regression",
                   f"Generated: x ~ N(3, 1), y = 1 + 2x + N(0, 1) noise, {n} samples, NumPy seed {seed}.")


def blobs_data(n: int = 200, seed: int = 0) -> Dataset:
    """Two overlapping classes on a line: label 1 is more likely for larger x."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    x = np.where(labels == 1, rng.normal(4.0, 1.0, n), rng.normal(2.0, 1.0, n))
    return Dataset("blobs", "Two overlapping classes (generated, seed 0)", x, labels.astype(np.float64),
                   "x", "class", "classification",
                   f"Generated: {n // 2} samples of N(2, 1) labelled 0 and {n - n // 2} of N(4, 1) labelled 1, "
                   f"NumPy seed {seed}.", classes=("class 0", "class 1"))


@lru_cache(maxsize=1)
def diabetes_data() -> Dataset:
    """Body-mass index against disease progression one year later (442 patients), target standardised."""
    folder = sklearn_data_dir()
    with gzip.open(folder / "diabetes_data_raw.csv.gz", "rt") as fh:
        table = np.loadtxt(fh)
    with gzip.open(folder / "diabetes_target.csv.gz", "rt") as fh:
        target = np.loadtxt(fh)
    bmi = table[:, 2]
    y = (target - target.mean()) / target.std()
    return Dataset("diabetes", "Diabetes: BMI against progression (real, 442 patients)", bmi, y,
                   "body-mass index (kg/m²)", "progression (standardised)", "regression",
                   "Efron et al. (2004), Least Angle Regression; scikit-learn's bundled copy "
                   "(sklearn/datasets/data/diabetes_*.csv.gz). Target: progression z-score.")


@lru_cache(maxsize=1)
def iris_data() -> Dataset:
    """Petal length of iris versicolor (0) and virginica (1): 100 flowers, two classes that overlap."""
    table = np.loadtxt(sklearn_data_dir() / "iris.csv", delimiter=",", skiprows=1)
    keep = table[:, 4] > 0  # versicolor = 1, virginica = 2 in the file
    return Dataset("iris", "Iris: versicolor vs virginica by petal length (real, 100 flowers)",
                   table[keep, 2], table[keep, 4] - 1.0, "petal length (cm)", "species", "classification",
                   "Fisher (1936); scikit-learn's bundled copy (sklearn/datasets/data/iris.csv).",
                   classes=("versicolor", "virginica"))


DIGITS_TEST = 360  # held-out images of the 1,797; the other 1,437 train
DIGITS_SPLIT_SEED = 0


@dataclass(frozen=True, eq=False)
class ImageDataset:
    """Images as flat pixel vectors in [0, 1] with integer labels, split once into train and test."""

    name: str
    title: str
    x_train: np.ndarray  # shape (N_train, pixels)
    y_train: np.ndarray  # shape (N_train,), int labels 0..classes-1
    x_test: np.ndarray  # shape (N_test, pixels)
    y_test: np.ndarray  # shape (N_test,)
    shape: tuple[int, int]  # one image's height and width
    classes: tuple[str, ...]
    source: str

    @property
    def n_train(self) -> int:
        return int(self.x_train.shape[0])

    @property
    def n_test(self) -> int:
        return int(self.x_test.shape[0])


def digits_split(n: int = 1797, n_test: int = DIGITS_TEST, seed: int = DIGITS_SPLIT_SEED) -> tuple[np.ndarray, ...]:
    """Indices (train, test) of the fixed split: a NumPy permutation from ``seed``, the first ``n_test`` held out."""
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[n_test:]), np.sort(order[:n_test])


@lru_cache(maxsize=1)
def digits_data() -> ImageDataset:
    """The 8x8 handwritten digits that ship inside scikit-learn (1,797 images, pixel counts 0..16 scaled to
    [0, 1]), split once with a fixed seed into 1,437 training and 360 test images."""
    with gzip.open(sklearn_data_dir() / "digits.csv.gz", "rt") as fh:
        table = np.loadtxt(fh, delimiter=",")
    pixels, labels = table[:, :-1] / 16.0, table[:, -1].astype(np.int64)
    train, test = digits_split(len(table))
    return ImageDataset(
        "digits", "Handwritten digits, 8x8 pixels (real, 1,797 images)",
        pixels[train], labels[train], pixels[test], labels[test], (8, 8), tuple(str(d) for d in range(10)),
        "Alpaydin & Kaynak (1998), UCI Optical Recognition of Handwritten Digits (test part); scikit-learn's "
        f"bundled copy (sklearn/datasets/data/digits.csv.gz). Pixels / 16; {len(table) - DIGITS_TEST} train / "
        f"{DIGITS_TEST} test, NumPy permutation seed {DIGITS_SPLIT_SEED}.")
