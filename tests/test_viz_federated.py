"""The federated figures: valid Plotly (through the validating constructor), the traces the page relies on."""

import numpy as np
import plotly.graph_objects as go

from experiments import federated as fed
from surfaces import get_surface, surface_grid
from viz.federated import CLIENT_COLOURS, loss_figure, paths_figure, split_figure


def _valid(fig: go.Figure) -> go.Figure:
    """``fig`` after the validating constructor accepted it (it raises on a misspelt property); the arrays are
    read from ``fig`` itself, where they are still NumPy arrays."""
    checked = go.Figure(fig.to_dict())
    assert [t.name for t in checked.data] == [t.name for t in fig.data]
    return fig


def _comparison(name="blobs-scaled", k=3, kind="labels", e=20, eta=0.3, rounds=50):
    return get_surface(name), fed.compare(get_surface(name), k, kind, e, eta, rounds)


def test_paths_figure_draws_every_run_the_client_minimizers_and_w_star_last():
    surface, c = _comparison()
    xs, ys, Z = surface_grid(surface, 40)
    runs = [("centralized GD", c.gd.points), ("FedSGD", c.fedsgd.points), (c.fedavg.name, c.fedavg.points)]
    fig = _valid(paths_figure(xs, ys, Z, runs, w_star=c.w_star, loss_star=c.loss_star,
                              client_minima=c.client_minima, start=surface.start))
    names = [t.name for t in fig.data]
    assert {"centralized GD", "FedSGD", "FedAvg (E = 20)", "client minimizers", "start"} <= set(names)
    assert "path" not in names and names[-1] == "global minimum"
    fedavg = fig.data[names.index("FedAvg (E = 20)")]
    assert len(fedavg.x) == 51 and fedavg.x[-1] == c.fedavg.points[-1, 0]
    diamonds = fig.data[names.index("client minimizers")]
    shown = [k for k, m in enumerate(c.client_minima) if m is not None]
    assert list(diamonds.marker.color) == [CLIENT_COLOURS[k] for k in shown]


def test_a_diverged_path_stops_at_its_last_finite_point():
    surface, c = _comparison("line-scaled", 8, "regions", 20, 0.9, 50)
    assert c.fedavg.diverged_at is not None
    xs, ys, Z = surface_grid(surface, 30)
    fig = _valid(paths_figure(xs, ys, Z, [(c.fedavg.name, c.fedavg.points)], w_star=c.w_star,
                              loss_star=c.loss_star))
    trace = next(t for t in fig.data if t.name == c.fedavg.name)
    assert np.isfinite(trace.x).all() and len(trace.x) <= c.fedavg.diverged_at
    loss = _valid(loss_figure([(c.fedavg.name, c.fedavg.loss, c.fedavg.work)], loss_star=c.loss_star))
    assert all(np.isfinite(v) or np.isnan(v) for t in loss.data for v in t.y)


def test_loss_figure_has_rounds_on_the_left_and_computation_on_the_right():
    _, c = _comparison()
    fig = _valid(loss_figure([(r.name, r.loss, r.work) for r in (c.gd, c.fedsgd, c.fedavg)], loss_star=c.loss_star))
    left = [t.name for t in fig.data if t.xaxis in (None, "x")]
    right = [t for t in fig.data if t.xaxis == "x2"]
    assert left == ["FedSGD", "FedAvg (E = 20)"]  # centralized GD has no rounds of communication
    assert [t.name for t in right] == ["centralized GD", "FedSGD", "FedAvg (E = 20)"]
    assert right[0].x[-1] == right[2].x[-1] == c.gd.work[-1]  # the same computation budget
    assert fig.layout.yaxis.type == "log" and fig.layout.xaxis.type == "log"


def test_split_figure_colours_each_sample_by_its_client():
    surface, c = _comparison()
    ds = surface.dataset
    fig = _valid(split_figure(ds.x, ds.y, c.split.client_of(), c.split.counts.tolist(), feature=ds.feature,
                              target=ds.target, classification=True))
    assert [t.name for t in fig.data] == [f"client {j + 1} (n = {n})" for j, n in enumerate(c.split.counts)]
    assert sum(len(t.x) for t in fig.data) == surface.n
    many = fed.split_data(get_surface("diabetes-scaled"), 20, "regions")
    d = get_surface("diabetes-scaled").dataset
    fig = _valid(split_figure(d.x, d.y, many.client_of(), many.counts.tolist(), feature=d.feature,
                              target=d.target, classification=False))
    (trace,) = fig.data
    assert len(set(trace.marker.color)) == len(CLIENT_COLOURS) and len(trace.x) == 442
