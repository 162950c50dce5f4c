"""Shared fixtures: the repository root on sys.path, and a float64 JAX for every test."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import surfaces  # noqa: E402,F401  (switches JAX to float64 before any test traces)
