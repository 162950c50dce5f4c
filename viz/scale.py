"""Numbers made drawable: non-finite values masked, huge values clipped, the log1p height scale.

A surface is shown either as ``f`` itself or, for surfaces whose interesting part is a thin
valley far below the walls (Rosenbrock, Goldstein-Price), as ``log(1 + f - min f)``. Both the
surface and the path go through the same ``Heights`` so the path lies on the mesh.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

_F32_MAX = 1e38  # float32 overflows just above 3.4e38


@dataclass(frozen=True)
class Heights:
    """How values of ``f`` map to drawn heights (and colours)."""

    log_scale: bool
    ref: float  # min f over the grid (the log scale's zero)
    lo: float  # smallest drawn height
    cap: float  # largest drawn height: anything above is clipped to it

    def __call__(self, values) -> np.ndarray:
        """Drawn heights of ``values`` (any shape), float64, NaN where not finite."""
        v = np.asarray(values, dtype=float)
        with np.errstate(invalid="ignore", over="ignore"):
            h = np.log1p(np.maximum(v - self.ref, 0.0)) if self.log_scale else v.copy()
            h[~np.isfinite(h)] = np.nan
            return np.clip(h, self.lo, self.cap)  # NaN stays NaN

    @property
    def label(self) -> str:
        return "f − min f  (log(1 + ·) scale)" if self.log_scale else "f(x, y)"

    @property
    def short_label(self) -> str:
        return "f − min f<br>(log scale)" if self.log_scale else "f(x, y)"

    def ticks(self) -> dict:
        """Axis / colour-bar ticks; on the log scale they are labelled in units of f − min f."""
        if not self.log_scale:
            return {}
        top = float(np.expm1(self.cap))
        spacing = max(self.cap - self.lo, 1e-12) / 6
        for mantissas in ((1.0,), (1.0, 3.0), (1.0, 2.0, 5.0)):  # decades first; finer for short ranges
            cands = [0.0] + [m * 10.0**k for k in range(-4, 39) for m in mantissas]
            vals, last = [], -np.inf
            for c in cands:
                if c > top * 1.0001:
                    break
                pos = float(np.log1p(c))
                if pos - last >= spacing or c == 0.0:
                    vals.append(c)
                    last = pos
            if len(vals) >= 4:
                break
        return dict(tickvals=[float(np.log1p(c)) for c in vals], ticktext=[_short(c) for c in vals])


def _short(v: float) -> str:
    if v == 0:
        return "0"
    if 1e-3 <= v < 1e5:
        return f"{v:g}"
    mant, exp = f"{v:.0e}".split("e")
    return f"{mant}e{int(exp)}"


def heights_for(Z, log_scale: bool) -> Heights:
    """Choose the display scale of a grid: its minimum and a cap that keeps the colours useful.

    The cap is three times the 99th-percentile spread above the minimum, or the maximum if that
    is smaller; a pole of a user formula then clips instead of flattening every colour to one.
    """
    z = np.asarray(Z, dtype=float)
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return Heights(log_scale, 0.0, 0.0, 1.0)
    ref = float(finite.min())
    h = np.log1p(finite - ref) if log_scale else finite
    h = h[np.isfinite(h)]
    lo, hi, p99 = float(h.min()), float(h.max()), float(np.percentile(h, 99))
    cap = min(hi, lo + 3.0 * (p99 - lo)) if p99 > lo else hi
    lo, cap = max(lo, -_F32_MAX), min(cap, _F32_MAX)
    if not cap > lo:
        cap = lo + 1.0
    return Heights(log_scale, ref, lo, cap)


_SCALED: OrderedDict = OrderedDict()  # (digest of the grid, log scale) -> (Heights, heights as float32)
_SCALED_LOCK = threading.Lock()
SCALED_ENTRIES = 32  # a few surfaces x (contour, 3-D, anatomy) grids, ~100 kB each


def scaled_grid(Z, log_scale: bool) -> tuple[Heights, np.ndarray]:
    """``heights_for(Z)`` and the drawn heights of ``Z`` as float32 (read-only), remembered by the grid's
    bytes: a rerun that moves only the path (a new learning rate, a new start) draws the same grid, and the
    percentile and log1p over it were a tenth of a live server's CPU per slider move (py-spy, ``make load``)."""
    z = np.ascontiguousarray(Z, dtype=float)
    key = (hashlib.blake2b(z.tobytes(), digest_size=16).digest(), z.shape, bool(log_scale))
    with _SCALED_LOCK:
        hit = _SCALED.get(key)
        if hit is not None:
            _SCALED.move_to_end(key)
            return hit
    heights = heights_for(z, log_scale)
    drawn = heights(z).astype(np.float32)
    drawn.setflags(write=False)
    with _SCALED_LOCK:
        _SCALED[key] = (heights, drawn)
        while len(_SCALED) > SCALED_ENTRIES:
            _SCALED.popitem(last=False)
    return heights, drawn


def as_path(path) -> np.ndarray:
    """A path as float64 of shape ``(k, 2)``; rows with a non-finite coordinate become NaN."""
    if path is None:
        return np.zeros((0, 2))
    p = np.array(path, dtype=float).reshape(-1, 2)
    p[~np.isfinite(p).all(axis=1)] = np.nan
    return p


def last_finite(points: np.ndarray) -> int | None:
    """Index of the last row whose coordinates are all finite, or None."""
    ok = np.flatnonzero(np.isfinite(points).all(axis=1))
    return int(ok[-1]) if ok.size else None


def stationary(items, default_kind: str = "global minimum") -> list[tuple[tuple[float, float], float, str]]:
    """Normalise stationary points to ``[((x, y), value, kind), ...]``.

    Accepts ``(point, value)`` or ``(point, value, kind)`` tuples, dicts with those keys, or
    records with ``.point`` / ``.value`` / ``.kind`` (such as ``surfaces.base.StationaryPoint``).
    """
    out = []
    for item in items or ():
        if isinstance(item, dict):
            point, value, kind = item["point"], item.get("value"), item.get("kind", default_kind)
        elif hasattr(item, "point"):
            point, value, kind = item.point, getattr(item, "value", None), getattr(item, "kind", default_kind)
        else:
            point, value, *rest = item
            kind = rest[0] if rest else default_kind
        value = float("nan") if value is None else float(value)
        out.append(((float(point[0]), float(point[1])), value, str(kind)))
    return out


def bilinear(xs, ys, Z, points: np.ndarray) -> np.ndarray:
    """``Z`` interpolated at ``points`` (k, 2); NaN outside the grid or where Z is not finite."""
    xs, ys, Z = np.asarray(xs, float), np.asarray(ys, float), np.asarray(Z, float)
    px, py = points[:, 0], points[:, 1]
    with np.errstate(invalid="ignore"):
        inside = (px >= xs[0]) & (px <= xs[-1]) & (py >= ys[0]) & (py <= ys[-1])
    i = np.clip(np.searchsorted(xs, np.nan_to_num(px), side="right") - 1, 0, len(xs) - 2)
    j = np.clip(np.searchsorted(ys, np.nan_to_num(py), side="right") - 1, 0, len(ys) - 2)
    tx = (np.nan_to_num(px) - xs[i]) / (xs[i + 1] - xs[i])
    ty = (np.nan_to_num(py) - ys[j]) / (ys[j + 1] - ys[j])
    z = (Z[j, i] * (1 - tx) * (1 - ty) + Z[j, i + 1] * tx * (1 - ty)
         + Z[j + 1, i] * (1 - tx) * ty + Z[j + 1, i + 1] * tx * ty)
    return np.where(inside, z, np.nan)
