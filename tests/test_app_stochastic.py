"""AppTest: the Learning-from-data page, and data surfaces with mini-batches in the playground."""

import json

import numpy as np

from tests.apptest import charts_by_key, figure_traces, new_session, no_exception, open_page

PAGE = "pages/stochastic.py"


def _open(**query):
    return open_page(PAGE, **query)



def test_the_page_races_batch_gd_sgd_and_a_mini_batch_over_seeds():
    at = _open()
    no_exception(at)
    assert not at.error
    assert set(charts_by_key(at)) >= {"paths", "bands", "poll_fig", "fits"}
    table = at.dataframe[0].value
    assert list(table["contender"]) == ["batch GD (B = N = 200)", "SGD (B = 1)", "mini-batch (B = 16)"]
    assert list(table["updates per epoch"]) == [1, 200, 13]
    assert list(table["samples processed"]) == [4000, 4000, 4000]  # 20 epochs of 200 samples each
    # Per epoch, the noisy contenders get much further than batch GD's 20 updates.
    gaps = list(table["final L − L* (median)"])
    assert gaps[1] < gaps[0] and gaps[2] < gaps[0]
    names = [t.get("name") for t in figure_traces(at, "paths")]
    assert "mini-batch (B = 16)" in names and "SGD (B = 1): other seeds" in names  # the spread over seeds


def test_controls_change_the_race_and_the_axis():
    at = _open()
    before = charts_by_key(at)["bands"]
    at.radio(key="axis").set_value("samples processed").run()
    no_exception(at)
    assert charts_by_key(at)["bands"] != before
    at.select_slider(key="b").set_value(4).run()
    no_exception(at)
    assert at.dataframe[0].value["contender"][2] == "mini-batch (B = 4)"
    at.slider(key="poll").set_value(7).run()
    no_exception(at)
    assert any("update 7" in m.value for m in at.markdown)


def test_a_seed_count_and_sampling_from_the_link():
    at = _open(seeds="3", sampling="with replacement", data="iris", scaled="false")
    no_exception(at)
    table = at.dataframe[0].value
    assert table["contender"][0] == "batch GD (B = N = 100)"
    assert table["spread over seeds"][0].count("…") == 1


def test_a_diverging_step_size_says_so():
    at = _open(lr="5", scaled="false")
    no_exception(at)
    assert any("diverged" in w.value for w in at.warning)


def test_playground_runs_mini_batches_on_a_data_surface_reproducibly():
    at = new_session(surface="line-scaled", batch="8", seed="3", lr="0.05", steps="100").run()
    no_exception(at)
    assert not at.warning  # every link value was used
    figs = charts_by_key(at)
    assert {"contour", "fit"} <= set(figs)
    same = new_session(surface="line-scaled", batch="8", seed="3", lr="0.05", steps="100").run()
    other = new_session(surface="line-scaled", batch="8", seed="4", lr="0.05", steps="100").run()
    assert charts_by_key(same)["contour"] == figs["contour"]
    assert charts_by_key(other)["contour"] != figs["contour"]
    full = new_session(surface="line-scaled", lr="0.05", steps="100").run()
    assert charts_by_key(full)["contour"] != figs["contour"]


def test_playground_refuses_mini_batch_values_it_cannot_use():
    at = new_session(surface="line", batch="0", seed="x").run()
    no_exception(at)
    text = " ".join(w.value for w in at.warning)
    assert "batch=0 is not one of the batch sizes" in text and "seed=x is not a whole number" in text
    at = new_session(surface="rosenbrock", batch="8").run()
    no_exception(at)
    assert "applies to data surfaces only" in " ".join(w.value for w in at.warning)


def _array(value) -> np.ndarray:
    """A Plotly JSON array: a list, or Plotly 7's base64 typed array {"dtype", "bdata"}."""
    if isinstance(value, dict):
        import base64

        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    return np.asarray(value, dtype=float)


def test_playground_data_surface_contour_holds_the_minimum():
    from surfaces import get_surface

    at = new_session(surface="diabetes").run()
    no_exception(at)
    surface = get_surface("diabetes")
    fig = charts_by_key(at)["contour"]
    fig = json.loads(fig) if isinstance(fig, str) else fig
    star = next(t for t in fig["data"] if t.get("name") == "global minimum")
    np.testing.assert_allclose([_array(star["x"])[0], _array(star["y"])[0]], surface.minima[0].point)
