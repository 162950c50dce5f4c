"""Figures of the network page: learning curves per optimizer, and the loss landscape around the trained
weights as a contour map and a 3-D surface with the training path on it. Plain specs (viz/spec.py)."""

from __future__ import annotations

import numpy as np

from . import spec, style

# Okabe-Ito colours, one per optimizer (the race page's order), black last.
COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#111111")


def color(k: int) -> str:
    return COLORS[k % len(COLORS)]


def curves_figure(runs: list[dict], *, metric: str, height: int = 380):
    """``runs``: dicts of ``label``, ``train`` and ``test`` (per epoch, index 0 = the start). ``metric`` is
    "loss" (cross-entropy, log axis) or "accuracy" (percent). Solid: training set; dashed: test set.

    Both curves of a run have a legend entry, "label (train)" and "label (test)" (the dashed curves had
    none, only a caption above the chart said what they were), flowing like words in a narrow column."""
    if metric not in ("loss", "accuracy"):
        raise ValueError(f"unknown metric {metric!r}")
    data = []
    for k, run in enumerate(runs):
        for part, dash in (("train", "solid"), ("test", "dash")):
            y = np.asarray(run[part], dtype=np.float64) * (100.0 if metric == "accuracy" else 1.0)
            data.append(dict(type="scatter", mode="lines+markers", x=np.arange(len(y)), y=y,
                             name=f"{run['label']} ({part})", showlegend=True,
                             line=dict(color=color(k), width=2.5 if part == "train" else 2, dash=dash),
                             marker=dict(size=4),
                             hovertemplate=f"{run['label']} {part}<br>epoch %{{x}}<br>%{{y:.4g}}<extra></extra>"))
    layout = style.layout(height=height, top=40)
    y_title = "cross-entropy (log scale)" if metric == "loss" else "accuracy (%)"
    layout.update(legend=style.legend_flowing(data),
                  xaxis=dict(title=dict(text="epoch"), zeroline=False),
                  yaxis=dict(title=dict(text=y_title), type="log" if metric == "loss" else "linear",
                             **({} if metric == "loss" else {"range": [0, 101]})))
    return spec.figure(data, layout)


def on_surface(alphas: np.ndarray, betas: np.ndarray, loss: np.ndarray, path: np.ndarray) -> np.ndarray:
    """The slice's loss at each projected path point (bilinear; points outside the grid clamped)."""
    a = np.clip(path[:, 0], alphas[0], alphas[-1])
    b = np.clip(path[:, 1], betas[0], betas[-1])
    i = np.clip(np.searchsorted(betas, b) - 1, 0, len(betas) - 2)
    j = np.clip(np.searchsorted(alphas, a) - 1, 0, len(alphas) - 2)
    ta = (a - alphas[j]) / (alphas[j + 1] - alphas[j])
    tb = (b - betas[i]) / (betas[i + 1] - betas[i])
    return ((1 - tb) * ((1 - ta) * loss[i, j] + ta * loss[i, j + 1])
            + tb * ((1 - ta) * loss[i + 1, j] + ta * loss[i + 1, j + 1]))


def _axis_titles(kind: str, explained) -> tuple[str, str]:
    if kind == "pca" and explained is not None:
        return (f"PC 1 ({100 * explained[0]:.1f} % of the path's variance)",
                f"PC 2 ({100 * explained[1]:.1f} %)")
    return "α (random direction 1, filter-normalised)", "β (random direction 2)"


def landscape_contour(alphas, betas, loss, path, *, kind: str, explained=None, label: str = "", height: int = 460):
    """Contour map of log10 of the training loss on the plane, the projected per-epoch path on top."""
    z = np.log10(np.maximum(np.asarray(loss, dtype=np.float64), 1e-12))
    xt, yt = _axis_titles(kind, explained)
    data = [
        dict(type="contour", x=alphas, y=betas, z=z.astype(np.float32), colorscale=style.COLORSCALE, ncontours=25,
             contours=dict(coloring="heatmap", showlines=True), line=dict(width=0.5, color="rgba(255,255,255,0.5)"),
             colorbar=dict(title=dict(text="log₁₀ loss", side="right"), thickness=14),
             hovertemplate="α %{x:.3g}<br>β %{y:.3g}<br>log₁₀ loss %{z:.3f}<extra></extra>", name="loss"),
        dict(type="scatter", mode="lines+markers", x=path[:, 0], y=path[:, 1], name=f"{label} path (per epoch)",
             line=dict(color=style.PATH, width=3), marker=dict(size=6, color=style.PATH),
             hovertemplate="epoch %{text}<br>α %{x:.3g}<br>β %{y:.3g}<extra></extra>",
             text=[str(k) for k in range(len(path))]),
        dict(type="scatter", mode="markers", x=[path[0, 0]], y=[path[0, 1]], name="start",
             marker=dict(size=12, color=style.START, line=dict(color=style.OUTLINE, width=1.5))),
        dict(type="scatter", mode="markers", x=[0.0], y=[0.0], name="trained weights",
             marker=style.marker_style("global minimum")),
    ]
    layout = style.layout(height=height, top=40)
    layout.update(legend=style.legend_top(), xaxis=dict(title=dict(text=xt), zeroline=False),
                  yaxis=dict(title=dict(text=yt), zeroline=False))
    return spec.figure(data, layout)


def landscape_surface(alphas, betas, loss, path, *, kind: str, explained=None, label: str = "",
                      height: int = 520, camera: dict | None = None):
    """3-D surface of the training loss on the plane; the path drawn on the surface at its projection."""
    loss = np.asarray(loss, dtype=np.float64)
    cap = float(np.quantile(loss, 0.95))  # a few huge corners would flatten everything else
    z = np.minimum(loss, cap)
    zp = np.minimum(on_surface(np.asarray(alphas), np.asarray(betas), loss, path), cap)
    xt, yt = _axis_titles(kind, explained)
    data = [
        dict(type="surface", x=alphas, y=betas, z=z.astype(np.float32), colorscale=style.COLORSCALE,
             showscale=False, opacity=0.92, name="loss", hovertemplate="loss %{z:.3g}<extra></extra>"),
        dict(type="scatter3d", mode="lines+markers", x=path[:, 0], y=path[:, 1], z=zp * 1.01,
             name=f"{label} path", line=dict(color=style.PATH, width=6), marker=dict(size=3, color=style.PATH)),
    ]
    layout = style.layout(height=height, top=30)
    layout.update(legend=style.legend_top(), scene=dict(
        xaxis=dict(title=dict(text=xt.split(" (")[0])), yaxis=dict(title=dict(text=yt.split(" (")[0])),
        zaxis=dict(title=dict(text=f"loss (capped at {cap:.3g})")),
        camera=camera or dict(eye=dict(x=1.5, y=-1.5, z=1.0))))
    return spec.figure(data, layout)
