"""The Learning-from-data figures pass Plotly's validation (they are built as unvalidated specifications)."""

import numpy as np
import plotly.graph_objects as go
import pytest

from viz.stochastic import fit_figure, loss_band_figure, paths_figure, poll_figure


def _figures():
    xs = np.linspace(-1, 1, 21)
    Z = xs[None] ** 2 + xs[:, None] ** 2
    paths = np.cumsum(np.full((30, 3, 2), -0.01), axis=0) + 0.8
    yield "paths", paths_figure(xs, xs, Z, [dict(label="a", paths=paths), dict(label="b", paths=paths[:, :1])],
                                minimum=((0.0, 0.0), 0.0), start=(0.8, 0.8))
    x = np.arange(30.0)
    curve = dict(label="a", x=x, median=np.exp(-x / 5), low=np.exp(-x / 4), high=np.exp(-x / 6))
    for axis in ("updates", "epochs", "samples processed"):
        yield f"bands {axis}", loss_band_figure([curve], axis=axis, f_star=0.0)
    yield "poll", poll_figure(np.array([1.0, 2.0]), np.array([1.2, 1.7]), np.random.default_rng(0).normal(size=(50, 2)),
                              label="8")
    yield "fit regression", fit_figure(x, 2 * x, [dict(label="a", x=x, y=x)], feature="x", target="y")
    yield "fit classes", fit_figure(x, (x > 15).astype(float), [dict(label="a", x=x, y=x / 30)], feature="x",
                                    target="c", classes=("no", "yes"))


@pytest.mark.parametrize("label, fig", list(_figures()), ids=lambda v: v if isinstance(v, str) else "")
def test_stochastic_figures_pass_plotly_validation(label, fig):
    raw = fig.to_dict()
    checked = go.Figure(raw).to_dict()  # raises on an unknown property or an invalid value
    assert [t["type"] for t in checked["data"]] == [t["type"] for t in raw["data"]]
    for a, b in zip(raw["data"], checked["data"], strict=True):
        assert set(a) == set(b), label
    assert set(raw["layout"]) == set(checked["layout"])
