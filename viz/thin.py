"""Thinning for drawing: keep figures small while every step is still computed.

``thin_path`` keeps evenly spaced points of a trajectory with an odd stride, so the period-2
zig-zag of an overshooting gradient descent still alternates sides after thinning (an even
stride would keep one wall of the valley only and draw a smooth, wrong path). ``thin_series``
keeps each bucket's smallest and largest value, so spikes and oscillations of a loss curve
survive. Both always keep the first and the last index and return the kept indices, so hover
texts can still say which step a point is.
"""

from __future__ import annotations

import numpy as np


def _as_index(n: int, keep: np.ndarray) -> np.ndarray:
    keep = np.unique(np.concatenate([[0], keep, [n - 1]]).astype(np.int64))
    return keep[(keep >= 0) & (keep < n)]


def thin_path(points, max_points: int = 600) -> tuple[np.ndarray, np.ndarray]:
    """Evenly spaced points of a path, the start and the end always kept.

    Takes ``points`` of shape ``(k, 2)`` (or ``(k,)``) and returns ``(indices, points[indices])``
    with at most ``max_points`` rows (at least 2 when ``k >= 2``). The stride is odd, see the
    module docstring.
    """
    pts = np.asarray(points, dtype=float)
    n = len(pts)
    if n == 0:
        return np.zeros(0, dtype=np.int64), pts
    max_points = max(int(max_points), 2)
    if n <= max_points:
        idx = np.arange(n, dtype=np.int64)
        return idx, pts
    stride = -(-(n - 1) // (max_points - 1))  # ceil: the end is added separately
    if stride % 2 == 0:
        stride += 1
    idx = _as_index(n, np.arange(0, n - 1, stride))
    return idx, pts[idx]


def thin_series(values, max_points: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """The envelope of a long series: each bucket's smallest and largest finite value.

    Takes ``values`` of shape ``(k,)`` and returns ``(indices, values[indices])`` with at most
    ``max_points`` entries, indices increasing, the first and last always kept. Non-finite
    values are kept only where a bucket has nothing finite (so a divergence still shows).
    """
    vals = np.asarray(values, dtype=float).reshape(-1)
    n = len(vals)
    if n <= max(int(max_points), 2):
        return np.arange(n, dtype=np.int64), vals
    n_buckets = max((int(max_points) - 2) // 2, 1)
    edges = np.unique(np.linspace(1, n - 1, n_buckets + 1).astype(np.int64))  # buckets [e_i, e_i+1)
    lo, span = edges[:-1], vals[edges[0]:edges[-1]]
    finite = np.isfinite(span)
    bucket = np.repeat(np.arange(len(lo)), np.diff(edges))  # the bucket of each value in ``span``
    keep = []  # a bucket with nothing finite: every value is ±inf there, so both picks are its first index
    for masked, reduce in ((np.where(finite, span, np.inf), np.minimum), (np.where(finite, span, -np.inf), np.maximum)):
        extreme = reduce.reduceat(masked, lo - edges[0])
        hits = np.flatnonzero(masked == extreme[bucket])  # the first hit in each bucket is its argmin / argmax
        _, first = np.unique(bucket[hits], return_index=True)
        keep.append(edges[0] + hits[first])
    idx = _as_index(n, np.concatenate(keep))
    return idx, vals[idx]
